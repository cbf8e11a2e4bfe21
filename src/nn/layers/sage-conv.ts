// SAGEConv with mean aggregation and a root weight: y = mean_j(x_j) W_l + b_l + x W_r, PyG semantics.

import type { Rng } from '../../graph/rng.js';
import { linear, SparseInput, type NodeInput } from '../../tensor/compose.js';
import { add, addRowVec, gatherRows, spmm } from '../../tensor/ops.js';
import type { DType, Tensor } from '../../tensor/tensor.js';
import type { GraphContext } from '../graph-context.js';
import { selectRows } from '../graph-context.js';
import { GraphConv } from './conv.js';
import { Linear } from './linear.js';

/** What SAGEConv.aggregate needs: the input (for the root term of the output rows) and x W_l of every node. */
interface SAGETransformed {
  x: NodeInput;
  neighbours: Tensor;
}

export class SAGEConv extends GraphConv<SAGETransformed> {
  readonly linL: Linear;
  readonly linR: Linear;

  constructor(readonly inDim: number, readonly outDim: number, opts: { rng: Rng; dtype?: DType }) {
    super();
    this.linL = this.registerModule('lin_l', new Linear(inDim, outDim, { bias: true, init: 'torch', ...opts }));
    this.linR = this.registerModule('lin_r', new Linear(inDim, outDim, { bias: false, init: 'torch', ...opts }));
  }

  /** mean(x) W_l = mean(x W_l): aggregating after the projection is the same map and works for sparse x */
  transform(x: NodeInput): SAGETransformed {
    return { x, neighbours: linear(x, this.linL.weight) };
  }

  aggregate({ x, neighbours }: SAGETransformed, ctx: GraphContext, rows?: Int32Array): Tensor {
    // the bias goes on after aggregation so that nodes without in-neighbours still get it; the root term x W_r is
    // needed for the output rows only
    const a = rows ? ctx.adjacencyRows('mean', rows) : ctx.adjacency('mean');
    const neigh = addRowVec(spmm(a, neighbours), this.linL.bias!);
    const root = this.linR.forward(rows ? rowsOf(x, rows) : x);
    return add(neigh, root);
  }
}

/** Rows of dense or sparse node features. */
function rowsOf(x: NodeInput, rows: Int32Array): NodeInput {
  return x instanceof SparseInput ? new SparseInput(selectRows(x.matrix, rows)) : gatherRows(x, rows);
}
