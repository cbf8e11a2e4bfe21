// Invariants of the full-batch, GraphSAINT random-walk and neighbour samplers on Cora and a small generated graph.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { validateBatch, type Batch } from '../../src/batching/batch.js';
import { fullBatch } from '../../src/batching/full.js';
import { neighborSamplingBatches, sampleNeighborhood } from '../../src/batching/neighbor.js';
import { prepareSaintNorm, saintRandomWalkBatches } from '../../src/batching/saint-rw.js';
import type { CsrGraph, CsrMatrix } from '../../src/graph/csr.js';
import { generateSynthetic } from '../../src/graph/generate.js';
import { loadPlanetoid } from '../../src/graph/io/planetoid.js';
import { Rng } from '../../src/graph/rng.js';
import { GraphContext } from '../../src/nn/graph-context.js';

interface Case { name: string; ctx: GraphContext; train: Int32Array }

const cora = loadPlanetoid(path.resolve('..', 'shared', 'datasets', 'planetoid'), 'cora');
const synth = generateSynthetic({ nodes: 400, avgDegree: 6, classes: 4, features: 8, seed: 5 });
const CASES: Case[] = [
  { name: 'cora', ctx: new GraphContext(cora.graph), train: cora.split!.train },
  { name: 'synthetic', ctx: new GraphContext(synth.graph), train: synth.split!.train },
];

function rowSet(g: CsrGraph, i: number): Set<number> {
  return new Set(g.indices.subarray(g.indptr[i], g.indptr[i + 1]));
}

function checkOutputsAreTrain(b: Batch, trainSet: Set<number>, what: string): void {
  for (const r of b.outputIndex) assert.ok(trainSet.has(b.nodes[r]), `${what}: output ${b.nodes[r]} is not a train node`);
}

test('the full batch holds every node, the full GCN adjacency, and the given outputs', () => {
  for (const c of CASES) {
    const b = fullBatch(c.ctx, c.train);
    validateBatch(b, c.ctx.numNodes, c.name);
    assert.equal(b.nodes.length, c.ctx.numNodes);
    assert.equal(b.adjacency?.gcn, c.ctx.adjacency('gcn'));
    assert.deepEqual(Array.from(b.outputIndex), Array.from(c.train));
  }
});

test('GraphSAINT batches are valid induced subgraphs whose outputs are exactly their train nodes', () => {
  for (const c of CASES) {
    const trainSet = new Set(c.train);
    const s = saintRandomWalkBatches(c.ctx, c.train, { roots: 20, walkLength: 2, sampleCoverage: 20 }, new Rng(1));
    const batches = s.epoch(0);
    assert.equal(batches.length, s.batchesPerEpoch);
    const g = c.ctx.graph;
    for (const b of batches) {
      validateBatch(b, c.ctx.numNodes, c.name);
      const inBatch = new Set(b.nodes);
      for (let r = 0; r < b.nodes.length; r++) {
        const want = [...rowSet(g, b.nodes[r])].filter((u) => inBatch.has(u)).sort((x, y) => x - y);
        const got = [...rowSet(b.graph, r)].map((l) => b.nodes[l]).sort((x, y) => x - y);
        assert.deepEqual(got, want, `${c.name}: row of node ${b.nodes[r]} is not the induced one`);
      }
      checkOutputsAreTrain(b, trainSet, c.name);
      assert.equal(b.outputIndex.length, b.nodes.filter((v) => trainSet.has(v)).length);
    }
  }
});

test('GraphSAINT norms, loss weights and the normalised adjacency are positive and finite', () => {
  for (const c of CASES) {
    const opts = { roots: 20, sampleCoverage: 20 };
    const norm = prepareSaintNorm(c.ctx, c.train, opts, new Rng(2));
    assert.ok(norm.numSamples > 0);
    for (const x of norm.nodeNorm) assert.ok(Number.isFinite(x) && x > 0);
    for (const x of norm.edgeNorm) assert.ok(Number.isFinite(x) && x > 0);
    const a = c.ctx.adjacency('gcn');
    for (let v = 0; v < a.rows; v++) {
      for (let k = a.indptr[v]; k < a.indptr[v + 1]; k++) {
        // a self-loop is in every subgraph that holds its node: C_(v,v) = C_v, so its norm is 1 (0.1 = 0/0 if never sampled)
        if (a.indices[k] === v) assert.ok(norm.edgeNorm[k] === 1 || norm.edgeNorm[k] === 0.1, `self-loop norm ${norm.edgeNorm[k]}`);
      }
    }
    const s = saintRandomWalkBatches(c.ctx, c.train, opts, new Rng(2));
    for (const b of s.epoch(3)) {
      assert.ok(b.lossWeights);
      for (const w of b.lossWeights) assert.ok(Number.isFinite(w) && w > 0);
      for (const x of b.adjacency!.gcn!.values!) assert.ok(Number.isFinite(x) && x > 0);
    }
  }
});

/** Index of entry (row v, column u) in m, or -1. */
function entryIndex(m: CsrMatrix, v: number, u: number): number {
  for (let k = m.indptr[v]; k < m.indptr[v + 1]; k++) if (m.indices[k] === u) return k;
  return -1;
}

test('a normalised GraphSAINT batch adjacency is A+I induced, valued edgeNorm, each row divided by its sum', () => {
  for (const c of CASES) {
    const s = saintRandomWalkBatches(c.ctx, c.train, { roots: 20, sampleCoverage: 20 }, new Rng(2));
    const norm = s.norm!;
    const a = c.ctx.adjacency('gcn');
    for (const b of s.epoch(1)) {
      const m = b.adjacency!.gcn!;
      assert.ok(m.values);
      for (let r = 0; r < m.rows; r++) {
        const v = b.nodes[r];
        // the pattern: the batch graph's row plus the self-loop
        const cols = Array.from(m.indices.subarray(m.indptr[r], m.indptr[r + 1]), (l) => b.nodes[l]).sort((x, y) => x - y);
        const want = [...new Set([...rowSet(b.graph, r)].map((l) => b.nodes[l]).concat(v))].sort((x, y) => x - y);
        assert.deepEqual(cols, want, `${c.name}: row of node ${v}`);
        let sum = 0;
        let alphaSum = 0;
        for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
          sum += m.values[k];
          alphaSum += norm.edgeNorm[entryIndex(a, v, b.nodes[m.indices[k]])];
        }
        assert.ok(Math.abs(sum - 1) < 1e-5, `${c.name}: row of node ${v} sums to ${sum}`);
        for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
          const alpha = norm.edgeNorm[entryIndex(a, v, b.nodes[m.indices[k]])];
          const got = m.values[k];
          assert.ok(Math.abs(got - alpha / alphaSum) <= 1e-6 * (alpha / alphaSum), `${c.name}: entry (${v}, ${b.nodes[m.indices[k]]}) = ${got}, expected ${alpha / alphaSum}`);
        }
      }
    }
  }
});

test('GraphSAINT batch weights stay <= 1 on a power-law graph (alpha times the GCN normalisation exceeded 1 at hubs)', () => {
  const d = generateSynthetic({ nodes: 300, avgDegree: 8, classes: 3, features: 4, seed: 11, powerLawExponent: 2.1 });
  const ctx = new GraphContext(d.graph);
  const a = ctx.adjacency('gcn');
  const s = saintRandomWalkBatches(ctx, d.split!.train, { roots: 10, walkLength: 2, sampleCoverage: 30 }, new Rng(4));
  const norm = s.norm!;
  let largest = 0;
  let oldLargest = 0;
  for (const e of [0, 1, 2]) {
    for (const b of s.epoch(e)) {
      const m = b.adjacency!.gcn!;
      for (let r = 0; r < m.rows; r++) {
        for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
          largest = Math.max(largest, m.values![k]);
          const g = entryIndex(a, b.nodes[r], b.nodes[m.indices[k]]);
          oldLargest = Math.max(oldLargest, a.values![g] * norm.edgeNorm[g]);
        }
      }
    }
  }
  // the fixture must exercise the old failure: the slice of D^-1/2 (A+I) D^-1/2 times edgeNorm had entries > 1
  assert.ok(oldLargest > 2, `old-style largest entry ${oldLargest}`);
  assert.ok(largest <= 1 + 1e-7, `largest batch adjacency entry ${largest}`);
});

test('GraphSAINT gives identical batches for the same seed and different ones for another seed', () => {
  const c = CASES[0];
  const opts = { roots: 30, sampleCoverage: 5 };
  const a = saintRandomWalkBatches(c.ctx, c.train, opts, new Rng(7));
  const b = saintRandomWalkBatches(c.ctx, c.train, opts, new Rng(7));
  const d = saintRandomWalkBatches(c.ctx, c.train, opts, new Rng(8));
  assert.deepEqual(a.epoch(2), b.epoch(2));
  assert.deepEqual(a.epoch(1), a.epoch(1), 'an epoch does not depend on what was drawn before');
  assert.notDeepEqual(a.epoch(2).map((x) => x.nodes), d.epoch(2).map((x) => x.nodes));
  assert.notDeepEqual(a.epoch(1).map((x) => x.nodes), a.epoch(2).map((x) => x.nodes));
});

test('GraphSAINT with roots from all nodes still puts only train nodes in the outputs', () => {
  const c = CASES[1];
  const trainSet = new Set(c.train);
  const s = saintRandomWalkBatches(c.ctx, c.train, { roots: 10, numSteps: 8, sampleCoverage: 0, rootsFrom: 'all' }, new Rng(3));
  assert.equal(s.norm, null);
  const a = c.ctx.adjacency('gcn');
  for (const b of s.epoch(0)) {
    validateBatch(b, c.ctx.numNodes);
    checkOutputsAreTrain(b, trainSet, c.name);
    assert.equal(b.lossWeights, undefined);
    // without the normalisation the 'gcn' adjacency is the slice of the full graph's GCN normalisation
    const m = b.adjacency!.gcn!;
    for (let r = 0; r < m.rows; r++) {
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
        assert.equal(m.values![k], a.values![entryIndex(a, b.nodes[r], b.nodes[m.indices[k]])]);
      }
    }
  }
});

/** Hop of each local node: BFS from the seeds along batch rows (dst -> sampled in-neighbours). */
function hops(b: Batch): Int32Array {
  const h = new Int32Array(b.nodes.length).fill(-1);
  const queue: number[] = [];
  for (const r of b.outputIndex) { h[r] = 0; queue.push(r); }
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (let k = b.graph.indptr[v]; k < b.graph.indptr[v + 1]; k++) {
      const u = b.graph.indices[k];
      if (h[u] < 0) { h[u] = h[v] + 1; queue.push(u); }
    }
  }
  return h;
}

test('neighbour sampling covers every train node once per epoch with seeds first and real edges only', () => {
  for (const c of CASES) {
    const fanouts = [5, 3];
    const s = neighborSamplingBatches(c.ctx, c.train, { batchSize: 32, fanouts }, new Rng(4));
    const trainSet = new Set(c.train);
    const seen = new Map<number, number>();
    const batches = s.epoch(1);
    assert.equal(batches.length, Math.ceil(c.train.length / 32));
    for (const b of batches) {
      validateBatch(b, c.ctx.numNodes, c.name);
      assert.deepEqual(Array.from(b.outputIndex), Array.from({ length: b.outputIndex.length }, (_, i) => i));
      checkOutputsAreTrain(b, trainSet, c.name);
      for (const r of b.outputIndex) seen.set(b.nodes[r], (seen.get(b.nodes[r]) ?? 0) + 1);
      const h = hops(b);
      for (let r = 0; r < b.nodes.length; r++) {
        const full = rowSet(c.ctx.graph, b.nodes[r]);
        const deg = b.graph.indptr[r + 1] - b.graph.indptr[r];
        for (let k = b.graph.indptr[r]; k < b.graph.indptr[r + 1]; k++) {
          assert.ok(full.has(b.nodes[b.graph.indices[k]]), `${c.name}: sampled edge not in the full graph`);
        }
        assert.ok(h[r] >= 0 && h[r] <= fanouts.length, `${c.name}: node reached at hop ${h[r]}`);
        const cap = h[r] < fanouts.length ? fanouts[h[r]] : 0;
        assert.ok(deg <= cap, `${c.name}: node at hop ${h[r]} has ${deg} sampled in-edges, fanout ${cap}`);
        if (h[r] < fanouts.length) assert.equal(deg, Math.min(cap, full.size), 'takes min(fanout, degree) neighbours');
      }
    }
    assert.equal(seen.size, c.train.length);
    for (const n of seen.values()) assert.equal(n, 1);
  }
});

test('neighbour sampling with fanout -1 keeps every in-edge of the seeds', () => {
  const c = CASES[0];
  const seeds = c.train.subarray(0, 10);
  const b = sampleNeighborhood(c.ctx.graph, seeds, [-1], new Rng(1));
  for (let r = 0; r < seeds.length; r++) {
    const got = [...rowSet(b.graph, r)].map((l) => b.nodes[l]).sort((x, y) => x - y);
    assert.deepEqual(got, [...rowSet(c.ctx.graph, seeds[r])].sort((x, y) => x - y));
  }
});

test('neighbour sampling gives identical batches for the same seed and different ones for another seed', () => {
  const c = CASES[0];
  const opts = { batchSize: 50, fanouts: [4, 4] };
  const a = neighborSamplingBatches(c.ctx, c.train, opts, new Rng(9)).epoch(0);
  const b = neighborSamplingBatches(c.ctx, c.train, opts, new Rng(9)).epoch(0);
  const d = neighborSamplingBatches(c.ctx, c.train, opts, new Rng(10)).epoch(0);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.map((x) => x.nodes), d.map((x) => x.nodes));
});

test('bad sampler options are rejected with errors naming the option', () => {
  const c = CASES[1];
  const rng = new Rng(0);
  const nb = (batchSize: number, fanouts: number[]) => () => neighborSamplingBatches(c.ctx, c.train, { batchSize, fanouts }, rng);
  assert.throws(nb(0, [2]), /batchSize must be an integer >= 1, got 0/);
  assert.throws(nb(2.5, [2]), /batchSize/);
  assert.throws(nb(8, [2, 0]), /fanouts\[1\] must be an integer >= 1 or -1/);
  assert.throws(nb(8, [1.5]), /fanouts\[0\]/);
  assert.throws(nb(8, []), /fanouts must list at least one hop/);
  const sr = (o: { roots: number; walkLength?: number; sampleCoverage?: number }) => () => saintRandomWalkBatches(c.ctx, c.train, o, rng);
  assert.throws(sr({ roots: 0 }), /roots must be an integer >= 1, got 0/);
  assert.throws(sr({ roots: 4, walkLength: 0 }), /walkLength must be an integer >= 1, got 0/);
  assert.throws(sr({ roots: 4, sampleCoverage: -1 }), /sampleCoverage/);
  const empty = new Int32Array(0);
  assert.throws(() => saintRandomWalkBatches(c.ctx, empty, { roots: 4 }, rng), /trainNodes is empty/);
  assert.throws(() => neighborSamplingBatches(c.ctx, empty, { batchSize: 4, fanouts: [2] }, rng), /trainNodes is empty/);
  assert.throws(() => fullBatch(c.ctx, empty), /outputs is empty/);
  assert.throws(() => fullBatch(c.ctx, Int32Array.of(1, 1)), /appears twice/);
  assert.throws(() => sampleNeighborhood(c.ctx.graph, Int32Array.of(c.ctx.numNodes), [2], rng), /out of range/);
});
