// GINConv (Xu et al.): y = MLP((1 + eps) x + sum_j x_j) with MLP = Linear-ReLU-Linear, PyG semantics.

import type { Rng } from '../../graph/rng.js';
import { linear, type NodeInput } from '../../tensor/compose.js';
import { add, addRowVec, gatherRows, matmul, relu, reshape, scale, spmm } from '../../tensor/ops.js';
import { Tensor, type DType } from '../../tensor/tensor.js';
import { constant } from '../init.js';
import type { GraphContext } from '../graph-context.js';
import { GraphConv } from './conv.js';
import { Linear } from './linear.js';

export interface GINOptions {
  hidden?: number;
  eps?: number;
  trainEps?: boolean;
  rng: Rng;
  dtype?: DType;
}

export class GINConv extends GraphConv<Tensor> {
  readonly lin1: Linear;
  readonly lin2: Linear;
  readonly eps: Tensor;
  private readonly trainEps: boolean;

  constructor(readonly inDim: number, readonly outDim: number, opts: GINOptions) {
    super();
    const dtype = opts.dtype ?? 'float32';
    const hidden = opts.hidden ?? outDim;
    this.lin1 = this.registerModule('nn.0', new Linear(inDim, hidden, { init: 'torch', rng: opts.rng, dtype }));
    this.lin2 = this.registerModule('nn.2', new Linear(hidden, outDim, { init: 'torch', rng: opts.rng, dtype }));
    this.trainEps = opts.trainEps ?? false;
    if (this.trainEps) this.eps = this.registerParameter('eps', constant([1], opts.eps ?? 0, dtype));
    else this.eps = this.registerBuffer('eps', Tensor.fromArray([opts.eps ?? 0], [1], dtype));
  }

  /** z = x W1. The MLP's first map is linear, so ((1+eps) x + A x) W1 = (1+eps) z + A z: projecting first also
   *  makes sparse inputs work. */
  transform(x: NodeInput): Tensor {
    return linear(x, this.lin1.weight);
  }

  aggregate(z: Tensor, ctx: GraphContext, rows?: Int32Array): Tensor {
    const a = rows ? ctx.adjacencyRows('sum', rows) : ctx.adjacency('sum');
    const self = rows ? gatherRows(z, rows) : z;
    const h = addRowVec(add(this.scaleByOnePlusEps(self), spmm(a, z)), this.lin1.bias!);
    return this.lin2.forward(relu(h));
  }

  private scaleByOnePlusEps(z: Tensor): Tensor {
    if (!this.trainEps) return scale(z, 1 + this.eps.data[0]);
    // z * (1 + eps) with a trainable eps: a [n, 1] x [1, 1] product keeps it inside the primitive set
    const onePlus = matmul(reshape(z, [z.size, 1]), reshape(this.eps, [1, 1]));
    return add(z, reshape(onePlus, z.shape));
  }
}
