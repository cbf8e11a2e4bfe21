// A wasm kernel call as phases that threads run by ranges of units (rows or columns): the export to call with the
// range and its arguments, and the inputs and outputs each thread copies in and out for its own range.

import { activationRange } from './elementwise.js';
import type { ActivationSpec, FloatArray } from './types.js';
import { threadExports, type WasmKernelModule } from './wasm-module.js';

/** Values of `array` that each thread copies into the module's memory (an input) or out of it (an output) for its
 *  range of units. */
export interface WasmRange {
  /** byte address of unit 0's values */
  at: number;
  array: FloatArray;
  /** values per unit, or per entry with `entries` */
  width: number;
  /** per-entry values: units are rows whose entries run from indptr[lo] to indptr[hi], read at this address in the
   *  memory; entry k's values sit at index k - e0 there and at index k in `array` */
  entries?: { indptr: number; e0: number };
  /** copy values [0, whole) whatever the range (an output the kernel scatters to: its job runs on one thread) */
  whole?: number;
  /** applied to the copied values (an activation the kernel does not apply itself) */
  after?: ActivationSpec;
  /** `array` itself sits at `at` (a heap array, wasm-heap.ts): nothing to copy */
  inPlace?: boolean;
}

/** One phase's work: everything is structured-clonable, for the pool's workers. */
export interface WasmJob extends WasmKernelModule {
  kernel: string;
  /** the export's arguments after the unit range */
  args: number[];
  /** copied in by each thread before it runs (arrays read only by the thread's own units) */
  inputs?: WasmRange[];
  outputs: WasmRange[];
}

/** A phase and how to split it: `units` rows (or columns), with `balance`[u] the work before unit u (an indptr) when
 *  the units are uneven. The phases of a call run in order, each done before the next starts. */
export interface WasmPhase {
  job: WasmJob;
  units: number;
  balance?: Int32Array;
  /** run whole on the calling thread (a short phase whose output may be an unshared array) */
  calling?: boolean;
  /** the only unit bounds a thread's range may start or end at (0, ..., units): threads take whole groups */
  splitAt?: Int32Array;
}

type Export = (lo: number, hi: number, ...args: number[]) => void;

/** Indices [from, to) of `r.array` for units [lo, hi), and where they sit in the memory (a byte address). */
function span(job: WasmJob, r: WasmRange, lo: number, hi: number): [number, number, number] {
  if (r.whole !== undefined) return [0, r.whole, r.at];
  if (!r.entries) return [lo * r.width, hi * r.width, r.at + 4 * lo * r.width];
  const { indptr, e0 } = r.entries;
  const ends = new Int32Array(job.memory.buffer, indptr + 4 * lo, hi - lo + 1);
  return [ends[0] * r.width, ends[hi - lo] * r.width, r.at + 4 * (ends[0] - e0) * r.width];
}

/** Copies in the inputs of units [lo, hi) of the job, runs them on this thread and copies out their values. */
export function runWasmJob(job: WasmJob, lo: number, hi: number): void {
  for (const r of job.inputs ?? []) {
    if (r.inPlace) continue;
    const [from, to, at] = span(job, r, lo, hi);
    new Float32Array(job.memory.buffer, at, to - from).set(r.array.subarray(from, to));
  }
  threadExports<Record<string, Export>>(job)[job.kernel](lo, hi, ...job.args);
  for (const r of job.outputs) {
    const [from, to, at] = span(job, r, lo, hi);
    if (!r.inPlace) r.array.set(new Float32Array(job.memory.buffer, at, to - from), from);
    if (r.after) activationRange(r.after, r.array, r.array, from, to);
  }
}

/** Runs every phase whole on this thread. */
export function runPhases(phases: WasmPhase[]): void {
  for (const p of phases) runWasmJob(p.job, 0, p.units);
}
