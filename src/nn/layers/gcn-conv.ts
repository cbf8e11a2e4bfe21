// GCNConv (Kipf & Welling): y = D^-1/2 (A+I) D^-1/2 x W + b, PyG semantics, multiplied in the cheaper order.

import { rowEntries, type CsrMatrix } from '../../graph/csr.js';
import type { Rng } from '../../graph/rng.js';
import type { ActivationSpec } from '../../kernels/types.js';
import { SparseInput, type NodeInput } from '../../tensor/compose.js';
import { getKernels } from '../../kernels/backend.js';
import { addRowVec, spmm, spmmBiasActivation, type DropoutSpec } from '../../tensor/ops.js';
import { isGradEnabled } from '../../tensor/tape.js';
import { inKernelMemory } from '../../tensor/arena.js';
import { Tensor, type DType } from '../../tensor/tensor.js';
import { constant } from '../init.js';
import type { GraphContext } from '../graph-context.js';
import { GraphConv } from './conv.js';
import { Linear } from './linear.js';

/* A (x W) and (A x) W are the same map; their costs differ. Transforming first multiplies every input row by W and
 * then aggregates out-wide rows; aggregating first gathers in-wide rows and multiplies only the rows computed, so it
 * wins when in < out (a 100-feature input to 256 hidden channels: a 2.5x narrower SpMM, and for the first layer no
 * SpMM in the backward pass, since the input needs no gradient) and when few rows are computed (a mini-batch's last
 * layer). DGL's GraphConv chooses the same way; PyG always transforms first. Sparse (CSR) inputs are transformed first. */

/** What one multiply-add of a sparse product costs in GEMM multiply-adds: gathers at ~14 GB/s of 4-byte values
 *  against ~70 G multiply-adds/s of OpenBLAS on the 2-core machine. */
export const SPARSE_MULTIPLY_ADD_COST = 20;

/** Whether (A x) W is the cheaper order for a dense x of n rows, `rows` output rows over `entries` stored entries of
 *  the adjacency, an [inDim, outDim] weight. */
export function gcnAggregatesFirst(n: number, rows: number, entries: number, inDim: number, outDim: number): boolean {
  const transformFirst = n * inDim * outDim + SPARSE_MULTIPLY_ADD_COST * entries * outDim;
  const aggregateFirst = SPARSE_MULTIPLY_ADD_COST * entries * inDim + rows * inDim * outDim;
  return aggregateFirst < transformFirst;
}

/** transform()'s result: x W of every node, or x itself (xw null) when the layer aggregates first. */
export interface GcnTransformed {
  readonly x: NodeInput;
  readonly xw: Tensor | null;
}

const identities = new Map<number, CsrMatrix>();
const MAX_IDENTITIES = 64;

/** The n x n identity as an unweighted CSR matrix flagged symmetric (a few recent sizes cached). */
function identity(n: number): CsrMatrix {
  let m = identities.get(n);
  if (!m) {
    if (identities.size >= MAX_IDENTITIES) identities.delete(identities.keys().next().value as number);
    const indptr = Int32Array.from({ length: n + 1 }, (_, i) => i);
    m = { rows: n, cols: n, indptr, indices: indptr.subarray(0, n), symmetric: true };
    identities.set(n, m);
  }
  return m;
}

export class GCNConv extends GraphConv<GcnTransformed> {
  readonly lin: Linear;
  readonly bias: Tensor;

  constructor(readonly inDim: number, readonly outDim: number, opts: { rng: Rng; dtype?: DType }) {
    super();
    this.lin = this.registerModule('lin', new Linear(inDim, outDim, { bias: false, init: 'glorot', ...opts }));
    this.bias = this.registerParameter('bias', constant([outDim], 0, opts.dtype ?? 'float32'));
  }

  /** x W for every node, or nothing yet when aggregating first is cheaper for the rows aggregate() will be asked for
   *  (`rows` of `ctx`, when known; else all of them). */
  transform(x: NodeInput, ctx?: GraphContext, rows?: Int32Array): GcnTransformed {
    if (x instanceof SparseInput) return { x, xw: this.lin.forward(x) };
    // without a context the count is unknown, and unneeded: over all rows the order depends on the widths alone
    const entries = ctx ? rowEntries(ctx.adjacency('gcn'), rows) : x.rows;
    if (!gcnAggregatesFirst(x.rows, rows?.length ?? x.rows, entries, this.inDim, this.outDim)) return { x, xw: this.lin.forward(x) };
    // a constant input (features) outside the kernels' memory is copied in once here, not by every SpMM call
    return { x: x.requiresGrad ? x : new Tensor(inKernelMemory(x.data), x.shape), xw: null };
  }

  aggregate(t: GcnTransformed, ctx: GraphContext, rows?: Int32Array): Tensor {
    const a = this.adjacency(ctx, rows);
    return addRowVec(t.xw ? spmm(a, t.xw) : this.lin.forward(spmm(a, t.x as Tensor)), this.bias);
  }

  /** act(A (x W) + b) with SpMM, bias and activation fused: one pass over the output instead of three; aggregating
   *  first, act((A x) W + b) with the bias, activation and dropout fused into one pass (a product by the identity). */
  override aggregateActivated(t: GcnTransformed, ctx: GraphContext, act: ActivationSpec, rows?: Int32Array, drop?: DropoutSpec): Tensor {
    const a = this.adjacency(ctx, rows);
    if (t.xw) return spmmBiasActivation(a, t.xw, this.bias, act, drop);
    const z = this.lin.forward(spmm(a, t.x as Tensor));
    // without a tape (inference) z is the GEMM's fresh output that nothing else holds: bias and activation in place,
    // so a whole-graph pass holds one output of the layer, not two
    if (!isGradEnabled() && !(drop && drop.p !== 0)) return biasActivationInPlace(z, this.bias, act);
    return spmmBiasActivation(identity(z.rows), z, this.bias, act, drop);
  }

  private adjacency(ctx: GraphContext, rows?: Int32Array): CsrMatrix {
    return rows ? ctx.adjacencyRows('gcn', rows) : ctx.adjacency('gcn');
  }
}

/** z = act(z + bias) in place (no tape records it). */
function biasActivationInPlace(z: Tensor, bias: Tensor, act: ActivationSpec): Tensor {
  const k = getKernels();
  k.addRowVec(z.rows, z.cols, z.data, bias.data, z.data);
  k.activation(act, z.size, z.data, z.data);
  return z;
}
