// The common shape of graph convolutions: a node-wise transform, then aggregation over the graph (optionally for
// some output rows only).

import type { ActivationSpec } from '../../kernels/types.js';
import type { NodeInput } from '../../tensor/compose.js';
import { activation, dropout, type DropoutSpec } from '../../tensor/ops.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { GraphContext } from '../graph-context.js';
import { Module } from '../module.js';

/** `T` is what transform() hands to aggregate(): the dense projections (and per-node scores) of every node. */
export abstract class GraphConv<T = unknown> extends Module {
  abstract readonly inDim: number;
  abstract readonly outDim: number;

  /** The node-wise part of the layer (x W and the like): the same map for every node, computed for ALL nodes of
   *  x. Layer-wise inference computes it once per layer and then aggregates chunk by chunk. `ctx` and `rows` say,
   *  when known, which rows aggregate() will be asked for (a layer may then choose a cheaper order; any rows it is
   *  then asked for are still right). */
  abstract transform(x: NodeInput, ctx?: GraphContext, rows?: Int32Array): T;

  /** The rest of the layer from transform(x): aggregation over the graph for every node, or only for `rows` (in
   *  that order) when given. */
  abstract aggregate(t: T, ctx: GraphContext, rows?: Int32Array): Tensor;

  /** act(aggregate(t, ctx, rows)), then `drop` when given; a convolution whose last op can take the activation (and
   *  the dropout) along overrides it (GCNConv fuses SpMM, bias and activation into one pass and drops out in place). */
  aggregateActivated(t: T, ctx: GraphContext, act: ActivationSpec, rows?: Int32Array, drop?: DropoutSpec): Tensor {
    const y = activation(this.aggregate(t, ctx, rows), act);
    return drop && drop.p !== 0 ? dropout(y, drop.p, drop.rng) : y;
  }

  /** The layer for every node, or only for `rows` (the last layer of a mini-batch needs its output nodes only).
   *  x always holds every node of the context. */
  forward(x: NodeInput, ctx: GraphContext, rows?: Int32Array): Tensor {
    return this.aggregate(this.transform(x, ctx, rows), ctx, rows);
  }
}
