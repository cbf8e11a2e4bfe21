// Push PPR against the exact Cora PPR fixture (error bound, top-32 sets, mass), and its top-k output layout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromEdgeList } from '../../../src/graph/build.js';
import type { CsrGraph } from '../../../src/graph/csr.js';
import { loadPlanetoid } from '../../../src/graph/io/planetoid.js';
import { prepareForPpr, pprTopKSync, PushPpr } from '../../../src/graph/ppr/index.js';
import { topK } from '../../../src/graph/ppr/topk.js';
import { sharedPath } from '../../helpers/paths.js';

interface PprFixture {
  alpha: number;
  top_k: number;
  results: Array<{ source: number; top_ids: number[]; top_scores: number[] }>;
}

const fixture = (JSON.parse(readFileSync(sharedPath('fixtures', 'layers.json'), 'utf8')) as { ppr: PprFixture }).ppr;
const exact = (JSON.parse(readFileSync(sharedPath('fixtures', 'ppr_cora_full.json'), 'utf8')) as {
  vectors: Record<string, number[]>;
}).vectors;
const cora = prepareForPpr(loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora').graph);
const deg = (g: CsrGraph, v: number): number => g.indptr[v + 1] - g.indptr[v];
const EPS = 1e-7;

test('prepareForPpr gives Cora 2708 nodes and 10556 edges plus one self-loop each', () => {
  assert.equal(cora.rows, 2708);
  assert.equal(cora.indices.length, 10556 + 2708);
  assert.equal(cora.values, undefined);
});

test('push scores stay within eps * deg below the exact PPR vector on every node', () => {
  const push = new PushPpr(cora.indptr, cora.indices);
  for (const { source } of fixture.results) {
    push.run(source, fixture.alpha, EPS);
    const ex = exact[String(source)];
    let mass = 0;
    for (let v = 0; v < cora.rows; v++) {
      const p = push.p[v];
      mass += p;
      const gap = ex[v] - p;
      assert.ok(gap >= -1e-12 && gap <= EPS * deg(cora, v), `source ${source}, node ${v}: push ${p} vs exact ${ex[v]}`);
    }
    assert.ok(mass <= 1 + 1e-12 && mass > 0.99, `source ${source}: mass ${mass}`);
  }
});

test('push top-32 sets equal the fixture sets and scores match by node id', () => {
  const sources = Int32Array.from(fixture.results.map((r) => r.source));
  const res = pprTopKSync(cora, sources, { alpha: fixture.alpha, eps: EPS, topk: fixture.top_k });
  fixture.results.forEach((r, i) => {
    const row = Array.from(res.nodes.subarray(res.indptr[i], res.indptr[i + 1]));
    assert.equal(row.length, 32, `source ${r.source}: the source is in its own top 32`);
    assert.deepEqual([...row].sort((a, b) => a - b), [...r.top_ids].sort((a, b) => a - b), `source ${r.source}`);
    const ex = exact[String(r.source)];
    for (let t = 0; t < row.length; t++) {
      const v = row[t];
      const s = res.scores[res.indptr[i] + t];
      assert.ok(Math.abs(ex[v] - s) <= EPS * deg(cora, v) + 1e-7 * ex[v], `source ${r.source}, node ${v}: ${s} vs ${ex[v]}`);
      if (t > 0) assert.ok(s <= res.scores[res.indptr[i] + t - 1], 'row sorted by score descending');
    }
  });
});

test('a source outside its own top-k is appended at its score position', () => {
  // star: leaf 1 sends most of its mass to the hub 0 (degree 5 with its loop), so with k = 1 the hub wins
  const hub = fromEdgeList({ numNodes: 5, src: Int32Array.from([0, 0, 0, 0]), dst: Int32Array.from([1, 2, 3, 4]) });
  const g = prepareForPpr(hub);
  const res = pprTopKSync(g, Int32Array.from([1, 0]), { alpha: 0.1, eps: 1e-6, topk: 1 });
  assert.deepEqual(Array.from(res.indptr), [0, 2, 3]);
  const row = Array.from(res.nodes.subarray(0, 2));
  assert.ok(row.includes(1) && row.includes(0), `row ${row}`);
  assert.ok(res.scores[0] >= res.scores[1]);
  assert.equal(res.nodes[2], 0);
});

test('a row holds only the nodes the push reached when there are fewer than k', () => {
  const two = prepareForPpr(fromEdgeList({ numNodes: 4, src: Int32Array.from([0]), dst: Int32Array.from([1]) }));
  const res = pprTopKSync(two, Int32Array.from([2, 0]), { alpha: 0.2, eps: 1e-4, topk: 8 });
  assert.deepEqual(Array.from(res.indptr), [0, 1, 3]);
  assert.equal(res.nodes[0], 2);
  assert.ok(1 - res.scores[0] <= 1e-4, 'an isolated node keeps its mass up to eps * deg');
});

test('topK breaks score ties by node id ascending', () => {
  const scores = Float64Array.from([0.5, 0.9, 0.5, 0.1, 0.5, 0.9]);
  assert.deepEqual(Array.from(topK(scores, 4)), [1, 5, 0, 2]);
  assert.deepEqual(Array.from(topK(scores, 10)), [1, 5, 0, 2, 4, 3]);
  assert.deepEqual(Array.from(topK(scores, 2, Int32Array.from([4, 2, 3]))), [2, 4]);
});
