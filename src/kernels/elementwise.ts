// Tuned elementwise and row-vector kernels (activations and their gradients, bias add, column sums), each taking the
// index range it covers so that one thread or several run the same loops.

import { expMinus } from './exp.js';
import type { ActivationSpec, FloatArray } from './types.js';

/* A sign test as a branch mispredicts about half the time on activations and gradients (measured 3.5-4x slower than
 * the branch-free forms here). So relu on float32 keeps or clears the bits with an integer mask (-(x > 0) is -1 or
 * 0: exactly 0 for NaN and -0, as the branch gives), and the other activations multiply by a factor looked up by the
 * sign test (v * 1 is v exactly). Elu's forward lists its non-positive positions
 * first and then takes expm1 at those only. */

function bits(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/** dst[i] = keep[i] > 0 ? src[i] : 0 for i in [lo, hi). */
function keepPositive(keep: FloatArray, src: FloatArray, dst: FloatArray, lo: number, hi: number): void {
  if (src instanceof Float32Array && dst instanceof Float32Array) {
    const s = bits(src);
    const d = bits(dst);
    for (let i = lo; i < hi; i++) d[i] = s[i] & -(keep[i] > 0);
  } else {
    for (let i = lo; i < hi; i++) dst[i] = keep[i] > 0 ? src[i] : 0;
  }
}

/** out[i] = v[i] * (sign[i] > 0 ? 1 : factor) for i in [lo, hi). */
function scaleNonPositive(sign: FloatArray, v: FloatArray, factor: number, out: FloatArray, lo: number, hi: number): void {
  const f = Float64Array.of(factor, 1);
  for (let i = lo; i < hi; i++) out[i] = v[i] * f[+(sign[i] > 0)];
}

/** out[i] = act(x[i]) for i in [lo, hi). */
export function activationRange(act: ActivationSpec, x: FloatArray, out: FloatArray, lo: number, hi: number): void {
  switch (act.kind) {
    case 'relu':
      return keepPositive(x, x, out, lo, hi);
    case 'leakyRelu':
      return scaleNonPositive(x, x, act.slope, out, lo, hi);
    case 'elu':
      return eluRange(act.alpha, x, out, lo, hi);
  }
}

/** elu works through blocks of this many values (its list of positions stays in L1). */
const ELU_BLOCK = 4096;

/** out[i] = x[i] > 0 ? x[i] : alpha (e^x[i] - 1) block by block in two branch-free passes: copy x while listing the
 *  positions of the values that are not positive, then expm1 (exp.ts, faster than Math.expm1) at those positions
 *  only. out may be x. */
function eluRange(alpha: number, x: FloatArray, out: FloatArray, lo: number, hi: number): void {
  const negatives = new Int32Array(Math.min(hi - lo, ELU_BLOCK));
  for (let start = lo; start < hi; start += ELU_BLOCK) {
    const end = Math.min(hi, start + ELU_BLOCK);
    let count = 0;
    for (let i = start; i < end; i++) {
      const v = x[i];
      out[i] = v;
      negatives[count] = i;
      count += Number(!(v > 0));
    }
    for (let q = 0; q < count; q++) {
      const i = negatives[q];
      out[i] = alpha * expMinus(out[i], 1);
    }
  }
}

/** out[i] = g[i] * act'(x[i]) for i in [lo, hi); elu's derivative for x <= 0 is y + alpha, y = act(x). */
export function activationBackwardRange(
  act: ActivationSpec, x: FloatArray, y: FloatArray, g: FloatArray, out: FloatArray, lo: number, hi: number, scale = 1,
): void {
  if (scale !== 1) return scaledActivationBackward(act, x, y, g, out, lo, hi, scale);
  switch (act.kind) {
    case 'relu':
      return keepPositive(x, g, out, lo, hi);
    case 'leakyRelu':
      return scaleNonPositive(x, g, act.slope, out, lo, hi);
    case 'elu': {
      const f = Float64Array.of(0, 1);
      for (let i = lo; i < hi; i++) {
        f[0] = y[i] + act.alpha;
        out[i] = g[i] * f[+(x[i] > 0)];
      }
    }
  }
}

/** activationBackwardRange times `scale`: relu's in one pass (as dropout's mask apply alone would be), the others
 *  scaled after their own factor. */
function scaledActivationBackward(
  act: ActivationSpec, x: FloatArray, y: FloatArray, g: FloatArray, out: FloatArray, lo: number, hi: number, scale: number,
): void {
  if (act.kind === 'relu') {
    // (g * 0 or 1) * scale: the values of g * (0 or scale), and measured 1.25x faster than that lookup (written as
    // g * (scale * keep) V8 branched on the sign instead, 4x slower)
    for (let i = lo; i < hi; i++) out[i] = g[i] * +(x[i] > 0) * scale;
    return;
  }
  activationBackwardRange(act, x, y, g, out, lo, hi);
  for (let i = lo; i < hi; i++) out[i] *= scale;
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

/** partials[b * n + j] = sum of g[i, j] over the rows i of block b, for blocks [b0, b1) of the m rows: 16 columns at a
 *  time summed down the block in locals (1.8x faster than adding each row into the partials, the same sums in the
 *  same order), then the remaining columns one by one. */
export function columnSumRange(m: number, n: number, g: FloatArray, partials: Float64Array, b0: number, b1: number): void {
  for (let b = b0; b < b1; b++) {
    const p = b * n;
    const start = b * COLUMN_SUM_ROWS * n;
    const end = Math.min(m, (b + 1) * COLUMN_SUM_ROWS) * n;
    let t = 0;
    for (; t + 16 <= n; t += 16) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
      for (let o = start + t; o < end; o += n) {
        a0 += g[o]; a1 += g[o + 1]; a2 += g[o + 2]; a3 += g[o + 3]; a4 += g[o + 4]; a5 += g[o + 5]; a6 += g[o + 6]; a7 += g[o + 7];
        c0 += g[o + 8]; c1 += g[o + 9]; c2 += g[o + 10]; c3 += g[o + 11]; c4 += g[o + 12]; c5 += g[o + 13]; c6 += g[o + 14]; c7 += g[o + 15];
      }
      const q = p + t;
      partials[q] = a0; partials[q + 1] = a1; partials[q + 2] = a2; partials[q + 3] = a3;
      partials[q + 4] = a4; partials[q + 5] = a5; partials[q + 6] = a6; partials[q + 7] = a7;
      partials[q + 8] = c0; partials[q + 9] = c1; partials[q + 10] = c2; partials[q + 11] = c3;
      partials[q + 12] = c4; partials[q + 13] = c5; partials[q + 14] = c6; partials[q + 15] = c7;
    }
    for (; t < n; t++) {
      let a = 0;
      for (let o = start + t; o < end; o += n) a += g[o];
      partials[p + t] = a;
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
