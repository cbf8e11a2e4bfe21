// Accuracy and speed parity with plain PyTorch: the three reference configurations, side by side in one run.
// Usage: node dist/bench/parity.js [--seeds 10] [--only gcn_cora,gat_cora,gcn_amazon_computers] [--torch-seeds 1]
//        [--no-torch] [--out reports/bench-parity.json]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Dataset, Split } from '../src/graph/dataset.js';
import { loadNpz } from '../src/graph/io/npz.js';
import { loadPlanetoid } from '../src/graph/io/planetoid.js';
import { describeBackend } from '../src/kernels/backend.js';
import { defaultModelConfig, GNN, type ModelConfig } from '../src/nn/models.js';
import { median, trainFullBatch } from '../src/train/full-batch.js';
import { prepareData } from '../src/train/prepare.js';
import { argFlag, argInt, argList, argValue, exitOnHelp, formatTable } from './lib/measure.js';
import { sharedPath } from './lib/paths.js';

const BASELINES = sharedPath('fixtures', 'baselines.json');

interface Config {
  key: string;
  load: () => { d: Dataset; split: Split };
  model: (d: Dataset) => ModelConfig;
  lr: number;
  decayScope: 'all' | 'first';
  normalize: boolean;
}

interface BaselineEntry {
  test_acc_mean: number;
  test_acc_std: number;
  epoch_ms_median: number;
  inference_ms_median: number;
  train_idx?: number[];
  val_idx?: number[];
}

function amazonSplit(d: Dataset, b: BaselineEntry): Split {
  // the exact split the PyTorch baseline used (it lists its train and val ids); test = every other node
  const train = Int32Array.from(b.train_idx ?? []);
  const val = Int32Array.from(b.val_idx ?? []);
  const taken = new Uint8Array(d.labels.length);
  for (const i of train) taken[i] = 1;
  for (const i of val) taken[i] = 1;
  const test: number[] = [];
  for (let i = 0; i < taken.length; i++) if (!taken[i]) test.push(i);
  return { train, val, test: Int32Array.from(test) };
}

function configs(baselines: Record<string, BaselineEntry>): Config[] {
  const planetoid = () => {
    const d = loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora');
    return { d, split: d.split! };
  };
  return [
    {
      key: 'gcn_cora', load: planetoid, lr: 0.01, decayScope: 'first', normalize: true,
      model: (d) => ({ ...defaultModelConfig('gcn', d.features.cols, d.numClasses), hidden: 16 }),
    },
    {
      key: 'gat_cora', load: planetoid, lr: 0.005, decayScope: 'all', normalize: true,
      model: (d) => defaultModelConfig('gat', d.features.cols, d.numClasses),
    },
    {
      key: 'gcn_amazon_computers', lr: 0.01, decayScope: 'first', normalize: false,
      load: () => {
        const d = loadNpz(sharedPath('datasets', 'npz', 'amazon_electronics_computers.npz'));
        return { d, split: amazonSplit(d, baselines.gcn_amazon_computers) };
      },
      model: (d) => ({ ...defaultModelConfig('gcn', d.features.cols, d.numClasses), hidden: 64 }),
    },
  ];
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** population standard deviation (ddof 0), as the PyTorch baselines report theirs, so the two compare */
function std(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}

/** Runs the PyTorch reference script for timing on this machine, now. */
function torchTimings(keys: string[], seeds: number): Record<string, BaselineEntry> | null {
  const out = path.resolve('reports', 'torch-reference-timing.json');
  const script = sharedPath('reference', 'baseline_train.py');
  if (!existsSync('/usr/bin/python3')) return null;
  const r = spawnSync('/usr/bin/python3', [script, '--seeds', String(seeds), '--gat-seeds', String(seeds), '--only', keys.join(','), '--out', out], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) {
    console.error('PyTorch reference run failed (is python3-torch installed? apt-get install python3-torch); timing ratios omitted');
    return null;
  }
  return (JSON.parse(readFileSync(out, 'utf8')) as { results: Record<string, BaselineEntry> }).results;
}

function main(): void {
  const seeds = argInt('seeds', 10);
  const only = argList('only', ['gcn_cora', 'gat_cora', 'gcn_amazon_computers']);
  const torchSeeds = argInt('torch-seeds', 1);
  const outFile = argValue('out') ?? 'reports/bench-parity.json';
  const baselines = (JSON.parse(readFileSync(BASELINES, 'utf8')) as { results: Record<string, BaselineEntry> }).results;
  const all = configs(baselines);
  const unknown = only.filter((k) => !all.some((c) => c.key === k));
  if (unknown.length > 0) throw new Error(`--only: unknown configuration '${unknown[0]}', expected some of ${all.map((c) => c.key).join(', ')}`);
  const rows: Array<Record<string, number | string | null>> = [];
  for (const c of all.filter((c) => only.includes(c.key))) {
    const { d, split } = c.load();
    const data = prepareData(d, { normalize: c.normalize });
    const accs: number[] = [];
    const epochMs: number[] = [];
    const inferMs: number[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const model = new GNN(c.model(d), seed);
      const r = trainFullBatch(model, data, split, {
        epochs: 200, lr: c.lr, weightDecay: 5e-4, decayScope: c.decayScope, patience: null, optimizer: 'adam', scheduler: 'none',
      });
      accs.push(r.testAcc);
      epochMs.push(...r.epochTimesMs.slice(10));
      inferMs.push(...r.inferenceTimesMs.slice(10));
      process.stdout.write(`${c.key} seed ${seed}: test ${(100 * r.testAcc).toFixed(1)}%\n`);
    }
    const b = baselines[c.key];
    rows.push({
      config: c.key, seeds, features: data.layout,
      test_acc_mean: mean(accs), test_acc_std: std(accs), torch_test_acc_mean: b.test_acc_mean, torch_test_acc_std: b.test_acc_std,
      acc_diff_points: 100 * (mean(accs) - b.test_acc_mean),
      epoch_ms_median: median(epochMs), inference_ms_median: median(inferMs),
      torch_epoch_ms_fixture: b.epoch_ms_median,
    });
  }
  const torch = argFlag('no-torch') ? null : torchTimings(rows.map((r) => String(r.config)), torchSeeds);
  for (const r of rows) {
    const t = torch?.[String(r.config)];
    r.torch_epoch_ms_now = t ? t.epoch_ms_median : null;
    r.torch_inference_ms_now = t ? t.inference_ms_median : null;
    r.epoch_ratio_vs_torch = t ? Number(r.epoch_ms_median) / t.epoch_ms_median : null;
  }
  const f = (v: unknown, d = 2): string => (typeof v === 'number' ? v.toFixed(d) : '-');
  console.log(`\n${formatTable(['config', 'seeds', 'fastgnn test %', 'torch test %', 'diff', 'epoch ms', 'torch ms(now)', 'ratio', 'infer ms'], rows.map((r) => [
    String(r.config), String(r.seeds), `${f(100 * Number(r.test_acc_mean))} ± ${f(100 * Number(r.test_acc_std))}`,
    `${f(100 * Number(r.torch_test_acc_mean))} ± ${f(100 * Number(r.torch_test_acc_std))}`, f(r.acc_diff_points),
    f(r.epoch_ms_median), f(r.torch_epoch_ms_now), f(r.epoch_ratio_vs_torch), f(r.inference_ms_median),
  ]))}`);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify({ backend: describeBackend(), rows }, null, 1) + '\n');
  console.log(`\nwrote ${outFile}`);
}

exitOnHelp(import.meta.url);
main();
