// sddmmDot's blocked path (heads of 8 or more channels) against the reference, including channels beyond the last
// full block of 8; the narrower heads are covered by fast.test.ts.

import { describe, it } from 'node:test';
import { fastKernels } from '../../src/kernels/fast.js';
import { referenceKernels as ref } from '../../src/kernels/reference.js';
import { assertClose, FLOAT_TYPES, randomArray, randomCsr, tolerance, uniform } from './fixtures.js';

describe('sddmmDot with wide heads', () => {
  it('matches the reference for 8 to 19 channels per head, one to eight heads', () => {
    const rnd = uniform(31);
    for (const T of FLOAT_TYPES) {
      for (const [heads, c] of [[8, 8], [2, 16], [3, 11], [1, 19], [1, 8]]) {
        const f = heads * c;
        const a = randomCsr(T, 23, 17, 6, false, rnd);
        const y = randomArray(T, a.rows * f, rnd);
        const x = randomArray(T, a.cols * f, rnd);
        const nnz = a.indptr[a.rows] * heads;
        const got = randomArray(T, nnz, rnd).map((v) => v * 1e3);
        const want = got.slice();
        fastKernels.sddmmDot(a, y, x, heads, f, got);
        ref.sddmmDot(a, y, x, heads, f, want);
        const { atol, rtol } = tolerance(T, c);
        assertClose(got, want, atol, rtol, `sddmmDot ${T.name} heads=${heads} c=${c}`);
      }
    }
  });
});
