// One thread's share of a parallel kernel: a range of rows, output rows, blocks or elements, run the same way by the
// calling thread and by the pool's workers (pool-worker.ts), so the split never changes a result.

import type { CsrMatrix } from '../graph/csr.js';
import { applyMask, dropoutChunks } from './dropout-mask.js';
import { activationBackwardRange, activationRange, addRowVecRange, columnSumRange } from './elementwise.js';
import { layerNormBackwardBlocks, layerNormRows } from './layer-norm.js';
import { fastTsKernels, gatherRowsRange, gspmmTRange, rowSlice, scatterAddRowsRange, spmmBiasActivationRows, spmmTRange } from './fast.js';
import type { ActivationSpec, FloatArray } from './types.js';
import { runWasmJob, type WasmJob } from './wasm-job.js';

/** The arguments of each parallel kernel, as in the Kernels interface (plus the column sums' per-block partials).
 *  Every array is sent to a worker by structured clone: the ones it writes must be in shared memory. */
export interface PartArgs {
  spmm: { a: CsrMatrix; x: FloatArray; f: number; out: FloatArray };
  spmmBiasActivation: { a: CsrMatrix; x: FloatArray; f: number; bias: FloatArray; act: ActivationSpec; out: FloatArray };
  gspmm: { a: CsrMatrix; w: FloatArray; heads: number; x: FloatArray; f: number; out: FloatArray };
  sddmmDot: { a: CsrMatrix; y: FloatArray; x: FloatArray; heads: number; f: number; out: FloatArray };
  sddmmAdd: { a: CsrMatrix; u: FloatArray; v: FloatArray; heads: number; out: FloatArray };
  edgeSoftmax: { a: CsrMatrix; e: FloatArray; heads: number; out: FloatArray };
  edgeSoftmaxBackward: { a: CsrMatrix; alpha: FloatArray; g: FloatArray; heads: number; out: FloatArray };
  spmmT: { a: CsrMatrix; y: FloatArray; f: number; out: FloatArray };
  gspmmT: { a: CsrMatrix; w: FloatArray; heads: number; y: FloatArray; f: number; out: FloatArray };
  gatherRows: { x: FloatArray; f: number; idx: Int32Array; out: FloatArray };
  scatterAddRows: { x: FloatArray; f: number; idx: Int32Array; out: FloatArray };
  dropout: { n: number; p: number; scale: number; seed: Int32Array; mask: Uint8Array; x?: FloatArray; out?: FloatArray };
  applyMask: { mask: Uint8Array; scale: number; g: FloatArray; out: FloatArray };
  activation: { act: ActivationSpec; x: FloatArray; out: FloatArray };
  activationBackward: { act: ActivationSpec; x: FloatArray; y: FloatArray; g: FloatArray; out: FloatArray; scale: number };
  addRowVec: { n: number; x: FloatArray; v: FloatArray; out: FloatArray };
  columnSums: { m: number; n: number; g: FloatArray; partials: Float64Array };
  layerNorm: {
    n: number; x: FloatArray; weight: FloatArray; bias: FloatArray; eps: number; out: FloatArray; xhat: FloatArray | null; rstd: FloatArray | null;
  };
  layerNormBackward: {
    m: number; n: number; g: FloatArray; weight: FloatArray; xhat: FloatArray; rstd: FloatArray; dx: FloatArray | null; sums: Float64Array | null;
  };
  /** a phase of a kernel laid out in the wasm module's memory (see wasm-job.ts) */
  wasm: WasmJob;
}

export type PartName = keyof PartArgs;

/** Range [lo, hi) of kernel `part`, in the unit its runner documents. */
export interface PartJob<K extends PartName = PartName> {
  kind: 'part';
  part: K;
  args: PartArgs[K];
  lo: number;
  hi: number;
}

const k = fastTsKernels;

/** The runner of each part. Units: rows of `a` (spmm, gspmm, sddmm*, edgeSoftmax*), output rows = columns of `a`
 *  (spmmT, gspmmT), rows of idx (gatherRows), output rows (scatterAddRows), the phase's units (wasm), dropout chunks (dropout), rows
 *  (addRowVec, layerNorm), row blocks (columnSums and layerNormBackward, see elementwise.ts) and elements (the rest). */
const RUNNERS: { readonly [K in PartName]: (args: PartArgs[K], lo: number, hi: number) => void } = {
  spmm: ({ a, x, f, out }, lo, hi) => k.spmm(rowSlice(a, lo, hi), x, f, out.subarray(lo * f, hi * f)),
  spmmBiasActivation: ({ a, x, f, bias, act, out }, lo, hi) => spmmBiasActivationRows(a, x, f, bias, act, out, lo, hi),
  gspmm: ({ a, w, heads, x, f, out }, lo, hi) => k.gspmm(rowSlice(a, lo, hi), w, heads, x, f, out.subarray(lo * f, hi * f)),
  sddmmDot: ({ a, y, x, heads, f, out }, lo, hi) => k.sddmmDot(rowSlice(a, lo, hi), y.subarray(lo * f, hi * f), x, heads, f, out),
  sddmmAdd: ({ a, u, v, heads, out }, lo, hi) => k.sddmmAdd(rowSlice(a, lo, hi), u.subarray(lo * heads, hi * heads), v, heads, out),
  edgeSoftmax: ({ a, e, heads, out }, lo, hi) => k.edgeSoftmax(rowSlice(a, lo, hi), e, heads, out),
  edgeSoftmaxBackward: ({ a, alpha, g, heads, out }, lo, hi) => k.edgeSoftmaxBackward(rowSlice(a, lo, hi), alpha, g, heads, out),
  spmmT: ({ a, y, f, out }, lo, hi) => spmmTRange(a, a.values, y, f, out, lo, hi),
  gspmmT: ({ a, w, heads, y, f, out }, lo, hi) => gspmmTRange(a, w, heads, y, f, out, lo, hi),
  gatherRows: ({ x, f, idx, out }, lo, hi) => gatherRowsRange(x, f, idx, out, lo, hi),
  scatterAddRows: ({ x, f, idx, out }, lo, hi) => scatterAddRowsRange(x, f, idx, out, lo, hi),
  dropout: ({ n, p, scale, seed, mask, x, out }, lo, hi) => dropoutChunks(n, p, scale, seed, lo, hi, mask, x, out),
  applyMask: ({ mask, scale, g, out }, lo, hi) => applyMask(g, out, mask, scale, lo, hi),
  activation: ({ act, x, out }, lo, hi) => activationRange(act, x, out, lo, hi),
  activationBackward: ({ act, x, y, g, out, scale }, lo, hi) => activationBackwardRange(act, x, y, g, out, lo, hi, scale),
  addRowVec: ({ n, x, v, out }, lo, hi) => addRowVecRange(n, x, v, out, lo, hi),
  columnSums: ({ m, n, g, partials }, lo, hi) => columnSumRange(m, n, g, partials, lo, hi),
  layerNorm: ({ n, x, weight, bias, eps, out, xhat, rstd }, lo, hi) => layerNormRows(n, x, weight, bias, eps, out, xhat, rstd, lo, hi),
  layerNormBackward: ({ m, n, g, weight, xhat, rstd, dx, sums }, lo, hi) => layerNormBackwardBlocks(m, n, g, weight, xhat, rstd, dx, sums, lo, hi),
  wasm: runWasmJob,
};

export function runPart(job: PartJob): void {
  (RUNNERS[job.part] as (args: PartArgs[PartName], lo: number, hi: number) => void)(job.args, job.lo, job.hi);
}
