// Tests of `fastgnn train --method ...` and `fastgnn preprocess`: a short run of every method on Cora, the method
// training defaults, the batch cache round trip, and one-line errors for impossible options.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildInferenceBatches, METHOD_NAMES, MethodOptionError, resolveMethodOptions, type MethodName, type MethodOptions } from '../../src/batching/methods.js';
import { loadDataset } from '../../src/graph/io/index.js';
import { prepareData } from '../../src/train/prepare.js';
import type { TrainReport } from '../../src/train/report.js';
import { sharedPath, tempDir } from '../helpers/paths.js';
import { CORA_NPZ, readJson, runCli, SMALL } from './cli.js';

describe('fastgnn train with every mini-batching method', () => {
  let dir = '';
  const reports = new Map<MethodName, TrainReport>();
  before(() => {
    dir = tempDir('minibatch');
    for (const m of METHOD_NAMES) {
      const file = join(dir, `${m}.json`);
      const r = runCli(['train', '--data', CORA_NPZ, '--method', m, '--epochs', '4', '--quiet', '--report', file, ...SMALL[m]]);
      assert.equal(r.code, 0, `${m}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`method ${m}: \\d+ batch(es)?/epoch  preprocess [\\d.]+ s`));
      reports.set(m, readJson<TrainReport>(file));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the method, its options, preprocessing separately from training, and a validation history', () => {
    for (const [m, r] of reports) {
      assert.equal(r.method, m);
      assert.equal(r.epochs_run, 4, m);
      assert.equal(r.preprocess_source, 'computed', m);
      // full-graph training builds no batches; every other method times its batch or sampler set-up
      if (m === 'full') assert.equal(r.preprocess_time_s, 0);
      else assert.ok(r.preprocess_time_s > 0, `${m}: preprocess_time_s ${r.preprocess_time_s}`);
      assert.ok(r.train_time_s > 0 && r.batches_per_epoch >= 1, m);
      assert.equal(r.val_history.length, 4, m);
      r.val_history.forEach(([t, acc], i) => {
        assert.ok(t > 0 && acc >= 0 && acc <= 1, `${m}: history point ${i}`);
        if (i > 0) assert.ok(t > r.val_history[i - 1][0], `${m}: training time grows`);
      });
      assert.ok(Math.abs(r.val_history[r.val_history.length - 1][0] - r.train_time_s) < 0.05 || m === 'full', m);
      assert.ok(r.test_acc > 1 / 7, `${m}: test acc ${r.test_acc} above chance`);
    }
    assert.deepEqual(reports.get('neighbor')!.method_options, { fanouts: [6, 5], batchSize: 64, inferenceTopk: 16 });
    assert.ok(reports.get('ibmb-node')!.batches_per_epoch >= 2);
  });

  it('times both IBMB batched and layer-wise inference for every method, each method evaluating with its own', () => {
    const own: Record<MethodName, string> = {
      full: 'full', 'ibmb-node': 'ibmb', 'ibmb-batch': 'ibmb', 'cluster-gcn': 'layerwise', 'saint-rw': 'layerwise', neighbor: 'layerwise', 'shadow-ppr': 'layerwise',
    };
    for (const [m, r] of reports) {
      assert.equal(r.inference.method, own[m], m);
      assert.ok(r.inference.time_ms > 0, m);
      assert.ok((r.inference.ibmb_ms ?? 0) > 0 && (r.inference.layerwise_ms ?? 0) > 0, `${m}: ${JSON.stringify(r.inference)}`);
      assert.ok((r.inference.ibmb_batches ?? 0) >= 1, m);
    }
  });

  it('uses the IBMB paper training setup for IBMB methods and no weight decay for GraphSAINT', () => {
    for (const m of ['ibmb-node', 'ibmb-batch'] as const) {
      const t = reports.get(m)!.config.training;
      assert.deepEqual([t.lr, t.scheduler, t.patience, t.weightDecay], [1e-3, 'plateau', 100, 1e-4], m);
      assert.equal(reports.get(m)!.method_options.batchOrder, 'order');
    }
    assert.equal(reports.get('saint-rw')!.config.training.weightDecay, 0);
    const full = reports.get('full')!.config.training;
    assert.deepEqual([full.lr, full.scheduler, full.patience], [0.01, 'none', null]);
  });

  it('lets the user override a method default', () => {
    const file = join(dir, 'override.json');
    const r = runCli(['train', '--data', CORA_NPZ, '--method', 'ibmb-node', '--outputs-per-batch', '50', '--epochs', '2', '--lr', '0.01',
      '--scheduler', 'none', '--batch-order', 'rand', '--eval-every', '2', '--inference', 'layerwise', '--quiet', '--report', file]);
    assert.equal(r.code, 0, r.stderr);
    const rep = readJson<TrainReport>(file);
    assert.deepEqual([rep.config.training.lr, rep.config.training.scheduler, rep.method_options.batchOrder], [0.01, 'none', 'rand']);
    assert.equal(rep.val_history.length, 1);
    assert.equal(rep.inference.method, 'layerwise');
  });
});

describe('fastgnn preprocess and train --batches', () => {
  let dir = '';
  before(() => (dir = tempDir('preprocess')));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a batch cache that train reuses, reporting the cached preprocessing time and training identically', () => {
    const cache = join(dir, 'cora.fgb');
    const p = runCli(['preprocess', '--data', CORA_NPZ, '--method', 'ibmb-node', '--outputs-per-batch', '50', '--out', cache]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /ibmb-node: \d+ training batches, \d+ inference batches/);
    const printed = Number(/preprocessing time ([\d.]+) s/.exec(p.stdout)![1]);
    const common = ['train', '--data', CORA_NPZ, '--epochs', '3', '--quiet', '--lr', '0.01'];
    const a = runCli([...common, '--batches', cache, '--report', join(dir, 'cached.json')]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /\(from cache .*cora\.fgb\)/);
    const b = runCli([...common, '--method', 'ibmb-node', '--outputs-per-batch', '50', '--report', join(dir, 'fresh.json')]);
    assert.equal(b.code, 0, b.stderr);
    const cached = readJson<TrainReport>(join(dir, 'cached.json'));
    const fresh = readJson<TrainReport>(join(dir, 'fresh.json'));
    assert.equal(cached.method, 'ibmb-node');
    assert.equal(cached.preprocess_source, 'cache');
    assert.equal(cached.batch_cache, cache);
    assert.ok(Math.abs(cached.preprocess_time_s - printed) < 1e-3);
    assert.deepEqual(cached.val_history.map((h) => h[1]), fresh.val_history.map((h) => h[1]));
    assert.equal(cached.batches_per_epoch, fresh.batches_per_epoch);
  });

  it('refuses a cache built for another dataset or split, or options that would change it', () => {
    const cache = join(dir, 'batch.fgb');
    assert.equal(runCli(['preprocess', '--data', CORA_NPZ, '--method', 'ibmb-batch', '--num-parts', '4', '--out', cache]).code, 0);
    const citeseer = sharedPath('datasets', 'npz', 'citeseer.npz');
    const cases: Array<[string[], RegExp]> = [
      [['--data', citeseer], /^fastgnn train: --batches: .*built for dataset 'cora'/],
      [['--data', CORA_NPZ, '--seed', '5'], /^fastgnn train: --batches: .*not this run's 140 train nodes/],
      [['--data', CORA_NPZ, '--num-parts', '8'], /^fastgnn train: --num-parts: cannot change cached batches/],
      [['--data', CORA_NPZ, '--method', 'neighbor'], /^fastgnn train: --method: is 'neighbor' but the batch cache .* holds 'ibmb-batch' batches/],
    ];
    for (const [args, re] of cases) {
      const r = runCli(['train', '--batches', cache, '--epochs', '1', '--quiet', ...args]);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr.trim(), re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  it('builds fixed batches only', () => {
    const r = runCli(['preprocess', '--data', CORA_NPZ, '--method', 'neighbor', '--out', join(dir, 'x.fgb')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--method.*'neighbor' is invalid.*ibmb-node, ibmb-batch/);
  });
});

describe('impossible method options', () => {
  it('fail with one line naming the option and what was expected', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--method', 'ibmb-node', '--topk', '0'], /--topk.*'0' is invalid\. Expected a positive integer/],
      [['--method', 'ibmb-node', '--alpha', '1'], /--alpha.*Expected a number in \(0, 1\)/],
      [['--method', 'shadow-ppr', '--alpha', '0'], /--alpha.*Expected a number in \(0, 1\)/],
      [['--method', 'cluster-gcn', '--num-parts', '5000'], /^fastgnn train: --num-parts: expected an integer in \[1, 2708\] \(the graph has 2708 nodes\), got 5000$/],
      [['--method', 'cluster-gcn', '--num-parts', '4', '--parts-per-batch', '5'], /^fastgnn train: --parts-per-batch: expected an integer in \[1, 4\]/],
      [['--method', 'ibmb-batch', '--num-parts', '3000'], /^fastgnn train: --num-parts: expected an integer in \[1, 2708\]/],
      [['--method', 'neighbor', '--fanouts', '6,0'], /--fanouts.*Expected comma-separated integers >= 1/],
      [['--method', 'neighbor', '--fanouts', '6,5,5'], /^fastgnn train: --fanouts: expected one fanout per graph layer \(2\), got 6,5,5$/],
      [['--method', 'ibmb-node', '--inference-topk', '0'], /--inference-topk.*'0' is invalid\. Expected a positive integer/],
      [['--method', 'ibmb-batch', '--inference-topk', '8'], /^fastgnn train: --inference-topk: does not apply to method 'ibmb-batch'/],
      [['--method', 'neighbor', '--topk', '4'], /^fastgnn train: --topk: does not apply to method 'neighbor' \(only to ibmb-node, shadow-ppr\)$/],
      [['--method', 'full', '--eval-every', '2'], /^fastgnn train: --eval-every: applies to mini-batch methods only/],
      [['--method', 'full', '--probe-every', '2'], /^fastgnn train: --probe-every: applies to mini-batch methods only; full-batch training has one batch an epoch$/],
      [['--multiscale', 'coarse-to-fine', '--probe-every', '2'], /^fastgnn train: --probe-every: applies to mini-batch methods only, not to --multiscale$/],
      [['--method', 'neighbor', '--probe-every', '0'], /--probe-every.*'0' is invalid\. Expected a positive integer/],
      [['--method', 'neighbor', '--probe-batches', '5'], /^fastgnn train: --probe-batches: limits the probes of --probe-every, which is not set$/],
      [['--multiscale', 'coarse-to-fine', '--probe-batches', '5'], /^fastgnn train: --probe-batches: applies to mini-batch methods only, not to --multiscale$/],
      [['--method', 'neighbor', '--probe-every', '2', '--probe-batches', '0'], /--probe-batches.*'0' is invalid\. Expected a positive integer/],
      [['--method', 'full', '--inference', 'ibmb'], /^fastgnn train: --inference: full-batch training evaluates the whole graph/],
      [['--method', 'bogus'], /--method.*'bogus' is invalid/],
    ];
    for (const [args, re] of cases) {
      const r = runCli(['train', '--data', CORA_NPZ, '--epochs', '1', '--quiet', ...args]);
      assert.equal(r.code, 1, args.join(' '));
      const err = r.stderr.trim().split('\n')[0];
      assert.match(err, re, args.join(' '));
    }
  });

  it('rejects an empty output set in the library API', async () => {
    const cora = await loadDataset(CORA_NPZ);
    const data = prepareData(cora);
    const empty = { train: new Int32Array(0), val: Int32Array.of(1), test: Int32Array.of(2) };
    assert.throws(() => resolveMethodOptions('ibmb-node', {}, { data, split: empty, seed: 0, layers: 2 }),
      (e: unknown) => e instanceof MethodOptionError && e.option === 'outputs' && /train split is empty; expected at least one output node/.test(e.message));
    assert.throws(() => resolveMethodOptions('ibmb-node', { alpha: 1.2 }, { data, split: cora.split ?? { train: Int32Array.of(0), val: Int32Array.of(1), test: Int32Array.of(2) }, seed: 0, layers: 2 }),
      /alpha: expected a number in \(0, 1\), got 1\.2/);
  });

  it('builds IBMB inference batches with inferenceTopk auxiliary nodes per output (default: topk)', async () => {
    const cora = await loadDataset(CORA_NPZ);
    const data = prepareData(cora);
    const range = (a: number, b: number): Int32Array => Int32Array.from({ length: b - a }, (_, i) => a + i);
    const inp = { data, split: { train: range(0, 140), val: range(140, 190), test: range(1708, 1758) }, seed: 0, layers: 2 };
    const sizes = async (given: MethodOptions): Promise<number> => {
      const r = resolveMethodOptions('ibmb-node', { ...given, threads: 1 }, inp);
      return (await buildInferenceBatches('ibmb-node', r, inp)).reduce((n, b) => n + b.nodes.length, 0);
    };
    assert.equal(resolveMethodOptions('ibmb-node', { topk: 5 }, inp).inferenceTopk, 5);
    assert.equal(resolveMethodOptions('neighbor', {}, inp).inferenceTopk, 16);
    const [k4, k4b, k32] = [await sizes({ topk: 4 }), await sizes({ topk: 32, inferenceTopk: 4 }), await sizes({ inferenceTopk: 32 })];
    assert.equal(k4, k4b); // the training top-k does not change the inference batches once inferenceTopk is given
    assert.ok(k32 > 1.5 * k4, `${k32} vs ${k4} auxiliary rows`);
  });
});
