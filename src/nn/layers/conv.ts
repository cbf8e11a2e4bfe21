// The common shape of graph convolutions: features in, graph context, optional output rows.

import type { ActivationSpec } from '../../kernels/types.js';
import type { NodeInput } from '../../tensor/compose.js';
import { activation } from '../../tensor/ops.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { GraphContext } from '../graph-context.js';
import { Module } from '../module.js';

export abstract class GraphConv extends Module {
  abstract readonly inDim: number;
  abstract readonly outDim: number;
  /** Computes the layer for every node, or only for `rows` (in that order) when given: the last layer of a
   *  mini-batch needs its output nodes only. x always holds every node of the context. */
  abstract forward(x: NodeInput, ctx: GraphContext, rows?: Int32Array): Tensor;

  /** act(forward(x, ctx, rows)); a convolution whose last op can take the activation along overrides it (GCNConv
   *  fuses SpMM, bias and activation into one pass). */
  forwardActivated(x: NodeInput, ctx: GraphContext, act: ActivationSpec, rows?: Int32Array): Tensor {
    return activation(this.forward(x, ctx, rows), act);
  }
}
