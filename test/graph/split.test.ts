import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSplitSpec, publicSplitOrThrow, resolveSplit, stratifiedSplit, validateSplit } from '../../src/graph/split.js';
import type { Dataset } from '../../src/graph/dataset.js';

const labels = Int32Array.from({ length: 100 }, (_, i) => (i % 10 === 9 ? -1 : i % 3));

test('stratifiedSplit takes per-class counts, is seeded, and leaves the rest to test', () => {
  const s = stratifiedSplit(labels, 3, { train: 5, val: 3 }, 7);
  assert.equal(s.train.length, 15);
  assert.equal(s.val.length, 9);
  assert.equal(s.test.length, 90 - 24);
  for (let c = 0; c < 3; c++) assert.equal(Array.from(s.train).filter((i) => labels[i] === c).length, 5);
  assert.deepEqual(stratifiedSplit(labels, 3, { train: 5, val: 3 }, 7), s);
  assert.notDeepEqual(stratifiedSplit(labels, 3, { train: 5, val: 3 }, 8).train, s.train);
  validateSplit(s, 100, labels);
});

test('stratifiedSplit takes fractions of each class and an explicit test size', () => {
  const s = stratifiedSplit(labels, 3, { train: 0.1, val: 0.2, test: 4 }, 1);
  assert.equal(s.train.length, 9);
  assert.equal(s.val.length, 18);
  assert.equal(s.test.length, 12);
});

test('stratifiedSplit says which class is too small, how many it has and how many were asked', () => {
  assert.throws(() => stratifiedSplit(labels, 3, { train: 20, val: 15 }, 1), /class 0 has 30 labelled nodes but the split asks for 20 train \+ 15 val = 35/);
  assert.throws(() => stratifiedSplit(labels, 3, { train: -1, val: 1 }, 1), /train must be a non-negative number/);
  assert.throws(() => stratifiedSplit(labels, 3, { train: 0, val: 1 }, 1), /the train split is empty/);
  assert.throws(() => stratifiedSplit(labels, 3, { train: 2.5, val: 1 }, 1), /neither a per-class count/);
});

test('validateSplit rejects overlap, out-of-range ids, empty train and unlabelled nodes', () => {
  const ok = { train: Int32Array.of(0), val: Int32Array.of(1), test: Int32Array.of(2) };
  validateSplit(ok, 10, labels);
  assert.throws(() => validateSplit({ ...ok, val: Int32Array.of(0) }, 10, labels), /node 0 is in both train and val/);
  assert.throws(() => validateSplit({ ...ok, test: Int32Array.of(10) }, 10, labels), /test\[0\] = 10 is out of range/);
  assert.throws(() => validateSplit({ ...ok, train: new Int32Array(0) }, 10, labels), /train split is empty/);
  assert.throws(() => validateSplit({ ...ok, test: Int32Array.of(9) }, 10, labels), /test node 9 has no label/);
});

test('parseSplitSpec reads public and random:<train>:<val> and rejects anything else', () => {
  assert.deepEqual(parseSplitSpec('public'), { kind: 'public' });
  assert.deepEqual(parseSplitSpec('random:20:30'), { kind: 'random', train: 20, val: 30 });
  assert.deepEqual(parseSplitSpec('random:0.1:0.1'), { kind: 'random', train: 0.1, val: 0.1 });
  assert.deepEqual(parseSplitSpec('random:0.1:0.05:0.05'), { kind: 'random', train: 0.1, val: 0.05, test: 0.05 });
  assert.throws(() => parseSplitSpec('rand:1'), /expected 'public' or 'random:<train>:<val>\[:<test>\]'/);
  assert.throws(() => parseSplitSpec('random:20:30:0'), /test must be > 0/);
  assert.throws(() => parseSplitSpec('random:20:30:1.5'), /test must be a per-class count or a fraction/);
});

test('a random split with a test size leaves the remaining nodes out of every part', () => {
  const y = Int32Array.from({ length: 400 }, (_, i) => i % 4);
  const s = resolveSplit({ name: 'toy', labels: y, numClasses: 4, graph: { rows: 400 } } as unknown as Dataset, 'random:0.1:0.05:0.05', 3);
  assert.deepEqual([s.train.length, s.val.length, s.test.length], [40, 20, 20]);
});

test('publicSplitOrThrow names a dataset without a split', () => {
  const d = { name: 'toy', labels } as unknown as Dataset;
  assert.throws(() => publicSplitOrThrow(d), /dataset 'toy'.*no public split/);
});
