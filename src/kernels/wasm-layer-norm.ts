// Plans of LayerNorm and its backward on the wasm module (assembly/layer-norm.ts), for row arrays that live in its heap:
// the bits of the TypeScript loops (layer-norm.ts), computed in float64 two values to a vector.

import { COLUMN_SUM_ROWS, columnSumBlocks } from './elementwise.js';
import type { FloatArray } from './types.js';
import type { WasmPhase } from './wasm-job.js';
import { copy, float32, inHeap, room, wasmJob, type WasmSparse } from './wasm-sparse.js';

/** The first n values of each array one after the other, as float64 (the kernels multiply in float64, as
 *  JavaScript does: promoted once per call instead of once per row). */
function promoted(n: number, ...arrays: FloatArray[]): Float64Array {
  const out = new Float64Array(n * arrays.length);
  arrays.forEach((a, k) => out.set(a.subarray(0, n), k * n));
  return out;
}

/** LayerNorm of m rows of width n, split by rows. Null unless x, out and xhat (when given) are float32 in the heap
 *  and the parameters float32 of at least n values (rstd may be anywhere: it is copied out). */
export function layerNormPlan(
  s: WasmSparse, m: number, n: number, x: FloatArray, weight: FloatArray, bias: FloatArray, eps: number, out: FloatArray,
  xhat: FloatArray | null, rstd: FloatArray | null,
): WasmPhase[] | null {
  if (n <= 0 || !inHeap(s, x, out, ...(xhat ? [xhat] : [])) || !float32(weight, bias, rstd) || Math.min(weight.length, bias.length) < n) return null;
  const affine = promoted(n, weight, bias);
  const at = s.layout.place([copy(x, 0, m * n), copy(affine, 0, 2 * n), room(out, 0, m * n), xhat ? room(xhat, 0, m * n) : undefined, rstd ? room(rstd, 0, m) : undefined]);
  if (!at) return null;
  const [xAt, affineAt, outAt, xhatAt, rstdAt] = at;
  const outputs = [{ at: outAt, array: out, width: n }];
  if (xhat) outputs.push({ at: xhatAt, array: xhat, width: n });
  if (rstd) outputs.push({ at: rstdAt, array: rstd, width: 1 });
  return [{ job: wasmJob(s, 'layerNorm', [n, eps, xAt, affineAt, outAt, xhatAt, rstdAt], outputs), units: m }];
}

/** LayerNorm's backward: dx and the blocks' column sums split by blocks of COLUMN_SUM_ROWS rows, then dweight and
 *  dbias (float64 sums of the blocks in block order) on the calling thread. Null unless g, xhat and dx (when given)
 *  are float32 in the heap (dx where it is: the blocks' parts could not copy it out) and the rest float32. */
export function layerNormBackwardPlan(
  s: WasmSparse, m: number, n: number, g: FloatArray, weight: FloatArray, xhat: FloatArray, rstd: FloatArray,
  dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null,
): WasmPhase[] | null {
  if (n <= 0 || m <= 0 || !inHeap(s, g, xhat, ...(dx ? [dx] : [])) || !float32(weight, rstd, dweight, dbias) || weight.length < n) return null;
  const blocks = columnSumBlocks(m);
  const sumBytes = dweight || dbias ? 16 * blocks * n : 0;
  const at = s.layout.place([
    copy(g, 0, m * n), copy(xhat, 0, m * n), copy(rstd, 0, m), copy(promoted(n, weight), 0, n), dx ? room(dx, 0, m * n) : undefined,
    sumBytes ? { bytes: sumBytes } : undefined, dweight ? room(dweight, 0, n) : undefined, dbias ? room(dbias, 0, n) : undefined,
  ]);
  // (dx overlapping g or xhat would have been given scratch space instead)
  if (!at || (dx && at[4] !== dx.byteOffset)) return null;
  const [gAt, xhatAt, rstdAt, weightAt, dxAt, sumsAt, dweightAt, dbiasAt] = at;
  const phases: WasmPhase[] = [
    { job: wasmJob(s, 'layerNormBackwardBlocks', [COLUMN_SUM_ROWS, m, n, gAt, weightAt, xhatAt, rstdAt, dxAt, sumsAt], []), units: blocks },
  ];
  const combine = (sums: number, outAt: number, array: FloatArray): WasmPhase => ({
    job: wasmJob(s, 'combineColumnSums', [blocks, n, sums, outAt], [{ at: outAt, array, width: 1 }]), units: n, calling: true,
  });
  if (dweight) phases.push(combine(sumsAt, dweightAt, dweight));
  if (dbias) phases.push(combine(sumsAt + 8 * blocks * n, dbiasAt, dbias));
  return phases;
}
