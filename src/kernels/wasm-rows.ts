// Plans of the row gather and scatter-add on the wasm module (assembly/row-copies.ts), for arrays that live in its
// heap: copying a whole source table in to move a few of its rows would cost more than the TypeScript loops.

import type { FloatArray } from './types.js';
import type { WasmPhase } from './wasm-job.js';
import { copy, inHeap, room, wasmJob, type WasmSparse } from './wasm-sparse.js';

/** Whether every index is in [0, n) (else the plan declines and the TypeScript loop throws, naming the index). */
function allIn(idx: Int32Array, n: number): boolean {
  for (let r = 0; r < idx.length; r++) if (!(idx[r] >= 0 && idx[r] < n)) return false;
  return true;
}

/** out[r, :] = x[idx[r], :], split by rows of out. */
export function gatherRowsPlan(s: WasmSparse, x: FloatArray, f: number, idx: Int32Array, out: FloatArray): WasmPhase[] | null {
  const n = f > 0 ? Math.floor(x.length / f) : 0;
  if (f <= 0 || !inHeap(s, x, out) || out.length < idx.length * f || !allIn(idx, n)) return null;
  const at = s.layout.place([copy(idx, 0, idx.length), copy(x, 0, n * f), room(out, 0, idx.length * f)]);
  if (!at) return null;
  const [idxAt, xAt, outAt] = at;
  return [{ job: wasmJob(s, 'gatherRows', [f, idxAt, xAt, outAt], [{ at: outAt, array: out, width: f }]), units: idx.length }];
}

/** out[idx[r], :] += x[r, :], split by rows of out (each part reads every index). */
export function scatterAddRowsPlan(s: WasmSparse, x: FloatArray, f: number, idx: Int32Array, out: FloatArray): WasmPhase[] | null {
  const rows = f > 0 ? Math.floor(out.length / f) : 0;
  if (f <= 0 || !inHeap(s, x, out) || x.length < idx.length * f || !allIn(idx, rows)) return null;
  const at = s.layout.place([copy(idx, 0, idx.length), copy(x, 0, idx.length * f), room(out, 0, rows * f)]);
  if (!at) return null;
  const [idxAt, xAt, outAt] = at;
  const sums = { at: outAt, array: out, width: f };
  return [{ job: wasmJob(s, 'scatterAddRows', [idx.length, f, idxAt, xAt, outAt], [sums], [sums]), units: rows }];
}
