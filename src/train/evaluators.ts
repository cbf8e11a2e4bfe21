// Evaluators: eval-mode logits from one full-graph forward pass, or from fixed inference batches (IBMB).

import type { MaterializedBatch } from '../batching/materialize.js';
import type { GNN } from '../nn/models.js';
import { Arena, withArena } from '../tensor/arena.js';
import { noGrad } from '../tensor/tape.js';
import { Tensor } from '../tensor/tensor.js';
import type { NodeInput } from '../tensor/compose.js';
import type { Evaluator, NodeLogits } from './minibatch.js';
import type { PreparedData } from './prepare.js';

/** All nodes at once (the full-batch baseline). */
export function fullGraphEvaluator(data: PreparedData): Evaluator {
  const n = data.ctx.numNodes;
  const rowOf = Int32Array.from({ length: n }, (_, i) => i);
  return (model: GNN): NodeLogits => {
    model.eval();
    const out = noGrad(() => model.forward(data.x, data.ctx));
    return { logits: out.data, classes: out.cols, rowOf };
  };
}

/** One forward pass per cached batch, last layer on the output rows only; each node's logits come from the
 *  batch that has it as an output. */
export function batchedEvaluator(batches: readonly MaterializedBatch[], numNodes: number, classes: number): Evaluator {
  const rowOf = new Int32Array(numNodes).fill(-1);
  let total = 0;
  for (const mb of batches) {
    for (const r of mb.outputIndex) {
      const v = mb.batch.nodes[r];
      if (rowOf[v] >= 0) throw new Error(`inference batches: node ${v} is an output of two batches`);
      rowOf[v] = total++;
    }
  }
  const logits = new Float32Array(total * classes);
  // one arena scope per batch: a batch's intermediate arrays are recycled by the next instead of all batches'
  // being held until the end of the pass. The arena is kept between passes (one batch's working set): releasing it
  // made every pass fault in fresh memory, 5x the time of the pass itself on a 30k-node graph
  const arena = new Arena();
  return (model: GNN): NodeLogits => {
    model.eval();
    noGrad(() => {
      for (const mb of batches) {
        withArena(arena, () => {
          const out = model.forward(mb.x, mb.ctx, mb.outputIndex);
          mb.outputIndex.forEach((r, i) => logits.set(out.data.subarray(i * classes, (i + 1) * classes), rowOf[mb.batch.nodes[r]] * classes));
        });
      }
    });
    return { logits, classes, rowOf };
  };
}

/** Layer-wise full-graph inference: every layer for ALL nodes. Each layer's node-wise transform (x W, scores) is
 *  computed once for all nodes; its aggregation `chunk` output rows at a time, so that no layer needs more than one
 *  chunk's aggregation intermediates at once (the baseline IBMB inference is compared to). */
export function layerwiseEvaluator(data: PreparedData, chunk = 16384): Evaluator {
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`layer-wise inference: chunk must be a positive integer, got ${chunk}`);
  const n = data.ctx.numNodes;
  const rowOf = Int32Array.from({ length: n }, (_, i) => i);
  // one scope per chunk, as in batchedEvaluator (kept between passes: chunk-sized); the transform lives in its own
  // arena for the whole layer, released after each pass (all nodes' rows: a large graph's training needs the room)
  const arena = new Arena();
  const transformArena = new Arena();
  return (model: GNN): NodeLogits => {
    model.eval();
    const out = noGrad(() => {
      let h: NodeInput = data.x;
      for (let l = 0; l < model.convs.length; l++) {
        const input = h;
        const transformed = withArena(transformArena, () => model.convs[l].transform(input, data.ctx));
        let next: Tensor | null = null;
        for (let start = 0; start < n; start += chunk) {
          // a fresh view each time: GraphContext caches row slices per rows array, and keeping one per chunk would
          // hold a second copy of the adjacency for the evaluator's lifetime
          const rows = rowOf.subarray(start, Math.min(start + chunk, n));
          next = withArena(arena, () => {
            const part = model.aggregateLayer(l, transformed, data.ctx, rows);
            const whole = next ?? new Tensor(part.dtype === 'float64' ? new Float64Array(n * part.cols) : new Float32Array(n * part.cols), [n, part.cols]);
            whole.data.set(part.data, start * part.cols);
            return whole;
          });
        }
        h = next!;
      }
      return model.head ? model.head.forward(h) : (h as Tensor);
    });
    transformArena.release(true); // nothing of the pass's transforms is kept (the logits are ordinary arrays)
    return { logits: out.data, classes: out.cols, rowOf };
  };
}
