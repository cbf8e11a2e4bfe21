// Fused GAT attention: logits u[i] + v[j] -> LeakyReLU -> segment softmax over each node's incoming edges, and its
// backward; no nnz x heads logit buffers are kept for the backward pass.

import type { CsrMatrix } from '../graph/csr.js';
import { expMinus } from './exp.js';
import type { FloatArray } from './types.js';

/* What makes these loops fast (npm run bench:kernels -- --only gat):
 * - No exp per entry. For 0 <= slope <= 1 LeakyReLU is increasing and equals max(s, slope s), so with V = max_j v[j]
 *   (per head) c_i = leakyRelu(u_i + V) bounds row i's logits and
 *     exp(leakyRelu(u_i + v_j) - c_i) = max(A_i P_j, B_i Q_j),  P_j = exp(v_j - V), Q_j = exp(slope (v_j - V)),
 *     A_i = exp(u_i + V - c_i), B_i = exp(slope (u_i + V) - c_i),
 *   all <= 1: two exps per source node and one per row instead of one per entry (and every exp here has a
 *   non-positive argument, so exp.ts serves it, faster than Math.exp). A softmax does not depend on the
 *   shift, so this gives the reference's values up to rounding, unless row i's own maximum lies so far below c_i
 *   that its terms underflow: such rows (a tiny sum, caught below), slopes outside [0, 1], non-finite scores, and
 *   matrices with few entries per column (e.g. a mini-batch's output rows, where per-column exps would cost more)
 *   take the exact path, which subtracts the row's own maximum as the reference does.
 * - No data-dependent branch per entry: a mispredicted one costs more than the arithmetic. The sign of u_i + v_j
 *   picks its LeakyReLU factor from a two-entry table, and max(x, y) = (x + y + |x - y|) / 2.
 * - One head at a time over a row's entries. A heads-contiguous sweep (all heads of an entry together) measured up
 *   to twice as slow on a 200k-node graph: the random reads of source rows then sit between long loop bodies, so
 *   few of them are in flight at once; with one short loop per head, the first head's pass brings the row's source
 *   lines into cache for the others. */

/** A shifted row whose sum is below this may have lost terms that matter to underflow (each term is <= 1, and a
 *  term is lost only below ~1e-308): it is recomputed exactly. */
const MIN_SHIFTED_SUM = 1e-150;

/** The shifted path pays two exps per column: used when the matrix has at least this many entries per column. */
export const MIN_ENTRIES_PER_COLUMN = 2;

/** Per-source factors of the shifted path: top[h] = V = max_j v[j, h]; pq[j, 0:heads] = P_j, pq[j, heads:2 heads] = Q_j. */
interface SourceFactors {
  top: Float64Array;
  pq: Float64Array;
}

/** out[k, h] = softmax over row i's entries of leakyRelu(u[i, h] + v[j_k, h]); max-subtracted, denominator
 *  + 1e-16 (PyG semantics; the shifted path leaves the 1e-16 out, which only changes sums below 1e-150). Rows
 *  without entries produce nothing. */
export function gatAttention(a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, slope: number, out: FloatArray): void {
  const { rows, indptr } = a;
  const shifted = slope >= 0 && slope <= 1 && indptr[rows] >= MIN_ENTRIES_PER_COLUMN * a.cols;
  const sources = shifted ? sourceFactors(v, a.cols, heads, slope) : null;
  const factor = Float64Array.of(slope, 1); // leakyRelu(s) = s * factor[s > 0]
  for (let i = 0; i < rows; i++) {
    if (indptr[i] === indptr[i + 1]) continue;
    for (let h = 0; h < heads; h++) {
      if (sources === null || !shiftedRowHead(a, i, h, u, sources, heads, slope, out)) exactRowHead(a, i, h, u, v, heads, factor, out);
    }
  }
}

function sourceFactors(v: FloatArray, cols: number, heads: number, slope: number): SourceFactors {
  const top = new Float64Array(heads).fill(-Infinity);
  for (let j = 0; j < cols; j++) {
    for (let h = 0; h < heads; h++) if (v[j * heads + h] > top[h]) top[h] = v[j * heads + h];
  }
  const pq = new Float64Array(2 * heads * cols);
  for (let j = 0; j < cols; j++) {
    const b = 2 * heads * j;
    for (let h = 0; h < heads; h++) {
      const d = v[j * heads + h] - top[h];
      pq[b + h] = expMinus(d, 0);
      pq[b + heads + h] = expMinus(slope * d, 0);
    }
  }
  return { top, pq };
}

/** Head h of row i by the shifted formula; false (with that part of `out` garbage) when it must be computed
 *  exactly: a non-finite u_i + V (also when V is, e.g. from an infinite or all-NaN column of v) or a tiny sum. */
function shiftedRowHead(
  a: CsrMatrix, i: number, h: number, u: FloatArray, { top, pq }: SourceFactors, heads: number, slope: number, out: FloatArray,
): boolean {
  const { indptr, indices } = a;
  const lo = indptr[i];
  const hi = indptr[i + 1];
  const t = u[i * heads + h] + top[h]; // c_i = leakyRelu(t)
  if (!Number.isFinite(t)) return false;
  const scaleP = t > 0 ? 1 : expMinus((1 - slope) * t, 0);
  const scaleQ = t > 0 ? expMinus((slope - 1) * t, 0) : 1;
  const w2 = 2 * heads;
  let sum = 0;
  for (let k = lo; k < hi; k++) {
    const b = indices[k] * w2 + h;
    const x = scaleP * pq[b];
    const y = scaleQ * pq[b + heads];
    const w = (x + y + Math.abs(x - y)) * 0.5;
    out[k * heads + h] = w;
    sum += w;
  }
  if (!(sum >= MIN_SHIFTED_SUM)) return false;
  const inv = 1 / sum;
  for (let k = lo; k < hi; k++) out[k * heads + h] *= inv;
  return true;
}

/** Head h of row i as the reference computes it: the row's maximum logit subtracted, one exp per entry. */
function exactRowHead(a: CsrMatrix, i: number, h: number, u: FloatArray, v: FloatArray, heads: number, factor: Float64Array, out: FloatArray): void {
  const { indptr, indices } = a;
  const lo = indptr[i];
  const hi = indptr[i + 1];
  const ui = u[i * heads + h];
  let mx = -Infinity;
  for (let k = lo; k < hi; k++) {
    const s = ui + v[indices[k] * heads + h];
    const l = s * factor[Number(s > 0)];
    if (l > mx) mx = l;
  }
  // the logits are recomputed rather than kept in `out`, which may round them to float32
  let den = 0;
  for (let k = lo; k < hi; k++) {
    const s = ui + v[indices[k] * heads + h];
    const ex = expMinus(s * factor[Number(s > 0)] - mx, 0);
    out[k * heads + h] = ex;
    den += ex;
  }
  const inv = 1 / (den + 1e-16);
  for (let k = lo; k < hi; k++) out[k * heads + h] *= inv;
}

/** Gradient of gatAttention given g = dLoss/dalpha: with d[k, h] = alpha (g - sum_row alpha g) * leakyRelu'(u + v),
 *  du[i, h] += sum over row i of d and dv[j, h] += d for each entry (i, j). du / dv may be null when not needed;
 *  both accumulate. One head at a time, as the forward pass, and branch-free per entry. */
export function gatAttentionBackward(
  a: CsrMatrix, u: FloatArray, v: FloatArray, alpha: FloatArray, g: FloatArray, heads: number, slope: number,
  du: FloatArray | null, dv: FloatArray | null,
): void {
  const { rows, indptr, indices } = a;
  const factor = Float64Array.of(slope, 1); // leakyRelu'(s) = factor[s > 0]
  for (let i = 0; i < rows; i++) {
    const lo = indptr[i];
    const hi = indptr[i + 1];
    for (let h = 0; h < heads; h++) {
      const ui = u[i * heads + h];
      let dot = 0;
      for (let k = lo; k < hi; k++) dot += alpha[k * heads + h] * g[k * heads + h];
      let rowSum = 0;
      for (let k = lo; k < hi; k++) {
        const kh = k * heads + h;
        const jh = indices[k] * heads + h;
        const d = alpha[kh] * (g[kh] - dot) * factor[Number(ui + v[jh] > 0)];
        rowSum += d;
        if (dv !== null) dv[jh] += d;
      }
      if (du !== null) du[i * heads + h] += rowSum;
    }
  }
}
