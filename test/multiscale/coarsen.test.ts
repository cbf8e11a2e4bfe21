// Tests of the coarsening methods and the hierarchy: sizes, kept nodes, coarse graphs, features/labels against
// P, determinism, redraws, the subgraph cap, A^p links, and clear errors for bad options.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromEdgeList, inducedSubgraph } from '../../src/graph/build.js';
import { generateSynthetic } from '../../src/graph/generate.js';
import { Rng } from '../../src/graph/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { buildHierarchy } from '../../src/multiscale/hierarchy.js';
import { coarsenLevel, halvings, matchingRoundsPerLevel, matchRounds, poweredSubgraph, subgraphHops } from '../../src/multiscale/coarsen/index.js';
import { isSymmetricLoopFree, unitSymmetric } from '../../src/multiscale/coarsen/power.js';
import type { CoarseLevel } from '../../src/multiscale/level.js';
import { selectRandom, selectTopk } from '../../src/multiscale/coarsen/select.js';
import { GraphContext } from '../../src/nn/graph-context.js';
import { prepareData } from '../../src/train/prepare.js';
import { hasEdge, hasSelfLoop, isSymmetric, smallProblem } from './helpers.js';

const { data, split } = smallProblem(200);
const input = { data, split };
const n = data.ctx.numNodes;
const x = data.x as Tensor;

function checkSelection(lv: CoarseLevel, maxSize: number, exact: boolean): void {
  const nodes = lv.nodes;
  assert.ok(nodes, 'selection levels list their kept nodes');
  if (exact) assert.equal(nodes.length, maxSize);
  else assert.ok(nodes.length <= maxSize && nodes.length >= 1);
  assert.equal(new Set(nodes).size, nodes.length, 'kept nodes are unique');
  for (const v of nodes) assert.ok(v >= 0 && v < n);
  const g = lv.data.ctx.graph;
  assert.equal(g.rows, nodes.length);
  assert.ok(isSymmetric(g), 'coarse graph is symmetric');
  assert.ok(!hasSelfLoop(g), 'coarse graph has no self loop');
  assert.equal(g.values, undefined, 'unit weights');
  // X_c = P^T X and y_c = P^T y
  const xc = lv.data.x as Tensor;
  const f = x.cols;
  nodes.forEach((v, r) => {
    for (let j = 0; j < f; j++) assert.equal(xc.data[r * f + j], x.data[v * f + j]);
    assert.equal(lv.data.labels[r], data.labels[v]);
    assert.equal(lv.coarseOf[v], r);
  });
  // train mask restricted: exactly the kept training nodes
  const kept = new Set(nodes);
  assert.deepEqual([...lv.split.train].map((r) => nodes[r]).sort((a, b) => a - b), [...split.train].filter((v) => kept.has(v)).sort((a, b) => a - b));
  assert.ok(lv.split.train.length > 0);
}

describe('selection coarsening', () => {
  it('keeps floor(n / 2^l) unique random nodes with the induced graph, features and labels of P', () => {
    for (const l of [1, 2, 3]) checkSelection(coarsenLevel(input, 'random', l, {}, 7), Math.floor(n / 2 ** l), true);
  });

  it('selectRandom keeps the first m of a partial Fisher-Yates shuffle, ascending', () => {
    for (const [count, m, seed] of [[200, 50, 1], [200, 200, 2], [1000, 3, 3], [7, 1, 4]]) {
      const rng = new Rng(seed);
      const perm = Array.from({ length: count }, (_, i) => i);
      for (let i = 0; i < m; i++) {
        const j = i + rng.nextInt(count - i);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      assert.deepEqual(Array.from(selectRandom(count, m, new Rng(seed))), perm.slice(0, m).sort((a, b) => a - b), `n = ${count}, m = ${m}`);
    }
  });

  it('flags a level induced from a symmetric loop-free graph as symmetric, and its GCN adjacency too', () => {
    const lv = coarsenLevel(input, 'random', 1, {}, 7);
    assert.equal(lv.data.ctx.graph.symmetric, true);
    const gcn = lv.data.ctx.adjacency('gcn');
    assert.equal(gcn.symmetric, true);
    const checked = new GraphContext({ ...lv.data.ctx.graph, symmetric: undefined }).adjacency('gcn');
    assert.equal(checked.symmetric, true, 'the check agrees');
    assert.deepEqual([gcn.indptr, gcn.indices, gcn.values], [checked.indptr, checked.indices, checked.values]);
    // an unflagged directed graph stays unflagged
    const directed = fromEdgeList({ numNodes: 3, src: Int32Array.of(0, 1), dst: Int32Array.of(1, 2) });
    assert.equal(new GraphContext(directed).adjacency('gcn').symmetric, undefined);
  });

  it('selectTopk takes the highest degrees and, among equal degrees, the lower ids', () => {
    const g = data.ctx.graph;
    const deg = (v: number): number => g.indptr[v + 1] - g.indptr[v];
    const ref = Array.from({ length: n }, (_, i) => i).sort((a, b) => deg(b) - deg(a) || a - b);
    assert.ok(new Set(ref.map(deg)).size < n, 'the graph has tied degrees');
    for (const m of [1, 7, n / 4, n / 2 + 1, n]) assert.deepEqual(Array.from(selectTopk(g, m)), ref.slice(0, m).sort((a, b) => a - b), `m = ${m}`);
  });

  it('keeps the floor(n / 2^l) highest-degree nodes for topk, nested across levels', () => {
    const l1 = coarsenLevel(input, 'topk', 1, {}, 7);
    const l2 = coarsenLevel(input, 'topk', 2, {}, 7);
    checkSelection(l1, n / 2, true);
    checkSelection(l2, n / 4, true);
    const g = data.ctx.graph;
    const deg = (v: number): number => g.indptr[v + 1] - g.indptr[v];
    const minKept = Math.min(...Array.from(l1.nodes ?? [], deg));
    for (let v = 0; v < n; v++) if (l1.coarseOf[v] < 0) assert.ok(deg(v) <= minKept);
    for (const v of l2.nodes ?? []) assert.ok(l1.coarseOf[v] >= 0);
  });

  it('gives the same level for the same seed and epoch, and redraws random levels across epochs', () => {
    const a = coarsenLevel(input, 'random', 1, {}, 5, 0);
    const b = coarsenLevel(input, 'random', 1, {}, 5, 0);
    const c = coarsenLevel(input, 'random', 1, {}, 5, 1);
    assert.deepEqual(a.nodes, b.nodes);
    assert.notDeepEqual(a.nodes, c.nodes);
    assert.deepEqual(coarsenLevel(input, 'topk', 1, {}, 5, 0).nodes, coarsenLevel(input, 'topk', 1, {}, 9, 3).nodes);
  });

  it('caps the subgraph at m nodes in BFS order from a training seed within the level hops', () => {
    for (const l of [1, 2, 3]) {
      const m = Math.floor(n / 2 ** l);
      const lv = coarsenLevel(input, 'subgraph', l, {}, 11, l);
      checkSelection(lv, m, false);
      const nodes = lv.nodes ?? new Int32Array(0);
      assert.ok(split.train.includes(nodes[0]), 'seeded at a training node');
      // every kept node is within subgraphHops(l) of the seed
      const dist = new Int32Array(n).fill(-1);
      dist[nodes[0]] = 0;
      const q = [nodes[0]];
      const g = data.ctx.graph;
      for (let h = 0; h < q.length; h++) {
        const u = q[h];
        for (let k = g.indptr[u]; k < g.indptr[u + 1]; k++) if (dist[g.indices[k]] < 0) { dist[g.indices[k]] = dist[u] + 1; q.push(g.indices[k]); }
      }
      let prev = 0;
      for (const v of nodes) {
        assert.ok(dist[v] >= 0 && dist[v] <= subgraphHops(l));
        assert.ok(dist[v] >= prev, 'BFS order');
        prev = dist[v];
      }
    }
  });

  it('alternates random and subgraph by epoch parity for rns', () => {
    const even = coarsenLevel(input, 'rns', 1, {}, 3, 0);
    const odd = coarsenLevel(input, 'rns', 1, {}, 3, 1);
    assert.equal(even.nodes?.length, n / 2);
    assert.deepEqual(even.nodes, coarsenLevel(input, 'random', 1, {}, 3, 0).nodes);
    assert.deepEqual(odd.nodes, coarsenLevel(input, 'subgraph', 1, {}, 3, 1).nodes);
  });
});

describe('connectivity enhancement A^p', () => {
  // path 0-1-2-3-4-5 plus a branch 2-6
  const path = fromEdgeList({
    numNodes: 7,
    src: Int32Array.of(0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 2, 6),
    dst: Int32Array.of(1, 0, 2, 1, 3, 2, 4, 3, 5, 4, 6, 2),
  });

  it('links kept nodes two hops apart for p = 2 and not for p = 1', () => {
    const keep = Int32Array.of(0, 2, 4, 6);
    const p1 = poweredSubgraph(path, keep, 1);
    assert.equal(p1.indptr[4], 2, 'only the direct edge 2-6 among the kept nodes');
    assert.ok(hasEdge(p1, 1, 3) && !hasEdge(p1, 0, 1));
    const p2 = poweredSubgraph(path, keep, 2);
    assert.ok(isSymmetric(p2) && !hasSelfLoop(p2));
    // local ids: 0->0, 2->1, 4->2, 6->3; 2-hop pairs: (0,2), (2,4), (2,6)... and (4,6)? 4-3-2-6 is 3 hops: no
    assert.ok(hasEdge(p2, 0, 1) && hasEdge(p2, 1, 2) && hasEdge(p2, 1, 3));
    assert.ok(!hasEdge(p2, 0, 2) && !hasEdge(p2, 2, 3));
    const p3 = poweredSubgraph(path, keep, 3);
    assert.ok(hasEdge(p3, 2, 3) && hasEdge(p3, 0, 3));
  });

  it('induces a symmetric loop-free subgraph for p = 1 from any graph, without symmetrising a symmetric one', () => {
    assert.ok(isSymmetricLoopFree(path));
    const loop = fromEdgeList({ numNodes: 3, src: Int32Array.of(0, 1, 1), dst: Int32Array.of(1, 0, 1) });
    const directed = fromEdgeList({ numNodes: 3, src: Int32Array.of(0, 1, 2), dst: Int32Array.of(1, 0, 0) });
    // symmetric, but with unsorted rows: row 1 lists 2 before 0
    const unsorted = { rows: 3, cols: 3, indptr: Int32Array.of(0, 1, 3, 4), indices: Int32Array.of(1, 2, 0, 1) };
    // unsorted and not symmetric: row 0 lists 2 before 1, and (0, 2) has no reverse
    const unsortedDirected = { rows: 3, cols: 3, indptr: Int32Array.of(0, 2, 3, 3), indices: Int32Array.of(2, 1, 0) };
    assert.deepEqual([loop, directed, unsorted, unsortedDirected].map(isSymmetricLoopFree), [false, false, true, false]);
    for (const g of [path, loop, directed, unsorted, unsortedDirected]) {
      const keep = g === path ? Int32Array.of(0, 2, 3, 4, 5, 6) : Int32Array.of(0, 1, 2);
      const sub = poweredSubgraph(g, keep, 1);
      assert.ok(isSymmetric(sub) && !hasSelfLoop(sub) && sub.values === undefined);
      const sym = unitSymmetric(inducedSubgraph(g, keep).graph);
      assert.deepEqual([sub.rows, sub.indptr, sub.indices], [sym.rows, sym.indptr, sym.indices], 'the same graph as symmetrising it');
    }
  });

  it('makes coarse random levels denser than p = 1', () => {
    const a = coarsenLevel(input, 'random', 2, { power: 1 }, 4);
    const b = coarsenLevel(input, 'random', 2, { power: 2 }, 4);
    assert.deepEqual(a.nodes, b.nodes);
    assert.ok(b.data.ctx.graph.indptr[b.data.ctx.numNodes] > a.data.ctx.graph.indptr[a.data.ctx.numNodes]);
  });

  it('refuses a power whose estimated edge count exceeds the limit, naming the estimate', () => {
    assert.throws(() => coarsenLevel(input, 'random', 1, { power: 6, maxPowerEdges: 100 }, 1), /power 6 would link about [0-9.e+]+ node pairs among 100 kept nodes, more than the limit .*maxPowerEdges/);
  });
});

describe('matching coarsening', () => {
  it('merges nodes with averaged features, summed symmetric weights and training-member labels', () => {
    const lv = coarsenLevel(input, 'matching', 1, {}, 2);
    const m = lv.data.ctx.numNodes;
    assert.ok(m < n && m >= n / 2, `one round of matching gives between n/2 and n nodes, got ${m}`);
    const g = lv.data.ctx.graph;
    assert.ok(isSymmetric(g) && !hasSelfLoop(g));
    assert.ok(g.values, 'merged edges carry summed weights');
    const f = x.cols;
    const xc = lv.data.x as Tensor;
    for (let c = 0; c < m; c++) {
      const members = Array.from({ length: n }, (_, v) => v).filter((v) => lv.coarseOf[v] === c);
      assert.ok(members.length >= 1 && members.length <= 2);
      for (let j = 0; j < f; j++) {
        const mean = members.reduce((s, v) => s + x.data[v * f + j], 0) / members.length;
        assert.ok(Math.abs(xc.data[c * f + j] - mean) < 1e-6);
      }
      const trainMembers = members.filter((v) => split.train.includes(v));
      if (trainMembers.length === 1) assert.equal(lv.data.labels[c], data.labels[trainMembers[0]]);
    }
    assert.ok(lv.split.train.every((c) => lv.data.labels[c] >= 0));
    const l2 = coarsenLevel(input, 'matching', 2, {}, 2);
    // level 2 continues level 1's round (cached per graph and seed): the same as two rounds on a graph seen afresh
    const copy = { ...data.ctx.graph };
    const seed = new Rng(2).fork(1000).seed;
    assert.deepEqual(matchRounds(copy, 2, seed).coarseOf, l2.coarseOf);
    assert.equal(matchRounds(data.ctx.graph, 1, seed).coarseOf, lv.coarseOf, 'level 1 is reused, not rebuilt');
    // nested: two fine nodes merged at level 1 stay merged at level 2
    for (let v = 0; v < n; v++) for (let u = v + 1; u < Math.min(n, v + 20); u++) {
      if (lv.coarseOf[v] === lv.coarseOf[u]) assert.equal(l2.coarseOf[v], l2.coarseOf[u]);
    }
  });

  it('runs k rounds per level for ratio 1/2^k and refuses other ratios', () => {
    const seed = new Rng(2).fork(1000).seed;
    const quarter = coarsenLevel(input, 'matching', 1, { ratio: 0.25 }, 2);
    assert.deepEqual(quarter.coarseOf, matchRounds(data.ctx.graph, 2, seed).coarseOf, 'level 1 at ratio 0.25 = two rounds');
    const eighth = coarsenLevel(input, 'matching', 2, { ratio: 0.125 }, 2);
    assert.deepEqual(eighth.coarseOf, matchRounds(data.ctx.graph, 6, seed).coarseOf, 'level 2 at ratio 0.125 = six rounds');
    assert.ok(eighth.data.ctx.numNodes < quarter.data.ctx.numNodes);
    assert.deepEqual([halvings(0.5), halvings(0.25), halvings(0.125), halvings(0.3), halvings(0.75), halvings(1)], [1, 2, 3, null, null, null]);
    assert.equal(matchingRoundsPerLevel(0.0625), 4);
    for (const ratio of [0.3, 0.2]) {
      assert.throws(() => coarsenLevel(input, 'matching', 1, { ratio }, 2), new RegExp(`expected ratio 1/2\\^k \\(0.5, 0.25, 0.125, ...\\), got ${ratio}`));
    }
  });
});

describe('hierarchy', () => {
  it('has the full graph at level 0 and caches fixed levels but redraws random ones per epoch', () => {
    const h = buildHierarchy(data, split, { method: 'random', levels: 3, seed: 1 });
    assert.equal(h.level(0, 5).data, data);
    assert.equal(h.level(2, 0).data.ctx.numNodes, Math.floor(n / 4));
    assert.notDeepEqual(h.level(1, 0).nodes, h.level(1, 1).nodes);
    const t = buildHierarchy(data, split, { method: 'topk', levels: 3, seed: 1 });
    assert.equal(t.level(1, 0), t.level(1, 7));
    assert.equal(t.levelsAt(3).length, 3);
    const before = t.level(1, 0);
    t.forget(1);
    t.forget(0); // level 0 is the data itself: nothing to drop
    const again = t.level(1, 0);
    assert.notEqual(again, before, 'built again after forget');
    assert.deepEqual([again.nodes, again.data.ctx.graph.indices, again.data.x], [before.nodes, before.data.ctx.graph.indices, before.data.x]);
    assert.equal(t.level(0, 0).data, data);
  });

  it('gathers each redraw into the buffer of the draw it replaces, with the new draw\'s rows, and releases its graph', () => {
    const h = buildHierarchy(data, split, { method: 'random', levels: 3, seed: 1 });
    const f = x.cols;
    const at = (lv: CoarseLevel): Tensor => lv.data.x as Tensor;
    const firstLevel = h.level(1, 0);
    const first = at(firstLevel).data;
    let released = 0;
    const release = firstLevel.data.ctx.release.bind(firstLevel.data.ctx);
    firstLevel.data.ctx.release = () => { released++; release(); };
    const second = h.level(1, 1);
    assert.equal(released, 1, 'the replaced draw\'s graph is released to the kernels');
    assert.equal(at(second).data.buffer, first.buffer, 'the same memory');
    assert.equal(at(second).data.byteOffset, first.byteOffset);
    second.nodes!.forEach((v, r) => {
      for (let j = 0; j < f; j++) assert.equal(at(second).data[r * f + j], x.data[v * f + j]);
    });
    // a level that was forgotten starts afresh
    h.forget(1);
    assert.notEqual(at(h.level(1, 2)).data.buffer, first.buffer);
    // level 2 keeps its own buffer: never level 1's
    const l2 = at(h.level(2, 2)).data;
    assert.equal(at(h.level(2, 3)).data.buffer, l2.buffer);
    assert.notEqual(at(h.level(1, 3)).data.buffer, l2.buffer);
    // rns alternates random draws (m rows) with ego networks, here of paths of 5 nodes: the random draws keep
    // gathering into one buffer
    const base = generateSynthetic({ nodes: 100, avgDegree: 6, classes: 3, features: 8, seed: 3, split: { train: 0.3, val: 0.2 } });
    const ends: number[][] = [[], []];
    for (let v = 0; v < 100; v++) if (v % 5 !== 4) ends.forEach((list, i) => list.push(v + i, v + 1 - i));
    const paths = { ...base, graph: fromEdgeList({ numNodes: 100, src: Int32Array.from(ends[0]), dst: Int32Array.from(ends[1]) }) };
    const rns = buildHierarchy(prepareData(paths, { featureLayout: 'dense' }), base.split!, { method: 'rns', levels: 2, seed: 1 });
    const [e0, e1, e2] = [0, 1, 2].map((e) => at(rns.level(1, e)).data);
    assert.ok(e1.length < e0.length, 'the ego network is smaller than the random draw');
    assert.equal(e1.buffer, e0.buffer);
    assert.deepEqual([e2.buffer, e2.byteOffset, e2.length], [e0.buffer, e0.byteOffset, e0.length]);
  });

  it('rejects bad options with errors naming the option and what was expected', () => {
    assert.throws(() => buildHierarchy(data, split, { method: 'topk', levels: 0, seed: 1 }), /levels must be an integer >= 1/);
    assert.throws(() => buildHierarchy(data, split, { method: 'topk', levels: 12, seed: 1 }), /keeps floor\(200 \* 0.5\^8\) = 0 nodes; expected at least 1/);
    assert.throws(() => buildHierarchy(data, split, { method: 'random', levels: 2, power: 0, seed: 1 }), /power must be an integer >= 1, got 0/);
    assert.throws(() => buildHierarchy(data, split, { method: 'random', levels: 2, ratio: 1.5, seed: 1 }), /ratio must be in \(0, 1\)/);
    assert.throws(() => buildHierarchy(data, split, { method: 'nope' as 'random', levels: 2, seed: 1 }), /method must be one of/);
    const oneTrain = { train: Int32Array.of(split.train[0]), val: split.val, test: split.test };
    assert.throws(() => buildHierarchy(data, oneTrain, { method: 'topk', levels: 4, seed: 1 }), /no training node; expected at least one/);
  });

  it('builds float64 levels from float64 data, by selection and by merging', () => {
    const f64 = smallProblem(200, 'float64');
    assert.ok(f64.data.x instanceof Tensor && f64.data.x.data instanceof Float64Array, 'the fixture itself is float64');
    const sel = buildHierarchy(f64.data, f64.split, { method: 'random', levels: 2, seed: 1 }).level(1, 0);
    const merged = buildHierarchy(f64.data, f64.split, { method: 'matching', levels: 2, seed: 1 }).level(1, 0);
    for (const lv of [sel, merged]) {
      const xc = lv.data.x as Tensor;
      assert.ok(xc.data instanceof Float64Array, `${lv.method}: coarse features are ${xc.data.constructor.name}`);
      assert.equal(lv.data.ctx.dtype, 'float64', lv.method);
      assert.equal(xc.rows, lv.data.ctx.numNodes, lv.method);
      assert.equal(lv.data.ctx.graph.rows, lv.data.ctx.numNodes, lv.method);
    }
    assert.equal(sel.data.ctx.numNodes, Math.floor(n / 2));
    // merging: one coarse node per distinct representative, between n / 2 and n of them after one round
    assert.equal(merged.data.ctx.numNodes, new Set(merged.coarseOf).size);
    assert.ok(merged.data.ctx.numNodes < n && merged.data.ctx.numNodes >= n / 2);
  });
});
