import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addSelfLoops, fromEdgeList, gcnNormalize, inducedSubgraph, removeSelfLoops, rowNormalize, symmetrize } from '../../src/graph/build.js';
import { validateCsr } from '../../src/graph/csr.js';
import { normalizeFeatures, toDense } from '../../src/graph/features.js';
import { graphStats, isSymmetric } from '../../src/graph/stats.js';
import { denseOf } from './helpers.js';

const i32 = (a: number[]): Int32Array => Int32Array.from(a);

test('fromEdgeList puts edge j -> i in row i with sorted columns', () => {
  const g = fromEdgeList({ numNodes: 3, src: i32([2, 0, 1, 0]), dst: i32([0, 0, 2, 1]) });
  validateCsr(g);
  assert.deepEqual(Array.from(g.indptr), [0, 2, 3, 4]);
  assert.deepEqual(Array.from(g.indices), [0, 2, 0, 1]);
  assert.equal(g.values, undefined);
});

test('fromEdgeList dedupe modes sum, keep the first, keep all, or throw', () => {
  const input = { numNodes: 2, src: i32([0, 0, 1]), dst: i32([1, 1, 0]), weights: Float32Array.from([1, 2, 5]) };
  assert.deepEqual(Array.from(fromEdgeList({ ...input, dedupe: 'sum' }).values!), [5, 3]);
  assert.deepEqual(Array.from(fromEdgeList({ ...input, dedupe: 'first' }).values!), [5, 1]);
  assert.equal(fromEdgeList({ ...input, dedupe: 'keep' }).indices.length, 3);
  assert.throws(() => fromEdgeList({ ...input, dedupe: 'error' }), /duplicate edge 0 -> 1/);
});

test('fromEdgeList names the edge whose node id is out of range', () => {
  assert.throws(() => fromEdgeList({ numNodes: 2, src: i32([0, 5]), dst: i32([1, 0]), what: 'x.csv' }), /x\.csv: edge 1 \(5 -> 0\).*\[0, 2\)/);
});

test('symmetrize gives the union of A and its transpose without duplicates', () => {
  const g = fromEdgeList({ numNodes: 3, src: i32([0, 1, 2]), dst: i32([1, 0, 1]) });
  const s = symmetrize(g);
  assert.ok(isSymmetric(s));
  assert.deepEqual(denseOf(s), [[0, 1, 0], [1, 0, 1], [0, 1, 0]]);
});

test('self loops are removed, and added back exactly once per node', () => {
  const g = fromEdgeList({ numNodes: 3, src: i32([0, 1, 1]), dst: i32([0, 0, 1]) });
  assert.deepEqual(denseOf(removeSelfLoops(g)), [[0, 1, 0], [0, 0, 0], [0, 0, 0]]);
  const l = addSelfLoops(g);
  validateCsr(l);
  assert.deepEqual(denseOf(l), [[1, 1, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(denseOf(addSelfLoops(removeSelfLoops(g), 2)), [[2, 1, 0], [0, 2, 0], [0, 0, 2]]);
});

test('gcnNormalize gives deg_j^-1/2 w deg_i^-1/2 with in-degrees counted with the loop', () => {
  // edges 0->1, 2->1; loops added: deg = [1, 3, 1]
  const g = addSelfLoops(fromEdgeList({ numNodes: 3, src: i32([0, 2]), dst: i32([1, 1]) }));
  const a = gcnNormalize(g, { dtype: 'float64' });
  assert.ok(a.values instanceof Float64Array);
  const d = denseOf(a);
  assert.equal(d[1][0], 1 / Math.sqrt(3));
  assert.ok(Math.abs(d[1][1] - 1 / 3) < 1e-15);
  assert.equal(d[0][0], 1);
  assert.ok(gcnNormalize(g).values instanceof Float32Array);
});

test('rowNormalize divides by the row length and leaves empty rows empty', () => {
  const g = fromEdgeList({ numNodes: 3, src: i32([0, 2]), dst: i32([1, 1]) });
  assert.deepEqual(denseOf(rowNormalize(g)), [[0, 0, 0], [0.5, 0, 0.5], [0, 0, 0]]);
});

test('inducedSubgraph renumbers in the order of nodes and keeps values', () => {
  const g = fromEdgeList({ numNodes: 4, src: i32([0, 1, 3, 2]), dst: i32([1, 3, 1, 0]), weights: Float32Array.from([1, 2, 3, 4]) });
  const { graph } = inducedSubgraph(g, i32([3, 1, 0]));
  validateCsr(graph);
  // local 0 = node 3, 1 = node 1, 2 = node 0
  assert.deepEqual(denseOf(graph), [[0, 2, 0], [3, 0, 1], [0, 0, 0]]);
  assert.throws(() => inducedSubgraph(g, i32([1, 1])), /node 1 appears twice/);
  assert.throws(() => inducedSubgraph(g, i32([9])), /nodes\[0\] = 9 is out of range/);
});

test('normalizeFeatures divides rows by their sums clamped at 1 and keeps CSR when the minimum is 0', () => {
  const csr = { kind: 'csr' as const, rows: 2, cols: 3, indptr: i32([0, 2, 3]), indices: i32([0, 2, 1]), values: Float32Array.from([1, 3, 0.5]) };
  const n = normalizeFeatures(csr);
  assert.equal(n.kind, 'csr');
  assert.deepEqual(Array.from(toDense(n)), [0.25, 0, 0.75, 0, 0.5, 0]);
  const dense = { kind: 'dense' as const, rows: 1, cols: 2, data: Float32Array.from([-1, 1]) };
  assert.deepEqual(Array.from(toDense(normalizeFeatures(dense))), [0, 1]);
});

test('graphStats reports degrees, isolated nodes, loops and symmetry', () => {
  const g = fromEdgeList({ numNodes: 4, src: i32([0, 1, 2]), dst: i32([1, 0, 2]) });
  const s = graphStats(g);
  assert.equal(s.isolated, 2);
  assert.equal(s.selfLoops, 1);
  assert.equal(s.symmetric, true);
  assert.equal(s.inDegree.max, 1);
  assert.equal(s.inDegree.median, 1);
  assert.equal(s.inDegree.mean, 0.75);
  assert.equal(graphStats(fromEdgeList({ numNodes: 2, src: i32([0]), dst: i32([1]) })).symmetric, false);
});
