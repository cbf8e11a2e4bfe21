// The GAT products' wide-head paths against the reference: sddmmDot with heads of 8 or more channels (including
// channels beyond the last full block of 8), and gspmmBackward (both gradients of gspmm in one sweep) for every head
// width; the narrower sddmmDot heads are covered by fast.test.ts.

import { describe, it } from 'node:test';
import { fastKernels } from '../../src/kernels/fast.js';
import { referenceKernels as ref } from '../../src/kernels/reference.js';
import type { FloatArray } from '../../src/kernels/types.js';
import { assertClose, FLOAT_TYPES, randomArray, randomCsr, tolerance, uniform } from './fixtures.js';

const SHAPES: Array<[number, number]> = [[8, 8], [2, 16], [3, 11], [1, 19], [1, 8], [4, 5], [1, 7], [2, 1]];

describe('GAT products with wide and narrow heads', () => {
  const rnd = uniform(31);
  const garbage = (T: typeof FLOAT_TYPES[number], n: number): FloatArray => randomArray(T, n, rnd).map((v) => v * 1e3);

  it('sddmmDot matches the reference for one to eight heads of 1 to 19 channels', () => {
    for (const T of FLOAT_TYPES) {
      for (const [heads, c] of SHAPES) {
        const f = heads * c;
        const a = randomCsr(T, 23, 17, 6, false, rnd);
        const y = randomArray(T, a.rows * f, rnd);
        const x = randomArray(T, a.cols * f, rnd);
        const got = garbage(T, a.indptr[a.rows] * heads);
        const want = got.slice();
        fastKernels.sddmmDot(a, y, x, heads, f, got);
        ref.sddmmDot(a, y, x, heads, f, want);
        const { atol, rtol } = tolerance(T, c);
        assertClose(got, want, atol, rtol, `sddmmDot ${T.name} heads=${heads} c=${c}`);
      }
    }
  });

  it('gspmmBackward matches the reference for both gradients and for each alone, overwriting what they held', () => {
    for (const T of FLOAT_TYPES) {
      for (const [heads, c] of SHAPES) {
        const f = heads * c;
        const a = randomCsr(T, 23, 17, 6, true, rnd);
        const nnz = a.indptr[a.rows] * heads;
        const w = randomArray(T, nnz, rnd);
        const x = randomArray(T, a.cols * f, rnd);
        const g = randomArray(T, a.rows * f, rnd);
        for (const [withDw, withDx] of [[true, true], [true, false], [false, true]]) {
          const dw = [garbage(T, nnz), new T(nnz)];
          dw[1].set(dw[0]);
          const dx = [garbage(T, a.cols * f), new T(a.cols * f)];
          dx[1].set(dx[0]);
          fastKernels.gspmmBackward(a, w, heads, x, g, f, withDw ? dw[0] : null, withDx ? dx[0] : null);
          ref.gspmmBackward(a, w, heads, x, g, f, withDw ? dw[1] : null, withDx ? dx[1] : null);
          const { atol, rtol } = tolerance(T, Math.max(c, 8));
          const label = `${T.name} heads=${heads} c=${c} dw=${withDw} dx=${withDx}`;
          assertClose(dw[0], dw[1], atol, rtol, `gspmmBackward dw ${label}`);
          assertClose(dx[0], dx[1], atol, rtol, `gspmmBackward dx ${label}`);
        }
      }
    }
  });
});
