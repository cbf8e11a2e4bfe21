// What every `fastgnn bench` comparison shares: running configurations x seeds as child `fastgnn train` processes
// (so peak memory and JIT state are per run), the statistics over seeds, the target validation accuracy and time
// to reach it, a plain-text table, and the JSON / SVG outputs.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METHODS, type MethodName } from '../batching/methods.js';
import { lineChartSvg } from '../bench/plot-svg.js';
import { reportJson, type TrainReport } from '../train/report.js';
import { CliError } from './errors.js';
import { METHOD_FLAGS } from './train.js';

/** train flags forwarded unchanged to every run: [flags field, CLI flag] */
export const COMMON: ReadonlyArray<[string, string]> = [
  ['epochs', '--epochs'], ['model', '--model'], ['layers', '--layers'], ['hidden', '--hidden'], ['heads', '--heads'],
  ['dropout', '--dropout'], ['norm', '--norm'], ['lr', '--lr'], ['weightDecay', '--weight-decay'], ['scheduler', '--scheduler'], ['patience', '--patience'], ['minEpochs', '--min-epochs'], ['timeLimit', '--time-limit'],
  ['split', '--split'], ['splitSeed', '--split-seed'], ['evalEvery', '--eval-every'], ['probeEvery', '--probe-every'], ['probeBatches', '--probe-batches'], ['featureLayout', '--feature-layout'],
  ['name', '--name'], ['features', '--features'], ['labels', '--labels'],
];

/** `flag value` pairs of the COMMON flags set in `f`, except the fields in `skip`. */
function forwardedArgs(f: Readonly<Record<string, unknown>>, skip: readonly string[] = []): string[] {
  const args: string[] = [];
  for (const [key, flag] of COMMON) if (f[key] !== undefined && !skip.includes(key)) args.push(flag, String(f[key]));
  return args;
}

/** `flag value` pairs of the method option flags set in `f` (and --batch-order) that `method` reads. */
export function methodOptionArgs(f: Readonly<Record<string, unknown>>, method: MethodName): string[] {
  const args: string[] = [];
  for (const { key, flag } of METHOD_FLAGS) {
    const v = f[key];
    if (v !== undefined && METHODS[method].options.includes(key)) args.push(flag.split(' ')[0], Array.isArray(v) ? v.join(',') : String(v));
  }
  if (f.batchOrder !== undefined && METHODS[method].options.includes('batchOrder')) args.push('--batch-order', String(f.batchOrder));
  return args;
}

/** The start of every bench run's child `fastgnn train` arguments: the data, `extra`, seed, report, --quiet, the
 *  COMMON flags set in `f` (but `skip`), --normalize-features, and one split for every seed. */
export function trainArgs(
  f: Readonly<Record<string, unknown>> & { data: string; normalizeFeatures?: boolean; splitSeed?: number }, seed: number, report: string,
  extra: readonly string[], skip: readonly string[],
): string[] {
  const args = ['train', '--data', f.data, ...extra, '--seed', String(seed), '--report', report, '--quiet', ...forwardedArgs(f, skip)];
  if (f.normalizeFeatures) args.push('--normalize-features');
  // seeds vary initialisation, dropout and sampling, not the data the target is set on
  if (f.splitSeed === undefined) args.push('--split-seed', '0');
  return args;
}

export const mean = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
/** sample standard deviation (n - 1); 0 for fewer than two values */
export const std = (xs: number[]): number => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
};
export const meanOrNull = (xs: Array<number | null>): number | null => {
  const ok = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return ok.length === 0 ? null : mean(ok);
};
export const f2 = (x: number | null, d = 2): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

/** Training seconds at the first evaluation whose validation accuracy reaches `target`; null if none does. */
export function timeToTarget(history: ReadonlyArray<readonly [number, number]>, target: number): number | null {
  for (const [t, acc] of history) if (acc >= target) return t;
  return null;
}

/** Rows of cells as a plain-text table: first column left-aligned, the others right-aligned, a rule under the head. */
export function formatTable(head: string[], body: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));

/** Runs `fastgnn <args>` (args hold `--report <file>`) and reads the report, or the first line of its error. */
export function runChild(args: string[]): { ok: true; report: TrainReport } | { ok: false; error: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const file = args[args.indexOf('--report') + 1];
  if (r.status !== 0) {
    const msg = (r.stderr || r.error?.message || `exit code ${String(r.status)}`).trim().split('\n')[0];
    return { ok: false, error: msg };
  }
  return { ok: true, report: JSON.parse(readFileSync(file, 'utf8')) as TrainReport };
}

/** The runs of one configuration: reports of the seeds that finished, errors of those that failed. */
export interface ConfigRuns {
  reports: TrainReport[];
  failed: Array<{ seed: number; error: string }>;
}

/** Runs every configuration for seeds 0..seeds-1, one child process at a time, printing a line per run
 *  (`describe` of its report). `argsOf(name, seed, reportFile)` gives the child's arguments. Seed by seed (every
 *  configuration's seed 0, then seed 1, ...), so a slow spell of a shared machine slows every configuration alike
 *  instead of the one that happens to run then. */
export function runConfigs(
  names: readonly string[], seeds: number, argsOf: (name: string, seed: number, report: string) => string[], describe: (r: TrainReport) => string,
): Map<string, ConfigRuns> {
  const dir = mkdtempSync(join(tmpdir(), 'fastgnn-bench-'));
  const results = new Map<string, ConfigRuns>(names.map((name) => [name, { reports: [], failed: [] }]));
  try {
    for (let seed = 0; seed < seeds; seed++) {
      names.forEach((name, i) => {
        const entry = results.get(name)!;
        const r = runChild(argsOf(name, seed, join(dir, `${i}-${seed}.json`)));
        if (r.ok) {
          entry.reports.push(r.report);
          process.stdout.write(`${name} seed ${seed}: ${describe(r.report)}\n`);
        } else {
          entry.failed.push({ seed, error: r.error });
          process.stdout.write(`${name} seed ${seed}: FAILED: ${r.error}\n`);
        }
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export interface Target {
  fraction: number;
  /** the configuration with the best mean (over seeds) best validation accuracy, and that accuracy */
  best: string;
  bestValAcc: number;
  /** fraction * bestValAcc */
  valAcc: number;
  statement: string;
}

/** The target validation accuracy: `fraction` of the best configuration's mean best validation accuracy. `noun`
 *  names a configuration in the statement ('method', 'configuration'). */
export function chooseTarget(results: ReadonlyMap<string, ConfigRuns>, fraction: number, seeds: number, noun: string): Target {
  const best = [...results].filter(([, e]) => e.reports.length > 0)
    .map(([name, e]) => ({ name, val: mean(e.reports.map((r) => r.val_acc)) }))
    .sort((a, b) => b.val - a.val)[0];
  if (best === undefined) throw new CliError('every run failed; nothing to compare');
  const valAcc = fraction * best.val;
  const statement = `target validation accuracy ${f2(100 * valAcc)}% = ${f2(100 * fraction, 0)}% of the best ${noun}'s ` +
    `best validation accuracy (${best.name}: ${f2(100 * best.val)}%, mean over ${seeds} seed${seeds === 1 ? '' : 's'}); ` +
    'time to target = training seconds (evaluation excluded) at the first evaluation reaching it, mean over the seeds that did';
  return { fraction, best: best.name, bestValAcc: best.val, valAcc, statement };
}

/** The first report of any configuration (for the dataset and model names). */
export function firstReport(results: ReadonlyMap<string, ConfigRuns>): TrainReport {
  return [...results.values()].find((e) => e.reports.length > 0)!.reports[0];
}

export function writeJson(file: string, value: object): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, reportJson(value));
  process.stdout.write(`\nreport: ${file}\n`);
}

/** SVG of validation accuracy vs training seconds, one line per configuration (its seed-0 run). */
export function writePlot(file: string, results: ReadonlyMap<string, ConfigRuns>, dataset: string, target: number): void {
  const series = [...results].map(([name, e]) => ({ name, points: e.reports.find((r) => r.seed === 0)?.val_history ?? [] }));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, lineChartSvg(series, {
    title: `${dataset}: validation accuracy vs training time (seed 0)`, xLabel: 'training time (s, evaluation excluded)',
    yLabel: 'validation accuracy', target,
  }));
  process.stdout.write(`plot: ${file}\n`);
}
