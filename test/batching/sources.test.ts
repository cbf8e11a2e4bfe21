// Tests of the sampled batch source: batches materialised one at a time, each one's graph released to the kernels
// once the loop asks for the next, with its adjacencies intact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inducedBatch } from '../../src/batching/batch.js';
import type { MaterializedBatch } from '../../src/batching/materialize.js';
import { sampledBatchSource } from '../../src/batching/sources.js';
import { smallProblem } from '../multiscale/helpers.js';

test('a sampled batch is released when the next one is asked for, and keeps its adjacencies', () => {
  const { data } = smallProblem(60);
  const nodes = [Int32Array.of(0, 1, 2, 3), Int32Array.of(4, 5, 6), Int32Array.of(7, 8)];
  const batches = nodes.map((n) => inducedBatch(data.ctx, n, n.slice(0, 1)));
  const released: number[] = [];
  const seen: MaterializedBatch[] = [];
  let i = 0;
  for (const mb of sampledBatchSource(() => batches, data).batches(0)) {
    const k = i++;
    const release = mb.ctx.release.bind(mb.ctx);
    mb.ctx.release = () => { released.push(k); release(); };
    assert.deepEqual(released, Array.from({ length: k }, (_, j) => j), `batch ${k}: the earlier batches are released, not this one`);
    seen.push(mb);
    // released, a batch still answers with its own adjacency (the full graph's normalisation sliced, not rebuilt)
    if (k > 0) assert.equal(seen[k - 1].ctx.adjacency('gcn'), batches[k - 1].adjacency?.gcn);
  }
  assert.deepEqual(released, [0, 1, 2], 'the last one too, when the loop ends');
});
