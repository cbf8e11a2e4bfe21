// LayerNorm's tuned loops, forward by ranges of rows and backward by ranges of row blocks, so that one thread or
// several run the same code; the bits of the wasm kernels (assembly/layer-norm.ts).

import { COLUMN_SUM_ROWS, columnSumBlocks, combineColumnSums } from './elementwise.js';
import type { FloatArray } from './types.js';

/* A row is read from memory once and is in L1 for its three passes (the mean, the variance, the stores); out and
 * xhat are written once. Values are computed in float64 and rounded only by the stores, as in the reference loops;
 * only the order of a row's sums differs. Those run in eight lanes (eight independent chains instead of one): lane k
 * starts with the term of value t + k of the row's tail [t, n), t = n - n % 8 (or with -0, which adds nothing, not
 * even to -0), then adds those of values k, k + 8, ... of [0, t); the lanes are combined as ((s0 + s4) + (s2 + s6)) +
 * ((s1 + s5) + (s3 + s7)). That is the order of the wasm kernels' four f64x2 accumulators, so both give the same bits
 * (training with arrays in the wasm heap or not gives the same results). Each loop is a small function called per row
 * and written out for its own sum (the old single function was deoptimised on every call, "insufficient type
 * feedback", its later loops never having run when it was optimised); one generic sum over float64 scratch copies of
 * the rows measured 1.8x slower. */

/** sum of x[o + j] for j < n, in the lane order */
function rowSum(x: FloatArray, o: number, n: number): number {
  const t = n - (n % 8);
  const e = o + t;
  let s0 = t < n ? x[e] : -0;
  let s1 = t + 1 < n ? x[e + 1] : -0;
  let s2 = t + 2 < n ? x[e + 2] : -0;
  let s3 = t + 3 < n ? x[e + 3] : -0;
  let s4 = t + 4 < n ? x[e + 4] : -0;
  let s5 = t + 5 < n ? x[e + 5] : -0;
  let s6 = t + 6 < n ? x[e + 6] : -0;
  let s7 = -0;
  for (let j = o; j < e; j += 8) {
    s0 += x[j]; s1 += x[j + 1]; s2 += x[j + 2]; s3 += x[j + 3];
    s4 += x[j + 4]; s5 += x[j + 5]; s6 += x[j + 6]; s7 += x[j + 7];
  }
  return ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
}

/** sum of (x[o + j] - c)^2 for j < n, in the lane order */
function rowSquares(x: FloatArray, o: number, n: number, c: number): number {
  const sq = (v: number): number => (v - c) * (v - c);
  const t = n - (n % 8);
  const e = o + t;
  let s0 = t < n ? sq(x[e]) : -0;
  let s1 = t + 1 < n ? sq(x[e + 1]) : -0;
  let s2 = t + 2 < n ? sq(x[e + 2]) : -0;
  let s3 = t + 3 < n ? sq(x[e + 3]) : -0;
  let s4 = t + 4 < n ? sq(x[e + 4]) : -0;
  let s5 = t + 5 < n ? sq(x[e + 5]) : -0;
  let s6 = t + 6 < n ? sq(x[e + 6]) : -0;
  let s7 = -0;
  for (let j = o; j < e; j += 8) {
    const d0 = x[j] - c, d1 = x[j + 1] - c, d2 = x[j + 2] - c, d3 = x[j + 3] - c;
    const d4 = x[j + 4] - c, d5 = x[j + 5] - c, d6 = x[j + 6] - c, d7 = x[j + 7] - c;
    s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
    s4 += d4 * d4; s5 += d5 * d5; s6 += d6 * d6; s7 += d7 * d7;
  }
  return ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
}

/** out[o + j] = (x[o + j] - mean) * r * weight[j] + bias[j], and xhat[o + j] = (x[o + j] - mean) * r when given;
 *  unrolled by four (1.4x faster: V8 does not unroll). */
function normaliseRow(
  x: FloatArray, o: number, n: number, mean: number, r: number, weight: FloatArray, bias: FloatArray, out: FloatArray, xhat: FloatArray | null,
): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const p = o + j;
    const h0 = (x[p] - mean) * r, h1 = (x[p + 1] - mean) * r, h2 = (x[p + 2] - mean) * r, h3 = (x[p + 3] - mean) * r;
    if (xhat !== null) {
      xhat[p] = h0; xhat[p + 1] = h1; xhat[p + 2] = h2; xhat[p + 3] = h3;
    }
    out[p] = h0 * weight[j] + bias[j];
    out[p + 1] = h1 * weight[j + 1] + bias[j + 1];
    out[p + 2] = h2 * weight[j + 2] + bias[j + 2];
    out[p + 3] = h3 * weight[j + 3] + bias[j + 3];
  }
  for (; j < n; j++) {
    const h = (x[o + j] - mean) * r;
    if (xhat !== null) xhat[o + j] = h;
    out[o + j] = h * weight[j] + bias[j];
  }
}

/** Rows [r0, r1) of Kernels.layerNorm on rows of width n. */
export function layerNormRows(
  n: number, x: FloatArray, weight: FloatArray, bias: FloatArray, eps: number, out: FloatArray,
  xhat: FloatArray | null, rstd: FloatArray | null, r0: number, r1: number,
): void {
  for (let i = r0; i < r1; i++) {
    const o = i * n;
    const mean = rowSum(x, o, n) / n;
    const r = 1 / Math.sqrt(rowSquares(x, o, n, mean) / n + eps);
    if (rstd !== null) rstd[i] = r;
    normaliseRow(x, o, n, mean, r, weight, bias, out, xhat);
  }
}

/** sums[k] = the sum of gh[j] = g[o + j] * w[j] and sums[k + 1] = that of gh[j] * xhat[o + j], for j < n, both in
 *  the lane order, in one pass (1.2x faster than a pass for each). */
function rowGradientSums(g: FloatArray, o: number, w: FloatArray, xhat: FloatArray, n: number, sums: Float64Array, k: number): void {
  const t = n - (n % 8);
  const e = o + t;
  let s0 = t < n ? g[e] * w[t] : -0;
  let s1 = t + 1 < n ? g[e + 1] * w[t + 1] : -0;
  let s2 = t + 2 < n ? g[e + 2] * w[t + 2] : -0;
  let s3 = t + 3 < n ? g[e + 3] * w[t + 3] : -0;
  let s4 = t + 4 < n ? g[e + 4] * w[t + 4] : -0;
  let s5 = t + 5 < n ? g[e + 5] * w[t + 5] : -0;
  let s6 = t + 6 < n ? g[e + 6] * w[t + 6] : -0;
  let s7 = -0;
  let c0 = t < n ? s0 * xhat[e] : -0;
  let c1 = t + 1 < n ? s1 * xhat[e + 1] : -0;
  let c2 = t + 2 < n ? s2 * xhat[e + 2] : -0;
  let c3 = t + 3 < n ? s3 * xhat[e + 3] : -0;
  let c4 = t + 4 < n ? s4 * xhat[e + 4] : -0;
  let c5 = t + 5 < n ? s5 * xhat[e + 5] : -0;
  let c6 = t + 6 < n ? s6 * xhat[e + 6] : -0;
  let c7 = -0;
  for (let j = 0; j < t; j += 8) {
    const p = o + j;
    const h0 = g[p] * w[j], h1 = g[p + 1] * w[j + 1], h2 = g[p + 2] * w[j + 2], h3 = g[p + 3] * w[j + 3];
    const h4 = g[p + 4] * w[j + 4], h5 = g[p + 5] * w[j + 5], h6 = g[p + 6] * w[j + 6], h7 = g[p + 7] * w[j + 7];
    s0 += h0; s1 += h1; s2 += h2; s3 += h3; s4 += h4; s5 += h5; s6 += h6; s7 += h7;
    c0 += h0 * xhat[p]; c1 += h1 * xhat[p + 1]; c2 += h2 * xhat[p + 2]; c3 += h3 * xhat[p + 3];
    c4 += h4 * xhat[p + 4]; c5 += h5 * xhat[p + 5]; c6 += h6 * xhat[p + 6]; c7 += h7 * xhat[p + 7];
  }
  sums[k] = ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
  sums[k + 1] = ((c0 + c4) + (c2 + c6)) + ((c1 + c5) + (c3 + c7));
}

/** Rows whose column-sum terms are added to a block's partial sums together: each partial is loaded and stored once
 *  per chunk instead of once per row (the same additions in the same order). */
const CHUNK_ROWS = 8;

/** sums[p + j] += g[i, j] * xhat[i, j] and sums[q + j] += g[i, j] for the rows i in [r0, r1) in order, for j < n. */
function addColumnTerms(g: FloatArray, xhat: FloatArray, n: number, r0: number, r1: number, sums: Float64Array, p: number, q: number): void {
  const [start, end] = [r0 * n, r1 * n];
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    let w0 = sums[p + j], w1 = sums[p + j + 1], w2 = sums[p + j + 2], w3 = sums[p + j + 3];
    let b0 = sums[q + j], b1 = sums[q + j + 1], b2 = sums[q + j + 2], b3 = sums[q + j + 3];
    for (let a = start + j; a < end; a += n) {
      const g0 = g[a], g1 = g[a + 1], g2 = g[a + 2], g3 = g[a + 3];
      w0 += g0 * xhat[a]; w1 += g1 * xhat[a + 1]; w2 += g2 * xhat[a + 2]; w3 += g3 * xhat[a + 3];
      b0 += g0; b1 += g1; b2 += g2; b3 += g3;
    }
    sums[p + j] = w0; sums[p + j + 1] = w1; sums[p + j + 2] = w2; sums[p + j + 3] = w3;
    sums[q + j] = b0; sums[q + j + 1] = b1; sums[q + j + 2] = b2; sums[q + j + 3] = b3;
  }
  for (; j < n; j++) {
    for (let a = start + j; a < end; a += n) {
      sums[p + j] += g[a] * xhat[a];
      sums[q + j] += g[a];
    }
  }
}

/** dx[o + j] = rs * (g[o + j] * w[j] - mg - xhat[o + j] * mgx) for j < n, unrolled by four. */
function storeRowGradient(g: FloatArray, w: FloatArray, xhat: FloatArray, o: number, n: number, mg: number, mgx: number, rs: number, dx: FloatArray): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const a = o + j;
    dx[a] = rs * (g[a] * w[j] - mg - xhat[a] * mgx);
    dx[a + 1] = rs * (g[a + 1] * w[j + 1] - mg - xhat[a + 1] * mgx);
    dx[a + 2] = rs * (g[a + 2] * w[j + 2] - mg - xhat[a + 2] * mgx);
    dx[a + 3] = rs * (g[a + 3] * w[j + 3] - mg - xhat[a + 3] * mgx);
  }
  for (; j < n; j++) dx[o + j] = rs * (g[o + j] * w[j] - mg - xhat[o + j] * mgx);
}

/** Blocks [b0, b1) of COLUMN_SUM_ROWS rows of Kernels.layerNormBackward: dx of their rows when dx is given, and with
 *  `sums` (2 * blocks * n values) each block b's column sums of g * xhat at sums[b * n + j] and of g at
 *  sums[(blocks + b) * n + j], each summed down the block's rows in order from +0 (added in block order afterwards by
 *  combineLayerNormSums: the same bits for any split of the blocks). */
export function layerNormBackwardBlocks(
  m: number, n: number, g: FloatArray, weight: FloatArray, xhat: FloatArray, rstd: FloatArray, dx: FloatArray | null,
  sums: Float64Array | null, b0: number, b1: number,
): void {
  const blocks = columnSumBlocks(m);
  const rowSums = new Float64Array(2 * CHUNK_ROWS);
  for (let b = b0; b < b1; b++) {
    const [p, q] = [b * n, (blocks + b) * n];
    if (sums !== null) {
      sums.fill(0, p, p + n);
      sums.fill(0, q, q + n);
    }
    const end = Math.min(m, (b + 1) * COLUMN_SUM_ROWS);
    for (let c = b * COLUMN_SUM_ROWS; c < end; c += CHUNK_ROWS) {
      const chunkEnd = Math.min(end, c + CHUNK_ROWS);
      // the rows' sums first (reading them row after row brings them into cache: the column terms, reading down the
      // rows, were 1.35x slower as the first pass), dx last (dx may be g)
      for (let i = c; dx !== null && i < chunkEnd; i++) rowGradientSums(g, i * n, weight, xhat, n, rowSums, 2 * (i - c));
      if (sums !== null) addColumnTerms(g, xhat, n, c, chunkEnd, sums, p, q);
      for (let i = c; dx !== null && i < chunkEnd; i++) {
        const k = 2 * (i - c);
        storeRowGradient(g, weight, xhat, i * n, n, rowSums[k] / n, rowSums[k + 1] / n, rstd[i], dx);
      }
    }
  }
}

/** dweight and dbias (either may be null) from the blocks' column sums of layerNormBackwardBlocks. */
export function combineLayerNormSums(blocks: number, n: number, sums: Float64Array, dweight: FloatArray | null, dbias: FloatArray | null): void {
  if (dweight !== null) combineColumnSums(blocks, n, sums, dweight);
  if (dbias !== null) combineColumnSums(blocks, n, sums.subarray(blocks * n), dbias);
}

/** Throws a RangeError naming the kernel and the array when m, n or an array's length does not fit m rows of width
 *  n (each array with the number of values it needs; absent ones are skipped). */
function checkSizes(kernel: string, m: number, n: number, arrays: Array<[string, FloatArray | null, number]>): void {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 0 || n < 1) {
    throw new RangeError(`${kernel}: expected m >= 0 rows of width n >= 1 (integers), got m = ${m}, n = ${n}`);
  }
  for (const [name, a, needed] of arrays) {
    if (a !== null && a.length < needed) throw new RangeError(`${kernel}: ${name} holds ${a.length} values, ${m} rows of width ${n} need ${needed}`);
  }
}

export function checkLayerNorm(
  m: number, n: number, x: FloatArray, weight: FloatArray, bias: FloatArray, out: FloatArray, xhat: FloatArray | null, rstd: FloatArray | null,
): void {
  checkSizes('layerNorm', m, n, [['x', x, m * n], ['weight', weight, n], ['bias', bias, n], ['out', out, m * n], ['xhat', xhat, m * n], ['rstd', rstd, m]]);
}

export function checkLayerNormBackward(
  m: number, n: number, g: FloatArray, weight: FloatArray, xhat: FloatArray, rstd: FloatArray,
  dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null,
): void {
  checkSizes('layerNormBackward', m, n, [
    ['g', g, m * n], ['weight', weight, n], ['xhat', xhat, m * n], ['rstd', rstd, m], ['dx', dx, m * n], ['dweight', dweight, n], ['dbias', dbias, n],
  ]);
}

/** Kernels.layerNorm on this thread. */
export function layerNorm(
  m: number, n: number, x: FloatArray, weight: FloatArray, bias: FloatArray, eps: number, out: FloatArray, xhat: FloatArray | null, rstd: FloatArray | null,
): void {
  checkLayerNorm(m, n, x, weight, bias, out, xhat, rstd);
  layerNormRows(n, x, weight, bias, eps, out, xhat, rstd, 0, m);
}

/** Kernels.layerNormBackward on this thread. */
export function layerNormBackward(
  m: number, n: number, g: FloatArray, weight: FloatArray, xhat: FloatArray, rstd: FloatArray,
  dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null,
): void {
  checkLayerNormBackward(m, n, g, weight, xhat, rstd, dx, dweight, dbias);
  const blocks = columnSumBlocks(m);
  const sums = dweight !== null || dbias !== null ? new Float64Array(2 * blocks * n) : null;
  layerNormBackwardBlocks(m, n, g, weight, xhat, rstd, dx, sums, 0, blocks);
  if (sums !== null) combineLayerNormSums(blocks, n, sums, dweight, dbias);
}
