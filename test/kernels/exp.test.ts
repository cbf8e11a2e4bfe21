// The table-and-polynomial exp / expm1 against Math.exp / Math.expm1 over the whole non-positive range.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expMinus } from '../../src/kernels/exp.js';
import { uniform } from './fixtures.js';

function worstRelativeError(xs: number[], c: 0 | 1): number {
  let worst = 0;
  for (const x of xs) {
    const want = c === 0 ? Math.exp(x) : Math.expm1(x);
    const got = expMinus(x, c);
    worst = Math.max(worst, want === 0 ? Math.abs(got) / Number.MIN_VALUE : Math.abs(got - want) / Math.abs(want));
  }
  return worst;
}

describe('expMinus', () => {
  const rnd = uniform(3);
  // every scale from -745 to -1e-300, grid points of the tables, and points just beside them
  const xs: number[] = [];
  for (let i = 0; i < 20000; i++) xs.push(-Math.exp(rnd() * 697 - 690) * (rnd() < 0.5 ? 1 : 745 / 1e3));
  for (let s = 0; s <= 745 * 64; s += 7) xs.push(-s / 64, -s / 64 - 1e-12, -s / 64 + 1e-12);
  const inRange = xs.filter((x) => x <= 0 && x > -708);

  it('gives exp(x) to 1e-13 relative error for -708 < x <= 0', () => {
    const e = worstRelativeError(inRange, 0);
    assert.ok(e < 1e-13, `worst relative error ${e}`);
  });

  it('gives expm1(x) to 1e-13 relative error, also for tiny |x|', () => {
    const e = worstRelativeError([...inRange, -1e-300, -1e-20, -3e-9, -0.01], 1);
    assert.ok(e < 1e-13, `worst relative error ${e}`);
  });

  it('gives 0 and -1 at 0, 0 and -1 below the underflow point and at -infinity, NaN for NaN', () => {
    assert.equal(expMinus(0, 0), 1);
    assert.equal(expMinus(-0, 0), 1);
    assert.equal(expMinus(0, 1), 0);
    for (const x of [-745.5, -1e6, -Infinity]) {
      assert.ok(Math.exp(x) < 1e-323, `Math.exp(${x}) underflows too`);
      assert.equal(expMinus(x, 0), 0);
      assert.equal(expMinus(x, 1), -1);
    }
    assert.ok(Number.isNaN(expMinus(NaN, 0)) && Number.isNaN(expMinus(NaN, 1)));
  });
});
