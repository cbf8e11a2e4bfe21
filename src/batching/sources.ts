// BatchSource implementations for training: fixed (cached) batches in a per-epoch order, or batches sampled
// afresh every epoch and materialised on the fly.

import { Rng } from '../graph/rng.js';
import type { BatchSource } from '../train/minibatch.js';
import type { PreparedData } from '../train/prepare.js';
import type { Batch } from './batch.js';
import { materialize, type MaterializedBatch } from './materialize.js';
import { BATCH_ORDER_KINDS, batchOrder, labelHistograms, pairwiseDistances, tspTour, type BatchOrderKind } from './order.js';

/** Fixed batches (e.g. IBMB's, from cacheBatches) replayed every epoch in the order `order` asks for (see
 *  batchOrder); distances are the symmetric KL between the batches' output-label histograms, and the 'order'
 *  tour is computed once here. Same seed -> same sequence of epochs. */
export function fixedBatchSource(
  materialized: readonly MaterializedBatch[],
  order: BatchOrderKind,
  labels: Int32Array,
  numClasses: number,
  seed: number,
): BatchSource {
  if (!BATCH_ORDER_KINDS.includes(order)) throw new Error(`fixedBatchSource: order must be one of ${BATCH_ORDER_KINDS.join(', ')}, got '${String(order)}'`);
  if (materialized.length === 0) throw new Error('fixedBatchSource: no batches; expected at least one');
  const rng = new Rng(seed);
  const d = order === 'rand' || order === 'none'
    ? { n: materialized.length, values: new Float64Array(0) }
    : pairwiseDistances(labelHistograms(materialized.map((m) => m.batch), labels, numClasses));
  const tour = order === 'order' ? tspTour(d, 'max') : undefined;
  return {
    batches(epoch: number): MaterializedBatch[] {
      return Array.from(batchOrder(order, d, epoch, rng, tour), (i) => materialized[i]);
    },
  };
}

/** Batches drawn afresh every epoch by `sampleEpoch` (e.g. saintRandomWalkBatches(...).batches), each sampled (when
 *  `sampleEpoch` is lazy) and gathered (materialised) only when the training loop reaches it, so that the first step
 *  of an epoch waits for one batch and one epoch's batches are never all held at once. A batch's graph is released
 *  to the kernels (GraphContext.release) when the next one is asked for. */
export function sampledBatchSource(sampleEpoch: (epoch: number) => Iterable<Batch>, data: PreparedData): BatchSource {
  return {
    *batches(epoch: number): Iterable<MaterializedBatch> {
      for (const b of sampleEpoch(epoch)) {
        const mb = materialize(b, data);
        yield mb;
        // asked for the next batch, the loop is done with this one: the kernels may give its graph's place back
        mb.ctx.release();
      }
    },
  };
}
