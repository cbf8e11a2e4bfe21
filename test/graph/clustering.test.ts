import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromEdgeList } from '../../src/graph/build.js';
import { averageClustering } from '../../src/graph/clustering.js';
import { generateSynthetic } from '../../src/graph/generate.js';

/** Undirected graph from pairs, both directions stored. */
function undirected(n: number, pairs: [number, number][]) {
  const src = pairs.flatMap(([a, b]) => [a, b]);
  const dst = pairs.flatMap(([a, b]) => [b, a]);
  return fromEdgeList({ numNodes: n, src: Int32Array.from(src), dst: Int32Array.from(dst) });
}

describe('averageClustering', () => {
  it('is 1 on a triangle and 0 on a star, and matches hand counts on a mixed graph', () => {
    assert.equal(averageClustering(undirected(3, [[0, 1], [1, 2], [0, 2]])).average, 1);
    assert.equal(averageClustering(undirected(4, [[0, 1], [0, 2], [0, 3]])).average, 0);
    // triangle 0-1-2 plus a pendant 3 on 0: c0 = 1/3, c1 = c2 = 1, c3 = 0 (degree 1) -> mean 7/12
    const g = undirected(4, [[0, 1], [1, 2], [0, 2], [0, 3]]);
    assert.ok(Math.abs(averageClustering(g).average - 7 / 12) < 1e-12);
    assert.equal(averageClustering(g).sampled, false);
  });

  it('ignores self-loops and repeated entries', () => {
    // a triangle with self-loops and the entries (1, 0) and (2, 1) stored twice, as a raw CSR (no dedupe)
    const raw = { rows: 3, cols: 3, indptr: Int32Array.from([0, 4, 8, 11]), indices: Int32Array.from([0, 1, 1, 2, 0, 0, 1, 2, 0, 1, 2]) };
    assert.equal(averageClustering(raw).average, 1);
  });

  it('samples large graphs reproducibly, close to the exact value', () => {
    const d = generateSynthetic({ nodes: 3000, avgDegree: 8, classes: 4, features: 4, seed: 3 });
    const exact = averageClustering(d.graph, 1e9);
    const a = averageClustering(d.graph, 1000, 7);
    assert.equal(a.sampled, true);
    assert.equal(a.nodes, 1000);
    assert.deepEqual(averageClustering(d.graph, 1000, 7), a);
    assert.ok(Math.abs(a.average - exact.average) < 0.05, `${a.average} vs ${exact.average}`);
    assert.throws(() => averageClustering(d.graph, 0), /sample must be a positive integer/);
  });
});
