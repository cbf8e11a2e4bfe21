// Tests of the hop profile: nearest-class-mean accuracy after 0..K GCN propagations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/graph/generate.js';
import { hopProfile } from '../../src/graph/hop-profile.js';
import type { Split } from '../../src/graph/dataset.js';
import * as api from '../../src/index.js';

const opts = { nodes: 4000, avgDegree: 12, classes: 4, features: 16, seed: 2 };

test('noise-free features score 1 at hop 0; label noise caps every hop near 1 - noise', () => {
  const clean = generateSynthetic({ ...opts, featureNoise: 0 });
  assert.equal(hopProfile(clean, clean.split!, 0).accuracy[0], 1);
  const noisy = generateSynthetic({ ...opts, featureNoise: 0, labelNoise: 0.3 });
  for (const a of hopProfile(noisy, noisy.split!, 2).accuracy) assert.ok(Math.abs(a - 0.7) < 0.04, `accuracy ${a}`);
});

test('the default generator spreads the signal over hops: the profile rises with each propagation', () => {
  const d = generateSynthetic(opts);
  const before = d.features.kind === 'dense' ? d.features.data.slice() : null;
  const p = hopProfile(d, d.split!, 3);
  assert.equal(p.accuracy.length, 4);
  for (let k = 1; k < 4; k++) assert.ok(p.accuracy[k] > p.accuracy[k - 1], `hop ${k}: ${p.accuracy}`);
  assert.ok(p.accuracy[3] > p.accuracy[0] + 0.3, `${p.accuracy}`);
  assert.deepEqual([p.evaluated, p.fitted], [d.split!.test.length, d.split!.train.length]);
  if (d.features.kind === 'dense') assert.deepEqual(d.features.data, before, 'the dataset features are not written');
  assert.deepEqual(hopProfile(d, d.split!, 3), p, 'deterministic');
});

test('a class without train nodes is never predicted', () => {
  const d = generateSynthetic({ ...opts, featureNoise: 0 });
  const train = d.split!.train.filter((i) => d.labels[i] !== 0);
  const p = hopProfile(d, { ...d.split!, train }, 0);
  let zero = 0;
  for (const i of d.split!.test) if (d.labels[i] === 0) zero++;
  assert.equal(p.accuracy[0], 1 - zero / d.split!.test.length);
});

test('the public API exports it', () => {
  assert.equal(api.hopProfile, hopProfile);
});

test('bad hop counts and empty splits are rejected', () => {
  const d = generateSynthetic(opts);
  for (const h of [-1, 1.5, 17]) assert.throws(() => hopProfile(d, d.split!, h), /hops must be an integer in \[0, 16\]/);
  const empty = new Int32Array(0);
  assert.throws(() => hopProfile(d, { ...d.split!, train: empty } as Split, 1), /no train nodes/);
  assert.throws(() => hopProfile(d, { ...d.split!, test: empty } as Split, 1), /no test nodes/);
});
