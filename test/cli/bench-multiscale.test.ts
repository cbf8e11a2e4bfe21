// Tests of `fastgnn bench --multiscale`: plain and coarse-to-fine x one seed on Cora give one table, a JSON
// comparison with the stated target, work and memory per configuration, and the SVG plot; bad lists and flags
// that do not apply fail with one line; runs go seed by seed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseMultiscaleConfigs, type MultiscaleSummary } from '../../src/cli/bench-multiscale.js';
import { runConfigs } from '../../src/cli/bench-runs.js';
import type { TrainReport } from '../../src/train/report.js';
import { tempDir } from '../helpers/paths.js';
import { checkPlot, checkTarget, CORA_NPZ, readJson, runCli, type CliResult } from './cli.js';

interface BenchJson {
  seeds: number;
  budget: string;
  notes: string;
  target: { fraction: number; best_config: string; best_val_acc: number; val_acc: number; statement: string };
  configs: MultiscaleSummary[];
  runs: Array<{ config: string; seed: number; report: TrainReport }>;
}

describe('fastgnn bench --multiscale', () => {
  let dir = '';
  let res: CliResult;
  before(() => {
    dir = tempDir('bench-ms');
    res = runCli(['bench', '--data', CORA_NPZ, '--multiscale', 'plain,coarse-to-fine:topk', '--seeds', '1', '--epochs', '4',
      '--multiscale-epochs', '2', '--report', join(dir, 'bench.json'), '--plot', join(dir, 'bench.svg')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one table with plain and each configuration, and states the target and the budgets', () => {
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /plain 4 epochs; multiscale E = 2 \(coarse-to-fine: E \* 2\^l epochs at level l\), 2 levels/);
    assert.match(res.stdout, /target validation accuracy [\d.]+% = 98% of the best configuration's best validation accuracy \((plain|coarse-to-fine:topk): [\d.]+%/);
    assert.match(res.stdout, /^config +test acc % +to target s +train s +total s +train GFLOP +total GFLOP +dense GFLOP +sparse GFLOP +M n\+e +peak RSS MiB +level MiB +last phase$/m);
    assert.match(res.stdout, /^plain +\d+\.\d\d ± 0\.00 .* full-graph$/m);
    assert.match(res.stdout, /^coarse-to-fine:topk +\d+\.\d\d ± 0\.00 .* full-graph$/m);
  });

  it('runs plain as one full-graph level and coarse-to-fine with its levels, each in its own process', () => {
    const j = readJson<BenchJson>(join(dir, 'bench.json'));
    const plain = j.runs.find((r) => r.config === 'plain')!.report;
    const c2f = j.runs.find((r) => r.config === 'coarse-to-fine:topk')!.report;
    assert.deepEqual([plain.multiscale!.levels, plain.epochs_run, plain.multiscale!.cost.levels.length], [1, 4, 1]);
    assert.deepEqual([c2f.multiscale!.coarsen, c2f.epochs_run, c2f.multiscale!.epochs_per_level], ['topk', 6, [2, 4]]);
    assert.deepEqual([plain.config.training.splitSeed, c2f.config.training.splitSeed], [0, 0]);
  });

  it('writes JSON with the target, accuracy, time to target, work and memory per configuration', () => {
    const j = readJson<BenchJson>(join(dir, 'bench.json'));
    assert.equal(j.seeds, 1);
    assert.deepEqual(j.configs.map((c) => c.config), ['plain', 'coarse-to-fine:topk']);
    checkTarget({ ...j.target, best: j.target.best_config }, j.configs.map((c) => ({
      ...c, name: c.config, val_history: j.runs.find((r) => r.config === c.config)!.report.val_history,
    })));
    assert.match(j.notes, /peak RSS: the run's own child process/);
    for (const c of j.configs) {
      const run = j.runs.find((r) => r.config === c.config)!.report;
      const ms = run.multiscale!;
      assert.deepEqual([c.runs, c.failed.length, c.test_acc_std], [1, 0, 0], c.config);
      assert.equal(c.test_acc_mean, run.test_acc);
      assert.equal(c.train_gflop, ms.cost.total.train_flops / 1e9);
      assert.equal(c.total_gflop, ms.cost.total.flops / 1e9);
      assert.deepEqual([c.dense_gflop, c.sparse_gflop], [ms.cost.total.dense_flops / 1e9, ms.cost.total.sparse_flops / 1e9]);
      // Cora's features are sparse: the first layer's product with them counts as sparse work, the rest is dense
      assert.ok(c.dense_gflop > 0 && c.sparse_gflop > 0 && Math.abs(c.dense_gflop + c.sparse_gflop - c.total_gflop) <= 1e-12 * c.total_gflop, c.config);
      assert.ok(c.train_gflop > 0 && c.total_gflop > c.train_gflop, c.config);
      assert.ok(c.total_time_s >= c.train_time_s && c.train_time_s > 0, c.config);
      assert.ok(c.peak_rss_mb > 0 && c.max_level_tensor_mb > 0, c.config);
      assert.deepEqual([c.last_phase, c.last_phase_full_graph], ['full-graph', true]);
    }
    // coarse-to-fine's coarse level is cheaper per step than its full graph
    const lv = j.runs.find((r) => r.config === 'coarse-to-fine:topk')!.report.multiscale!.cost.levels;
    assert.ok(lv[1].flops / lv[1].steps < lv[0].flops / lv[0].steps);
  });

  it('writes an SVG plot with one polyline per configuration', () => {
    checkPlot(join(dir, 'bench.svg'), ['plain', 'coarse-to-fine:topk']);
  });

  it('rejects bad configuration lists and flags that do not apply, with one line', () => {
    const out = join(dir, 'x.json');
    const cases: Array<[string[], RegExp]> = [
      [['--multiscale', 'plain,coarse-to-fine:kmeans'], /option '--multiscale <list>' argument 'plain,coarse-to-fine:kmeans' is invalid\. 'coarse-to-fine:kmeans': coarsening 'kmeans' is not one of/],
      [['--multiscale', 'plain,sub-to-full:topk'], /sub-to-full coarsens by ego-network subgraphs only; use coarse-to-fine:topk/],
      [['--multiscale', 'plain', '--methods', 'full'], /^fastgnn bench: --multiscale: .*expected either --methods or --multiscale, not both$/],
      [['--multiscale', 'plain', '--batch-size', '64'], /^fastgnn bench: --batch-size: applies to --methods runs/],
      [['--methods', 'full', '--levels', '3'], /^fastgnn bench: --levels: applies to --multiscale comparisons only$/],
      [['--multiscale', 'coarse-to-fine,coarse-to-fine:random'], /^fastgnn bench: --multiscale: 'coarse-to-fine:random' is listed twice/],
      [['--multiscale', 'coarse-to-fine:topk,coarse-to-fine:matching', '--level-ratio', '0.3'],
        /^fastgnn bench: --level-ratio: 0\.3 applies to every configuration, and 'coarse-to-fine:matching' needs 1\/2\^k/],
      [[], /^fastgnn bench: expected --methods <list> \(mini-batching methods\) or --multiscale <list>/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['bench', '--data', CORA_NPZ, '--report', out, ...args]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr.split('\n')[0], message);
    }
  });
});

describe('bench runs', () => {
  it('run seed by seed, every configuration\'s seed 0 before any seed 1, and record failed runs per configuration', () => {
    const calls: Array<[string, number]> = [];
    const results = runConfigs(['a', 'b'], 2, (name, seed, report) => {
      calls.push([name, seed]);
      return ['no-such-command', '--report', report]; // fails at once: the order is what this checks
    }, () => '');
    assert.deepEqual(calls, [['a', 0], ['b', 0], ['a', 1], ['b', 1]]);
    for (const name of ['a', 'b']) assert.deepEqual(results.get(name)!.failed.map((f) => f.seed), [0, 1]);
  });
});

describe('fastgnn bench --multiscale with a mini-batched level 0', () => {
  it('trains level 0 of @<method> configurations with that method and its option flags, evaluating the full graph', () => {
    const dir = tempDir('bench-ms-batched');
    try {
      const r = runCli(['bench', '--data', CORA_NPZ, '--multiscale', 'plain,plain@neighbor,coarse-to-fine:topk@neighbor', '--seeds', '1',
        '--epochs', '3', '--multiscale-epochs', '2', '--fanouts', '3,2', '--batch-size', '70', '--report', join(dir, 'b.json')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^plain@neighbor +\d+\.\d\d ± 0\.00 .* mini-batch$/m);
      assert.match(r.stdout, /^coarse-to-fine:topk@neighbor +\d+\.\d\d ± 0\.00 .* mini-batch$/m);
      const j = readJson<BenchJson>(join(dir, 'b.json'));
      assert.deepEqual(j.configs.map((c) => [c.config, c.method]), [['plain', null], ['plain@neighbor', 'neighbor'], ['coarse-to-fine:topk@neighbor', 'neighbor']]);
      const report = (name: string): TrainReport => j.runs.find((x) => x.config === name)!.report;
      for (const name of ['plain@neighbor', 'coarse-to-fine:topk@neighbor']) {
        const rep = report(name);
        assert.deepEqual([rep.method, rep.multiscale!.fine_level, rep.method_options.fanouts, rep.method_options.batchSize], ['neighbor', 'neighbor', [3, 2], 70], name);
      }
      // 140 training nodes in batches of 70: two steps per level-0 epoch
      assert.deepEqual(report('plain@neighbor').multiscale!.cost.levels.map((l) => l.steps), [6]);
      assert.deepEqual(report('coarse-to-fine:topk@neighbor').multiscale!.epochs_per_level, [2, 4]);
      assert.equal(report('plain').method, 'full');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('multiscale bench configurations', () => {
  it('parse @<method> after a plain, coarse-to-fine or sub-to-full configuration', () => {
    assert.deepEqual(parseMultiscaleConfigs('plain@ibmb-node,coarse-to-fine:random@neighbor,sub-to-full@cluster-gcn'), [
      { schedule: 'plain', method: 'ibmb-node' }, { schedule: 'coarse-to-fine', coarsen: 'random', method: 'neighbor' },
      { schedule: 'sub-to-full', coarsen: undefined, method: 'cluster-gcn' },
    ]);
    assert.throws(() => parseMultiscaleConfigs('multiscale-grad:matching@ibmb-node'), /the multiscale gradient evaluates the full graph at level 0 in every step/);
    assert.throws(() => parseMultiscaleConfigs('plain@full'), /'plain@full': after @ expected a mini-batching method \(ibmb-node, /);
    assert.throws(() => parseMultiscaleConfigs('plain@sgd'), /'plain@sgd': after @ expected a mini-batching method/);
    assert.throws(() => parseMultiscaleConfigs('plain@neighbor@x'), /after @ expected a mini-batching method/);
  });

  it('parse schedules with an optional coarsening method', () => {
    assert.deepEqual(parseMultiscaleConfigs('plain, coarse-to-fine:topk,sub-to-full,multiscale-grad'), [
      { schedule: 'plain' }, { schedule: 'coarse-to-fine', coarsen: 'topk' }, { schedule: 'sub-to-full', coarsen: undefined },
      { schedule: 'multiscale-grad', coarsen: undefined },
    ]);
    assert.throws(() => parseMultiscaleConfigs('plain:topk'), /'plain:topk' is not plain, coarse-to-fine/);
    assert.throws(() => parseMultiscaleConfigs('c2f'), /'c2f' is not plain/);
  });
});
