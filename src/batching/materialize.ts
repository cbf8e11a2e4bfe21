// Turns a Batch into model inputs (gathered feature rows, graph context, targets); the cache keeps them contiguous.

import { getKernels } from '../kernels/backend.js';
import { GraphContext, selectRows } from '../nn/graph-context.js';
import { SparseInput, type NodeInput } from '../tensor/compose.js';
import { newArray, Tensor } from '../tensor/tensor.js';
import type { PreparedData } from '../train/prepare.js';
import type { Batch } from './batch.js';

export interface MaterializedBatch {
  readonly batch: Batch;
  readonly x: NodeInput;
  readonly ctx: GraphContext;
  /** local output rows (= batch.outputIndex) */
  readonly outputIndex: Int32Array;
  /** class of each output row; -1 where the node is unlabelled */
  readonly targets: Int32Array;
  readonly lossWeights?: Float32Array;
}

/** Gathers the batch's features; `into` (optional) is a preallocated buffer region for dense rows. */
export function materialize(b: Batch, data: PreparedData, into?: Float32Array | Float64Array): MaterializedBatch {
  const x = gatherInput(data.x, b.nodes, into);
  const ctx = new GraphContext(b.graph, data.ctx.dtype, b.adjacency ?? {});
  const targets = Int32Array.from(b.outputIndex, (r) => data.labels[b.nodes[r]]);
  return { batch: b, x, ctx, outputIndex: b.outputIndex, targets, lossWeights: b.lossWeights };
}

/** The rows `nodes` of a node input (dense rows gathered, into `into` when given; sparse rows selected). Throws on
 *  a node id outside x's rows. */
export function gatherInput(x: NodeInput, nodes: Int32Array, into?: Float32Array | Float64Array): NodeInput {
  if (x instanceof SparseInput) return new SparseInput(selectRows(x.matrix, nodes));
  const f = x.cols;
  for (let r = 0; r < nodes.length; r++) {
    if (!(nodes[r] >= 0 && nodes[r] < x.rows)) throw new RangeError(`gatherInput: nodes[${r}] = ${nodes[r]} is outside the ${x.rows} rows of x`);
  }
  if (into && into.length < nodes.length * f) throw new RangeError(`gatherInput: into holds ${into.length} values, expected >= ${nodes.length * f}`);
  // fastgnn's allocator: large rows then sit in shared memory, where the kernels' worker threads can read them (the
  // gather itself runs on them too: a redrawn multiscale level gathers thousands of 767-wide rows every epoch)
  const out = into ? into.subarray(0, nodes.length * f) : newArray(x.dtype, nodes.length * f);
  getKernels().gatherRows(x.data, f, nodes, out);
  return new Tensor(out, [nodes.length, f]);
}

/** Materialises fixed batches once, with every batch's dense feature rows in ONE contiguous buffer, so an epoch
 *  streams through memory instead of gathering rows at random (the IBMB cache). */
export function cacheBatches(batches: readonly Batch[], data: PreparedData): MaterializedBatch[] {
  if (data.x instanceof SparseInput) return batches.map((b) => materialize(b, data));
  const f = data.x.cols;
  const total = batches.reduce((s, b) => s + b.nodes.length, 0) * f;
  // large buffers live in shared memory, so the kernel workers can read the rows too (the input dropout)
  const buffer = newArray(data.x.dtype, total);
  let offset = 0;
  return batches.map((b) => {
    const region = buffer.subarray(offset, offset + b.nodes.length * f);
    offset += b.nodes.length * f;
    return materialize(b, data, region);
  });
}
