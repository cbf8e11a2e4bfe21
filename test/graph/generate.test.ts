import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/graph/generate.js';
import { validateCsr } from '../../src/graph/csr.js';
import { graphStats } from '../../src/graph/stats.js';
import { validateSplit } from '../../src/graph/split.js';

const opts = { nodes: 5000, avgDegree: 10, classes: 5, features: 16, seed: 3 };

test('the same seed gives an identical dataset and a different seed a different one', () => {
  const a = generateSynthetic(opts);
  const b = generateSynthetic(opts);
  assert.deepEqual(a.graph, b.graph);
  assert.deepEqual(a.features, b.features);
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.split, b.split);
  const c = generateSynthetic({ ...opts, seed: 4 });
  assert.notDeepEqual(c.graph.indices, a.graph.indices);
});

test('the graph has the requested size, is symmetric, has no self-loops, and a valid split', () => {
  const d = generateSynthetic(opts);
  validateCsr(d.graph);
  const s = graphStats(d.graph);
  assert.equal(s.nodes, 5000);
  assert.ok(s.inDegree.mean > 9 && s.inDegree.mean <= 10, `mean degree ${s.inDegree.mean}`);
  assert.ok(s.symmetric);
  assert.equal(s.selfLoops, 0);
  assert.ok(s.inDegree.max > 5 * s.inDegree.median, 'degrees are heavy-tailed');
  assert.equal(d.features.rows * d.features.cols, 5000 * 16);
  validateSplit(d.split!, 5000, d.labels);
  assert.ok(Math.abs(d.split!.train.length - 500) <= 5);
});

test('the fraction of edges inside a class follows the homophily option', () => {
  for (const h of [0.8, 0.3]) {
    const d = generateSynthetic({ ...opts, homophily: h });
    let same = 0;
    const g = d.graph;
    for (let i = 0; i < g.rows; i++) for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) if (d.labels[g.indices[k]] === d.labels[i]) same++;
    const got = same / g.indptr[g.rows];
    assert.ok(Math.abs(got - h) < 0.05, `homophily ${got} vs ${h}`);
  }
});

test('the default graph is the one earlier versions drew (pinned), with or without locality 0', () => {
  const fnv = (a: Int32Array): number => a.reduce((h, x) => Math.imul(h ^ x, 16777619) >>> 0, 0x811c9dc5);
  for (const d of [generateSynthetic(opts), generateSynthetic({ ...opts, locality: 0 })]) {
    assert.equal(d.graph.indptr[d.graph.rows], 48192);
    assert.equal(fnv(d.graph.indices), 3257308921);
  }
});

test('locality adds triangles and keeps the size, the homophily and a valid graph', () => {
  const plain = generateSynthetic(opts);
  const local = generateSynthetic({ ...opts, locality: 1 });
  validateCsr(local.graph);
  const [a, b] = [graphStats(plain.graph), graphStats(local.graph)];
  assert.ok(b.symmetric && b.selfLoops === 0);
  assert.ok(b.clustering.average > 2 * a.clustering.average && b.clustering.average > 0.1, `clustering ${b.clustering.average} vs ${a.clustering.average}`);
  assert.ok(b.inDegree.mean > 0.85 * a.inDegree.mean, `mean degree ${b.inDegree.mean} vs ${a.inDegree.mean}`);
  let same = 0;
  const g = local.graph;
  for (let i = 0; i < g.rows; i++) for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) if (local.labels[g.indices[k]] === local.labels[i]) same++;
  assert.ok(Math.abs(same / g.indptr[g.rows] - 0.8) < 0.05, `homophily ${same / g.indptr[g.rows]}`);
  assert.deepEqual(generateSynthetic({ ...opts, locality: 1 }).graph, local.graph, 'same seed, same graph');
});

test('label noise relabels about that fraction of nodes, each to another class, and changes nothing else', () => {
  const clean = generateSynthetic(opts);
  const noisy = generateSynthetic({ ...opts, labelNoise: 0.3 });
  assert.deepEqual(noisy.graph, clean.graph);
  assert.deepEqual(noisy.features, clean.features);
  let changed = 0;
  for (let i = 0; i < opts.nodes; i++) {
    assert.ok(noisy.labels[i] >= 0 && noisy.labels[i] < opts.classes);
    if (noisy.labels[i] !== clean.labels[i]) changed++;
  }
  assert.ok(Math.abs(changed / opts.nodes - 0.3) < 0.03, `relabelled ${changed / opts.nodes}`);
  validateSplit(noisy.split!, opts.nodes, noisy.labels);
  assert.deepEqual(generateSynthetic({ ...opts, labelNoise: 0.3 }).labels, noisy.labels, 'same seed, same labels');
  assert.deepEqual(generateSynthetic({ ...opts, labelNoise: 0 }).labels, clean.labels);
  assert.equal(clean.name, 'synthetic-n5000-d10-c5-f16-s3');
  assert.equal(generateSynthetic({ ...opts, locality: 1, featureNoise: 0.7, labelNoise: 0.3 }).name, 'synthetic-n5000-d10-c5-f16-s3-q1-fn0.7-ln0.3');
});

test('bad options are rejected with the option named', () => {
  for (const p of [1, -0.1, NaN]) assert.throws(() => generateSynthetic({ ...opts, labelNoise: p }), /labelNoise must be in \[0, 1\)/);
  assert.throws(() => generateSynthetic({ ...opts, classes: 1, labelNoise: 0.1 }), /labelNoise > 0 needs at least 2 classes/);
  assert.throws(() => generateSynthetic({ ...opts, homophily: 1.5 }), /homophily must be in \[0, 1\]/);
  for (const q of [1.5, -0.1, NaN]) assert.throws(() => generateSynthetic({ ...opts, locality: q }), /locality must be in \[0, 1\]/);
  assert.throws(() => generateSynthetic({ ...opts, nodes: 1.5 }), /nodes must be an integer/);
  assert.throws(() => generateSynthetic({ ...opts, powerLawExponent: 2 }), /powerLawExponent must be > 2/);
});
