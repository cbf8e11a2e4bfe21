// Tests of `fastgnn bench`: two methods x one seed on Cora produce the table, the JSON comparison with its stated
// target, and the SVG plot; bad method lists fail with one line.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchTable, summarise, timeToTarget, type MethodSummary } from '../../src/cli/bench.js';
import { tempDir } from '../helpers/paths.js';
import { checkPlot, checkTarget, CORA_NPZ, readJson, runCli, type CliResult } from './cli.js';

interface BenchJson {
  seeds: number;
  target: { fraction: number; best_method: string; best_val_acc: number; val_acc: number; statement: string };
  methods: MethodSummary[];
  runs: Array<{
    method: string; seed: number;
    report: { val_history: Array<[number, number]>; config: { training: { scheduler: string } }; inference: { method: string } };
  }>;
}

describe('fastgnn bench', () => {
  let dir = '';
  let res: CliResult;
  before(() => {
    dir = tempDir('bench');
    res = runCli(['bench', '--data', CORA_NPZ, '--methods', 'full,neighbor', '--seeds', '1', '--epochs', '5', '--batch-size', '64',
      '--scheduler', 'plateau', '--inference', 'ibmb', '--report', join(dir, 'bench.json'), '--plot', join(dir, 'bench.svg')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a table with one row per method and states the target', () => {
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /target validation accuracy [\d.]+% = 98% of the best method's best validation accuracy \((full|neighbor): [\d.]+%/);
    assert.match(res.stdout, /^method +test acc %  preproc s  epoch ms  to target s/m);
    assert.match(res.stdout, /^full +\d+\.\d\d ± 0\.00 /m);
    assert.match(res.stdout, /^neighbor +\d+\.\d\d ± 0\.00 /m);
  });

  it('writes JSON with the target and per-method accuracy, times, inference and memory', () => {
    const j = readJson<BenchJson>(join(dir, 'bench.json'));
    assert.equal(j.seeds, 1);
    assert.deepEqual(j.methods.map((m) => m.method), ['full', 'neighbor']);
    for (const m of j.methods) {
      assert.equal(m.runs, 1);
      assert.ok(m.test_acc_mean > 0 && m.test_acc_std === 0, m.method);
      assert.ok(m.epoch_time_ms > 0 && m.peak_rss_mb > 0, m.method);
      // full-graph training builds no batches; the other methods time their sampler set-up
      if (m.method === 'full') assert.equal(m.preprocess_time_s, 0);
      else assert.ok(m.preprocess_time_s > 0, m.method);
      assert.ok((m.ibmb_inference_ms ?? 0) > 0 && (m.layerwise_inference_ms ?? 0) > 0, m.method);
    }
    // --scheduler reaches every run (the others' default is none)
    assert.deepEqual(j.runs.map((r) => r.report.config.training.scheduler), ['plateau', 'plateau']);
    // --inference reaches the mini-batch runs (neighbor's default is layerwise); full-batch training evaluates the whole graph
    assert.deepEqual(j.runs.map((r) => [r.method, r.report.inference.method]), [['full', 'full'], ['neighbor', 'ibmb']]);
    checkTarget({ ...j.target, best: j.target.best_method }, j.methods.map((m) => ({
      ...m, name: m.method, val_history: j.runs.find((r) => r.method === m.method)!.report.val_history,
    })));
  });

  it('writes an SVG plot with one polyline per method', () => {
    checkPlot(join(dir, 'bench.svg'), ['full', 'neighbor']);
  });

  it('rejects an unknown method in --methods with one line', () => {
    const r = runCli(['bench', '--data', CORA_NPZ, '--methods', 'full,nope', '--report', join(dir, 'x.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--methods.*'nope' is not one of full, ibmb-node/);
  });
});

describe('bench summaries', () => {
  type Report = Parameters<typeof summarise>[1][number];
  const rep = (seed: number, hist: Array<[number, number]>, testAcc = 0.8): Report => ({
    seed, test_acc: testAcc, val_acc: 0.75, preprocess_time_s: 0, epoch_time_ms: 10, train_time_s: 1, epochs_run: 3, peak_rss_mb: 100,
    val_history: hist, inference: { method: 'layerwise', time_ms: 5, ibmb_ms: 3, layerwise_ms: 5 },
  }) as unknown as Report;

  it('say "not reached" when no evaluation reaches the target and count the seeds that did', () => {
    assert.equal(timeToTarget([[0.1, 0.5], [0.2, 0.7], [0.3, 0.9]], 0.7), 0.2);
    assert.equal(timeToTarget([[0.1, 0.5]], 0.7), null);
    const s = summarise('neighbor', [rep(0, [[1, 0.8]]), rep(1, [[1, 0.5]])], [], 0.7);
    assert.deepEqual([s.time_to_target_s, s.target_reached], [1, 1]);
    assert.match(benchTable([s], 2), /1\.000 \(1\/2\)/);
    const none = summarise('neighbor', [rep(0, [[1, 0.5]])], [], 0.7);
    assert.match(benchTable([none], 1), /not reached/);
  });

  it('give the mean and the sample standard deviation of the test accuracy over seeds', () => {
    const s = summarise('neighbor', [rep(0, [[1, 0.8]], 0.8), rep(1, [[1, 0.8]], 0.6)], [], 0.7);
    assert.equal(s.runs, 2);
    assert.ok(Math.abs(s.test_acc_mean - 0.7) < 1e-12, `mean ${s.test_acc_mean}`);
    // sample (n - 1) std of {0.8, 0.6}: sqrt(2 * 0.1^2 / 1) = 0.1414...; the population std would be 0.1
    assert.ok(Math.abs(s.test_acc_std - Math.SQRT2 / 10) < 1e-12, `std ${s.test_acc_std}`);
    assert.match(benchTable([s], 2), /^neighbor +70\.00 ± 14\.14 /m);
  });
});
