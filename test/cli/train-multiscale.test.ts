// Tests of `fastgnn train --multiscale`: each schedule on Cora writes the plain report fields plus a `multiscale`
// section whose per-level costs add up and shrink with the level; a mini-batched fine level; the checkpoint; and a
// one-line error naming the flag for each kind of bad input.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainReport } from '../../src/train/report.js';
import { tempDir } from '../helpers/paths.js';
import { CORA_NPZ, readJson, runCli } from './cli.js';

type MultiscaleSection = NonNullable<TrainReport['multiscale']>;
const REQUIRED = ['dataset', 'model', 'method', 'seed', 'epochs_run', 'best_epoch', 'val_acc', 'test_acc', 'train_time_s', 'epoch_time_ms',
  'inference_time_ms', 'peak_rss_mb', 'params', 'val_history', 'multiscale'];

/** Checks every level's cost is positive, coarse levels are smaller (and, unless `perStepShrinks` is false, cost less
 *  per step) than level 0, and the totals add up. */
function checkCosts(m: MultiscaleSection, perStepShrinks = true): void {
  const levels = m.cost.levels;
  assert.deepEqual(levels.map((l) => l.level), Array.from({ length: m.levels }, (_, l) => l));
  for (const l of [...levels, m.cost.evaluation]) {
    assert.ok(l.steps > 0 && l.flops > 0 && l.nodes_touched > 0 && l.edges_touched > 0 && l.wall_s > 0 && l.tensor_mb > 0 && l.rss_mb > 0,
      `level ${l.level}: ${JSON.stringify(l)}`);
    // Cora's sparse features: the first layer's product is sparse work, the second layer's GEMM dense
    assert.ok(l.dense_flops > 0 && l.sparse_flops > 0 && Math.abs(l.dense_flops + l.sparse_flops - l.flops) <= 1e-9 * l.flops, `level ${l.level}`);
  }
  for (const l of levels.slice(1)) {
    assert.ok(l.nodes < levels[0].nodes, `level ${l.level} has ${l.nodes} nodes, level 0 ${levels[0].nodes}`);
    if (perStepShrinks) assert.ok(l.flops / l.steps < levels[0].flops / levels[0].steps, `level ${l.level} costs more per step than level 0`);
    assert.ok(l.tensor_mb < levels[0].tensor_mb);
  }
  const sum = (f: (l: (typeof levels)[number]) => number): number => levels.reduce((s, l) => s + f(l), 0);
  assert.ok(Math.abs(m.cost.total.flops - sum((l) => l.flops) - m.cost.evaluation.flops) <= 1e-6 * m.cost.total.flops);
  assert.equal(m.cost.total.train_flops, sum((l) => l.flops));
  assert.ok(Math.abs(m.cost.total.dense_flops - sum((l) => l.dense_flops) - m.cost.evaluation.dense_flops) <= 1e-6 * m.cost.total.flops);
  assert.ok(Math.abs(m.cost.total.sparse_flops - sum((l) => l.sparse_flops) - m.cost.evaluation.sparse_flops) <= 1e-6 * m.cost.total.flops);
  assert.equal(m.cost.total.nodes_touched, sum((l) => l.nodes_touched) + m.cost.evaluation.nodes_touched);
  assert.equal(m.cost.total.steps, sum((l) => l.steps));
  assert.ok(m.cost.evaluation.steps > 0 && m.cost.evaluation.nodes === 2708);
  assert.ok(m.cost.peak_rss_mb > 0 && m.wall_s > 0);
}

/** `evaluations`: the evaluations the run's cadence gives (by default every epoch at level 0, every 2^l-th at level l). */
function checkPlainFields(r: TrainReport, epochs: number, evaluations: number): void {
  for (const key of REQUIRED) assert.ok(key in r, `report lacks '${key}'`);
  assert.equal(r.dataset, 'cora');
  assert.equal(r.model, 'gcn');
  assert.equal(r.epochs_run, epochs);
  assert.equal(r.val_history.length, evaluations, 'one entry per evaluation');
  assert.equal(r.multiscale!.cost.evaluation.steps, evaluations);
  assert.ok(r.val_history.every(([t], i) => t > 0 && (i === 0 || t >= r.val_history[i - 1][0])), 'training seconds never decrease');
  assert.equal(r.val_acc, Math.max(...r.val_history.map(([, v]) => v)), 'val_acc is the best evaluation');
  if (evaluations === epochs) assert.equal(r.val_history[r.best_epoch][1], r.val_acc);
  assert.ok(r.test_acc > 0.2 && r.test_acc <= 1, `test acc ${r.test_acc}`);
  assert.ok(r.epoch_time_ms > 0 && r.inference_time_ms > 0 && r.train_time_s > 0 && r.peak_rss_mb > 0);
  assert.equal(r.params, 1433 * 64 + 64 + 64 * 7 + 7);
}

describe('fastgnn train --multiscale', () => {
  let dir = '';
  before(() => {
    dir = tempDir('train-ms');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('coarse-to-fine trains E * 2^l epochs per level from the coarsest, ending on the full graph, and saves a checkpoint', () => {
    const report = join(dir, 'c2f.json');
    const r = runCli(['train', '--data', CORA_NPZ, '--epochs', '2', '--multiscale', 'coarse-to-fine', '--coarsen', 'topk', '--levels', '3',
      '--report', report, '--log', join(dir, 'c2f.jsonl'), '--save', join(dir, 'c2f.safetensors')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^epoch 14\/14 /m);
    assert.match(r.stdout, /multiscale coarse-to-fine \(topk, 3 levels, power 1, ratio 0\.5\): L0 2 steps [\d.]+ GFLOP \(dense [\d.]+ \+ sparse [\d.]+\) [\d.]+ s, L1 4 steps .*; 6 evaluations [\d.]+ s; total [\d.]+ GFLOP \(dense [\d.]+ \+ sparse [\d.]+\) with evaluation/);
    const rep = readJson<TrainReport>(report);
    // level 2 evaluated every 4th of its 8 epochs, level 1 every 2nd of 4, level 0 every epoch
    checkPlainFields(rep, 14, 6);
    assert.equal(rep.method, 'full');
    const m = rep.multiscale!;
    assert.deepEqual([m.schedule, m.coarsen, m.levels, m.power, m.level_ratio, m.mlmc_batch, m.final_full_epochs, m.coarse_eval],
      ['coarse-to-fine', 'topk', 3, 1, 0.5, null, 0, 'scaled']);
    assert.deepEqual(m.planned_epochs_per_level, [2, 4, 8]);
    assert.deepEqual(m.epochs_per_level, [2, 4, 8]);
    assert.deepEqual(m.level_sizes.map((l) => l.nodes), [2708, 1354, 677]);
    assert.deepEqual(m.cost.levels.map((l) => l.steps), [2, 4, 8]);
    assert.deepEqual([m.last_phase, m.last_phase_full_graph, m.fine_level, m.redraws], ['full-graph', true, 'full', false]);
    checkCosts(m);
    // the log has a line per evaluation, with its epoch and level: coarsest first
    const lines = readFileSync(join(dir, 'c2f.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; level: number });
    assert.deepEqual(lines.map((l) => [l.level, l.epoch]), [[2, 3], [2, 7], [1, 9], [1, 11], [0, 12], [0, 13]]);
    // the checkpoint holds the best weights: predict reproduces the reported test accuracy
    const p = runCli(['predict', '--checkpoint', join(dir, 'c2f.safetensors'), '--data', CORA_NPZ, '--out', join(dir, 'p.csv')]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, new RegExp(`test acc ${(100 * rep.test_acc).toFixed(2).replace('.', '\\.')}% on 2358 test nodes`));
  });

  it('sub-to-full coarsens by ego-network subgraphs capped at floor(n / 2) nodes, redrawn every epoch', () => {
    const report = join(dir, 's2f.json');
    const r = runCli(['train', '--data', CORA_NPZ, '--epochs', '3', '--multiscale', 'sub-to-full', '--coarse-eval', 'every', '--quiet', '--report', report]);
    assert.equal(r.code, 0, r.stderr);
    const rep = readJson<TrainReport>(report);
    checkPlainFields(rep, 9, 9);
    const m = rep.multiscale!;
    assert.deepEqual([m.schedule, m.coarsen, m.redraws, m.last_phase, m.coarse_eval], ['sub-to-full', 'subgraph', true, 'full-graph', 'every']);
    assert.deepEqual(m.epochs_per_level, [3, 6]);
    assert.ok(m.level_sizes[1].nodes <= 1354 && m.level_sizes[1].train_nodes >= 1, JSON.stringify(m.level_sizes[1]));
    checkCosts(m);
  });

  it('multiscale-grad runs E estimator epochs over every level, then ceil(E / 10) full-graph epochs', () => {
    const report = join(dir, 'mlmc.json');
    const r = runCli(['train', '--data', CORA_NPZ, '--epochs', '4', '--multiscale', 'multiscale-grad', '--coarsen', 'matching',
      '--mlmc-batch', '16', '--quiet', '--report', report]);
    assert.equal(r.code, 0, r.stderr);
    const rep = readJson<TrainReport>(report);
    checkPlainFields(rep, 5, 5);
    const m = rep.multiscale!;
    assert.deepEqual([m.schedule, m.coarsen, m.mlmc_batch, m.mlmc_epochs, m.final_full_epochs], ['multiscale-grad', 'matching', 16, 4, 1]);
    assert.deepEqual(m.epochs_per_level, [1]);
    assert.deepEqual([m.last_phase, m.last_phase_full_graph], ['full-graph', true]);
    // matching merges pairs: level 1 has between a quarter and all but one of the nodes, and keeps every class's training nodes
    assert.ok(m.level_sizes[1].nodes >= 2708 / 4 && m.level_sizes[1].nodes < 2708, JSON.stringify(m.level_sizes));
    // each estimator epoch steps level 0 (the fine side) and level 1; the final epoch steps level 0
    assert.deepEqual(m.cost.levels.map((l) => l.steps), [5, 4]);
    // level 0's estimator steps ran on the 2-hop balls of their 16 sampled nodes, not on all 2708: an estimator step
    // at level 0 can cost less than one at level 1, whose larger samples cover most of it
    const [l0] = m.cost.levels;
    assert.ok(l0.nodes_touched < 2708 + 4 * 2708 / 2, `level 0 touched ${l0.nodes_touched} nodes in 4 estimator steps and 1 full one`);
    checkCosts(m, false);
  });

  it('coarse-to-fine trains level 0 with a mini-batching method\'s batches', () => {
    const report = join(dir, 'c2f-neighbor.json');
    const r = runCli(['train', '--data', CORA_NPZ, '--epochs', '2', '--multiscale', 'coarse-to-fine', '--coarsen', 'random',
      '--method', 'neighbor', '--batch-size', '64', '--quiet', '--report', report]);
    assert.equal(r.code, 0, r.stderr);
    const rep = readJson<TrainReport>(report);
    checkPlainFields(rep, 6, 4);
    assert.equal(rep.method, 'neighbor');
    assert.equal(rep.batches_per_epoch, 3); // 140 training nodes in batches of 64
    const m = rep.multiscale!;
    assert.deepEqual([m.fine_level, m.last_phase, m.last_phase_full_graph], ['neighbor', 'mini-batch', false]);
    assert.deepEqual(m.cost.levels.map((l) => l.steps), [6, 4]);
    assert.ok(m.cost.levels[0].nodes < 2708, 'level 0 steps ran on sampled subgraphs');
  });
});

const BAD: Array<{ what: string; args: string[]; message: RegExp }> = [
  { what: '--levels 0', args: ['--multiscale', 'coarse-to-fine', '--levels', '0'], message: /option '--levels <n>' argument '0' is invalid\. Expected a positive integer\./ },
  { what: 'a level ratio that leaves a level with no node', args: ['--multiscale', 'coarse-to-fine', '--levels', '3', '--level-ratio', '0.01'],
    message: /^fastgnn train: --level-ratio: 0\.01 leaves level 2 of 3 with floor\(2708 \* 0\.01\^2\) = 0 nodes; expected at least 1/ },
  { what: 'a top-k level ratio that keeps no training node', args: ['--multiscale', 'coarse-to-fine', '--coarsen', 'topk', '--level-ratio', '0.005'],
    message: /^fastgnn train: --level-ratio: 0\.005 leaves level 1 with the 13 highest-degree nodes, none of them one of the 140 training nodes/ },
  { what: 'a random level ratio likely to draw no training node', args: ['--multiscale', 'coarse-to-fine', '--level-ratio', '0.002'],
    message: /^fastgnn train: --level-ratio: 0\.002 leaves level 1 with 5 of 2708 nodes drawn at random; a draw holds none of the 140 training nodes with probability 7\.\d\de-1/ },
  { what: '--power 0', args: ['--multiscale', 'coarse-to-fine', '--power', '0'], message: /option '--power <p>' argument '0' is invalid\. Expected a positive integer\./ },
  { what: 'a power whose A^p exceeds the edge limit', args: ['--multiscale', 'coarse-to-fine', '--power', '3', '--max-power-edges', '1000'],
    message: /^fastgnn train: --power: A\^3 would link about \d\.\d\de\+(4|5) node pairs among the 1354 nodes of level 1 \(~[\d.]+ MiB at 64 bytes per edge\), more than the limit 1\.00e\+3/ },
  { what: 'a matching level ratio other than 1/2^k', args: ['--multiscale', 'coarse-to-fine', '--coarsen', 'matching', '--level-ratio', '0.3'],
    message: /^fastgnn train: --level-ratio: matching halves the graph at most per round, a level being k rounds: expected 1\/2\^k \(0\.5, 0\.25, 0\.125, \.\.\.\), got 0\.3$/ },
  { what: '--power with matching', args: ['--multiscale', 'coarse-to-fine', '--coarsen', 'matching', '--power', '2'], message: /^fastgnn train: --power: applies to the selection methods/ },
  { what: '--coarsen without --multiscale', args: ['--coarsen', 'topk'], message: /^fastgnn train: --coarsen: applies to multiscale training only; expected --multiscale coarse-to-fine\|sub-to-full\|multiscale-grad with it$/ },
  { what: 'sub-to-full with another coarsening', args: ['--multiscale', 'sub-to-full', '--coarsen', 'topk'], message: /^fastgnn train: --coarsen: sub-to-full trains on ego-network subgraphs: expected subgraph/ },
  { what: 'an unknown schedule', args: ['--multiscale', 'fine-to-coarse'], message: /option '--multiscale <schedule>' argument 'fine-to-coarse' is invalid\. Allowed choices are coarse-to-fine, sub-to-full, multiscale-grad\./ },
  { what: 'an unknown coarsening', args: ['--multiscale', 'coarse-to-fine', '--coarsen', 'kmeans'], message: /option '--coarsen <method>' argument 'kmeans' is invalid\. Allowed choices are random, topk, subgraph, rns, matching\./ },
  { what: 'an unknown evaluation cadence', args: ['--multiscale', 'coarse-to-fine', '--coarse-eval', 'never'],
    message: /option '--coarse-eval <mode>' argument 'never' is invalid\. Allowed choices are scaled, every\./ },
  { what: '--coarse-eval without --multiscale', args: ['--coarse-eval', 'every'], message: /^fastgnn train: --coarse-eval: applies to multiscale training only/ },
  { what: '--mlmc-batch with coarse-to-fine', args: ['--multiscale', 'coarse-to-fine', '--mlmc-batch', '8'], message: /^fastgnn train: --mlmc-batch: applies to --multiscale multiscale-grad only/ },
  { what: 'multiscale-grad with a mini-batching method', args: ['--multiscale', 'multiscale-grad', '--method', 'neighbor'], message: /^fastgnn train: --method: is 'neighbor', but the multiscale gradient evaluates the full graph/ },
  { what: '--time-limit with --multiscale', args: ['--multiscale', 'coarse-to-fine', '--time-limit', '5'], message: /^fastgnn train: --time-limit: applies to plain training only; expected no --time-limit with --multiscale$/ },
  { what: '--resume with --multiscale', args: ['--multiscale', 'coarse-to-fine', '--resume', 'x.safetensors'], message: /^fastgnn train: --resume: applies to plain \(full-batch or mini-batch\) training only/ },
];

describe('fastgnn train --multiscale errors', () => {
  for (const c of BAD) {
    it(`rejects ${c.what} with one line naming the flag`, () => {
      const r = runCli(['train', '--data', CORA_NPZ, '--epochs', '3', '--quiet', ...c.args]);
      assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stderr.split('\n')[0], c.message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
