// Helpers for the CLI tests: paths of the built CLI and the datasets, small method settings, a synchronous runner, a
// JSON reader, and the checks that `fastgnn bench` and `fastgnn bench --multiscale` share (their target and their
// SVG plot).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MethodName } from '../../src/batching/methods.js';
import { ROOT, sharedPath } from '../helpers/paths.js';

export const CLI = join(ROOT, 'dist/src/cli/main.js');
export const CORA_NPZ = join(ROOT, 'data/cora.npz');
export const PLANETOID = sharedPath('datasets', 'planetoid');

/** small settings so that every method makes a few batches per epoch on Cora and runs in about a second */
export const SMALL: Record<MethodName, string[]> = {
  full: [],
  'ibmb-node': ['--outputs-per-batch', '50'],
  'ibmb-batch': ['--num-parts', '8'],
  'cluster-gcn': ['--num-parts', '8', '--parts-per-batch', '2'],
  'saint-rw': ['--roots', '40'],
  neighbor: ['--batch-size', '64', '--fanouts', '6,5'],
  'shadow-ppr': ['--batch-size', '64', '--topk', '8'],
};

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, FASTGNN_DEBUG: '', ...env }, timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A JSON file (a report the CLI wrote), typed as the caller expects it. */
export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** One compared method or configuration of a bench JSON, as the target checks need it. */
export interface TargetEntry {
  name: string;
  best_val_acc_mean: number;
  time_to_target_s: number | null;
  /** the validation history of its one run (these tests run one seed) */
  val_history: ReadonlyArray<readonly [number, number]>;
}

/** Checks a one-seed bench JSON's target: 98% of the best entry's mean best validation accuracy, that entry named,
 *  each entry's time to target equal to the first evaluation reaching it (found here, not by the code under test),
 *  and the best entry reaching it (98% of its own best). */
export function checkTarget(target: { fraction: number; best: string; val_acc: number }, entries: readonly TargetEntry[]): void {
  assert.equal(target.fraction, 0.98);
  const best = Math.max(...entries.map((e) => e.best_val_acc_mean));
  assert.ok(Math.abs(target.val_acc - 0.98 * best) < 1e-12, `target ${target.val_acc}, best ${best}`);
  assert.equal(entries.find((e) => e.best_val_acc_mean === best)!.name, target.best);
  for (const e of entries) {
    const first = e.val_history.find(([, acc]) => acc >= target.val_acc)?.[0] ?? null;
    assert.equal(e.time_to_target_s, first, `${e.name}: time to target`);
  }
  assert.notEqual(entries.find((e) => e.name === target.best)!.time_to_target_s, null);
}

/** Checks an SVG plot file: an SVG document with one polyline per series, each series named in the legend. */
export function checkPlot(file: string, series: readonly string[]): void {
  const svg = readFileSync(file, 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, series.length);
  for (const name of series) assert.ok(svg.includes(`>${name}<`), `the legend names ${name}`);
}
