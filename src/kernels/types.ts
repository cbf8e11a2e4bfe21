// The one kernel interface: every numeric hot loop of the library goes through an implementation of it.

import type { CsrMatrix } from '../graph/csr.js';

export type FloatArray = Float32Array | Float64Array;

/** An elementwise activation and its parameter: relu, elu (x <= 0: alpha (e^x - 1)), leakyRelu (x <= 0: slope x). */
export type ActivationSpec = { kind: 'relu' } | { kind: 'elu'; alpha: number } | { kind: 'leakyRelu'; slope: number };

/** Options of a general matrix multiply on row-major buffers:
 *  C[m, n] = alpha * op(A) @ op(B) + beta * C, op(A) is [m, k], op(B) is [k, n]. */
export interface GemmArgs {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  a: FloatArray;
  lda: number;
  b: FloatArray;
  ldb: number;
  beta: number;
  c: FloatArray;
  ldc: number;
}

/** Sparse kernels take a CSR matrix `a` [rows, cols]; for a graph, row i = destination, column j = source.
 *  "per entry" arrays have one row per stored entry k (in CSR order). `heads` splits a width-f row into
 *  `heads` consecutive blocks of f / heads channels (multi-head attention); heads = 1 for plain SpMM.
 *  Every kernel writes (overwrites) `out` unless its doc says it accumulates. */
export interface Kernels {
  readonly name: string;
  gemm(args: GemmArgs): void;
  /** out[rows, f] = A @ x, x is [cols, f]; uses a.values or 1 */
  spmm(a: CsrMatrix, x: FloatArray, f: number, out: FloatArray): void;
  /** out[rows, f] = act(A @ x + bias), bias [f] added to every row: the values of spmm, then addRowVec, then
   *  activation, in one pass over the output */
  spmmBiasActivation(a: CsrMatrix, x: FloatArray, f: number, bias: FloatArray, act: ActivationSpec, out: FloatArray): void;
  /** out[cols, f] = A^T @ y, y is [rows, f] */
  spmmT(a: CsrMatrix, y: FloatArray, f: number, out: FloatArray): void;
  /** out[i, h*c + t] = sum_{k in row i} w[k, h] * x[j_k, h*c + t], c = f / heads (a.values ignored) */
  gspmm(a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, f: number, out: FloatArray): void;
  /** out[j, :] = sum over entries k = (i, j): w[k, h] * y[i, h*c + t]  (the transpose of gspmm w.r.t. x) */
  gspmmT(a: CsrMatrix, w: FloatArray, heads: number, y: FloatArray, f: number, out: FloatArray): void;
  /** out[k, h] = sum_t y[i, h*c + t] * x[j, h*c + t]  (sampled dense-dense product, per head) */
  sddmmDot(a: CsrMatrix, y: FloatArray, x: FloatArray, heads: number, f: number, out: FloatArray): void;
  /** both gradients of gspmm (out = A(w) x) given g = dLoss/dout [rows, f] in one sweep: dw = sddmmDot(a, g, x) and
   *  dx = gspmmT(a, w, g), x and dx [cols, f]; either may be null */
  gspmmBackward(a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, g: FloatArray, f: number, dw: FloatArray | null, dx: FloatArray | null): void;
  /** out[k, h] = u[i, h] + v[j, h]  (attention logits from destination and source scores) */
  sddmmAdd(a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, out: FloatArray): void;
  /** softmax of e[k, h] over the entries of each row (a node's incoming edges), max-subtracted,
   *  denominator + 1e-16 (PyG semantics); rows with no entries produce nothing */
  edgeSoftmax(a: CsrMatrix, e: FloatArray, heads: number, out: FloatArray): void;
  /** gradient of edgeSoftmax: out[k, h] = alpha[k, h] * (g[k, h] - sum_{k' in row} alpha[k', h] g[k', h]) */
  edgeSoftmaxBackward(a: CsrMatrix, alpha: FloatArray, g: FloatArray, heads: number, out: FloatArray): void;
  /** fused GAT attention: out[k, h] = edge softmax over row i of leakyRelu(u[i, h] + v[j_k, h], slope) */
  gatAttention(a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, slope: number, out: FloatArray): void;
  /** gradient of gatAttention w.r.t. u and v (either may be null) given g = dLoss/dalpha; accumulates */
  gatAttentionBackward(
    a: CsrMatrix, u: FloatArray, v: FloatArray, alpha: FloatArray, g: FloatArray, heads: number, slope: number,
    du: FloatArray | null, dv: FloatArray | null,
  ): void;
  /** out[r, :] = x[idx[r], :] for r < idx.length */
  gatherRows(x: FloatArray, f: number, idx: Int32Array, out: FloatArray): void;
  /** out[idx[r], :] += x[r, :]  (accumulates) */
  scatterAddRows(x: FloatArray, f: number, idx: Int32Array, out: FloatArray): void;
  /** dropout keep mask of n values (1 = keep, probability 1 - p) from four seed words, the same for any thread
   *  count; with x and out also out = x * mask * scale (see dropout-mask.ts) */
  dropout(n: number, p: number, scale: number, seed: Int32Array, mask: Uint8Array, x?: FloatArray, out?: FloatArray): void;
  /** out[i] = g[i] * (mask[i] ? scale : 0) for i < n (dropout's backward) */
  applyMask(n: number, mask: Uint8Array, scale: number, g: FloatArray, out: FloatArray): void;
  /** out[i] = act(x[i]) for i < n */
  activation(act: ActivationSpec, n: number, x: FloatArray, out: FloatArray): void;
  /** out[i] = g[i] * act'(x[i]) for i < n; y = act(x) (elu's derivative is read from it); act'(0) = 0 for relu.
   *  With `scale`, out[i] = g[i] * scale * act'(x[i]) (a following dropout's 1 / (1 - p), see spmmBiasActivation);
   *  a relu gradient of 0 may then be -0 */
  activationBackward(act: ActivationSpec, n: number, x: FloatArray, y: FloatArray, g: FloatArray, out: FloatArray, scale?: number): void;
  /** out[i, :] = x[i, :] + v for the m rows of width n (a bias) */
  addRowVec(m: number, n: number, x: FloatArray, v: FloatArray, out: FloatArray): void;
  /** out[j] = sum over the m rows i of g[i * n + j] (a bias gradient) */
  columnSums(m: number, n: number, g: FloatArray, out: FloatArray): void;
  /** LayerNorm of the m rows of width n of x: per row the mean and the biased variance, rstd = 1 / sqrt(var + eps),
   *  xhat = (x - mean) * rstd and out = xhat * weight + bias (weight and bias [n]); writes rstd [m] and xhat [m, n]
   *  too when given (what the backward needs; null in evaluation); out may be x */
  layerNorm(
    m: number, n: number, x: FloatArray, weight: FloatArray, bias: FloatArray, eps: number, out: FloatArray,
    xhat: FloatArray | null, rstd: FloatArray | null,
  ): void;
  /** LayerNorm's gradients given g = dLoss/dout and the forward's xhat and rstd: per row dx = rstd * (gh - mean(gh)
   *  - xhat * mean(gh * xhat)) with gh = g * weight; dweight = column sums of g * xhat and dbias = column sums of g
   *  (float64, by fixed blocks of rows as columnSums: the same bits for any thread count); any of dx, dweight and
   *  dbias may be null (not wanted); dx may be g */
  layerNormBackward(
    m: number, n: number, g: FloatArray, weight: FloatArray, xhat: FloatArray, rstd: FloatArray,
    dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null,
  ): void;
}
