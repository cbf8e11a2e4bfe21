// Forward implementations of the primitives: check arguments, run a kernel, record on the tape.

import type { CsrMatrix } from '../graph/csr.js';
import { getKernels } from '../kernels/backend.js';
import { expMinus } from '../kernels/exp.js';
import type { ActivationSpec, FloatArray } from '../kernels/types.js';
import { splitScores } from './attention-scores.js';
import { record, tracksGradient } from './tape.js';
import { allocate, allocateOverwritten, shapeSize, Tensor } from './tensor.js';

/** Anything that draws uniform numbers in [0, 1); every random op takes one explicitly. */
export interface UniformSource {
  next(): number;
  /** raw uniform 32-bit integers, when available */
  nextU32?(): number;
}

function sameDtype(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (t.dtype !== ts[0].dtype) throw new Error(`${op}: mixed dtypes ${ts[0].dtype} and ${t.dtype}`);
  }
}

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
  sameDtype(op, a, b);
}

function matrix(op: string, t: Tensor, name: string): [number, number] {
  if (t.shape.length !== 2) throw new Error(`${op}: ${name} must be a matrix, got shape [${t.shape.join(', ')}]`);
  return [t.shape[0], t.shape[1]];
}

function rowVector(op: string, x: Tensor, v: Tensor): void {
  if (v.size !== x.cols || x.cols === 0 && v.size !== 0) {
    throw new Error(`${op}: vector of ${v.size} values does not match ${x.cols} columns of [${x.shape.join(', ')}]`);
  }
  sameDtype(op, x, v);
}

function sparseRows(op: string, a: CsrMatrix, x: Tensor, heads = 1): number {
  if (x.rows !== a.cols) throw new Error(`${op}: sparse matrix has ${a.cols} columns but the dense input has ${x.rows} rows`);
  const f = x.cols;
  if (f % heads !== 0) throw new Error(`${op}: width ${f} is not divisible by heads = ${heads}`);
  return f;
}

function unaryOut(x: Tensor): { d: FloatArray; out: FloatArray } {
  return { d: x.data, out: allocate(x.dtype, x.size) };
}

/** op(a) @ op(b) for matrices; op transposes when the flag is set. */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const [ar, ac] = matrix('matmul', a, 'a');
  const [br, bc] = matrix('matmul', b, 'b');
  sameDtype('matmul', a, b);
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) throw new Error(`matmul: inner dimensions differ (${k} vs ${kb}) for [${a.shape}]${transA ? 'ᵀ' : ''} @ [${b.shape}]${transB ? 'ᵀ' : ''}`);
  const out = allocateOverwritten(a.dtype, m * n);
  if (k === 0) out.fill(0);
  else getKernels().gemm({ transA, transB, m, n, k, alpha: 1, a: a.data, lda: ac, b: b.data, ldb: bc, beta: 0, c: out, ldc: n });
  return record('matmul', [a, b], { transA, transB }, out, [m, n], undefined);
}

export function add(a: Tensor, b: Tensor): Tensor {
  sameShape('add', a, b);
  const out = allocate(a.dtype, a.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
  return record('add', [a, b], {}, out, a.shape, undefined);
}

export function sub(a: Tensor, b: Tensor): Tensor {
  sameShape('sub', a, b);
  const out = allocate(a.dtype, a.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] - b.data[i];
  return record('sub', [a, b], {}, out, a.shape, undefined);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  sameShape('mul', a, b);
  const out = allocate(a.dtype, a.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] * b.data[i];
  return record('mul', [a, b], {}, out, a.shape, undefined);
}

export function scale(x: Tensor, factor: number): Tensor {
  const out = allocate(x.dtype, x.size);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i] * factor;
  return record('scale', [x], { factor }, out, x.shape, undefined);
}

/** x[m, n] + v[n] on every row (a bias). */
export function addRowVec(x: Tensor, v: Tensor): Tensor {
  rowVector('addRowVec', x, v);
  const out = allocateOverwritten(x.dtype, x.size);
  if (x.cols > 0) getKernels().addRowVec(x.size / x.cols, x.cols, x.data, v.data, out);
  return record('addRowVec', [x, v], {}, out, x.shape, undefined);
}

/** x[m, n] * v[n] on every row (a per-column gain). */
export function mulRowVec(x: Tensor, v: Tensor): Tensor {
  rowVector('mulRowVec', x, v);
  const n = x.cols;
  const out = allocate(x.dtype, x.size);
  for (let i = 0; i < out.length; i += n) {
    for (let j = 0; j < n; j++) out[i + j] = x.data[i + j] * v.data[j];
  }
  return record('mulRowVec', [x, v], {}, out, x.shape, undefined);
}

/** GAT's attention scores of every head in one pass over x [n, heads * c]: out [2n, heads] holds the source scores
 *  out[i, h] = sum_t x[i, h*c + t] src[h*c + t] in rows 0..n and the destination scores (the same with dst) in rows
 *  n..2n, the layout gatAttention takes. */
export function gatScores(x: Tensor, src: Tensor, dst: Tensor, heads: number): Tensor {
  rowVector('gatScores', x, src);
  rowVector('gatScores', x, dst);
  const n = x.cols;
  if (!Number.isInteger(heads) || heads < 1 || n % heads !== 0) throw new Error(`gatScores: width ${n} is not divisible by heads = ${heads}`);
  const c = n / heads;
  const m = x.rows;
  const out = allocate(x.dtype, 2 * m * heads);
  const xd = x.data;
  const sd = src.data;
  const dd = dst.data;
  for (let i = 0, o = 0; i < m; i++) {
    for (let h = 0; h < heads; h++) {
      let s = 0;
      let d = 0;
      for (let t = h * c, e = t + c; t < e; t++, o++) {
        s += xd[o] * sd[t];
        d += xd[o] * dd[t];
      }
      out[i * heads + h] = s;
      out[(m + i) * heads + h] = d;
    }
  }
  return record('gatScores', [x, src, dst], { heads }, out, [2 * m, heads], undefined);
}

export function relu(x: Tensor): Tensor {
  return record('relu', [x], {}, activate(x, { kind: 'relu' }), x.shape, undefined);
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return record('elu', [x], { alpha }, activate(x, { kind: 'elu', alpha }), x.shape, undefined);
}

export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return record('leakyRelu', [x], { slope }, activate(x, { kind: 'leakyRelu', slope }), x.shape, undefined);
}

/** relu, elu or leakyRelu, as `act` says. */
export function activation(x: Tensor, act: ActivationSpec): Tensor {
  switch (act.kind) {
    case 'relu': return relu(x);
    case 'elu': return elu(x, act.alpha);
    case 'leakyRelu': return leakyRelu(x, act.slope);
  }
}

function activate(x: Tensor, act: ActivationSpec): FloatArray {
  const out = allocateOverwritten(x.dtype, x.size);
  getKernels().activation(act, x.size, x.data, out);
  return out;
}

export function exp(x: Tensor): Tensor {
  const { d, out } = unaryOut(x);
  for (let i = 0; i < d.length; i++) out[i] = Math.exp(d[i]);
  return record('exp', [x], {}, out, x.shape, undefined);
}

export function log(x: Tensor): Tensor {
  const { d, out } = unaryOut(x);
  for (let i = 0; i < d.length; i++) out[i] = Math.log(d[i]);
  return record('log', [x], {}, out, x.shape, undefined);
}

/** The same values under another shape (no copy). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  if (shapeSize(shape) !== x.size) throw new Error(`reshape: cannot view ${x.size} values as [${shape.join(', ')}]`);
  return record('reshape', [x], { shape }, x.data, shape, undefined);
}

export function sum(x: Tensor): Tensor {
  let s = 0;
  for (let i = 0; i < x.size; i++) s += x.data[i];
  const out = allocate(x.dtype, 1);
  out[0] = s;
  return record('sum', [x], {}, out, [], undefined);
}

/** log_softmax over each row (the exps have non-positive arguments: kernels/exp.ts). */
export function logSoftmax(x: Tensor): Tensor {
  const [m, n] = matrix('logSoftmax', x, 'x');
  const out = allocate(x.dtype, x.size);
  const d = x.data;
  for (let i = 0; i < m; i++) {
    const o = i * n;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) if (d[o + j] > mx) mx = d[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) s += expMinus(d[o + j] - mx, 0);
    const lse = mx + Math.log(s);
    for (let j = 0; j < n; j++) out[o + j] = d[o + j] - lse;
  }
  return record('logSoftmax', [x], {}, out, x.shape, undefined);
}

/** Mean negative log-likelihood of targets[i] at row rows[i] of log-probabilities logp, each term multiplied by
 *  weights[i] when given (GraphSAINT's loss normalisation). */
export function nllLoss(logp: Tensor, rows: Int32Array, targets: Int32Array, weights?: Float32Array | Float64Array): Tensor {
  const [m, n] = matrix('nllLoss', logp, 'log-probabilities');
  if (rows.length !== targets.length) throw new Error(`nllLoss: ${rows.length} rows but ${targets.length} targets`);
  if (rows.length === 0) throw new Error('nllLoss: no rows to average over (empty output set)');
  if (weights && weights.length !== rows.length) throw new Error(`nllLoss: ${weights.length} weights for ${rows.length} rows`);
  let s = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const t = targets[i];
    if (r < 0 || r >= m) throw new Error(`nllLoss: row ${r} out of range [0, ${m})`);
    if (t < 0 || t >= n) throw new Error(`nllLoss: target ${t} at row ${r} out of range [0, ${n})`);
    s -= (weights ? weights[i] : 1) * logp.data[r * n + t];
  }
  const out = allocate(logp.dtype, 1);
  out[0] = s / rows.length;
  return record('nllLoss', [logp], { rows, targets, weights }, out, [], undefined);
}

/** Constant sparse matrix [r, c] times dense x [c, f]. */
export function spmm(a: CsrMatrix, x: Tensor): Tensor {
  const f = sparseRows('spmm', a, x);
  const out = allocateOverwritten(x.dtype, a.rows * f);
  getKernels().spmm(a, x.data, f, out);
  return record('spmm', [x], { a }, out, [a.rows, f], undefined);
}

/** A dropout to apply to an op's output inside the op (see spmmBiasActivation). */
export interface DropoutSpec {
  p: number;
  rng: UniformSource;
}

/** act(A @ x + bias) in one pass over the output (the values of spmm, addRowVec, then the activation); `act` must
 *  keep the sign (relu, elu with alpha >= 0, leakyRelu with slope >= 0), see the primitive's attributes. Then `drop`
 *  when given: for relu, the dropout runs in place on the output and the backward pass takes dropout's mask and
 *  relu's derivative in one pass (out > 0 exactly where both keep a value), so no mask is kept and no separate mask
 *  pass runs; the values and the random draws are those of dropout(spmmBiasActivation(...)), which other
 *  activations get. */
export function spmmBiasActivation(a: CsrMatrix, x: Tensor, bias: Tensor, act: ActivationSpec, drop?: DropoutSpec): Tensor {
  if (drop && drop.p !== 0 && act.kind !== 'relu') return dropout(spmmBiasActivation(a, x, bias, act), drop.p, drop.rng);
  if (drop && !(drop.p >= 0 && drop.p < 1)) throw new Error(`dropout: probability must be in [0, 1), got ${drop.p}`);
  const f = sparseRows('spmmBiasActivation', a, x);
  if (bias.size !== f) throw new Error(`spmmBiasActivation: bias has ${bias.size} values, expected the ${f} columns of x`);
  sameDtype('spmmBiasActivation', x, bias);
  if ((act.kind === 'elu' && !(act.alpha >= 0)) || (act.kind === 'leakyRelu' && !(act.slope >= 0))) {
    throw new Error(`spmmBiasActivation: ${act.kind} must keep the sign of its input (alpha / slope >= 0), got ${JSON.stringify(act)}`);
  }
  const out = allocateOverwritten(x.dtype, a.rows * f);
  getKernels().spmmBiasActivation(a, x.data, f, bias.data, act, out);
  if (!drop || drop.p === 0) return record('spmmBiasActivation', [x, bias], { a, act }, out, [a.rows, f], undefined);
  const dropScale = 1 / (1 - drop.p);
  getKernels().dropout(out.length, drop.p, dropScale, seedWords(drop.rng), newMask(out.length), out, out);
  return record('spmmBiasActivation', [x, bias], { a, act, dropScale }, out, [a.rows, f], undefined);
}

/** Sparse matrix with learned per-edge, per-head weights w [nnz, heads] times x [cols, f]. */
export function gspmm(a: CsrMatrix, w: Tensor, x: Tensor, heads: number): Tensor {
  const f = sparseRows('gspmm', a, x, heads);
  if (w.size !== a.indptr[a.rows] * heads) throw new Error(`gspmm: edge weights have ${w.size} values, expected nnz * heads = ${a.indptr[a.rows] * heads}`);
  sameDtype('gspmm', w, x);
  const out = allocateOverwritten(x.dtype, a.rows * f);
  getKernels().gspmm(a, w.data, heads, x.data, f, out);
  return record('gspmm', [w, x], { a, heads }, out, [a.rows, f], undefined);
}

/** Per-edge scores u[i] + v[j] for every stored entry (i, j): u [rows, heads], v [cols, heads]. */
export function sddmmAdd(a: CsrMatrix, u: Tensor, v: Tensor, heads: number): Tensor {
  if (u.size !== a.rows * heads || v.size !== a.cols * heads) {
    throw new Error(`sddmmAdd: expected u [${a.rows}, ${heads}] and v [${a.cols}, ${heads}], got [${u.shape}] and [${v.shape}]`);
  }
  sameDtype('sddmmAdd', u, v);
  const e = a.indptr[a.rows];
  const out = allocate(u.dtype, e * heads);
  getKernels().sddmmAdd(a, u.data, v.data, heads, out);
  return record('sddmmAdd', [u, v], { a, heads }, out, [e, heads], undefined);
}

/** GAT attention coefficients in one fused pass: edge softmax over each row of leakyRelu(u[i] + v[j], slope), with
 *  v = the source scores of gatScores' output [2n, heads] (a.cols = n) and u its destination scores, of the nodes
 *  `rows` when given (a.rows = rows.length; else a.rows = n); out [nnz, heads]. */
export function gatAttention(a: CsrMatrix, scores: Tensor, heads: number, slope: number, rows?: Int32Array): Tensor {
  const n = a.cols;
  if (scores.size !== 2 * n * heads) throw new Error(`gatAttention: expected scores [${2 * n}, ${heads}] for ${n} columns, got [${scores.shape}]`);
  if (a.rows !== (rows ? rows.length : n)) {
    throw new Error(`gatAttention: the matrix has ${a.rows} rows, expected ${rows ? `one per output row (${rows.length})` : `${n} (square)`}`);
  }
  const e = a.indptr[a.rows];
  const out = allocate(scores.dtype, e * heads);
  const { u, v } = splitScores(scores.data, n, heads, rows);
  getKernels().gatAttention(a, u, v, heads, slope, out);
  return record('gatAttention', [scores], { a, heads, slope, rows }, out, [e, heads], undefined);
}

/** Softmax of per-edge scores over each node's incoming edges (the entries of its row). */
export function edgeSoftmax(a: CsrMatrix, e: Tensor, heads: number): Tensor {
  const count = a.indptr[a.rows];
  if (e.size !== count * heads) throw new Error(`edgeSoftmax: scores have ${e.size} values, expected nnz * heads = ${count * heads}`);
  const out = allocate(e.dtype, e.size);
  getKernels().edgeSoftmax(a, e.data, heads, out);
  return record('edgeSoftmax', [e], { a, heads }, out, [count, heads], undefined);
}

export function gatherRows(x: Tensor, index: Int32Array): Tensor {
  const f = x.cols;
  for (let r = 0; r < index.length; r++) {
    if (index[r] < 0 || index[r] >= x.rows) throw new Error(`gatherRows: index ${index[r]} at ${r} out of range [0, ${x.rows})`);
  }
  const out = allocate(x.dtype, index.length * f);
  getKernels().gatherRows(x.data, f, index, out);
  return record('gatherRows', [x], { index }, out, [index.length, ...x.shape.slice(1)], undefined);
}

/** out[index[r]] += x[r] into a zero matrix of `rows` rows. */
export function scatterAddRows(x: Tensor, index: Int32Array, rows: number): Tensor {
  if (index.length !== x.rows) throw new Error(`scatterAddRows: ${index.length} indices for ${x.rows} rows`);
  for (let r = 0; r < index.length; r++) {
    if (index[r] < 0 || index[r] >= rows) throw new Error(`scatterAddRows: index ${index[r]} at ${r} out of range [0, ${rows})`);
  }
  const f = x.cols;
  const out = allocate(x.dtype, rows * f);
  getKernels().scatterAddRows(x.data, f, index, out);
  return record('scatterAddRows', [x], { index, rows }, out, [rows, ...x.shape.slice(1)], undefined);
}

/** Inverted dropout: each value kept with probability 1 - p and scaled by 1 / (1 - p). */
export function dropout(x: Tensor, p: number, rng: UniformSource): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: probability must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const mask = newMask(x.size);
  const out = allocateOverwritten(x.dtype, x.size);
  const keep = 1 / (1 - p);
  getKernels().dropout(x.size, p, keep, seedWords(rng), mask, x.data, out);
  return record('dropout', [x], { mask, scale: keep }, out, x.shape, undefined);
}

/** n Bernoulli(1 - p) keep decisions (1 = keep) drawn from a stream seeded by `rng` (see kernels/dropout-mask.ts:
 *  the same mask for any thread count). Inside an arena scope the mask lives until the arena's next scope. */
export function keepMask(n: number, p: number, rng: UniformSource): Uint8Array {
  const mask = newMask(n);
  getKernels().dropout(n, p, 1, seedWords(rng), mask);
  return mask;
}

function seedWords(rng: UniformSource): Int32Array {
  const draw = () => (rng.nextU32 ? rng.nextU32() : Math.floor(rng.next() * 4294967296)) | 0;
  return Int32Array.of(draw(), draw(), draw(), draw());
}

/** A mask's bytes are those of a float32 array from allocateOverwritten: inside a training step the arena's (no fresh
 *  pages each step; valid until the arena's next scope, like every op's result), and large ones in shared memory,
 *  so worker threads can fill them. */
function newMask(n: number): Uint8Array {
  const words = allocateOverwritten('float32', Math.ceil(n / 4));
  return new Uint8Array(words.buffer, words.byteOffset, n);
}

/** torch's LayerNorm: each row normalised to zero mean and unit (biased) variance, then times `weight` and plus `bias`
 *  (both [cols]), by the layerNorm kernel. On the tape it also keeps xhat and rstd for the backward rule, rstd right
 *  after xhat in one array (so that rstd is in shared memory, or in the wasm heap, whenever xhat is). */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const [m, n] = matrix('layerNorm', x, 'x');
  if (n === 0) throw new Error(`layerNorm: x has no columns to normalise (shape [${x.shape.join(', ')}])`);
  rowVector('layerNorm', x, weight);
  rowVector('layerNorm', x, bias);
  const out = allocateOverwritten(x.dtype, x.size);
  const inputs = [x, weight, bias];
  if (!tracksGradient(inputs)) {
    // off the tape (evaluation): nothing to keep, and the tensor record() would give
    getKernels().layerNorm(m, n, x.data, weight.data, bias.data, eps, out, null, null);
    return new Tensor(out, x.shape);
  }
  const saved = allocateOverwritten(x.dtype, x.size + m);
  const [xhat, rstd] = [saved.subarray(0, x.size), saved.subarray(x.size)];
  getKernels().layerNorm(m, n, x.data, weight.data, bias.data, eps, out, xhat, rstd);
  return record('layerNorm', inputs, { eps }, out, x.shape, { xhat, rstd });
}

/** Normalises each column with the batch's statistics (training-mode BatchNorm, biased variance).
 *  Returns the normalised tensor and the batch mean and (unbiased) variance for running averages. */
export function batchNorm(x: Tensor, eps = 1e-5): { y: Tensor; mean: Float64Array; varUnbiased: Float64Array } {
  const [m, n] = matrix('batchNorm', x, 'x');
  if (m < 2) throw new Error(`batchNorm: needs at least 2 rows in training mode, got ${m}`);
  const mean = new Float64Array(n);
  const sq = new Float64Array(n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mean[j] += x.data[i * n + j];
  for (let j = 0; j < n; j++) mean[j] /= m;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sq[j] += (x.data[i * n + j] - mean[j]) ** 2;
  const rstd = allocate(x.dtype, n);
  const varUnbiased = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    rstd[j] = 1 / Math.sqrt(sq[j] / m + eps);
    varUnbiased[j] = sq[j] / (m - 1);
  }
  const xhat = allocate(x.dtype, x.size);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) xhat[i * n + j] = (x.data[i * n + j] - mean[j]) * rstd[j];
  const y = record('batchNorm', [x], { eps }, xhat, x.shape, { xhat, rstd });
  return { y, mean, varUnbiased };
}
