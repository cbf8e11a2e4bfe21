// A wasm kernel call as phases that threads run by ranges of units (rows or columns): the export to call with the
// range and its arguments, and the outputs each thread copies out for its own range.

import { activationRange } from './elementwise.js';
import type { ActivationSpec, FloatArray } from './types.js';
import { threadExports, type WasmKernelModule } from './wasm-module.js';

/** An output that each thread copies from the module's memory into `out` for its range of units. */
export interface WasmOutput {
  /** byte address of unit 0's values */
  at: number;
  out: FloatArray;
  /** values per unit, or per entry with `entries` */
  width: number;
  /** a per-entry output: units are rows whose entries run from indptr[lo] to indptr[hi], read at this address in
   *  the memory; entry k's values sit at index k - e0 there and at index k in `out` */
  entries?: { indptr: number; e0: number };
  /** copy values [0, whole) whatever the range (an output the kernel scatters to: its job runs on one thread) */
  whole?: number;
  /** applied to the copied values (an activation the kernel does not apply itself) */
  after?: ActivationSpec;
}

/** One phase's work: everything is structured-clonable, for the pool's workers. */
export interface WasmJob extends WasmKernelModule {
  kernel: string;
  /** the export's arguments after the unit range */
  args: number[];
  outputs: WasmOutput[];
}

/** A phase and how to split it: `units` rows (or columns), with `balance`[u] the work before unit u (an indptr) when
 *  the units are uneven. The phases of a call run in order, each done before the next starts. */
export interface WasmPhase {
  job: WasmJob;
  units: number;
  balance?: Int32Array;
}

type Export = (lo: number, hi: number, ...args: number[]) => void;

/** Runs units [lo, hi) of the job on this thread and copies out their values. */
export function runWasmJob(job: WasmJob, lo: number, hi: number): void {
  threadExports<Record<string, Export>>(job)[job.kernel](lo, hi, ...job.args);
  for (const o of job.outputs) {
    let [from, to] = o.whole === undefined ? [lo * o.width, hi * o.width] : [0, o.whole];
    let shift = 0;
    if (o.entries) {
      const indptr = new Int32Array(job.memory.buffer, o.entries.indptr + 4 * lo, hi - lo + 1);
      shift = o.entries.e0 * o.width;
      [from, to] = [(indptr[0] - o.entries.e0) * o.width, (indptr[hi - lo] - o.entries.e0) * o.width];
    }
    o.out.set(new Float32Array(job.memory.buffer, o.at + 4 * from, to - from), from + shift);
    if (o.after) activationRange(o.after, o.out, o.out, from + shift, to + shift);
  }
}

/** Runs every phase whole on this thread. */
export function runPhases(phases: WasmPhase[]): void {
  for (const p of phases) runWasmJob(p.job, 0, p.units);
}
