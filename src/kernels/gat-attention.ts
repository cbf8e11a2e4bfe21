// Fused GAT attention: logits u[i] + v[j] -> LeakyReLU -> segment softmax over each node's incoming edges in
// one sweep per row, and its backward in one more; no nnz x heads logit buffers are kept for the backward pass.

import type { CsrMatrix } from '../graph/csr.js';
import type { FloatArray } from './types.js';

/** out[k, h] = softmax over row i's entries of leakyRelu(u[i, h] + v[j_k, h]); max-subtracted, denominator
 *  + 1e-16 (PyG semantics). Rows without entries produce nothing. */
export function gatAttention(a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, slope: number, out: FloatArray): void {
  const { rows, indptr, indices } = a;
  // one head at a time over the row's entries (strided): faster than a heads-contiguous sweep on Cora (8 heads);
  // on a 200k-node graph `npm run bench:kernels` shows this kernel slower than the unfused pair (open question)
  for (let i = 0; i < rows; i++) {
    const lo = indptr[i];
    const hi = indptr[i + 1];
    for (let h = 0; h < heads; h++) {
      const ui = u[i * heads + h];
      let mx = -Infinity;
      for (let k = lo; k < hi; k++) {
        const s = ui + v[indices[k] * heads + h];
        const l = s > 0 ? s : s * slope;
        out[k * heads + h] = l;
        if (l > mx) mx = l;
      }
      let den = 0;
      for (let k = lo; k < hi; k++) {
        const ex = Math.exp(out[k * heads + h] - mx);
        out[k * heads + h] = ex;
        den += ex;
      }
      const inv = 1 / (den + 1e-16);
      for (let k = lo; k < hi; k++) out[k * heads + h] *= inv;
    }
  }
}

/** Gradient of gatAttention given g = dLoss/dalpha: with d[k, h] = alpha (g - sum_row alpha g) * leakyRelu'(u + v),
 *  du[i, h] += sum over row i of d and dv[j, h] += d for each entry (i, j). du / dv may be null when not needed;
 *  both accumulate. */
export function gatAttentionBackward(
  a: CsrMatrix, u: FloatArray, v: FloatArray, alpha: FloatArray, g: FloatArray, heads: number, slope: number,
  du: FloatArray | null, dv: FloatArray | null,
): void {
  const { rows, indptr, indices } = a;
  for (let i = 0; i < rows; i++) {
    const lo = indptr[i];
    const hi = indptr[i + 1];
    for (let h = 0; h < heads; h++) {
      const ui = u[i * heads + h];
      let s = 0;
      for (let k = lo; k < hi; k++) s += alpha[k * heads + h] * g[k * heads + h];
      let rowSum = 0;
      if (dv !== null) {
        for (let k = lo; k < hi; k++) {
          const kh = k * heads + h;
          const jh = indices[k] * heads + h;
          const dl = alpha[kh] * (g[kh] - s);
          const d = ui + v[jh] > 0 ? dl : dl * slope;
          rowSum += d;
          dv[jh] += d;
        }
      } else {
        for (let k = lo; k < hi; k++) {
          const kh = k * heads + h;
          const dl = alpha[kh] * (g[kh] - s);
          rowSum += ui + v[indices[k] * heads + h] > 0 ? dl : dl * slope;
        }
      }
      if (du !== null) du[i * heads + h] += rowSum;
    }
  }
}
