// The per-epoch samplers draw their batches lazily: the same batches, in the same order, as drawing the epoch at once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterGcnBatches } from '../../src/batching/cluster-gcn.js';
import type { EpochBatches } from '../../src/batching/lazy-epoch.js';
import { neighborSamplingBatches } from '../../src/batching/neighbor.js';
import { saintRandomWalkBatches } from '../../src/batching/saint-rw.js';
import { shadowPprBatches } from '../../src/batching/shadow-ppr.js';
import { generateSynthetic } from '../../src/graph/generate.js';
import { Rng } from '../../src/graph/rng.js';
import { GraphContext } from '../../src/nn/graph-context.js';

/** Counts the random numbers drawn by it and every generator forked from it (the values are Rng's own). */
let draws = 0;
class CountingRng extends Rng {
  override nextU32(): number {
    draws++;
    return super.nextU32();
  }
  override fork(stream: number): Rng {
    return Object.setPrototypeOf(super.fork(stream), CountingRng.prototype) as Rng;
  }
}

const d = generateSynthetic({ nodes: 600, avgDegree: 6, classes: 4, features: 8, seed: 7 });
const ctx = new GraphContext(d.graph);
const train = d.split!.train;

async function samplers(): Promise<[string, EpochBatches][]> {
  return [
    ['neighbor', neighborSamplingBatches(ctx, train, { batchSize: 16, fanouts: [3, 2] }, new CountingRng(1))],
    ['saint-rw', saintRandomWalkBatches(ctx, train, { roots: 20, walkLength: 2, sampleCoverage: 5 }, new CountingRng(1))],
    ['cluster-gcn', clusterGcnBatches(ctx, train, { numParts: 12, partsPerBatch: 3, seed: 1 })],
    ['shadow-ppr', await shadowPprBatches(ctx, train, { alpha: 0.25, eps: 1e-3, topk: 8, batchSize: 16, seed: 1, threads: 1 })],
  ];
}

test('batches(e) yields one batch at a time, the batches epoch(e) draws at once, and checks e when asked', async () => {
  for (const [name, s] of await samplers()) {
    const it = s.batches(2)[Symbol.iterator]();
    draws = 0;
    const first = it.next();
    assert.equal(first.done, false, name);
    const drawnForFirst = draws;
    for (let r = it.next(); !r.done; r = it.next()); // the rest of the epoch
    if (name === 'neighbor' || name === 'saint-rw') {
      // the samplers that take an Rng: the rest of the epoch is drawn after the first batch was handed out
      assert.ok(drawnForFirst > 0 && draws > drawnForFirst, `${name}: ${drawnForFirst} draws for the first batch, ${draws} for the epoch`);
    }
    const all = s.epoch(2);
    assert.ok(all.length > 1, `${name}: several batches`);
    assert.deepEqual(first.value, all[0], `${name}: first batch`);
    assert.deepEqual(Array.from(s.batches(2)), all, `${name}: the whole epoch`);
    assert.deepEqual(Array.from(s.batches(3)), s.epoch(3), `${name}: another epoch`);
    assert.notDeepEqual(s.epoch(2).map((b) => Array.from(b.nodes)), s.epoch(3).map((b) => Array.from(b.nodes)), `${name}: epochs differ`);
    for (const e of [-1, 1.5]) assert.throws(() => s.batches(e), /epoch must be a non-negative integer/, name);
  }
});
