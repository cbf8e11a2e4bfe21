// Parallel kernels: every memory-bound kernel (sparse products, edge softmax, row gathers, dropout, activations, bias
// add, column sums and LayerNorm) split into ranges between this thread and the pool's workers.

import type { CsrMatrix } from '../graph/csr.js';
import { chunkCount } from './dropout-mask.js';
import { columnSumBlocks, combineColumnSums } from './elementwise.js';
import { gspmmBackwardByTranspose, MIN_WORK } from './fast.js';
import { checkLayerNorm, checkLayerNormBackward, combineLayerNormSums } from './layer-norm.js';
import { runPart, type PartArgs, type PartName } from './parts.js';
import { isShared, sharedPool, type KernelPool } from './pool.js';
import type { ActivationSpec, FloatArray, Kernels } from './types.js';
import { phaseBounds, splitEvenly, splitRows } from './split.js';
import { runWasmJob, type WasmPhase } from './wasm-job.js';
import { wasmPlans } from './wasm-plans.js';
import { float32, inHeap, type WasmSparse } from './wasm-sparse.js';

export { MIN_WORK, splitEvenly, splitRows };

/** The same for the wasm kernels, in multiply-adds of a sparse product (a per-entry softmax or attention value counts
 *  PER_ENTRY_COST of them): a split (a hand-off and the other thread's copies) measured slower than one thread below
 *  about half a millisecond of work, e.g. Cora's SpMM at f = 256 (3.4M) or 8-head attention (0.1M entries x heads),
 *  and 1.5-2x faster at twice that on the 2-core machine (a crossover run of 2708 to 30k nodes). */
export const MIN_WASM_WORK = 1 << 22;

/** Multiply-adds one per-entry value of edge softmax, SDDMM add or GAT attention and its backward is worth (an exp,
 *  or a gathered score row per head group). */
export const PER_ENTRY_COST = 8;

/** When to split: `ts` for the TypeScript loops, `wasm` for kernels the wasm module takes (float32 operands). */
export interface SplitThresholds {
  ts: number;
  wasm: number;
}

const sharedCopies = new WeakMap<object, Int32Array | FloatArray>();

/** A SharedArrayBuffer-backed copy of a long-lived array that is never changed (graph structure), made once per
 *  array. Small or short-lived arrays (a bias, row indices) are instead copied into each worker's message. */
function shared<T extends Int32Array | FloatArray>(a: T): T {
  if (isShared(a)) return a;
  let s = sharedCopies.get(a) as T | undefined;
  if (!s) {
    s = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
    s.set(a as never);
    sharedCopies.set(a, s);
  }
  return s;
}

function sharedCsr(a: CsrMatrix, withValues: boolean): CsrMatrix {
  const values = withValues && a.values ? shared(a.values) : undefined;
  return { rows: a.rows, cols: a.cols, indptr: shared(a.indptr), indices: shared(a.indices), values };
}

const columnStarts = new WeakMap<Int32Array, Int32Array>();

/** Column boundaries that give each of `parts` ranges about the same number of stored entries (the column counts
 *  are computed once per matrix). */
function splitColumns(a: CsrMatrix, parts: number): number[] {
  let starts = columnStarts.get(a.indices);
  if (!starts) {
    starts = new Int32Array(a.cols + 1);
    const nnz = a.indptr[a.rows];
    for (let k = a.indptr[0]; k < nnz; k++) starts[a.indices[k] + 1]++;
    for (let j = 0; j < a.cols; j++) starts[j + 1] += starts[j];
    columnStarts.set(a.indices, starts);
  }
  return splitRows(starts, a.cols, parts);
}

/** `base` with its memory-bound kernels spread over `threads` threads when the work is large and the arrays they
 *  write live in shared memory (tensors of fastgnn's own allocator do); the GEMM stays `base`'s. Float32 sparse
 *  products, SDDMM, edge softmax and GAT attention go through `sparse` (the wasm module) when given, each phase split
 *  by output rows; the rest through the single-thread loops of fast.ts / elementwise.ts, each part on its own range
 *  (the fused GAT kernels stay `base`'s there; gspmmBackward gathers dX over the transpose). Every output value is computed in the same order as
 *  on one thread (scatters are split by output rows; column sums, LayerNorm's weight and bias gradients among them, add fixed blocks, GAT attention's dv fixed row parts), so results have the same bits
 *  for any thread count. */
export function createParallelKernels(
  base: Kernels, threads: number, sparse: WasmSparse | null = null, minWork: SplitThresholds = { ts: MIN_WORK, wasm: MIN_WASM_WORK },
): Kernels {
  let pool: KernelPool | null = null;
  const split = <K extends PartName>(part: K, args: PartArgs[K], bounds: number[]): void => {
    pool ??= sharedPool(threads);
    const jobs = bounds.slice(0, -1).map((lo, t) => ({ kind: 'part' as const, part, args, lo, hi: bounds[t + 1] }));
    pool.run(jobs, runPart);
  };
  const plans = sparse ? wasmPlans(sparse, true) : null;
  /** whether `work` over `units` units is worth splitting and every large array is in shared memory */
  const worth = (work: number, units: number, ...arrays: Array<ArrayBufferView | undefined | null>): boolean =>
    work >= minWork.ts && units >= threads && arrays.every((x) => !x || isShared(x));
  /** the same for a kernel the wasm module has a plan for: by the wasm threshold when the plan would take the arrays
   *  (and the matrix's `values`) */
  const worthPlanned = (
    work: number, cost: number, units: number, values: FloatArray | undefined, ...arrays: Array<FloatArray | undefined | null>
  ): boolean => worth(work, units, ...arrays) && (!plans || !float32(values, ...arrays) || work * cost >= minWork.wasm);
  /** the work worth a split for the kernels whose wasm plans take heap arrays only (row copies, elementwise) */
  const threshold = (...arrays: FloatArray[]): number => (sparse && plans && inHeap(sparse, ...arrays) ? minWork.wasm : minWork.ts);
  /** the same for dropout and its mask apply, whose wasm plans take a heap mask (byte array) too */
  const maskThreshold = (mask: Uint8Array, ...arrays: Array<FloatArray | undefined>): number =>
    (sparse?.heap?.holds(mask) ? threshold(...arrays.filter((a): a is FloatArray => a !== undefined)) : minWork.ts);
  /** the same for an activation kernel, whose wasm plans take relu only */
  const actThreshold = (act: ActivationSpec, ...arrays: FloatArray[]): number => (act.kind === 'relu' ? threshold(...arrays) : minWork.ts);
  const byRows = (a: CsrMatrix): number[] => splitRows(a.indptr, a.rows, threads);
  const evenly = (n: number): number[] => splitEvenly(n, threads);
  const nnz = (a: CsrMatrix): number => a.indptr[a.rows] - a.indptr[0];
  /** runs the phases split over the threads and returns true, or returns false when the plan declined (null) */
  const wasm = (phases: WasmPhase[] | null | undefined): boolean => {
    for (const p of phases ?? []) {
      if (p.calling) runWasmJob(p.job, 0, p.units);
      else split('wasm', p.job, phaseBounds(p, threads));
    }
    return !!phases;
  };
  const kernels: Kernels = {
    ...base,
    name: `${base.name}+${threads}threads`,
    spmm(a, x, f, out) {
      if (!worthPlanned(nnz(a) * f, 1, a.rows, a.values, x, out)) return base.spmm(a, x, f, out);
      if (!wasm(plans?.spmm(a, x, f, out))) split('spmm', { a: sharedCsr(a, true), x, f, out }, byRows(a));
    },
    spmmBiasActivation(a, x, f, bias, act, out) {
      if (!worthPlanned(nnz(a) * f, 1, a.rows, a.values, x, out)) return base.spmmBiasActivation(a, x, f, bias, act, out);
      if (!wasm(plans?.spmmBiasActivation(a, x, f, bias, act, out))) {
        split('spmmBiasActivation', { a: sharedCsr(a, true), x, f, bias, act, out }, byRows(a));
      }
    },
    gspmm(a, w, heads, x, f, out) {
      if (!worthPlanned(nnz(a) * f, 1, a.rows, undefined, w, x, out)) return base.gspmm(a, w, heads, x, f, out);
      if (!wasm(plans?.gspmm(a, w, heads, x, f, out))) split('gspmm', { a: sharedCsr(a, false), w, heads, x, f, out }, byRows(a));
    },
    spmmT(a, y, f, out) {
      if (!worthPlanned(nnz(a) * f, 1, a.cols, a.values, y, out)) return base.spmmT(a, y, f, out);
      if (!wasm(plans?.spmmT(a, y, f, out))) split('spmmT', { a: sharedCsr(a, true), y, f, out }, splitColumns(a, threads));
    },
    gspmmT(a, w, heads, y, f, out) {
      if (!worthPlanned(nnz(a) * f, 1, a.cols, undefined, w, y, out)) return base.gspmmT(a, w, heads, y, f, out);
      if (!wasm(plans?.gspmmT(a, w, heads, y, f, out))) split('gspmmT', { a: sharedCsr(a, false), w, heads, y, f, out }, splitColumns(a, threads));
    },
    sddmmDot(a, y, x, heads, f, out) {
      if (!worthPlanned(nnz(a) * f, 1, a.rows, undefined, y, x, out)) return base.sddmmDot(a, y, x, heads, f, out);
      if (!wasm(plans?.sddmmDot(a, y, x, heads, f, out))) split('sddmmDot', { a: sharedCsr(a, false), y, x, heads, f, out }, byRows(a));
    },
    gspmmBackward(a, w, heads, x, g, f, dw, dx) {
      const work = nnz(a) * f;
      if (worthPlanned(work, 1, Math.min(a.rows, a.cols), undefined, w, x, g, dw, dx) && wasm(plans?.gspmmBackward(a, w, heads, x, g, f, dw, dx))) return;
      if (dx === null || !worth(work, Math.min(a.rows, a.cols), w, x, g, dw, dx)) return base.gspmmBackward(a, w, heads, x, g, f, dw, dx);
      gspmmBackwardByTranspose(kernels, a, w, heads, x, g, f, dw, dx, new (w.constructor as Float64ArrayConstructor)(new SharedArrayBuffer(w.byteLength)));
    },
    sddmmAdd(a, u, v, heads, out) {
      if (!worthPlanned(nnz(a) * heads, PER_ENTRY_COST, a.rows, undefined, u, v, out)) return base.sddmmAdd(a, u, v, heads, out);
      if (!wasm(plans?.sddmmAdd(a, u, v, heads, out))) split('sddmmAdd', { a: sharedCsr(a, false), u, v, heads, out }, byRows(a));
    },
    edgeSoftmax(a, e, heads, out) {
      if (!worthPlanned(nnz(a) * heads, PER_ENTRY_COST, a.rows, undefined, e, out)) return base.edgeSoftmax(a, e, heads, out);
      if (!wasm(plans?.edgeSoftmax(a, e, heads, out))) split('edgeSoftmax', { a: sharedCsr(a, false), e, heads, out }, byRows(a));
    },
    edgeSoftmaxBackward(a, alpha, g, heads, out) {
      if (!worthPlanned(nnz(a) * heads, PER_ENTRY_COST, a.rows, undefined, alpha, g, out)) return base.edgeSoftmaxBackward(a, alpha, g, heads, out);
      if (!wasm(plans?.edgeSoftmaxBackward(a, alpha, g, heads, out))) {
        split('edgeSoftmaxBackward', { a: sharedCsr(a, false), alpha, g, heads, out }, byRows(a));
      }
    },
    gatAttention(a, u, v, heads, slope, out) {
      if (!worthPlanned(nnz(a) * heads, PER_ENTRY_COST, a.rows, undefined, u, v, out) || !wasm(plans?.gatAttention(a, u, v, heads, slope, out))) {
        base.gatAttention(a, u, v, heads, slope, out);
      }
    },
    gatAttentionBackward(a, u, v, alpha, g, heads, slope, du, dv) {
      const work = nnz(a) * heads;
      if (!worthPlanned(work, PER_ENTRY_COST, Math.min(a.rows, a.cols), undefined, u, v, alpha, g, du, dv) || !wasm(plans?.gatAttentionBackward(a, u, v, alpha, g, heads, slope, du, dv))) {
        base.gatAttentionBackward(a, u, v, alpha, g, heads, slope, du, dv);
      }
    },
    gatherRows(x, f, idx, out) {
      if (!(idx.length * f >= threshold(x, out) && worth(idx.length * f, idx.length, x, out))) return base.gatherRows(x, f, idx, out);
      if (!wasm(plans?.gatherRows(x, f, idx, out))) split('gatherRows', { x, f, idx, out }, evenly(idx.length));
    },
    scatterAddRows(x, f, idx, out) {
      const rows = f > 0 ? Math.floor(out.length / f) : 0;
      if (!(idx.length * f >= threshold(x, out) && worth(idx.length * f, rows, x, out))) return base.scatterAddRows(x, f, idx, out);
      if (!wasm(plans?.scatterAddRows(x, f, idx, out))) split('scatterAddRows', { x, f, idx, out }, evenly(rows));
    },
    dropout(n, p, scale, seed, mask, x, out) {
      const chunks = chunkCount(n);
      if (!(n >= maskThreshold(mask, x, out) && worth(n, chunks, mask, x, out))) return base.dropout(n, p, scale, seed, mask, x, out);
      if (!wasm(plans?.dropout(n, p, scale, seed, mask, x, out))) split('dropout', { n, p, scale, seed, mask, x, out }, evenly(chunks));
    },
    applyMask(n, mask, scale, g, out) {
      if (!(n >= maskThreshold(mask, g, out) && worth(n, n, mask, g, out))) return base.applyMask(n, mask, scale, g, out);
      if (!wasm(plans?.applyMask(n, mask, scale, g, out))) split('applyMask', { mask, scale, g, out }, evenly(n));
    },
    activation(act, n, x, out) {
      if (!(n >= actThreshold(act, x, out) && worth(n, n, x, out))) return base.activation(act, n, x, out);
      if (!wasm(plans?.activation(act, n, x, out))) split('activation', { act, x, out }, evenly(n));
    },
    activationBackward(act, n, x, y, g, out, scale = 1) {
      if (!(n >= actThreshold(act, x, g, out) && worth(n, n, x, y, g, out))) {
        return base.activationBackward(act, n, x, y, g, out, scale);
      }
      if (!wasm(plans?.activationBackward(act, n, x, y, g, out, scale))) split('activationBackward', { act, x, y, g, out, scale }, evenly(n));
    },
    addRowVec(m, n, x, v, out) {
      if (!(m * n >= threshold(x, out) && worth(m * n, m, x, out))) return base.addRowVec(m, n, x, v, out);
      if (!wasm(plans?.addRowVec(m, n, x, v, out))) split('addRowVec', { n, x, v, out }, evenly(m));
    },
    columnSums(m, n, g, out) {
      const blocks = columnSumBlocks(m);
      if (!(m * n >= threshold(g) && worth(m * n, blocks, g))) return base.columnSums(m, n, g, out);
      if (wasm(plans?.columnSums(m, n, g, out))) return;
      const partials = new Float64Array(new SharedArrayBuffer(8 * blocks * n));
      split('columnSums', { m, n, g, partials }, evenly(blocks));
      combineColumnSums(blocks, n, partials, out);
    },
    layerNorm(m, n, x, weight, bias, eps, out, xhat, rstd) {
      if (!worthPlanned(m * n, 1, m, undefined, x, out, xhat, rstd)) return base.layerNorm(m, n, x, weight, bias, eps, out, xhat, rstd);
      checkLayerNorm(m, n, x, weight, bias, out, xhat, rstd);
      if (!wasm(plans?.layerNorm(m, n, x, weight, bias, eps, out, xhat, rstd))) {
        split('layerNorm', { n, x, weight, bias, eps, out, xhat, rstd }, evenly(m));
      }
    },
    layerNormBackward(m, n, g, weight, xhat, rstd, dx, dweight, dbias) {
      const blocks = columnSumBlocks(m);
      if (!worthPlanned(m * n, 1, blocks, undefined, g, xhat, rstd, dx)) {
        return base.layerNormBackward(m, n, g, weight, xhat, rstd, dx, dweight, dbias);
      }
      checkLayerNormBackward(m, n, g, weight, xhat, rstd, dx, dweight, dbias);
      if (wasm(plans?.layerNormBackward(m, n, g, weight, xhat, rstd, dx, dweight, dbias))) return;
      const sums = dweight || dbias ? new Float64Array(new SharedArrayBuffer(16 * blocks * n)) : null;
      split('layerNormBackward', { m, n, g, weight, xhat, rstd, dx, sums }, evenly(blocks));
      if (sums) combineLayerNormSums(blocks, n, sums, dweight, dbias);
    },
  };
  return kernels;
}
