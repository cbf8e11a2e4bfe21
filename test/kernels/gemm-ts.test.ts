// The TypeScript GEMM against the reference GEMM: every transposition, odd and block-crossing sizes, alpha/beta.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gemmTs } from '../../src/kernels/gemm-ts.js';
import { referenceGemm } from '../../src/kernels/reference.js';
import { assertClose, checkGemmCases, cloneGemm, randomArray, randomGemm, uniform } from './fixtures.js';

describe('gemmTs', () => {
  it('matches the reference GEMM for all transpositions, odd sizes, alpha, beta and padded leading dimensions', () => {
    checkGemmCases(gemmTs, uniform(1));
  });

  it('ignores NaN in C when beta is 0 and leaves C untouched outside the m x n window', () => {
    const g = randomGemm(Float64Array, { m: 3, n: 5, k: 4, transA: false, transB: true, alpha: 1, beta: 0, pad: 2 }, uniform(2));
    gemmTs(g);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 7; j++) assert.equal(Number.isNaN(g.c[i * 7 + j]), j >= 5, `C[${i}, ${j}]`);
    }
  });

  it('crosses every cache block boundary (m > 96, n > 2048, k > 256) correctly', () => {
    const rnd = uniform(3);
    for (const [m, n, k] of [[97, 2051, 3], [101, 6, 517]]) {
      const g = randomGemm(Float64Array, { m, n, k, transA: true, transB: false, alpha: 1.5, beta: -1, pad: 1 }, rnd);
      const want = cloneGemm(g);
      referenceGemm(want);
      gemmTs(g);
      assertClose(g.c, want.c, 1e-11, 1e-12, `${m}x${n}x${k}`);
    }
  });

  it('accepts a mix of Float32Array and Float64Array operands', () => {
    const rnd = uniform(4);
    const g = randomGemm(Float32Array, { m: 9, n: 6, k: 11, transA: false, transB: false, alpha: 1, beta: 0, pad: 0 }, rnd, Float64Array);
    g.b = randomArray(Float64Array, 11 * 6, rnd);
    const want = cloneGemm(g);
    referenceGemm(want);
    gemmTs(g);
    assertClose(g.c, want.c, 1e-12, 1e-12, 'mixed');
  });

  it('rejects a leading dimension smaller than the row and a buffer too short for the shape', () => {
    const g = randomGemm(Float32Array, { m: 4, n: 4, k: 4, transA: false, transB: false, alpha: 1, beta: 0, pad: 0 }, uniform(5));
    assert.throws(() => gemmTs({ ...g, lda: 3 }), /lda = 3 is smaller than the 4 columns of a/);
    assert.throws(() => gemmTs({ ...g, c: new Float32Array(15) }), /c has length 15, needs 16/);
    assert.throws(() => gemmTs({ ...g, m: 2.5 }), /m must be a non-negative 32-bit integer/);
  });
});
