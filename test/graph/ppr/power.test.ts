// Topic-sensitive PPR by power iteration: exact Cora vectors, batched columns == one by one, top-K per column.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadPlanetoid } from '../../../src/graph/io/planetoid.js';
import { prepareForPpr, topicPpr, topKPerColumn } from '../../../src/graph/ppr/index.js';
import { sharedPath } from '../../helpers/paths.js';

const exact = (JSON.parse(readFileSync(sharedPath('fixtures', 'ppr_cora_full.json'), 'utf8')) as {
  alpha: number;
  vectors: Record<string, number[]>;
}).vectors;
const cora = prepareForPpr(loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora').graph);
const n = cora.rows;

test('power iteration from a single source matches the exact PPR vector to 1e-6', () => {
  const sources = [0, 1358];
  const x = topicPpr(cora, sources.map((s) => Int32Array.of(s)), { alpha: 0.25, iterations: 80 });
  sources.forEach((s, c) => {
    const ex = exact[String(s)];
    let worst = 0;
    let mass = 0;
    for (let v = 0; v < n; v++) {
      worst = Math.max(worst, Math.abs(x[v * 2 + c] - ex[v]));
      mass += x[v * 2 + c];
    }
    assert.ok(worst < 1e-6, `source ${s}: max error ${worst}`);
    assert.ok(Math.abs(mass - 1) < 1e-5, `source ${s}: mass ${mass}`);
  });
});

test('iterating many teleport sets together equals iterating each alone', () => {
  const sets = [Int32Array.of(5, 9, 100), Int32Array.of(2707), Int32Array.of(1, 2, 3, 4, 5, 6)];
  const b = sets.length;
  const all = topicPpr(cora, sets, { alpha: 0.25, iterations: 10 });
  sets.forEach((set, c) => {
    const one = topicPpr(cora, [set], { alpha: 0.25, iterations: 10 });
    for (let v = 0; v < n; v++) assert.equal(all[v * b + c], one[v], `set ${c}, node ${v}`);
  });
});

test('zero iterations return the teleport block itself', () => {
  const x = topicPpr(cora, [Int32Array.of(3, 7)], { alpha: 0.5, iterations: 0 });
  assert.equal(x[3], 0.5);
  assert.equal(x[7], 0.5);
  assert.equal(x.reduce((a, v) => a + v, 0), 1);
});

test('topKPerColumn keeps positive scores only, sorted, ties by id, skipping excluded nodes', () => {
  // [4 nodes, 2 columns]
  const x = Float32Array.from([0.4, 0, 0.1, 0.3, 0.4, 0, 0, 0.2]);
  assert.deepEqual(topKPerColumn(x, 4, 2, 3).map((a) => Array.from(a)), [[0, 2, 1], [1, 3]]);
  assert.deepEqual(topKPerColumn(x, 4, 2, 3, [Int32Array.of(0), Int32Array.of()]).map((a) => Array.from(a)), [[2, 1], [1, 3]]);
});

test('topicPpr and topKPerColumn name bad options', () => {
  assert.throws(() => topicPpr(cora, [Int32Array.of(1)], { alpha: 1 }), /topicPpr: alpha must be a number in \(0, 1\), got 1/);
  assert.throws(() => topicPpr(cora, [Int32Array.of(1)], { alpha: 0.2, iterations: 1.5 }), /iterations must be an integer >= 0/);
  assert.throws(() => topicPpr(cora, [], { alpha: 0.2 }), /teleportSets is empty/);
  assert.throws(() => topicPpr(cora, [Int32Array.of()], { alpha: 0.2 }), /teleportSets\[0\] must be a non-empty/);
  assert.throws(() => topicPpr(cora, [Int32Array.of(1, n)], { alpha: 0.2 }), /teleportSets\[0\]\[1\] = 2708 is out of range/);
  assert.throws(() => topicPpr(cora, [Int32Array.of(1, 1)], { alpha: 0.2 }), /lists node 1 twice/);
  assert.throws(() => topKPerColumn(new Float32Array(6), 4, 2, 1), /x has length 6, expected n \* b/);
  assert.throws(() => topKPerColumn(new Float32Array(8), 4, 2, 0), /k must be an integer >= 1, got 0/);
});
