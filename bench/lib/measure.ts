// Timing and printing helpers shared by the benchmarks: repeated timings with their median, aligned text tables,
// command-line flags and --help.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One repeated measurement in milliseconds: median (what the tables report), best and how many runs. */
export interface Timing {
  medianMs: number;
  bestMs: number;
  reps: number;
}

export interface MeasureOptions {
  /** runs before timing starts (JIT warm-up, page faults); default 1 */
  warmup?: number;
  /** and warm-up runs until this much time is spent (V8 compiles a hot wasm function's optimised code in the background
   *  and a worker thread only uses it from a later call); default 0 */
  warmupMs?: number;
  /** at least this many timed runs; default 5 */
  minReps?: number;
  /** keep going until this much time is spent (or maxReps); default 400 ms */
  minMs?: number;
  /** default 30 */
  maxReps?: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `run` repeatedly (the machine is shared, so single timings are noisy: the median is the figure to use). */
export function measure(run: () => void, opts: MeasureOptions = {}): Timing {
  const { warmup = 1, warmupMs = 0, minReps = 5, minMs = 400, maxReps = 30 } = opts;
  const start = performance.now();
  for (let w = 0; w < warmup || performance.now() - start < warmupMs; w++) run();
  const times: number[] = [];
  let spent = 0;
  while (times.length < maxReps && (times.length < minReps || spent < minMs)) {
    const t = performance.now();
    run();
    const ms = performance.now() - t;
    times.push(ms);
    spent += ms;
  }
  return { medianMs: median(times), bestMs: Math.min(...times), reps: times.length };
}

/** Rounds for JSON (keeps reports readable without losing meaningful digits). */
export function round(x: number, digits = 3): number {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
}

/** Formats rows as an aligned table: the first `leftColumns` columns left-aligned, the rest right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((x, c) => (c < leftColumns ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Value of `--name <value>` on the command line, or undefined. */
export function argValue(name: string, argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function argFlag(name: string, argv: readonly string[] = process.argv): boolean {
  return argv.includes(`--${name}`);
}

/** `--name <n>` as a number, with a clear error for anything that is not one. */
export function argNumber(name: string, fallback: number, argv: readonly string[] = process.argv): number {
  const v = argValue(name, argv);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name}: expected a number, got '${v}'`);
  return n;
}

/** `--name <n>` as an integer >= min (counts: seeds, repetitions, nodes), with a clear error otherwise. */
export function argInt(name: string, fallback: number, min = 1, argv: readonly string[] = process.argv): number {
  const n = argNumber(name, fallback, argv);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got '${argValue(name, argv)}'`);
  return n;
}

/** `--name a,b,c` as its items (fallback when absent), with a clear error for an empty list or item. */
export function argList(name: string, fallback: readonly string[], argv: readonly string[] = process.argv): string[] {
  const v = argValue(name, argv);
  if (v === undefined) return [...fallback];
  const items = v.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw new Error(`--${name}: expected a comma-separated list, got '${v}'`);
  return items;
}

/** With --help or -h: prints the bench's own header (its leading // lines and its `Run:` comment, read from the
 *  module's file) and exits, so that asking a bench for help never starts a run that can take many minutes. */
export function exitOnHelp(moduleUrl: string, argv: readonly string[] = process.argv): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  const built = fileURLToPath(moduleUrl);
  // the TypeScript source keeps the comments that tsc drops with the type declarations they precede
  const original = built.replace(/dist([/\\])bench\1(.+)\.js$/, 'bench$1$2.ts');
  const source = readFileSync(existsSync(original) ? original : built, 'utf8');
  const lines = source.split('\n');
  const header = lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, ''));
  const run = /\/\* Run[\s\S]*?\*\//.exec(source)?.[0].replace(/^\/\* ?|\s*\*\/$/g, '').replace(/\n \* ?/g, '\n');
  process.stdout.write(`${[...header, ...(run ? ['', run] : [])].join('\n')}\n`);
  process.exit(0);
}
