// The backward rule of every primitive, in one table typed over the primitive list (a missing rule does not compile).

import { knownTranspose, transposeCached, type CsrMatrix } from '../graph/csr.js';
import { getKernels } from '../kernels/backend.js';
import { expMinus } from '../kernels/exp.js';
import type { ActivationSpec, FloatArray } from '../kernels/types.js';
import { splitScores } from './attention-scores.js';
import type { Primitive, TapeNode } from './primitives.js';
import { allocate, allocateOverwritten, type Tensor } from './tensor.js';

/** Given the node, its output and the gradient g of the loss w.r.t. the output, returns the gradient w.r.t. each
 *  input (null where `needs` says the input takes none). */
export type BackwardRule<P extends Primitive> = (
  node: TapeNode<P>,
  out: Tensor,
  g: FloatArray,
  needs: readonly boolean[],
) => (FloatArray | null)[];

function like(t: Tensor): FloatArray {
  return allocate(t.dtype, t.size);
}

function sameType(g: FloatArray): FloatArray {
  return allocate(g instanceof Float64Array ? 'float64' : 'float32', g.length);
}

/** like(t), for a kernel that overwrites every value (no zero-fill of a recycled array) */
function overwrittenLike(t: Tensor): FloatArray {
  return allocateOverwritten(t.dtype, t.size);
}

function product(g: FloatArray, b: FloatArray): FloatArray {
  const out = sameType(g);
  for (let i = 0; i < g.length; i++) out[i] = g[i] * b[i];
  return out;
}

function scaled(g: FloatArray, factor: number): FloatArray {
  const out = sameType(g);
  for (let i = 0; i < g.length; i++) out[i] = g[i] * factor;
  return out;
}

function gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: FloatArray, lda: number, b: FloatArray, ldb: number, c: FloatArray): FloatArray {
  if (k === 0) c.fill(0);
  else getKernels().gemm({ transA, transB, m, n, k, alpha: 1, a, lda, b, ldb, beta: 0, c, ldc: n });
  return c;
}

function columnSums(g: FloatArray, n: number, out: FloatArray): FloatArray {
  if (n > 0) getKernels().columnSums(g.length / n, n, g, out);
  return out;
}

function activationGrad(act: ActivationSpec, x: Tensor, out: Tensor, g: FloatArray, scale?: number): FloatArray[] {
  const d = overwrittenLike(out);
  getKernels().activationBackward(act, d.length, x.data, out.data, g, d, scale);
  return [d];
}

const usedOnce = new WeakSet<CsrMatrix>();

/** d = A^T g: a gather over A's transpose from A's second backward pass on (built then, and cached), and before
 *  that the kernels' spmmT, which for a small product scatters through A instead: a matrix used once (a sampled
 *  subgraph, dropout's fresh values of a sparse input) never pays for a transpose. */
function transposedProduct(a: CsrMatrix, g: FloatArray, f: number, d: FloatArray): void {
  let t = knownTranspose(a);
  if (!t && usedOnce.has(a)) t = transposeCached(a);
  if (t) return getKernels().spmm(t, g, f, d);
  usedOnce.add(a);
  getKernels().spmmT(a, g, f, d);
}

export const BACKWARD: { readonly [P in Primitive]: BackwardRule<P> } = {
  // C = op(A) op(B); dA and dB are again products, with the transposes chosen so no explicit transpose is built.
  matmul: ({ inputs: [a, b], attrs: { transA, transB } }, out, g, needs) => {
    const [m, n] = out.shape;
    const [ar, ac] = a.shape;
    const bc = b.shape[1];
    const k = transA ? ar : ac;
    let da: FloatArray | null = null;
    let db: FloatArray | null = null;
    if (needs[0]) {
      da = overwrittenLike(a);
      if (!transA) gemm(false, !transB, m, k, n, g, n, b.data, bc, da); // dA = dC op(B)^T
      else gemm(transB, true, k, m, n, b.data, bc, g, n, da); // dA = op(B) dC^T
    }
    if (needs[1]) {
      db = overwrittenLike(b);
      if (!transB) gemm(!transA, false, k, n, m, a.data, ac, g, n, db); // dB = op(A)^T dC
      else gemm(true, transA, n, k, m, g, n, a.data, ac, db); // dB = dC^T op(A)
    }
    return [da, db];
  },
  add: (_n, _o, g, needs) => [needs[0] ? g : null, needs[1] ? g : null],
  sub: (_n, _o, g, needs) => [needs[0] ? g : null, needs[1] ? scaled(g, -1) : null],
  mul: ({ inputs: [a, b] }, _o, g, needs) => [needs[0] ? product(g, b.data) : null, needs[1] ? product(g, a.data) : null],
  scale: ({ attrs: { factor } }, _o, g) => [scaled(g, factor)],
  addRowVec: ({ inputs: [, v] }, out, g, needs) => [needs[0] ? g : null, needs[1] ? columnSums(g, out.cols, like(v)) : null],
  mulRowVec: ({ inputs: [x, v] }, out, g, needs) => {
    const n = out.cols;
    const dv = needs[1] ? columnSums(product(g, x.data), n, like(v)) : null;
    let dx: FloatArray | null = null;
    if (needs[0]) {
      dx = sameType(g);
      for (let i = 0; i < g.length; i += n) for (let j = 0; j < n; j++) dx[i + j] = g[i + j] * v.data[j];
    }
    return [dx, dv];
  },
  // with gs / gd the gradients of the source / destination scores: dx[i, h*c + t] = gs[i, h] src[h*c + t] +
  // gd[i, h] dst[h*c + t]; dsrc[h*c + t] = sum_i gs[i, h] x[i, h*c + t] (float64 sums), ddst alike, in one pass
  gatScores: ({ inputs: [x, src, dst], attrs: { heads } }, _o, g, needs) => {
    const n = x.cols;
    const m = x.rows;
    const c = n / heads;
    const xd = x.data;
    const sd = src.data;
    const dd = dst.data;
    const gd = m * heads; // offset of the destination scores' gradient
    let dx: FloatArray | null = null;
    if (needs[0]) {
      dx = like(x);
      for (let i = 0, o = 0; i < m; i++) {
        for (let h = 0; h < heads; h++) {
          const gs = g[i * heads + h];
          const gt = g[gd + i * heads + h];
          for (let t = h * c, e = t + c; t < e; t++, o++) dx[o] = gs * sd[t] + gt * dd[t];
        }
      }
    }
    let dsrc: FloatArray | null = null;
    let ddst: FloatArray | null = null;
    if (needs[1] || needs[2]) {
      const sumSrc = new Float64Array(n);
      const sumDst = new Float64Array(n);
      for (let i = 0, o = 0; i < m; i++) {
        for (let h = 0; h < heads; h++) {
          const gs = g[i * heads + h];
          const gt = g[gd + i * heads + h];
          for (let t = h * c, e = t + c; t < e; t++, o++) {
            sumSrc[t] += gs * xd[o];
            sumDst[t] += gt * xd[o];
          }
        }
      }
      if (needs[1]) (dsrc = like(src)).set(sumSrc);
      if (needs[2]) (ddst = like(dst)).set(sumDst);
    }
    return [dx, dsrc, ddst];
  },
  // relu'(0) = 0: the subgradient PyTorch uses, so gradients match it exactly at the kink.
  relu: ({ inputs: [x] }, out, g) => activationGrad({ kind: 'relu' }, x, out, g),
  elu: ({ inputs: [x], attrs: { alpha } }, out, g) => activationGrad({ kind: 'elu', alpha }, x, out, g),
  leakyRelu: ({ inputs: [x], attrs: { slope } }, out, g) => activationGrad({ kind: 'leakyRelu', slope }, x, out, g),
  exp: (_n, out, g) => [product(g, out.data)],
  log: ({ inputs: [x] }, _o, g) => {
    const d = sameType(g);
    for (let i = 0; i < d.length; i++) d[i] = g[i] / x.data[i];
    return [d];
  },
  reshape: (_n, _o, g) => [g],
  sum: ({ inputs: [x] }, _o, g) => {
    const d = like(x);
    d.fill(g[0]);
    return [d];
  },
  // log-probabilities are <= 0: exp by kernels/exp.ts
  logSoftmax: (_n, out, g) => {
    const n = out.cols;
    const d = like(out);
    for (let i = 0; i < d.length; i += n) {
      let s = 0;
      for (let j = 0; j < n; j++) s += g[i + j];
      for (let j = 0; j < n; j++) d[i + j] = g[i + j] - expMinus(out.data[i + j], 0) * s;
    }
    return [d];
  },
  nllLoss: ({ inputs: [logp], attrs: { rows, targets, weights } }, _o, g) => {
    const d = like(logp);
    const n = logp.cols;
    const w = -g[0] / rows.length;
    for (let i = 0; i < rows.length; i++) d[rows[i] * n + targets[i]] += weights ? w * weights[i] : w;
    return [d];
  },
  spmm: ({ inputs: [x], attrs: { a } }, out, g) => {
    const d = overwrittenLike(x);
    transposedProduct(a, g, out.cols, d);
    return [d];
  },
  // act(z) > 0 exactly when z > 0 (see the attrs), so out stands in for the pre-activation z nobody kept
  // with dropScale (relu, dropped out in place): out > 0 exactly where relu and the mask both pass the gradient
  spmmBiasActivation: ({ inputs: [x, bias], attrs: { a, act, dropScale } }, out, g, needs) => {
    const [dz] = activationGrad(act, out, out, g, dropScale);
    let dx: FloatArray | null = null;
    if (needs[0]) transposedProduct(a, dz, out.cols, (dx = overwrittenLike(x)));
    return [dx, needs[1] ? columnSums(dz, out.cols, like(bias)) : null];
  },
  // both gradients in one kernel call (which the wasm and parallel kernels compute as gathers over A's transpose)
  gspmm: ({ inputs: [w, x], attrs: { a, heads } }, out, g, needs) => {
    const dw = needs[0] ? like(w) : null;
    const dx = needs[1] ? overwrittenLike(x) : null; // every path writes all rows of dx
    getKernels().gspmmBackward(a, w.data, heads, x.data, g, out.cols, dw, dx);
    return [dw, dx];
  },
  sddmmAdd: ({ inputs: [u, v], attrs: { a, heads } }, _o, g, needs) => {
    const du = needs[0] ? like(u) : null;
    const dv = needs[1] ? like(v) : null;
    for (let i = 0; i < a.rows; i++) {
      for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
        const j = a.indices[k];
        for (let h = 0; h < heads; h++) {
          if (du) du[i * heads + h] += g[k * heads + h];
          if (dv) dv[j * heads + h] += g[k * heads + h];
        }
      }
    }
    return [du, dv];
  },
  edgeSoftmax: ({ attrs: { a, heads } }, out, g) => {
    const d = like(out);
    getKernels().edgeSoftmaxBackward(a, out.data, g, heads, d);
    return [d];
  },
  // the kernel accumulates into the two halves of dScores; with rows, the destination part goes through a buffer
  // of the rows' scores and is scattered back
  gatAttention: ({ inputs: [scores], attrs: { a, heads, slope, rows } }, out, g) => {
    const n = a.cols;
    const d = like(scores);
    const { u, v } = splitScores(scores.data, n, heads, rows);
    const dst = d.subarray(n * heads, 2 * n * heads);
    const du = rows ? allocate(scores.dtype, rows.length * heads) : dst;
    getKernels().gatAttentionBackward(a, u, v, out.data, g, heads, slope, du, d.subarray(0, n * heads));
    if (rows) getKernels().scatterAddRows(du, heads, rows, dst);
    return [d];
  },
  gatherRows: ({ inputs: [x], attrs: { index } }, _o, g) => {
    const d = like(x);
    getKernels().scatterAddRows(g, x.cols, index, d);
    return [d];
  },
  scatterAddRows: ({ inputs: [x], attrs: { index } }, _o, g) => {
    const d = like(x);
    getKernels().gatherRows(g, x.cols, index, d);
    return [d];
  },
  dropout: ({ inputs: [x], attrs: { mask, scale } }, _o, g) => {
    const d = overwrittenLike(x);
    getKernels().applyMask(d.length, mask, scale, g, d);
    return [d];
  },
  // dx = rstd (gh - mean(gh) - xhat mean(gh xhat)) per row with gh = g * weight (the gradient of xhat); dweight =
  // column sums of g xhat, dbias = column sums of g (see the kernel)
  layerNorm: ({ inputs: [, weight], saved: { xhat, rstd } }, out, g, needs) => {
    const dx = needs[0] ? overwrittenLike(out) : null;
    const dweight = needs[1] ? overwrittenLike(weight) : null;
    const dbias = needs[2] ? overwrittenLike(weight) : null;
    getKernels().layerNormBackward(out.rows, out.cols, g, weight.data, xhat, rstd, dx, dweight, dbias);
    return [dx, dweight, dbias];
  },
  // the same formula per column
  batchNorm: ({ saved: { xhat, rstd } }, out, g) => {
    const n = out.cols;
    const m = out.rows;
    const sg = new Float64Array(n);
    const sgx = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        sg[j] += g[i * n + j];
        sgx[j] += g[i * n + j] * xhat[i * n + j];
      }
    }
    const d = like(out);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) d[i * n + j] = rstd[j] * (g[i * n + j] - sg[j] / m - (xhat[i * n + j] * sgx[j]) / m);
    }
    return [d];
  },
};
