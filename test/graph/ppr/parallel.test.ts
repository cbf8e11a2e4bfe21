// Worker-parallel push PPR: identical output for every thread count, and the thread-count policy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPlanetoid } from '../../../src/graph/io/planetoid.js';
import { prepareForPpr, pprTopK, pprTopKSync, resolveThreads } from '../../../src/graph/ppr/index.js';
import { sharedPath } from '../../helpers/paths.js';

const cora = prepareForPpr(loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora').graph);
const sources = Int32Array.from({ length: cora.rows }, (_, i) => (i * 7) % cora.rows);
const opts = { alpha: 0.25, eps: 1e-4, topk: 16 };

test('pprTopK returns the serial result bit for bit with 1, 2 and 3 threads', async () => {
  const serial = pprTopKSync(cora, sources, opts);
  for (const threads of [1, 2, 3]) {
    const par = await pprTopK(cora, sources, { ...opts, threads, minSourcesPerThread: 1, chunkSize: 100 });
    assert.deepEqual(par.indptr, serial.indptr, `indptr, ${threads} threads`);
    assert.deepEqual(par.nodes, serial.nodes, `nodes, ${threads} threads`);
    assert.deepEqual(par.scores, serial.scores, `scores, ${threads} threads`);
  }
});

test('every row of the parallel result contains its source and has at most topk + 1 entries', async () => {
  const res = await pprTopK(cora, sources, { ...opts, threads: 2, minSourcesPerThread: 1 });
  assert.equal(res.indptr.length, sources.length + 1);
  for (let i = 0; i < sources.length; i++) {
    const row = res.nodes.subarray(res.indptr[i], res.indptr[i + 1]);
    assert.ok(row.includes(sources[i]) && row.length <= opts.topk + 1, `row ${i}`);
  }
});

test('small jobs stay on the calling thread', () => {
  assert.equal(resolveThreads(4000, { threads: 8 }), 1);
  assert.equal(resolveThreads(20000, { threads: 8 }), 4);
  assert.equal(resolveThreads(20000, { threads: 2 }), 2);
  assert.equal(resolveThreads(10, { threads: 3, minSourcesPerThread: 1 }), 3);
  assert.throws(() => resolveThreads(10, { threads: 0 }), /threads must be an integer >= 1, got 0/);
  assert.throws(() => resolveThreads(10, { minSourcesPerThread: -1 }), /minSourcesPerThread must be an integer >= 1/);
});
