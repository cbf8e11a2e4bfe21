// Per-epoch samplers drawn lazily: each batch is sampled when the training loop asks for it, so the first step of an
// epoch does not wait for (nor memory hold) the whole epoch's batches.

import type { Batch } from './batch.js';

export interface EpochBatches {
  /** the batches of epoch e, sampled one at a time as they are iterated; a pure function of (sampler, e) */
  batches(e: number): Iterable<Batch>;
  /** the same batches, all drawn at once */
  epoch(e: number): Batch[];
}

/** batches / epoch over `draw`, which yields epoch e's batches in order; e is checked when asked for, not when
 *  iterated. Iterate one epoch at a time: samplers share scratch space between their batches. */
export function lazyEpochs(what: string, draw: (e: number) => Generator<Batch>): EpochBatches {
  const batches = (e: number): Iterable<Batch> => {
    if (!Number.isInteger(e) || e < 0) throw new Error(`${what}: epoch must be a non-negative integer, got ${e}`);
    return { [Symbol.iterator]: () => draw(e) };
  };
  return { batches, epoch: (e) => Array.from(batches(e)) };
}
