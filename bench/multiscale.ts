// The README's multiscale table in one command: `fastgnn bench --multiscale ...` on Cora, CiteSeer and Amazon
// Computers, each a child process that writes its own JSON report and SVG plot, then one summary row per dataset.
// Usage: node dist/bench/multiscale.js [--datasets cora,citeseer,amazon-computers] [--seeds 5] [--epochs 200]
//        [--multiscale-epochs 40] [--levels 3] [--reports reports]
// Writes <reports>/bench-multiscale-<dataset>.json and .svg (each dataset's full comparison) and the summary
// <reports>/bench-multiscale.json. Runs about 15 minutes on 2 cores with the defaults.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MultiscaleSummary } from '../src/cli/bench-multiscale.js';
import { argInt, argList, argValue, exitOnHelp, formatTable } from './lib/measure.js';

exitOnHelp(import.meta.url);
import { ROOT } from './lib/paths.js';

/** Each dataset's data flags, as the README states them (relative to the repository root, where the CLI runs). */
const DATASETS: Record<string, { label: string; data: string[] }> = {
  cora: { label: 'Cora (public)', data: ['--data', '../shared/datasets/planetoid', '--name', 'cora'] },
  citeseer: { label: 'CiteSeer (public)', data: ['--data', '../shared/datasets/planetoid', '--name', 'citeseer'] },
  'amazon-computers': {
    label: 'Amazon Computers (random:20:30)',
    data: ['--data', '../shared/datasets/npz/amazon_electronics_computers.npz', '--split', 'random:20:30'],
  },
};
const CONFIGS = 'plain,coarse-to-fine:random,coarse-to-fine:matching,sub-to-full,multiscale-grad:matching,multiscale-grad:random';
/** a configuration counts as matching plain when its mean test accuracy is at most this many points below */
const TOLERANCE_POINTS = 0.5;
const SELECTION = `the fastest (mean total s) configuration whose mean test accuracy is within ${TOLERANCE_POINTS} points of ` +
  "plain's (or above it); if none is, the one with the best mean test accuracy";

/** What this driver reads of a `fastgnn bench --multiscale` report. */
interface BenchReport {
  dataset: string;
  seeds: number;
  target: { val_acc: number; statement: string };
  configs: MultiscaleSummary[];
}

interface Side {
  config: string;
  test_acc_mean: number;
  test_acc_std: number;
  total_time_s: number;
  time_to_target_s: number | null;
  target_reached: number;
}

interface Row {
  dataset: string;
  label: string;
  report: string;
  plot: string;
  plain: Side;
  best: Side;
  /** best.total_time_s / plain.total_time_s */
  total_ratio: number;
  /** best.time_to_target_s / plain.time_to_target_s; null when either did not reach the target */
  time_to_target_ratio: number | null;
  /** configurations with a failed seed, and their errors */
  failed: Array<{ config: string; seed: number; error: string }>;
}

const side = (c: MultiscaleSummary): Side => ({
  config: c.config, test_acc_mean: c.test_acc_mean, test_acc_std: c.test_acc_std, total_time_s: c.total_time_s,
  time_to_target_s: c.time_to_target_s, target_reached: c.target_reached,
});

/** The multiscale configuration to set against plain (see SELECTION). */
function chooseBest(plain: MultiscaleSummary, others: readonly MultiscaleSummary[]): MultiscaleSummary | undefined {
  const close = others.filter((c) => 100 * c.test_acc_mean >= 100 * plain.test_acc_mean - TOLERANCE_POINTS);
  if (close.length > 0) return close.reduce((a, b) => (b.total_time_s < a.total_time_s ? b : a));
  return others.reduce<MultiscaleSummary | undefined>((a, b) => (a === undefined || b.test_acc_mean > a.test_acc_mean ? b : a), undefined);
}

function summarise(key: string, file: string, plot: string): Row {
  const j = JSON.parse(readFileSync(path.resolve(ROOT, file), 'utf8')) as BenchReport;
  const ran = j.configs.filter((c) => c.runs > 0);
  const plain = ran.find((c) => c.config === 'plain');
  if (plain === undefined) throw new Error(`${file}: plain training has no finished run; nothing to compare against`);
  const best = chooseBest(plain, ran.filter((c) => c !== plain));
  if (best === undefined) throw new Error(`${file}: no multiscale configuration has a finished run`);
  const tt = best.time_to_target_s !== null && plain.time_to_target_s !== null ? best.time_to_target_s / plain.time_to_target_s : null;
  return {
    dataset: key, label: DATASETS[key].label, report: file, plot, plain: side(plain), best: side(best),
    total_ratio: best.total_time_s / plain.total_time_s, time_to_target_ratio: tt,
    failed: j.configs.flatMap((c) => c.failed.map((f) => ({ config: c.config, ...f }))),
  };
}

const pct = (s: Side): string => `${(100 * s.test_acc_mean).toFixed(2)} ± ${(100 * s.test_acc_std).toFixed(2)}`;
const secs = (t: number | null): string => (t === null ? 'not reached' : `${t.toFixed(2)} s`);

function cells(r: Row): string[] {
  const tt = r.time_to_target_ratio === null ? 'n/a' : r.time_to_target_ratio.toFixed(2);
  return [
    r.label, pct(r.plain), r.best.config, pct(r.best), `${r.plain.total_time_s.toFixed(2)} -> ${r.best.total_time_s.toFixed(2)}`,
    r.total_ratio.toFixed(2), `${tt} (${secs(r.best.time_to_target_s)} vs ${secs(r.plain.time_to_target_s)})`,
  ];
}

const HEAD = ['dataset', 'plain test %', 'best multiscale (config)', 'test %', 'total s plain -> multiscale', 'ratio', 'time to target ratio'];

function main(): void {
  const datasets = argList('datasets', Object.keys(DATASETS));
  for (const d of datasets) {
    if (!(d in DATASETS)) throw new Error(`--datasets: unknown dataset '${d}', expected some of ${Object.keys(DATASETS).join(', ')}`);
  }
  const settings = {
    seeds: argInt('seeds', 5), epochs: argInt('epochs', 200), multiscale_epochs: argInt('multiscale-epochs', 40), levels: argInt('levels', 3),
  };
  // the children run in the repository root (the data paths above are relative to it): the report folder relative to it
  const dir = path.relative(ROOT, path.resolve(argValue('reports') ?? 'reports')) || '.';
  const cli = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
  const rows: Row[] = [];
  for (const key of datasets) {
    const report = path.join(dir, `bench-multiscale-${key}.json`);
    const plot = path.join(dir, `bench-multiscale-${key}.svg`);
    const args = ['bench', ...DATASETS[key].data, '--multiscale', CONFIGS, '--seeds', String(settings.seeds), '--epochs', String(settings.epochs),
      '--multiscale-epochs', String(settings.multiscale_epochs), '--levels', String(settings.levels), '--report', report, '--plot', plot];
    console.log(`\n$ fastgnn ${args.join(' ')}`);
    rmSync(path.resolve(ROOT, report), { force: true }); // never summarise a previous run's report
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, stdio: 'inherit' });
    // exit code 1 with a report: some seeds failed (the report lists them); without one, the comparison itself failed
    if (!existsSync(path.resolve(ROOT, report))) {
      throw new Error(`fastgnn bench on ${key} exited with ${r.status ?? r.signal ?? r.error?.message} and wrote no report`);
    }
    rows.push(summarise(key, report, plot));
  }

  console.log(`\nmultiscale against plain full-graph training: ${settings.seeds} seed${settings.seeds === 1 ? '' : 's'}, plain ${settings.epochs} epochs, ` +
    `multiscale budget E = ${settings.multiscale_epochs}, ${settings.levels} levels\nbest multiscale: ${SELECTION}\n` +
    'total s: training + level construction + full-graph evaluation; time to target: training seconds to 98% of the best ' +
    "configuration's best validation accuracy (each dataset's report states it)\n");
  console.log(formatTable(HEAD, rows.map(cells)));
  console.log(`\nas markdown:\n\n| ${HEAD.join(' | ')} |\n| ${HEAD.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${cells(r).join(' | ')} |`);
  for (const r of rows) for (const f of r.failed) console.log(`${r.dataset}: ${f.config} seed ${f.seed} FAILED: ${f.error}`);

  const out = path.resolve(ROOT, dir, 'bench-multiscale.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    created_at: new Date().toISOString(), configs: CONFIGS.split(','), ...settings, selection: SELECTION, rows,
  }, null, 1) + '\n');
  console.log(`\nwrote ${out}`);
  if (rows.some((r) => r.failed.length > 0)) process.exitCode = 1;
}

try {
  main();
} catch (e) {
  console.error(`bench:multiscale: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
