import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromEdgeList } from '../../../src/graph/build.js';
import type { CsrGraph } from '../../../src/graph/csr.js';
import { generateSynthetic } from '../../../src/graph/generate.js';
import { loadPlanetoid } from '../../../src/graph/io/planetoid.js';
import { partitionGraph, partitionQuality } from '../../../src/graph/partition/index.js';
import { Rng } from '../../../src/graph/rng.js';
import { sharedPath } from '../../helpers/paths.js';

/** Undirected unweighted graph from pairs (both directions stored). */
function undirected(n: number, edges: Array<[number, number]>): CsrGraph {
  const src = Int32Array.from(edges.flatMap(([a, b]) => [a, b]));
  const dst = Int32Array.from(edges.flatMap(([a, b]) => [b, a]));
  return fromEdgeList({ numNodes: n, src, dst });
}

/** k cliques of `size` nodes joined in a ring by single edges, node ids shuffled; returns the clique of each node. */
function ringOfCliques(k: number, size: number, seed: number): { graph: CsrGraph; clique: Int32Array } {
  const n = k * size;
  const id = new Rng(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const edges: Array<[number, number]> = [];
  for (let c = 0; c < k; c++) {
    for (let a = 0; a < size; a++) for (let b = a + 1; b < size; b++) edges.push([id[c * size + a], id[c * size + b]]);
    edges.push([id[c * size], id[((c + 1) % k) * size + 1]]);
  }
  const clique = new Int32Array(n);
  for (let i = 0; i < n; i++) clique[id[i]] = Math.floor(i / size);
  return { graph: undirected(n, edges), clique };
}

test('Cora splits into k non-empty parts within the balance bound', () => {
  const g = loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora').graph;
  for (const k of [2, 8, 32]) {
    const part = partitionGraph(g, { parts: k, seed: 1 });
    const q = partitionQuality(g, part, k);
    assert.equal(q.emptyParts, 0);
    assert.ok(q.imbalance <= 1.03, `k=${k}: imbalance ${q.imbalance} > 1.03`);
    assert.ok(q.edgeCut < 0.25 * (g.indptr[g.rows] / 2), `k=${k}: cut ${q.edgeCut} is not a good partition`);
  }
});

test('a generated graph respects a custom imbalance bound', () => {
  const g = generateSynthetic({ nodes: 3000, avgDegree: 10, classes: 6, features: 1, seed: 7 }).graph;
  const part = partitionGraph(g, { parts: 12, seed: 3, imbalance: 1.1 });
  const q = partitionQuality(g, part, 12);
  assert.equal(q.emptyParts, 0);
  assert.ok(q.imbalance <= 1.1, `imbalance ${q.imbalance}`);
});

test('cliques joined by single edges are cut exactly at the joining edges', () => {
  for (const k of [2, 4, 6]) {
    const { graph, clique } = ringOfCliques(k, 10, k);
    const part = partitionGraph(graph, { parts: k, seed: 1, imbalance: 1 });
    assert.equal(partitionQuality(graph, part, k).edgeCut, k === 2 ? 2 : k);
    for (let i = 0; i < graph.rows; i++) {
      for (let j = 0; j < graph.rows; j++) if (clique[i] === clique[j]) assert.equal(part[i], part[j]);
    }
  }
});

test('the same seed gives the same partition', () => {
  const g = generateSynthetic({ nodes: 2000, avgDegree: 8, classes: 5, features: 1, seed: 2 }).graph;
  assert.deepEqual(partitionGraph(g, { parts: 8, seed: 42 }), partitionGraph(g, { parts: 8, seed: 42 }));
});

test('directed input with self loops is symmetrised and the loops ignored', () => {
  const { graph } = ringOfCliques(3, 6, 1);
  const rows = Array.from(graph.indptr);
  // keep only edges i -> j with i < j, and add a self loop on every node
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < graph.rows; i++) {
    src.push(i);
    dst.push(i);
    for (let k = rows[i]; k < rows[i + 1]; k++) if (graph.indices[k] < i) { src.push(graph.indices[k]); dst.push(i); }
  }
  const directed = fromEdgeList({ numNodes: graph.rows, src: Int32Array.from(src), dst: Int32Array.from(dst) });
  const part = partitionGraph(directed, { parts: 3, seed: 1 });
  assert.equal(partitionQuality(graph, part, 3).edgeCut, 3);
});

test('one part puts every node in part 0', () => {
  const { graph } = ringOfCliques(2, 4, 1);
  assert.deepEqual(Array.from(partitionGraph(graph, { parts: 1, seed: 1 })), new Array(8).fill(0));
});

test('bad options get errors naming the option and what was expected', () => {
  const { graph } = ringOfCliques(2, 4, 1);
  assert.throws(() => partitionGraph(graph, { parts: 0, seed: 1 }), /parts must be a positive integer, got 0/);
  assert.throws(() => partitionGraph(graph, { parts: 2.5, seed: 1 }), /parts must be a positive integer, got 2.5/);
  assert.throws(() => partitionGraph(graph, { parts: 9, seed: 1 }), /parts must be <= the number of nodes \(8\), got 9/);
  assert.throws(() => partitionGraph(graph, { parts: 2, seed: 1, imbalance: 0.9 }), /imbalance must be a finite number >= 1, got 0.9/);
  assert.throws(() => partitionGraph(graph, { parts: 4, seed: 1, coarsenTo: 3 }), /coarsenTo must be an integer >= parts \(4\)/);
  assert.throws(() => partitionGraph(graph, { parts: 2, seed: Number.NaN }), /seed must be a finite number/);
  const weighted = { ...graph, values: new Float64Array(graph.indices.length).fill(-1) };
  assert.throws(() => partitionGraph(weighted, { parts: 2, seed: 1 }), /edge weight at entry 0 is -1/);
});
