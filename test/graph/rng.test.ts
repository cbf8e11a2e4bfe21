import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/graph/rng.js';

test('the same seed gives the same sequence and a different seed a different one', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xa = Array.from({ length: 10 }, () => a.next());
  assert.deepEqual(xa, Array.from({ length: 10 }, () => b.next()));
  assert.notDeepEqual(xa, Array.from({ length: 10 }, () => c.next()));
  for (const x of xa) assert.ok(x >= 0 && x < 1);
});

test('nextInt stays in range and covers every value', () => {
  const r = new Rng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) { const v = r.nextInt(7); assert.ok(v >= 0 && v < 7); seen.add(v); }
  assert.equal(seen.size, 7);
  assert.throws(() => r.nextInt(0), /nextInt/);
});

test('normal draws have mean about 0 and variance about 1', () => {
  const r = new Rng(3);
  let s = 0, s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
  assert.ok(Math.abs(s / n) < 0.05);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
});

test('shuffle is a seeded permutation', () => {
  const a = new Rng(5).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
  const b = new Rng(5).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(a, b);
  assert.deepEqual(Array.from(a).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
});

test('fork gives independent streams that do not depend on the parent position', () => {
  const p = new Rng(9);
  const f1 = p.fork(1).next();
  p.next();
  assert.equal(p.fork(1).next(), f1);
  assert.notEqual(p.fork(2).next(), f1);
});

test('continues a stream from a saved state, the cached normal included, and refuses a malformed state', () => {
  const a = new Rng(9);
  a.next();
  a.normal(); // leaves the second normal cached
  const saved = a.state();
  const ahead = [a.normal(), a.next(), a.nextU32()];
  const b = new Rng(123);
  b.setState(saved);
  assert.deepEqual([b.normal(), b.next(), b.nextU32()], ahead);
  assert.ok(Number.isNaN(b.state()[4]), 'no cached normal after it was drawn');
  for (const bad of [[0, 0, 0, 0, NaN], [1, 2, 3, NaN], [1.5, 2, 3, 4, NaN], [2 ** 32, 1, 1, 1, NaN]]) {
    assert.throws(() => b.setState(bad as unknown as ReturnType<Rng['state']>), /Rng\.setState: expected \[a, b, c, d, spare\]/);
  }
});
