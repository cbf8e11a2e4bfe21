// GCNConv (Kipf & Welling): y = D^-1/2 (A+I) D^-1/2 (x W) + b, PyG semantics.

import type { CsrMatrix } from '../../graph/csr.js';
import type { Rng } from '../../graph/rng.js';
import type { ActivationSpec } from '../../kernels/types.js';
import type { NodeInput } from '../../tensor/compose.js';
import { addRowVec, spmm, spmmBiasActivation, type DropoutSpec } from '../../tensor/ops.js';
import type { DType, Tensor } from '../../tensor/tensor.js';
import { constant } from '../init.js';
import type { GraphContext } from '../graph-context.js';
import { GraphConv } from './conv.js';
import { Linear } from './linear.js';

export class GCNConv extends GraphConv<Tensor> {
  readonly lin: Linear;
  readonly bias: Tensor;

  constructor(readonly inDim: number, readonly outDim: number, opts: { rng: Rng; dtype?: DType }) {
    super();
    this.lin = this.registerModule('lin', new Linear(inDim, outDim, { bias: false, init: 'glorot', ...opts }));
    this.bias = this.registerParameter('bias', constant([outDim], 0, opts.dtype ?? 'float32'));
  }

  /** x W */
  transform(x: NodeInput): Tensor {
    return this.lin.forward(x);
  }

  aggregate(xw: Tensor, ctx: GraphContext, rows?: Int32Array): Tensor {
    return addRowVec(spmm(this.adjacency(ctx, rows), xw), this.bias);
  }

  /** act(A (x W) + b) with SpMM, bias and activation fused: one pass over the output instead of three. */
  override aggregateActivated(xw: Tensor, ctx: GraphContext, act: ActivationSpec, rows?: Int32Array, drop?: DropoutSpec): Tensor {
    return spmmBiasActivation(this.adjacency(ctx, rows), xw, this.bias, act, drop);
  }

  private adjacency(ctx: GraphContext, rows?: Int32Array): CsrMatrix {
    return rows ? ctx.adjacencyRows('gcn', rows) : ctx.adjacency('gcn');
  }
}
