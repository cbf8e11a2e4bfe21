// The short list of primitives with hand-written backward rules; every other op is composed from these.

import type { CsrMatrix } from '../graph/csr.js';
import type { ActivationSpec, FloatArray } from '../kernels/types.js';
import type { Tensor } from './tensor.js';

export const PRIMITIVES = [
  'matmul',
  'add',
  'sub',
  'mul',
  'scale',
  'addRowVec',
  'mulRowVec',
  'gatScores',
  'relu',
  'elu',
  'leakyRelu',
  'exp',
  'log',
  'reshape',
  'sum',
  'logSoftmax',
  'nllLoss',
  'spmm',
  'spmmBiasActivation',
  'gspmm',
  'sddmmAdd',
  'edgeSoftmax',
  'gatAttention',
  'gatherRows',
  'scatterAddRows',
  'dropout',
  'layerNorm',
  'batchNorm',
] as const;

export type Primitive = (typeof PRIMITIVES)[number];

/** Attributes (non-tensor arguments) of each primitive. */
export interface PrimitiveAttrs {
  matmul: { transA: boolean; transB: boolean };
  add: Record<string, never>;
  sub: Record<string, never>;
  mul: Record<string, never>;
  scale: { factor: number };
  addRowVec: Record<string, never>;
  mulRowVec: Record<string, never>;
  /** GAT's per-head scores of node rows x [n, heads * c] against the vectors src and dst [heads * c] (inputs x, src,
   *  dst): out [2n, heads], rows 0..n the source scores <x_i, src>, rows n..2n the destination scores <x_i, dst> */
  gatScores: { heads: number };
  relu: Record<string, never>;
  elu: { alpha: number };
  leakyRelu: { slope: number };
  exp: Record<string, never>;
  log: Record<string, never>;
  reshape: { shape: readonly number[] };
  sum: Record<string, never>;
  logSoftmax: Record<string, never>;
  /** mean over i of -weights[i] * logp[rows[i], targets[i]] (weights 1 when absent) */
  nllLoss: { rows: Int32Array; targets: Int32Array; weights?: Float32Array | Float64Array };
  /** constant sparse matrix times the dense input */
  spmm: { a: CsrMatrix };
  /** act(A @ x + bias) in one pass; inputs [x, bias]. act must keep the sign (act(z) > 0 exactly when z > 0: relu,
   *  elu with alpha >= 0, leakyRelu with slope >= 0), so the backward rule reads the derivative off the output */
  /** dropScale: a relu output dropped out in place by the op (1 / (1 - p)) */
  spmmBiasActivation: { a: CsrMatrix; act: ActivationSpec; dropScale?: number };
  /** per-edge, per-head weights (input 0) times dense node rows (input 1) */
  gspmm: { a: CsrMatrix; heads: number };
  sddmmAdd: { a: CsrMatrix; heads: number };
  edgeSoftmax: { a: CsrMatrix; heads: number };
  /** fused sddmmAdd -> leakyRelu(slope) -> edgeSoftmax of gatScores' output (the one input): column j of `a` takes
   *  source score j, row i destination score rows[i] (i without rows) */
  gatAttention: { a: CsrMatrix; heads: number; slope: number; rows: Int32Array | undefined };
  gatherRows: { index: Int32Array };
  scatterAddRows: { index: Int32Array; rows: number };
  /** mask holds 1 for a kept value, 0 for a dropped one; kept values are multiplied by scale = 1 / (1 - p) */
  dropout: { mask: Uint8Array; scale: number };
  /** inputs [x, weight, bias]: the affine LayerNorm */
  layerNorm: { eps: number };
  batchNorm: { eps: number };
}

/** Values a forward pass keeps for its backward rule. */
export interface PrimitiveSaved {
  layerNorm: { xhat: FloatArray; rstd: FloatArray };
  batchNorm: { xhat: FloatArray; rstd: FloatArray };
}

export type SavedOf<P extends Primitive> = P extends keyof PrimitiveSaved ? PrimitiveSaved[P] : undefined;

/** One recorded application of a primitive. */
export interface TapeNode<P extends Primitive> {
  readonly prim: P;
  readonly inputs: readonly Tensor[];
  readonly attrs: PrimitiveAttrs[P];
  readonly saved: SavedOf<P>;
}
