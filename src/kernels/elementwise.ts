// Tuned elementwise and row-vector kernels (activations and their gradients, bias add, column sums), each taking the
// index range it covers so that one thread or several run the same loops.

import type { ActivationSpec, FloatArray } from './types.js';

/** out[i] = act(x[i]) for i in [lo, hi). */
export function activationRange(act: ActivationSpec, x: FloatArray, out: FloatArray, lo: number, hi: number): void {
  switch (act.kind) {
    case 'relu':
      for (let i = lo; i < hi; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : 0;
      }
      return;
    case 'elu': {
      const alpha = act.alpha;
      for (let i = lo; i < hi; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : alpha * Math.expm1(v);
      }
      return;
    }
    case 'leakyRelu': {
      const slope = act.slope;
      for (let i = lo; i < hi; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : slope * v;
      }
    }
  }
}

/** out[i] = g[i] * act'(x[i]) for i in [lo, hi); elu's derivative for x <= 0 is y + alpha, y = act(x). */
export function activationBackwardRange(
  act: ActivationSpec, x: FloatArray, y: FloatArray, g: FloatArray, out: FloatArray, lo: number, hi: number,
): void {
  switch (act.kind) {
    case 'relu':
      for (let i = lo; i < hi; i++) out[i] = x[i] > 0 ? g[i] : 0;
      return;
    case 'elu': {
      const alpha = act.alpha;
      for (let i = lo; i < hi; i++) out[i] = x[i] > 0 ? g[i] : g[i] * (y[i] + alpha);
      return;
    }
    case 'leakyRelu': {
      const slope = act.slope;
      for (let i = lo; i < hi; i++) out[i] = x[i] > 0 ? g[i] : g[i] * slope;
    }
  }
}

/** out[i, :] = x[i, :] + v for rows i in [r0, r1) of width n. */
export function addRowVecRange(n: number, x: FloatArray, v: FloatArray, out: FloatArray, r0: number, r1: number): void {
  for (let o = r0 * n, end = r1 * n; o < end; o += n) {
    for (let j = 0; j < n; j++) out[o + j] = x[o + j] + v[j];
  }
}

/** dst[i, :] = act(src[i, :] + bias) for rows i in [r0, r1) of width f (dst may be src). Each row gets the bias and
 *  then the activation while it is in cache, rounded in between as addRowVec then activation would round it. */
export function biasActivationRows(
  act: ActivationSpec, f: number, bias: FloatArray, src: FloatArray, dst: FloatArray, r0: number, r1: number,
): void {
  for (let o = r0 * f, end = r1 * f; o < end; o += f) {
    for (let t = 0; t < f; t++) dst[o + t] = src[o + t] + bias[t];
    activationRange(act, dst, dst, o, o + f);
  }
}

/** Rows per block of a column sum. Blocks are summed separately (in double precision) and then added in block
 *  order, on one thread or several, so the result has the same bits for every thread count. */
export const COLUMN_SUM_ROWS = 1024;

export function columnSumBlocks(m: number): number {
  return Math.ceil(m / COLUMN_SUM_ROWS);
}

/** partials[b * n + j] = sum of g[i, j] over the rows i of block b, for blocks [b0, b1) of the m rows. */
export function columnSumRange(m: number, n: number, g: FloatArray, partials: Float64Array, b0: number, b1: number): void {
  for (let b = b0; b < b1; b++) {
    const p = b * n;
    partials.fill(0, p, p + n);
    const end = Math.min(m, (b + 1) * COLUMN_SUM_ROWS) * n;
    for (let o = b * COLUMN_SUM_ROWS * n; o < end; o += n) {
      for (let j = 0; j < n; j++) partials[p + j] += g[o + j];
    }
  }
}

/** out[j] = the block sums of partials added in block order. */
export function combineColumnSums(blocks: number, n: number, partials: Float64Array, out: FloatArray): void {
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let b = 0; b < blocks; b++) s += partials[b * n + j];
    out[j] = s;
  }
}

/** The column sums on this thread (the block order of columnSumRange + combineColumnSums). */
export function columnSums(m: number, n: number, g: FloatArray, out: FloatArray): void {
  const blocks = columnSumBlocks(m);
  const partials = new Float64Array(blocks * n);
  columnSumRange(m, n, g, partials, 0, blocks);
  combineColumnSums(blocks, n, partials, out);
}
