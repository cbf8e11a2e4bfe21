// Plans of LayerNorm and its backward on the wasm module (assembly/layer-norm.ts): the bits of the TypeScript loops
// (layer-norm.ts), computed in float64 two values to a vector, on heap arrays in place and on others chunk by chunk.

import { COLUMN_SUM_ROWS, columnSumBlocks } from './elementwise.js';
import type { FloatArray } from './types.js';
import type { WasmPhase, WasmRange } from './wasm-job.js';
import { copy, float32, room, wasmJob, type WasmSparse } from './wasm-sparse.js';

/* Unlike the bias add or ReLU, whose TypeScript loops stream at the memory's speed, LayerNorm's loops are bound by
 * their arithmetic (about 3x slower than the wasm kernels on one thread), so arrays outside the heap are worth
 * copying: each thread copies its rows in and its results out around the kernel (at memcpy speed). A training step's
 * arrays pass the 2 GiB heap on a 200k-node GCN 3 x 256, so most of them are ordinary there. They go through scratch
 * space CHUNK_BYTES per array at a time, one phase per chunk of rows, so that the module's memory (which never
 * shrinks) does not grow by whole arrays. */

/** Bytes of one row array per chunk (a chunk of the backward holds whole blocks of COLUMN_SUM_ROWS rows). */
export const CHUNK_BYTES = 32 * 2 ** 20;

/** A row array of a call: `width` values a row, in the heap (used in place) or copied through scratch space. */
interface RowArray {
  array: FloatArray;
  width: number;
  inHeap: boolean;
}

/** The first n values of each array one after the other, as float64 (the kernels multiply in float64, as
 *  JavaScript does: promoted once per call instead of once per row). */
function promoted(n: number, ...arrays: FloatArray[]): Float64Array {
  const out = new Float64Array(n * arrays.length);
  arrays.forEach((a, k) => out.set(a.subarray(0, n), k * n));
  return out;
}

/** The row arrays given (null for absent ones), or null unless every one is float32 and holds m rows. */
function rowArrays(s: WasmSparse, m: number, list: Array<[FloatArray | null, number]>): Array<RowArray | null> | null {
  if (list.some(([a, width]) => a !== null && (!float32(a) || a.length < m * width))) return null;
  return list.map(([a, width]) => (a === null ? null : { array: a, width, inHeap: s.heap?.holds(a) ?? false }));
}

/** Rows per chunk: all of them when every array is in the heap, else CHUNK_BYTES of the widest array, rounded down
 *  to a multiple of `multiple` (at least one multiple). */
function chunkRows(m: number, arrays: Array<RowArray | null>, multiple: number, chunkBytes: number): number {
  if (arrays.every((a) => a === null || a.inHeap)) return Math.max(m, 1);
  const width = Math.max(...arrays.map((a) => a?.width ?? 1));
  return Math.max(multiple, Math.floor(chunkBytes / (4 * width * multiple)) * multiple);
}

/** Scratch space for one chunk of each array outside the heap. */
function scratch(arrays: Array<RowArray | null>, rows: number): Array<{ bytes: number } | undefined> {
  return arrays.map((a) => (a && !a.inHeap ? { bytes: 4 * a.width * rows } : undefined));
}

/** Rows [c0, c1) of a row array: where they sit in the memory (in place, or the array's scratch at `at`). */
function chunkOf(a: RowArray | null, at: number, c0: number, c1: number): WasmRange | null {
  if (a === null) return null;
  const array = a.array.subarray(c0 * a.width, c1 * a.width);
  return { at: a.inHeap ? array.byteOffset : at, array, width: a.width };
}

const present = (ranges: Array<WasmRange | null>): WasmRange[] => ranges.filter((r): r is WasmRange => r !== null);

/** LayerNorm of m rows of width n: a phase per chunk of rows, each split by rows. Null unless every array is float32
 *  and long enough (the TypeScript loops then run, and name a short array). */
export function layerNormPlan(
  s: WasmSparse, m: number, n: number, x: FloatArray, weight: FloatArray, bias: FloatArray, eps: number, out: FloatArray,
  xhat: FloatArray | null, rstd: FloatArray | null, chunkBytes = CHUNK_BYTES,
): WasmPhase[] | null {
  const arrays = rowArrays(s, m, [[x, n], [out, n], [xhat, n], [rstd, 1]]);
  if (n <= 0 || !arrays || !float32(weight, bias) || Math.min(weight.length, bias.length) < n) return null;
  const rows = chunkRows(m, arrays, 1, chunkBytes);
  const at = s.layout.place([copy(promoted(n, weight, bias), 0, 2 * n), ...scratch(arrays, rows)]);
  if (!at) return null;
  const phases: WasmPhase[] = [];
  for (let c0 = 0; c0 < m; c0 += rows) {
    const c1 = Math.min(m, c0 + rows);
    const [xr, outr, xhatr, rstdr] = arrays.map((a, k) => chunkOf(a, at[k + 1], c0, c1));
    const args = [n, eps, xr?.at ?? 0, at[0], outr?.at ?? 0, xhatr?.at ?? 0, rstdr?.at ?? 0];
    phases.push({ job: wasmJob(s, 'layerNorm', args, present([outr, xhatr, rstdr]), present([xr])), units: c1 - c0 });
  }
  return phases;
}

/** LayerNorm's backward: a phase per chunk of whole blocks of COLUMN_SUM_ROWS rows, each split by blocks (dx and the
 *  blocks' column sums), then dweight and dbias (float64 sums of the blocks in block order) on the calling thread.
 *  Null unless every array is float32 and long enough. */
export function layerNormBackwardPlan(
  s: WasmSparse, m: number, n: number, g: FloatArray, weight: FloatArray, xhat: FloatArray, rstd: FloatArray,
  dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null, chunkBytes = CHUNK_BYTES,
): WasmPhase[] | null {
  const arrays = rowArrays(s, m, [[g, n], [xhat, n], [rstd, 1], [dx, n]]);
  if (n <= 0 || m <= 0 || !arrays || !float32(weight, dweight, dbias) || weight.length < n || Math.min(dweight?.length ?? n, dbias?.length ?? n) < n) {
    return null;
  }
  const blocks = columnSumBlocks(m);
  const rows = chunkRows(m, arrays, COLUMN_SUM_ROWS, chunkBytes);
  const sums = dweight !== null || dbias !== null;
  const at = s.layout.place([
    copy(promoted(n, weight), 0, n), sums ? { bytes: 16 * blocks * n } : undefined, dweight ? room(dweight, 0, n) : undefined,
    dbias ? room(dbias, 0, n) : undefined, ...scratch(arrays, rows),
  ]);
  if (!at) return null;
  const [weightAt, sumsAt, dweightAt, dbiasAt] = at;
  const phases: WasmPhase[] = [];
  for (let c0 = 0; c0 < m; c0 += rows) {
    const c1 = Math.min(m, c0 + rows);
    const [gr, xhatr, rstdr, dxr] = arrays.map((a, k) => chunkOf(a, at[k + 4], c0, c1));
    // the dweight and dbias partials of the chunk's first block
    const [p, q] = sums ? [sumsAt + (8 * n * c0) / COLUMN_SUM_ROWS, sumsAt + 8 * n * (blocks + c0 / COLUMN_SUM_ROWS)] : [0, 0];
    const args = [COLUMN_SUM_ROWS, n, gr?.at ?? 0, weightAt, xhatr?.at ?? 0, rstdr?.at ?? 0, dxr?.at ?? 0, p, q];
    const splitAt = Int32Array.from({ length: Math.ceil((c1 - c0) / COLUMN_SUM_ROWS) + 1 }, (_, b) => Math.min(c1 - c0, b * COLUMN_SUM_ROWS));
    const job = wasmJob(s, 'layerNormBackwardRows', args, present([dxr]), present([gr, xhatr, rstdr]));
    phases.push({ job, units: c1 - c0, splitAt });
  }
  const combine = (partials: number, outAt: number, array: FloatArray): WasmPhase => ({
    job: wasmJob(s, 'combineColumnSums', [blocks, n, partials, outAt], [{ at: outAt, array, width: 1 }]), units: n, calling: true,
  });
  if (dweight) phases.push(combine(sumsAt, dweightAt, dweight));
  if (dbias) phases.push(combine(sumsAt + 8 * blocks * n, dbiasAt, dbias));
  return phases;
}
