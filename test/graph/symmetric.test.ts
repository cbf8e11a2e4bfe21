// The `symmetric` flag of a CSR matrix: set only when A^T = A entry for entry with ascending rows, so a backward pass
// may multiply by A itself instead of a cached transpose and get the same bits; kept through induced batches on
// ascending nodes and through the batch cache, whose loader re-checks it.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { inducedBatch } from '../../src/batching/batch.js';
import { cacheMetaFor, loadBatchCache, saveBatchCache } from '../../src/batching/cache-file.js';
import { isSortedSymmetric, transposeCached, transposeCsr, type CsrMatrix } from '../../src/graph/csr.js';
import { generateSynthetic } from '../../src/graph/generate.js';
import { loadDataset } from '../../src/graph/io/index.js';
import { fastKernels } from '../../src/kernels/fast.js';
import { GraphContext } from '../../src/nn/graph-context.js';
import { CORA_NPZ } from '../cli/cli.js';

const csr = (rows: number[][], values?: number[]): CsrMatrix => {
  const indptr = Int32Array.from([0, ...rows.map((_, i) => rows.slice(0, i + 1).flat().length)]);
  return { rows: rows.length, cols: rows.length, indptr, indices: Int32Array.from(rows.flat()), values: values && Float32Array.from(values) };
};

describe('symmetric CSR matrices', () => {
  it('isSortedSymmetric needs mirrored entries, equal mirrored values, ascending rows and a square shape', () => {
    assert.equal(isSortedSymmetric(csr([[0, 1], [0, 2], [1]])), true);
    assert.equal(isSortedSymmetric(csr([[0, 1], [0, 2], [1]], [1, 2, 2, 3, 3])), true);
    assert.equal(isSortedSymmetric(csr([[0, 1], [0, 2], [1]], [1, 2, 2.5, 3, 3])), false, 'a mirrored value differs');
    assert.equal(isSortedSymmetric(csr([[1], [0, 2], []])), false, 'entry (1, 2) has no mirror');
    assert.equal(isSortedSymmetric(csr([[1, 0], [0], []])), false, 'row 0 does not ascend');
    assert.equal(isSortedSymmetric(csr([[1], [0], [1]])), false, 'entry (2, 1) has no mirror');
    assert.equal(isSortedSymmetric(csr([[1], [0, 1]])), true, 'a self loop is its own mirror');
    assert.equal(isSortedSymmetric({ rows: 1, cols: 2, indptr: Int32Array.of(0, 0), indices: new Int32Array(0) }), false);
  });

  it("an undirected graph's GCN matrix is flagged, is its own cached transpose, and gives the transpose's bits", async () => {
    const { graph } = await loadDataset(CORA_NPZ);
    const a = new GraphContext(graph).adjacency('gcn');
    assert.equal(a.symmetric, true);
    assert.equal(transposeCached(a), a);
    const t = transposeCsr(a);
    assert.deepEqual(t.indptr, a.indptr);
    assert.deepEqual(t.indices, a.indices);
    assert.deepEqual(t.values, a.values);
    const f = 16;
    const y = Float32Array.from({ length: a.rows * f }, (_, i) => Math.sin(i));
    const [viaA, viaT] = [new Float32Array(a.rows * f), new Float32Array(a.rows * f)];
    fastKernels.spmm(a, y, f, viaA);
    fastKernels.spmm(t, y, f, viaT);
    assert.deepEqual(viaA, viaT);
    assert.equal(new GraphContext(graph).adjacency('mean').symmetric, undefined, 'row-normalised: not symmetric');
  });

  it('a directed graph is not flagged; induced batches keep the flag on ascending nodes only', () => {
    const directed = csr([[1], [2], []]);
    assert.equal(new GraphContext(directed).adjacency('gcn').symmetric, undefined);
    const ctx = new GraphContext(generateSynthetic({ nodes: 200, avgDegree: 6, classes: 3, features: 2, seed: 3 }).graph);
    assert.equal(ctx.adjacency('gcn').symmetric, true);
    const up = inducedBatch(ctx, Int32Array.of(2, 5, 9, 40, 41), Int32Array.of(5));
    assert.equal(up.adjacency?.gcn?.symmetric, true);
    assert.equal(isSortedSymmetric(up.adjacency!.gcn!), true);
    const shuffled = inducedBatch(ctx, Int32Array.of(9, 2, 41, 5, 40), Int32Array.of(5));
    assert.equal(shuffled.adjacency?.gcn?.symmetric, undefined);
  });

  it('the batch cache keeps the flag, and a file whose flag is wrong fails to load naming the matrix', async () => {
    const data = generateSynthetic({ nodes: 100, avgDegree: 4, classes: 2, features: 2, seed: 5 });
    const ctx = new GraphContext(data.graph);
    const dir = mkdtempSync(path.join(tmpdir(), 'fastgnn-sym-'));
    try {
      const good = inducedBatch(ctx, Int32Array.of(1, 4, 7, 30), Int32Array.of(4));
      const meta = cacheMetaFor(data, { method: 'ibmb-node' });
      const file = path.join(dir, 'good.cache');
      saveBatchCache(file, { batches: [good], meta, preprocessTimeS: 0 });
      assert.equal(loadBatchCache(file).batches[0].adjacency?.gcn?.symmetric, true);
      const lying = { ...good, adjacency: { gcn: { ...csr([[1], [], [], []], [0.5]), symmetric: true } } };
      const bad = path.join(dir, 'bad.cache');
      saveBatchCache(bad, { batches: [lying], meta, preprocessTimeS: 0 });
      assert.throws(() => loadBatchCache(bad), /adjacency\.gcn is marked symmetric but is not/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
