// The memory-bound kernel cases of bench:kernels: for each kernel of the Kernels interface, how to call it on a graph
// and the minimal bytes it must move (the byte model GB/s is computed from).

import { transposeCached, type CsrMatrix } from '../../src/graph/csr.js';
import { referenceKernels } from '../../src/kernels/reference.js';
import type { ActivationSpec, FloatArray, Kernels } from '../../src/kernels/types.js';
import type { HeapBlock } from '../../src/kernels/wasm-heap.js';
import { loadWasmSparse } from '../../src/kernels/wasm-sparse.js';
import { BACKWARD } from '../../src/tensor/grad-rules.js';
import { Tensor } from '../../src/tensor/tensor.js';

/* Byte model ("minimal bytes"): every input array read once and every output written once, float32 values and
 * int32 indices. A CSR operand costs indptr (4 (rows+1)) + indices (4 nnz) + values (4 nnz, when it has them);
 * a gathered operand costs one row per stored entry (4 nnz width), however often the cache served it. A transposed
 * product is counted as the gather it equals (the scatter's read-modify-write of the output is not counted). */
export const BYTE_MODEL: Record<string, string> = {
  spmm: 'CSR (indptr + indices + values) + gathered x rows 4*nnz*f + out 4*rows*f',
  spmmBiasActivation: 'as spmm (the bias, 4*f, is not counted): the fused relu(A x + b)',
  'spmm+addRowVec+activation': 'as spmmBiasActivation: the same relu(A x + b) by three kernels (its extra passes are not counted)',
  spmmT: 'CSR + gathered y rows 4*nnz*f + out 4*cols*f (computed as the gather over a transpose cached per matrix, with its values permuted)',
  gspmm: 'indptr + indices + per-entry weights 4*nnz*heads + gathered x rows 4*nnz*f + out 4*rows*f',
  gspmmT: 'indptr + indices + weights 4*nnz*heads + gathered y rows 4*nnz*f + out 4*cols*f (the wasm kernel gathers over a cached transpose: its entry permutation, 4*nnz, and the weights read through it are not counted apart)',
  sddmmAdd: 'indptr + indices + u 4*rows*heads + gathered v 4*nnz*heads + out 4*nnz*heads',
  sddmmDot: 'indptr + indices + y 4*rows*f + gathered x rows 4*nnz*f + out 4*nnz*heads',
  gspmmBackward: 'indptr + indices + w + dw 4*nnz*heads each + g 4*rows*f + gathered x rows 4*nnz*f + dx 4*cols*f (the wasm kernel also gathers g rows, 4*nnz*f, for dx over the transpose: not counted)',
  edgeSoftmax: 'indptr + e 4*nnz*heads + out 4*nnz*heads',
  edgeSoftmaxBackward: 'indptr + alpha + g (4*nnz*heads each) + out 4*nnz*heads',
  gatAttention: 'indptr + indices + u 4*rows*heads + gathered v 4*nnz*heads + out 4*nnz*heads',
  gatAttentionBackward: 'indptr + indices + u + du 4*rows*heads each + gathered v + alpha + g 4*nnz*heads each + dv 4*cols*heads (split over threads, the wasm kernel scatters dv into GAT_DV_PARTS partials of 4*cols*heads each and adds them up: not counted)',
  'unfused gatAttention': 'as gatAttention (the bytes the operation needs, not those the chain moves)',
  'unfused gatAttentionBackward': 'as gatAttentionBackward',
  gatherRows: 'idx 4*R + source rows 4*R*f + out 4*R*f',
  scatterAddRows: 'idx 4*R + x 4*R*f + out rows read and written 8*R*f',
  dropout: 'x 4n + out 4n + mask n',
  applyMask: 'mask n + g 4n + out 4n',
  activation: 'x 4n + out 4n',
  activationBackward: 'x + g + out, 4n each (relu reads no y)',
  addRowVec: 'x 4n + out 4n (n = rows * f; the bias is not counted)',
  columnSums: 'g 4n (n = rows * f)',
  layerNorm: 'x + out + xhat 4n each + rstd 4*rows (training: xhat and rstd kept for the backward; weight and bias not counted)',
  'layerNorm eval': 'x + out 4n (evaluation: no xhat, no rstd)',
  layerNormBackward: 'g + xhat + dx 4n each + rstd 4*rows (dweight and dbias, 4*f each, not counted)',
  'layerNorm reference': 'as layerNorm: the plain loops of reference.ts (the op\'s own loops before the kernels)',
  'layerNormBackward reference': 'as layerNormBackward: the plain loops of reference.ts (the gradient rule\'s loops before the kernels)',
};

/** The fused GAT attention kernels, looked up by name so this bench runs whether or not a kernel set has them. */
interface GatAttentionKernels {
  gatAttention(a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, slope: number, out: FloatArray): void;
  gatAttentionBackward(a: CsrMatrix, u: FloatArray, v: FloatArray, alpha: FloatArray, g: FloatArray, heads: number, slope: number,
    du: FloatArray | null, dv: FloatArray | null): void;
}

export function fusedGat(k: Kernels): Partial<GatAttentionKernels> {
  const r = k as unknown as Partial<Record<string, unknown>>;
  const out: Partial<GatAttentionKernels> = {};
  if (typeof r.gatAttention === 'function') out.gatAttention = r.gatAttention as GatAttentionKernels['gatAttention'];
  if (typeof r.gatAttentionBackward === 'function') {
    out.gatAttentionBackward = r.gatAttentionBackward as GatAttentionKernels['gatAttentionBackward'];
  }
  return out;
}

/** Kernel names this bench knows how to call. */
export const KNOWN_KERNELS = ['name', 'gemm', ...Object.keys(BYTE_MODEL)];

/** Dense operands in shared memory (so the row-parallel kernels may use their workers), filled with small values. */
export interface Operands {
  /** node rows, [max(rows, cols), maxWidth] */
  x: Float32Array;
  y: Float32Array;
  out: Float32Array;
  /** per-entry values, [nnz, maxHeads]: weights, logits, attention, gradients */
  e1: Float32Array;
  e2: Float32Array;
  e3: Float32Array;
  e4: Float32Array;
  /** per-node scores [nodes, maxHeads] */
  u: Float32Array;
  v: Float32Array;
  du: Float32Array;
  dv: Float32Array;
}

/** Where the operands live: `heap`, the wasm kernels' heap when it has room (as a training step's arena arrays, used
 *  in place by the wasm kernels), or `ordinary` SharedArrayBuffers (copied into the kernels' memory on each call). */
export type OperandPlace = 'heap' | 'ordinary';

const heapBlocks = new WeakMap<ArrayBufferView, HeapBlock>();

function float32Array(n: number, place: OperandPlace): Float32Array {
  const heap = place === 'heap' ? loadWasmSparse()?.heap : null;
  const block = heap?.allocate(n);
  if (heap && !block) console.warn(`operands: no room in the wasm heap for ${n} values; this array is an ordinary one (its rows measure the copying path)`);
  if (!heap || !block) return new Float32Array(new SharedArrayBuffer(4 * n));
  const a = heap.view(block, n);
  heapBlocks.set(a, block);
  return a;
}

/** A byte mask of n values where a training step's is (ops.ts takes it from the arena: the bytes of a float32 array). */
export function byteMask(n: number, place: OperandPlace): Uint8Array {
  const words = float32Array(Math.ceil(n / 4), place);
  const mask = new Uint8Array(words.buffer, words.byteOffset, n);
  const block = heapBlocks.get(words);
  if (block) heapBlocks.set(mask, block);
  return mask;
}

/** Gives an array's heap block back now (none for an ordinary array). `free`, not `retire`: a retired block waits for
 *  its views to be garbage-collected, which the cases' closures delay past the next section's allocations, so the
 *  heap filled up by the LayerNorm rows; no case runs on these operands after they are released. */
function release(a: ArrayBufferView): void {
  const block = heapBlocks.get(a);
  if (block) loadWasmSparse()?.heap?.free(block);
  heapBlocks.delete(a);
}

/** Gives a byteMask's heap block back. */
export const freeByteMask = (mask: Uint8Array): void => release(mask);

function sharedFilled(n: number, seed: number, place: OperandPlace): Float32Array {
  const a = float32Array(n, place);
  let s = seed;
  for (let i = 0; i < n; i++) a[i] = ((s = (Math.imul(s, 48271) + 11) >>> 0) / 2 ** 32) * 0.2 - 0.1;
  return a;
}

export function allocateOperands(nodes: number, nnz: number, maxWidth: number, maxHeads: number, place: OperandPlace): Operands {
  const fill = (n: number, seed: number): Float32Array => sharedFilled(n, seed, place);
  return {
    x: fill(nodes * maxWidth, 1), y: fill(nodes * maxWidth, 2), out: fill(nodes * maxWidth, 3),
    e1: fill(nnz * maxHeads, 4), e2: fill(nnz * maxHeads, 5), e3: fill(nnz * maxHeads, 6), e4: fill(nnz * maxHeads, 11),
    u: fill(nodes * maxHeads, 7), v: fill(nodes * maxHeads, 8), du: fill(nodes * maxHeads, 9), dv: fill(nodes * maxHeads, 10),
  };
}

/** Gives the operands' heap blocks back (the next graph's operands reuse the space). */
export function freeOperands(o: Operands): void {
  for (const a of Object.values(o) as Float32Array[]) release(a);
}

/** One call of one kernel on one matrix: its label, its size and how to run it with a given kernel set. */
export interface SparseCase {
  kernel: string;
  width: number;
  heads: number;
  bytes: number;
  /** the kernel whose parallel version decides whether a composite case runs with several threads */
  parallelAs?: string;
  run: (k: Kernels) => void;
}

const csrBytes = (a: CsrMatrix, withValues: boolean): number => 4 * (a.rows + 1) + 4 * a.indptr[a.rows] * (withValues ? 2 : 1);

const RELU: ActivationSpec = { kind: 'relu' };

const withTranspose = (a: CsrMatrix): CsrMatrix => (transposeCached(a), a);

/** SpMM, its transpose, and relu(A x + b) fused and by three kernels, on the weighted matrix `a` (e.g. GCN-normalised
 *  A + I). */
export function spmmCases(a: CsrMatrix, widths: number[], o: Operands): SparseCase[] {
  const nnz = a.indptr[a.rows];
  const gather = (f: number): number => csrBytes(a, true) + 4 * nnz * f + 4 * a.rows * f;
  return widths.flatMap((f) => [
    { kernel: 'spmm', width: f, heads: 1, bytes: gather(f), run: (k: Kernels) => k.spmm(a, o.x, f, o.out) },
    // with the transpose cached, as training's backward passes have it from a matrix's second use on
    { kernel: 'spmmT', width: f, heads: 1, bytes: csrBytes(a, true) + 4 * nnz * f + 4 * a.cols * f, run: (k: Kernels) => k.spmmT(withTranspose(a), o.y, f, o.out) },
    {
      kernel: 'spmmBiasActivation', width: f, heads: 1, bytes: gather(f),
      run: (k: Kernels) => k.spmmBiasActivation(a, o.x, f, o.u, RELU, o.out),
    },
    {
      kernel: 'spmm+addRowVec+activation', width: f, heads: 1, bytes: gather(f), parallelAs: 'spmm',
      run: (k: Kernels) => {
        const n = a.rows * f;
        k.spmm(a, o.x, f, o.out);
        k.addRowVec(a.rows, f, o.out, o.u, o.y);
        k.activation(RELU, n, o.y, o.out);
      },
    },
  ]);
}

/** The elementwise kernels of a training step on `rows` x `width` values (an activation's size). */
export function elementwiseCases(rows: number, width: number, o: Operands, mask: Uint8Array): SparseCase[] {
  const n = rows * width;
  const c = (kernel: string, bytes: number, run: (k: Kernels) => void): SparseCase => ({ kernel, width, heads: 1, bytes, run });
  return [
    c('activation', 8 * n, (k) => k.activation(RELU, n, o.x, o.out)),
    c('activationBackward', 12 * n, (k) => k.activationBackward(RELU, n, o.x, o.x, o.y, o.out)),
    c('addRowVec', 8 * n, (k) => k.addRowVec(rows, width, o.x, o.u, o.out)),
    c('columnSums', 4 * n, (k) => k.columnSums(rows, width, o.x, o.du)),
    c('applyMask', 9 * n, (k) => k.applyMask(n, mask, 2, o.x, o.out)),
  ];
}

/** LayerNorm on `rows` x `width` values as training runs it (with xhat and rstd) and as evaluation does (out only), its
 *  backward (all three gradients, from the forward's xhat and rstd), and the reference loops of both. */
export function normCases(rows: number, width: number, o: Operands): SparseCase[] {
  const n = rows * width;
  const weight = Float32Array.from({ length: width }, (_, j) => 1 + j / width);
  const bias = Float32Array.from({ length: width }, (_, j) => j / width - 0.5);
  const [xhat, rstd, g, dx] = [o.y, o.du.subarray(0, rows), o.v, o.u];
  const [dweight, dbias] = [new Float32Array(width), new Float32Array(width)];
  const c = (kernel: string, bytes: number, run: (k: Kernels) => void, parallelAs?: string): SparseCase => ({ kernel, width, heads: 1, bytes, run, parallelAs });
  const forward = (k: Kernels): void => k.layerNorm(rows, width, o.x, weight, bias, 1e-5, o.out, xhat, rstd);
  const backward = (k: Kernels): void => k.layerNormBackward(rows, width, g, weight, xhat, rstd, dx, dweight, dbias);
  return [
    c('layerNorm', 12 * n + 4 * rows, forward),
    c('layerNorm eval', 8 * n, (k) => k.layerNorm(rows, width, o.x, weight, bias, 1e-5, o.out, null, null), 'layerNorm'),
    c('layerNormBackward', 12 * n + 4 * rows, backward),
    c('layerNorm reference', 12 * n + 4 * rows, () => forward(referenceKernels)),
    c('layerNormBackward reference', 12 * n + 4 * rows, () => backward(referenceKernels)),
  ];
}

/** The GAT kernels on the attention pattern `g` (A + I, no values) with `heads` heads. */
export function gatCases(g: CsrMatrix, widths: number[], heads: number, o: Operands, kernels: Kernels): SparseCase[] {
  const nnz = g.indptr[g.rows];
  const n = g.rows;
  const structure = csrBytes(g, false);
  const perEntry = 4 * nnz * heads;
  const cases: SparseCase[] = widths.flatMap((f) => [
    { kernel: 'gspmm', width: f, heads, bytes: structure + perEntry + 4 * nnz * f + 4 * n * f, run: (k: Kernels) => k.gspmm(g, o.e1, heads, o.x, f, o.out) },
    { kernel: 'gspmmT', width: f, heads, bytes: structure + perEntry + 4 * nnz * f + 4 * n * f, run: (k: Kernels) => k.gspmmT(g, o.e1, heads, o.y, f, o.out) },
  ]);
  const f0 = widths[0];
  cases.push(
    { kernel: 'sddmmAdd', width: heads, heads, bytes: structure + 4 * n * heads + 2 * perEntry, run: (k) => k.sddmmAdd(g, o.u, o.v, heads, o.e1) },
    { kernel: 'sddmmDot', width: f0, heads, bytes: structure + 4 * n * f0 + 4 * nnz * f0 + perEntry, run: (k) => k.sddmmDot(g, o.y, o.x, heads, f0, o.e1) },
    {
      kernel: 'gspmmBackward', width: f0, heads, bytes: structure + 2 * perEntry + 4 * n * f0 + 4 * nnz * f0 + 4 * n * f0,
      run: (k) => k.gspmmBackward(g, o.e1, heads, o.x, o.y, f0, o.e2, o.out),
    },
    { kernel: 'edgeSoftmax', width: heads, heads, bytes: 4 * (n + 1) + 2 * perEntry, run: (k) => k.edgeSoftmax(g, o.e1, heads, o.e2) },
    { kernel: 'edgeSoftmaxBackward', width: heads, heads, bytes: 4 * (n + 1) + 3 * perEntry, run: (k) => k.edgeSoftmaxBackward(g, o.e2, o.e3, heads, o.e1) },
  );
  const fused = fusedGat(kernels);
  if (fused.gatAttention) {
    cases.push({
      kernel: 'gatAttention', width: heads, heads, bytes: structure + 4 * n * heads + 2 * perEntry,
      run: (k) => fusedGat(k).gatAttention!(g, o.u, o.v, heads, 0.2, o.e2),
    });
  }
  if (fused.gatAttentionBackward) {
    cases.push({
      kernel: 'gatAttentionBackward', width: heads, heads, bytes: structure + 3 * 4 * n * heads + 3 * perEntry,
      run: (k) => fusedGat(k).gatAttentionBackward!(g, o.u, o.v, o.e2, o.e3, heads, 0.2, o.du, o.dv),
    });
  }
  const unfused = unfusedAttention(g, heads, o);
  cases.push(
    { kernel: 'unfused gatAttention', width: heads, heads, bytes: structure + 4 * n * heads + 2 * perEntry, run: unfused.forward },
    { kernel: 'unfused gatAttentionBackward', width: heads, heads, bytes: structure + 3 * 4 * n * heads + 3 * perEntry, run: unfused.backward },
  );
  return cases;
}

/** What the fused kernels replace (GATConv before them): sddmmAdd -> leakyRelu -> edgeSoftmax, the logits kept in e4
 *  for leakyRelu's backward, and back through edgeSoftmaxBackward, leakyRelu' and sddmmAdd's autograd rule (which
 *  allocates du and dv, as in training). Slope 0.2 as in GAT; the forward writes e1 (not the fused output e2). */
function unfusedAttention(g: CsrMatrix, heads: number, o: Operands): { forward: (k: Kernels) => void; backward: (k: Kernels) => void } {
  const slope = 0.2;
  const count = g.indptr[g.rows] * heads;
  const logits = o.e4.subarray(0, count);
  const d = o.e1.subarray(0, count);
  const node = {
    prim: 'sddmmAdd' as const, attrs: { a: g, heads }, saved: undefined,
    inputs: [new Tensor(o.u.subarray(0, g.rows * heads), [g.rows, heads]), new Tensor(o.v.subarray(0, g.cols * heads), [g.cols, heads])],
  };
  const logitsTensor = new Tensor(logits, [count / heads, heads]);
  return {
    forward: (k) => {
      k.sddmmAdd(g, o.u, o.v, heads, logits);
      for (let i = 0; i < count; i++) d[i] = logits[i] > 0 ? logits[i] : logits[i] * slope;
      k.edgeSoftmax(g, d, heads, d);
    },
    backward: (k) => {
      k.edgeSoftmaxBackward(g, o.e2, o.e3, heads, d);
      for (let i = 0; i < count; i++) if (!(logits[i] > 0)) d[i] *= slope;
      BACKWARD.sddmmAdd(node, logitsTensor, d, [true, true]);
    },
  };
}

/** Row gather / scatter-add of R = nodes rows in a fixed pseudo-random order (as a batch's feature rows are). */
export function rowCases(nodes: number, width: number, o: Operands): SparseCase[] {
  const idx = new Int32Array(nodes);
  for (let r = 0; r < nodes; r++) idx[r] = (Math.imul(r, 2654435761) >>> 0) % nodes;
  const f = width;
  return [
    { kernel: 'gatherRows', width: f, heads: 1, bytes: 4 * nodes + 8 * nodes * f, run: (k) => k.gatherRows(o.x.subarray(0, nodes * f), f, idx, o.out) },
    { kernel: 'scatterAddRows', width: f, heads: 1, bytes: 4 * nodes + 12 * nodes * f, run: (k) => k.scatterAddRows(o.x, f, idx, o.out.subarray(0, nodes * f)) },
  ];
}
