// Plans of the bias add, relu and its gradient, and column sums on the wasm module (assembly/elementwise.ts), for arrays that live in
// its heap: elsewhere the copies in and out would cost more than the TypeScript loops' one pass.

import { COLUMN_SUM_ROWS, columnSumBlocks } from './elementwise.js';
import type { ActivationSpec, FloatArray } from './types.js';
import type { WasmPhase } from './wasm-job.js';
import { copy, float32, inHeap, room, wasmJob, type WasmSparse } from './wasm-sparse.js';

/** out[i, :] = x[i, :] + v for the m rows of width n, split by rows. */
export function addRowVecPlan(s: WasmSparse, m: number, n: number, x: FloatArray, v: FloatArray, out: FloatArray): WasmPhase[] | null {
  if (n <= 0 || !inHeap(s, x, out) || !float32(v) || v.length < n || Math.min(x.length, out.length) < m * n) return null;
  const at = s.layout.place([copy(x, 0, m * n), copy(v, 0, n), room(out, 0, m * n)]);
  if (!at) return null;
  const [xAt, vAt, outAt] = at;
  return [{ job: wasmJob(s, 'addRowVec', [n, xAt, vAt, outAt], [{ at: outAt, array: out, width: n }]), units: m }];
}

/** out = relu(x) over n values (other activations: declined), split evenly. */
export function activationPlan(s: WasmSparse, act: ActivationSpec, n: number, x: FloatArray, out: FloatArray): WasmPhase[] | null {
  if (act.kind !== 'relu' || !inHeap(s, x, out) || Math.min(x.length, out.length) < n) return null;
  const at = s.layout.place([copy(x, 0, n), room(out, 0, n)]);
  if (!at) return null;
  const [xAt, outAt] = at;
  return [{ job: wasmJob(s, 'relu', [xAt, outAt], [{ at: outAt, array: out, width: 1 }]), units: n }];
}

/** out = g * relu'(x) * scale over n values (other activations: declined), split evenly. */
export function activationBackwardPlan(
  s: WasmSparse, act: ActivationSpec, n: number, x: FloatArray, _y: FloatArray, g: FloatArray, out: FloatArray, scale = 1,
): WasmPhase[] | null {
  if (act.kind !== 'relu' || !inHeap(s, x, g, out) || Math.min(x.length, g.length, out.length) < n) return null;
  const at = s.layout.place([copy(x, 0, n), copy(g, 0, n), room(out, 0, n)]);
  if (!at) return null;
  const [xAt, gAt, outAt] = at;
  return [{ job: wasmJob(s, 'reluBackward', [scale, xAt, gAt, outAt], [{ at: outAt, array: out, width: 1 }]), units: n }];
}

/** out[j] = the sum of g[:, j] for the m rows of width n: float64 sums by blocks of rows, then of the blocks. */
export function columnSumsPlan(s: WasmSparse, m: number, n: number, g: FloatArray, out: FloatArray): WasmPhase[] | null {
  if (n <= 0 || m <= 0 || !inHeap(s, g) || !float32(out) || out.length < n || g.length < m * n) return null;
  const blocks = columnSumBlocks(m);
  const at = s.layout.place([copy(g, 0, m * n), { bytes: 8 * blocks * n }, room(out, 0, n)]);
  if (!at) return null;
  const [gAt, partials, outAt] = at;
  return [
    { job: wasmJob(s, 'columnSumBlocks', [COLUMN_SUM_ROWS, m, n, gAt, partials], []), units: blocks },
    { job: wasmJob(s, 'combineColumnSums', [blocks, n, partials, outAt], [{ at: outAt, array: out, width: 1 }]), units: n, calling: true },
  ];
}
