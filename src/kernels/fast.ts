// Tuned kernels: native BLAS GEMM when it loads (else WebAssembly SIMD, else TypeScript) and hand-tuned sparse loops.

import { permuteEntries, transposeStructure, type CsrMatrix } from '../graph/csr.js';
import { loadBlas, type NativeBlas } from './blas.js';
import { applyMask, chunkCount, dropoutChunks } from './dropout-mask.js';
import { activationBackwardRange, activationRange, addRowVecRange, biasActivationRows, columnSums } from './elementwise.js';
import { gatAttention, gatAttentionBackward } from './gat-attention.js';
import { gemmTs } from './gemm-ts.js';
import { layerNorm, layerNormBackward } from './layer-norm.js';
import type { ActivationSpec, FloatArray, GemmArgs, Kernels } from './types.js';
import { loadWasmGemm, type WasmGemm } from './wasm-gemm.js';
import { runPhases } from './wasm-job.js';
import { wasmPlans, withWasm } from './wasm-plans.js';
import { loadWasmSparse, type WasmSparse } from './wasm-sparse.js';

/* Same results as the reference twins up to rounding (same summation order, except sddmmDot, which sums heads of
 * 8+ channels in blocks of 8 and narrower ones in four partial sums, and one-column spmm, which sums in a register),
 * but: row offsets hoisted; the inner
 * loop always runs over one contiguous feature row and is unrolled by four (V8 does not unroll); unweighted
 * matrices, f = 1 and heads = 1 take their own loops; spmm writes each output row once instead of
 * zero-filling first; spmmT / gspmmT scatter input rows into the output (the autograd rules instead gather over a
 * cached transpose, see grad-rules.ts; these two serve callers without one, and the kernel benchmark).
 * Every loop indexes plain numbers, so one code path serves Float32Array and Float64Array. Float32 sparse products,
 * SDDMM, edge softmax and GAT attention go to the WebAssembly SIMD kernels (wasm-plans.ts) when they load
 * (fastKernels; fastTsKernels never uses them): several times faster, summed in float32. */

/** out[o : o+f] = v * x[s : s+f] (v = 1: a copy); unrolled by four, which V8 does not do by itself. */
function scaledCopy(out: FloatArray, o: number, v: number, x: FloatArray, s: number, f: number): void {
  let t = 0;
  for (; t + 3 < f; t += 4) {
    out[o + t] = v * x[s + t];
    out[o + t + 1] = v * x[s + t + 1];
    out[o + t + 2] = v * x[s + t + 2];
    out[o + t + 3] = v * x[s + t + 3];
  }
  for (; t < f; t++) out[o + t] = v * x[s + t];
}

/** out[o : o+f] += v * x[s : s+f], unrolled by four. */
function axpy(out: FloatArray, o: number, v: number, x: FloatArray, s: number, f: number): void {
  let t = 0;
  for (; t + 3 < f; t += 4) {
    out[o + t] += v * x[s + t];
    out[o + t + 1] += v * x[s + t + 1];
    out[o + t + 2] += v * x[s + t + 2];
    out[o + t + 3] += v * x[s + t + 3];
  }
  for (; t < f; t++) out[o + t] += v * x[s + t];
}

/** out[o : o+f] += x[s : s+f], unrolled by four. */
function addTo(out: FloatArray, o: number, x: FloatArray, s: number, f: number): void {
  let t = 0;
  for (; t + 3 < f; t += 4) {
    out[o + t] += x[s + t];
    out[o + t + 1] += x[s + t + 1];
    out[o + t + 2] += x[s + t + 2];
    out[o + t + 3] += x[s + t + 3];
  }
  for (; t < f; t++) out[o + t] += x[s + t];
}

/** out[o + c0 .. o + c1) = sum over k in [lo, hi) of w_k * x[indices[k] * f + (c0 .. c1)], w_k = w[k * ws + wo]
 *  (1 when w is undefined). The columns are taken 8 (then 4, then 1) at a time with the partial sums in local
 *  variables across all of the row's entries, so each output value is stored once: about twice as fast as
 *  accumulating into the output row entry by entry (and the sums are rounded once, in double precision). */
function accumulateBlock(
  indices: Int32Array, lo: number, hi: number, w: FloatArray | undefined, ws: number, wo: number,
  x: FloatArray, f: number, out: FloatArray, o: number, c0: number, c1: number,
): void {
  let t = c0;
  for (; t + 8 <= c1; t += 8) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (let k = lo; k < hi; k++) {
      const v = w === undefined ? 1 : w[k * ws + wo];
      const b = indices[k] * f + t;
      a0 += v * x[b];
      a1 += v * x[b + 1];
      a2 += v * x[b + 2];
      a3 += v * x[b + 3];
      a4 += v * x[b + 4];
      a5 += v * x[b + 5];
      a6 += v * x[b + 6];
      a7 += v * x[b + 7];
    }
    out[o + t] = a0;
    out[o + t + 1] = a1;
    out[o + t + 2] = a2;
    out[o + t + 3] = a3;
    out[o + t + 4] = a4;
    out[o + t + 5] = a5;
    out[o + t + 6] = a6;
    out[o + t + 7] = a7;
  }
  for (; t + 4 <= c1; t += 4) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let k = lo; k < hi; k++) {
      const v = w === undefined ? 1 : w[k * ws + wo];
      const b = indices[k] * f + t;
      a0 += v * x[b];
      a1 += v * x[b + 1];
      a2 += v * x[b + 2];
      a3 += v * x[b + 3];
    }
    out[o + t] = a0;
    out[o + t + 1] = a1;
    out[o + t + 2] = a2;
    out[o + t + 3] = a3;
  }
  for (; t < c1; t++) {
    let acc = 0;
    for (let k = lo; k < hi; k++) acc += (w === undefined ? 1 : w[k * ws + wo]) * x[indices[k] * f + t];
    out[o + t] = acc;
  }
}

/** out[i, :] = sum_{k in row i} val_k * x[j_k, :], val_k = vals[k] or 1 when vals is undefined. */
function aggregateRows(a: CsrMatrix, vals: FloatArray | undefined, x: FloatArray, f: number, out: FloatArray): void {
  const { rows, indptr, indices } = a;
  if (f === 1) {
    // one column: keep the sum in a register (for float32 this rounds once, not per entry as the reference)
    for (let i = 0; i < rows; i++) {
      let acc = 0;
      const hi = indptr[i + 1];
      if (vals === undefined) for (let k = indptr[i]; k < hi; k++) acc += x[indices[k]];
      else for (let k = indptr[i]; k < hi; k++) acc += vals[k] * x[indices[k]];
      out[i] = acc;
    }
    return;
  }
  if (f >= 8) {
    for (let i = 0; i < rows; i++) accumulateBlock(indices, indptr[i], indptr[i + 1], vals, 1, 0, x, f, out, i * f, 0, f);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const o = i * f;
    const lo = indptr[i];
    const hi = indptr[i + 1];
    if (lo === hi) {
      out.fill(0, o, o + f);
      continue;
    }
    if (vals === undefined) {
      scaledCopy(out, o, 1, x, indices[lo] * f, f);
      for (let k = lo + 1; k < hi; k++) addTo(out, o, x, indices[k] * f, f);
    } else {
      scaledCopy(out, o, vals[lo], x, indices[lo] * f, f);
      for (let k = lo + 1; k < hi; k++) axpy(out, o, vals[k], x, indices[k] * f, f);
    }
  }
}

/** Rows [r0, r1) of a CSR matrix as a matrix of its own; indptr entries stay absolute, so per-entry arrays (values,
 *  weights, logits, outputs) are indexed as in the whole matrix. */
export function rowSlice(a: CsrMatrix, r0: number, r1: number): CsrMatrix {
  return { rows: r1 - r0, cols: a.cols, indptr: a.indptr.subarray(r0, r1 + 1), indices: a.indices, values: a.values };
}

/** Rows per block of the fused SpMM: a block's output rows are still in cache when the bias and activation follow. */
const FUSED_BLOCK_ROWS = 32;

/** Rows [r0, r1) of out = act(A @ x + bias), block by block. */
export function spmmBiasActivationRows(
  a: CsrMatrix, x: FloatArray, f: number, bias: FloatArray, act: ActivationSpec, out: FloatArray, r0: number, r1: number,
): void {
  for (let b0 = r0; b0 < r1; b0 += FUSED_BLOCK_ROWS) {
    const b1 = Math.min(r1, b0 + FUSED_BLOCK_ROWS);
    aggregateRows(rowSlice(a, b0, b1), a.values, x, f, out.subarray(b0 * f, b1 * f));
    biasActivationRows(act, f, bias, out, out, b0, b1);
  }
}

/** Rows [j0, j1) of out = A(vals)^T y, val_k = vals[k] or 1: out[j, :] = sum over entries k = (i, j) of
 *  val_k * y[i, :], scattered in entry order. Each thread of a parallel call owns a range of output rows and scans
 *  every entry for its own, so there is no race and the sums are added in the same order for any thread count. */
export function spmmTRange(a: CsrMatrix, vals: FloatArray | undefined, y: FloatArray, f: number, out: FloatArray, j0: number, j1: number): void {
  const { rows, indptr, indices } = a;
  out.fill(0, j0 * f, j1 * f);
  if (f === 1) {
    for (let i = 0; i < rows; i++) {
      const yi = y[i];
      const hi = indptr[i + 1];
      for (let k = indptr[i]; k < hi; k++) {
        const j = indices[k];
        if (j >= j0 && j < j1) out[j] += vals === undefined ? yi : vals[k] * yi;
      }
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const yi = i * f;
    const hi = indptr[i + 1];
    for (let k = indptr[i]; k < hi; k++) {
      const j = indices[k];
      if (j < j0 || j >= j1) continue;
      if (vals === undefined) addTo(out, j * f, y, yi, f);
      else axpy(out, j * f, vals[k], y, yi, f);
    }
  }
}

function headWidth(f: number, heads: number, kernel: string): number {
  if (!Number.isInteger(heads) || heads < 1 || f % heads !== 0) {
    throw new RangeError(`${kernel}: width f = ${f} must split into heads = ${heads} equal blocks`);
  }
  return f / heads;
}


/** gspmm with several heads (one head is a weighted SpMM). */
function gspmmHeads(a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, f: number, out: FloatArray): void {
  const c = headWidth(f, heads, 'gspmm');
  const { rows, indptr, indices } = a;
  for (let i = 0; i < rows; i++) {
    for (let h = 0; h < heads; h++) accumulateBlock(indices, indptr[i], indptr[i + 1], w, heads, h, x, f, out, i * f, h * c, h * c + c);
  }
}

/** Rows [j0, j1) of gspmmT's output, scattered as spmmTRange does. */
export function gspmmTRange(a: CsrMatrix, w: FloatArray, heads: number, y: FloatArray, f: number, out: FloatArray, j0: number, j1: number): void {
  if (heads === 1) return spmmTRange(a, w, y, f, out, j0, j1);
  const c = headWidth(f, heads, 'gspmmT');
  const { rows, indptr, indices } = a;
  out.fill(0, j0 * f, j1 * f);
  for (let i = 0; i < rows; i++) {
    const yi = i * f;
    const hi = indptr[i + 1];
    for (let k = indptr[i]; k < hi; k++) {
      const j = indices[k];
      if (j < j0 || j >= j1) continue;
      const wk = k * heads;
      for (let h = 0, b = 0; h < heads; h++, b += c) axpy(out, j * f + b, w[wk + h], y, yi + b, c);
    }
  }
}

/** sum_t p[pi + t] * q[qi + t] for t < c, with four partial sums to break the add dependency chain. */
function dot(p: FloatArray, pi: number, q: FloatArray, qi: number, c: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let t = 0;
  for (; t + 3 < c; t += 4) {
    s0 += p[pi + t] * q[qi + t];
    s1 += p[pi + t + 1] * q[qi + t + 1];
    s2 += p[pi + t + 2] * q[qi + t + 2];
    s3 += p[pi + t + 3] * q[qi + t + 3];
  }
  for (; t < c; t++) s0 += p[pi + t] * q[qi + t];
  return s0 + s1 + (s2 + s3);
}

function sddmmDot(a: CsrMatrix, y: FloatArray, x: FloatArray, heads: number, f: number, out: FloatArray): void {
  const c = headWidth(f, heads, 'sddmmDot');
  if (c >= 8) return sddmmDotBlocked(a, y, x, heads, f, c, out);
  const { rows, indptr, indices } = a;
  for (let i = 0; i < rows; i++) {
    const yi = i * f;
    const hi = indptr[i + 1];
    if (heads === 1) {
      for (let k = indptr[i]; k < hi; k++) out[k] = dot(y, yi, x, indices[k] * f, f);
      continue;
    }
    for (let k = indptr[i]; k < hi; k++) {
      const xj = indices[k] * f;
      const ok = k * heads;
      for (let h = 0, b = 0; h < heads; h++, b += c) out[ok + h] = dot(y, yi + b, x, xj + b, c);
    }
  }
}

/** sddmmDot for heads of at least 8 channels: per row and head, 8 channels of y in locals and one 8-term dot per
 *  entry (1.7x faster than a dot per entry and head for GAT's 8 heads of 8 channels on Cora); wider heads add
 *  further 8-channel blocks, then the remaining channels, into out. */
function sddmmDotBlocked(a: CsrMatrix, y: FloatArray, x: FloatArray, heads: number, f: number, c: number, out: FloatArray): void {
  const { rows, indptr, indices } = a;
  for (let i = 0; i < rows; i++) {
    const lo = indptr[i];
    const hi = indptr[i + 1];
    for (let h = 0; h < heads; h++) {
      const yb = i * f + h * c;
      const xb = h * c;
      let t = 0;
      for (; t + 8 <= c; t += 8) {
        const y0 = y[yb + t], y1 = y[yb + t + 1], y2 = y[yb + t + 2], y3 = y[yb + t + 3];
        const y4 = y[yb + t + 4], y5 = y[yb + t + 5], y6 = y[yb + t + 6], y7 = y[yb + t + 7];
        for (let k = lo; k < hi; k++) {
          const b = indices[k] * f + xb + t;
          const sum = y0 * x[b] + y1 * x[b + 1] + y2 * x[b + 2] + y3 * x[b + 3] + y4 * x[b + 4] + y5 * x[b + 5] + y6 * x[b + 6] + y7 * x[b + 7];
          const o = k * heads + h;
          out[o] = t === 0 ? sum : out[o] + sum;
        }
      }
      if (t < c) {
        for (let k = lo; k < hi; k++) out[k * heads + h] += dot(y, yb + t, x, indices[k] * f + xb + t, c - t);
      }
    }
  }
}

/** Below this many multiply-adds (or elements) a TypeScript kernel stays on the calling thread in the parallel kernels
 *  (a hand-off costs tens of microseconds); gspmmBackward takes the transpose from this size on. */
export const MIN_WORK = 1 << 20;

/** gspmmBackward for products of at least MIN_WORK multiply-adds, through k's kernels: dw by sddmmDot, and
 *  dX = A(w)^T g gathered by rows of A's cached transpose with the weights permuted into its entry order (`scratch`,
 *  w's length), so the parallel kernels split both and give the bits of one thread. */
export function gspmmBackwardByTranspose(
  k: Kernels, a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, g: FloatArray, f: number, dw: FloatArray | null, dx: FloatArray, scratch: FloatArray,
): void {
  if (dw) k.sddmmDot(a, g, x, heads, f, dw);
  const t = transposeStructure(a);
  k.gspmm({ rows: a.cols, cols: a.rows, indptr: t.indptr, indices: t.indices }, permuteEntries(w, t.perm, heads, scratch), heads, g, f, dx);
}

/** dw = sddmmDot(a, g, x) and dx = gspmmT(a, w, g) in one sweep over the entries: per row and head, the row's
 *  gradient channels in locals (8 at a time), and per entry one dot with the source row of x for dw and one scatter
 *  into the source row of dx (30% faster than the two kernels, and no transpose, on Cora's 8 heads of 8 channels). */
function gspmmBackward(a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, g: FloatArray, f: number, dw: FloatArray | null, dx: FloatArray | null): void {
  if (dw === null || dx === null) {
    if (dw) sddmmDot(a, g, x, heads, f, dw);
    if (dx) gspmmTRange(a, w, heads, g, f, dx, 0, a.cols);
    return;
  }
  const c = headWidth(f, heads, 'gspmmBackward');
  const { rows, cols, indptr, indices } = a;
  dx.fill(0, 0, cols * f);
  for (let i = 0; i < rows; i++) {
    const lo = indptr[i];
    const hi = indptr[i + 1];
    for (let h = 0; h < heads; h++) {
      const gb = i * f + h * c;
      let t = 0;
      for (; t + 8 <= c; t += 8) {
        const g0 = g[gb + t], g1 = g[gb + t + 1], g2 = g[gb + t + 2], g3 = g[gb + t + 3];
        const g4 = g[gb + t + 4], g5 = g[gb + t + 5], g6 = g[gb + t + 6], g7 = g[gb + t + 7];
        for (let k = lo; k < hi; k++) {
          const b = indices[k] * f + h * c + t;
          const o = k * heads + h;
          const sum = g0 * x[b] + g1 * x[b + 1] + g2 * x[b + 2] + g3 * x[b + 3] + g4 * x[b + 4] + g5 * x[b + 5] + g6 * x[b + 6] + g7 * x[b + 7];
          dw[o] = t === 0 ? sum : dw[o] + sum;
          const wv = w[o];
          dx[b] += wv * g0;
          dx[b + 1] += wv * g1;
          dx[b + 2] += wv * g2;
          dx[b + 3] += wv * g3;
          dx[b + 4] += wv * g4;
          dx[b + 5] += wv * g5;
          dx[b + 6] += wv * g6;
          dx[b + 7] += wv * g7;
        }
      }
      if (t < c) {
        for (let k = lo; k < hi; k++) {
          const b = indices[k] * f + h * c + t;
          const o = k * heads + h;
          const partial = dot(g, gb + t, x, b, c - t);
          dw[o] = t === 0 ? partial : dw[o] + partial;
          axpy(dx, b, w[o], g, gb + t, c - t);
        }
      }
    }
  }
}

function sddmmAdd(a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, out: FloatArray): void {
  const { rows, indptr, indices } = a;
  for (let i = 0; i < rows; i++) {
    const hi = indptr[i + 1];
    if (heads === 1) {
      const ui = u[i];
      for (let k = indptr[i]; k < hi; k++) out[k] = ui + v[indices[k]];
      continue;
    }
    const ui = i * heads;
    for (let k = indptr[i]; k < hi; k++) {
      const vj = indices[k] * heads;
      const ok = k * heads;
      for (let h = 0; h < heads; h++) out[ok + h] = u[ui + h] + v[vj + h];
    }
  }
}

function edgeSoftmax(a: CsrMatrix, e: FloatArray, heads: number, out: FloatArray): void {
  const { rows, indptr } = a;
  for (let i = 0; i < rows; i++) {
    const lo = indptr[i] * heads;
    const hi = indptr[i + 1] * heads;
    for (let h = 0; h < heads; h++) {
      // `>` instead of Math.max: a NaN is skipped here but still turns the whole row NaN below, as in the reference
      let mx = -Infinity;
      for (let k = lo + h; k < hi; k += heads) {
        const v = e[k];
        if (v > mx) mx = v;
      }
      let den = 0;
      for (let k = lo + h; k < hi; k += heads) {
        const ex = Math.exp(e[k] - mx);
        out[k] = ex;
        den += ex;
      }
      den += 1e-16;
      for (let k = lo + h; k < hi; k += heads) out[k] /= den;
    }
  }
}

function edgeSoftmaxBackward(a: CsrMatrix, alpha: FloatArray, g: FloatArray, heads: number, out: FloatArray): void {
  const { rows, indptr } = a;
  for (let i = 0; i < rows; i++) {
    const lo = indptr[i] * heads;
    const hi = indptr[i + 1] * heads;
    for (let h = 0; h < heads; h++) {
      let s = 0;
      for (let k = lo + h; k < hi; k += heads) s += alpha[k] * g[k];
      for (let k = lo + h; k < hi; k += heads) out[k] = alpha[k] * (g[k] - s);
    }
  }
}

/** Rows at least this wide are copied with TypedArray.set (a memcpy); narrower ones by an unrolled loop, which
 *  measured faster up to f = 64 (set() costs a subarray allocation and a native call per row). */
const SET_MIN_WIDTH = 128;

function gatherRows(x: FloatArray, f: number, idx: Int32Array, out: FloatArray): void {
  gatherRowsRange(x, f, idx, out, 0, idx.length);
}

/** out[r, :] = x[idx[r], :] for r in [r0, r1) (a thread's part; errors name the index in the whole idx). */
export function gatherRowsRange(x: FloatArray, f: number, idx: Int32Array, out: FloatArray, r0: number, r1: number): void {
  if (f === 0) return;
  const n = Math.floor(x.length / f);
  const bad = (r: number): RangeError => new RangeError(`gatherRows: idx[${r}] = ${idx[r]} is outside the ${n} rows of x`);
  if (f === 1) {
    for (let r = r0; r < r1; r++) {
      const j = idx[r];
      if (j < 0 || j >= n) throw bad(r);
      out[r] = x[j];
    }
  } else if (f >= SET_MIN_WIDTH) {
    for (let r = r0; r < r1; r++) {
      const j = idx[r];
      if (j < 0 || j >= n) throw bad(r);
      const s = j * f;
      out.set(x.subarray(s, s + f), r * f);
    }
  } else {
    for (let r = r0; r < r1; r++) {
      const j = idx[r];
      if (j < 0 || j >= n) throw bad(r);
      scaledCopy(out, r * f, 1, x, j * f, f);
    }
  }
}

function scatterAddRows(x: FloatArray, f: number, idx: Int32Array, out: FloatArray): void {
  if (f > 0) scatterAddRowsRange(x, f, idx, out, 0, Math.floor(out.length / f));
}

/** out[idx[r], :] += x[r, :] for the r with idx[r] in [j0, j1) (a thread's own output rows; see spmmTRange). */
export function scatterAddRowsRange(x: FloatArray, f: number, idx: Int32Array, out: FloatArray, j0: number, j1: number): void {
  const n = Math.floor(out.length / f);
  for (let r = 0; r < idx.length; r++) {
    const j = idx[r];
    if (j < 0 || j >= n) throw new RangeError(`scatterAddRows: idx[${r}] = ${j} is outside the ${n} rows of out`);
    if (j < j0 || j >= j1) continue;
    if (f === 1) out[j] += x[r];
    else addTo(out, j * f, x, r * f, f);
  }
}

/** The tuned kernels with the given GEMM, and the sparse and attention kernels through the wasm module when
 *  `sparse` is given and takes the operands. */
function withKernels(name: string, gemm: (g: GemmArgs) => void, sparse: WasmSparse | null): Kernels {
  const ts: Kernels = {
    name, gemm, sddmmDot, sddmmAdd,
    gspmmBackward: (a, w, heads, x, g, f, dw, dx) => {
      if (dx && (a.indptr[a.rows] - a.indptr[0]) * f >= MIN_WORK) gspmmBackwardByTranspose(ts, a, w, heads, x, g, f, dw, dx, new (w.constructor as Float64ArrayConstructor)(w.length));
      else gspmmBackward(a, w, heads, x, g, f, dw, dx);
    }, edgeSoftmax, edgeSoftmaxBackward, gatAttention, gatAttentionBackward, gatherRows, scatterAddRows,
    spmm: (a, x, f, out) => aggregateRows(a, a.values, x, f, out),
    spmmBiasActivation: (a, x, f, bias, act, out) => spmmBiasActivationRows(a, x, f, bias, act, out, 0, a.rows),
    spmmT: (a, y, f, out) => spmmTRange(a, a.values, y, f, out, 0, a.cols),
    gspmm: (a, w, heads, x, f, out) => (heads === 1 ? aggregateRows(a, w, x, f, out) : gspmmHeads(a, w, heads, x, f, out)),
    gspmmT: (a, w, heads, y, f, out) => gspmmTRange(a, w, heads, y, f, out, 0, a.cols),
    // the chunked loop is already as direct as it gets on one thread; its reference twin is the same function
    dropout: (n, p, scale, seed, mask, x, out) => dropoutChunks(n, p, scale, seed, 0, chunkCount(n), mask, x, out),
    applyMask: (n, mask, scale, g, out) => applyMask(g, out, mask, scale, 0, n),
    activation: (act, n, x, out) => activationRange(act, x, out, 0, n),
    activationBackward: (act, n, x, y, g, out, scale) => activationBackwardRange(act, x, y, g, out, 0, n, scale),
    addRowVec: (m, n, x, v, out) => addRowVecRange(n, x, v, out, 0, m),
    columnSums, layerNorm, layerNormBackward,
  };
  return sparse ? withWasm(ts, wasmPlans(sparse, false), runPhases) : ts;
}

/** Tuned kernels in TypeScript only: the TypeScript GEMM and sparse loops (never touches native code or wasm). */
export const fastTsKernels: Kernels = withKernels('fast-ts', gemmTs, null);

/** Below this many multiply-adds (m n k) a float32 GEMM goes to the single-threaded wasm GEMM, when given, instead
 *  of `blas`: waking OpenBLAS's threads costs more than such a product. Inside a multiscale training loop on a busy
 *  2-core machine a 765 x 64 x 7 product took 1.8 ms a call through OpenBLAS; the wasm GEMM does it in ~45 us. */
export const SMALL_GEMM = 1 << 21;

/** Tuned kernels whose GEMM goes to `blas` (native BLAS or the wasm GEMM), small float32 products to `small` (the
 *  wasm GEMM on this thread) when given, falling back to gemm-ts for the operand types they decline (mixed types;
 *  for wasm, anything but float32), and whose float32 sparse and attention kernels go to `sparse` (the wasm module)
 *  when given. */
export function createFastKernels(blas: Pick<NativeBlas, 'gemm'> | null, sparse: WasmSparse | null = null, small: WasmGemm | null = null): Kernels {
  if (blas === null) return withKernels('fast', gemmTs, sparse);
  return withKernels('fast', (g) => {
    if (small !== null && g.m * g.n * g.k < SMALL_GEMM && small.gemm(g, 1)) return;
    if (!blas.gemm(g)) gemmTs(g);
  }, sparse);
}

/** The tuned kernels, GEMM through native BLAS when loadBlas() succeeds at start-up, else through WebAssembly
 *  SIMD when loadWasmGemm() does, else gemm-ts (small products: see SMALL_GEMM); sparse and attention kernels
 *  through the wasm module when loadWasmSparse() succeeds. */
const nativeBlas = loadBlas();
export const fastKernels: Kernels = createFastKernels(nativeBlas ?? loadWasmGemm(), loadWasmSparse(), nativeBlas ? loadWasmGemm() : null);
