// The wasm dropout and mask apply on heap arrays: the masks and values of the TypeScript loops bit for bit, for every
// decision width, chunk ends and special values, whole, split by chunks and through the pool; other arrays declined.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkCount, DROPOUT_CHUNK } from '../../src/kernels/dropout-mask.js';
import { fastTsKernels } from '../../src/kernels/fast.js';
import { createParallelKernels } from '../../src/kernels/parallel.js';
import { wasmPlans } from '../../src/kernels/wasm-plans.js';
import { assertSame, freshModule, inHeapCopy, randomArray, runParts, uniform } from './fixtures.js';

const s = freshModule();
const plans = wasmPlans(s, true);
const rnd = uniform(23);

/** Random values with zeros of both signs, NaN, infinities and subnormals mixed in. */
function values(n: number): Float32Array {
  const x = randomArray(Float32Array, n, rnd) as Float32Array;
  const list = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40, 3e38];
  for (let i = 0; i < n; i += 5) x[i] = list[(i / 5) % list.length];
  return x;
}

/** A byte mask in the heap (as ops.ts allocates masks: the bytes of a float32 arena array). */
function heapMask(n: number): Uint8Array {
  const words = inHeapCopy(s, new Float32Array(Math.ceil(n / 4) + 1).fill(NaN));
  return new Uint8Array(words.buffer, words.byteOffset, n);
}

describe('wasm dropout on heap arrays', () => {
  const seed = Int32Array.of(0x12345678, -7, 99, 0x7fffffff);

  it('draws the TypeScript mask and values for every decision width, chunk end and split', () => {
    // p = 0.5: 1 bit a decision, 0.25: 2, 0.1 and 0.6: 16 (not exact in fewer), 1/16: 4, 3/256: 8; sizes across chunk ends
    for (const p of [0.5, 0.25, 0.1, 0.6, 1 / 16, 3 / 256, 0]) {
      for (const n of [1, 31, 33, 1000, DROPOUT_CHUNK + 37, 2 * DROPOUT_CHUNK + 5]) {
        const scale = 1 / (1 - p);
        const x = values(n);
        const [mask, out] = [new Uint8Array(n), new Float32Array(n)];
        fastTsKernels.dropout(n, p, scale, seed, mask, x, out);
        const maskOnly = new Uint8Array(n);
        fastTsKernels.dropout(n, p, 1, seed, maskOnly);
        for (const parts of [1, 2]) {
          const what = `p=${p} n=${n} parts=${parts}`;
          const [hx, hm, hOut] = [inHeapCopy(s, x), heapMask(n), inHeapCopy(s, new Float32Array(n))];
          runParts(plans.dropout(n, p, scale, seed, hm, hx, hOut), parts, what);
          assertSame(hm, mask, `mask ${what}`);
          assertSame(hOut, out, `values ${what}`);
          const hMaskOnly = heapMask(n);
          runParts(plans.dropout(n, p, 1, seed, hMaskOnly), parts, `mask only ${what}`);
          assertSame(hMaskOnly, maskOnly, `mask only ${what}`);
          assert.equal(plans.dropout(n, p, scale, seed, hm, hx, hOut)?.[0].units, chunkCount(n));
        }
      }
    }
  });

  it('applies a mask with the TypeScript bits, in place too', () => {
    for (const n of [1, 6, 4099]) {
      const mask = Uint8Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0));
      const g = values(n);
      for (const scale of [2, 1 / 0.4]) {
        const want = new Float32Array(n);
        fastTsKernels.applyMask(n, mask, scale, g, want);
        const hm = heapMask(n);
        hm.set(mask);
        const [hg, out] = [inHeapCopy(s, g), inHeapCopy(s, new Float32Array(n))];
        runParts(plans.applyMask(n, hm, scale, hg, out), 3, `applyMask n=${n}`);
        assertSame(out, want, `applyMask n=${n} scale=${scale}`);
        runParts(plans.applyMask(n, hm, scale, hg, hg), 1, `in place n=${n}`);
        assertSame(hg, want, `applyMask in place n=${n} scale=${scale}`);
      }
    }
  });

  it('declines masks and arrays outside the heap', () => {
    const n = 64;
    const [hx, hOut, hm] = [inHeapCopy(s, values(n)), inHeapCopy(s, new Float32Array(n)), heapMask(n)];
    assert.equal(plans.dropout(n, 0.5, 2, seed, new Uint8Array(n), hx, hOut), null);
    assert.equal(plans.dropout(n, 0.5, 2, seed, hm, new Float32Array(n), hOut), null);
    assert.equal(plans.dropout(n, 0.5, 2, seed, hm, hx, new Float32Array(n)), null);
    assert.equal(plans.dropout(n, 0.5, 2, seed, hm, new Float64Array(n), hOut), null);
    assert.equal(plans.applyMask(n, new Uint8Array(n), 2, hx, hOut), null);
    assert.equal(plans.applyMask(n, hm, 2, new Float32Array(n), hOut), null);
  });

  it('splits through the pool with the same bits', () => {
    const kernels = createParallelKernels(fastTsKernels, 2, s, { ts: 1, wasm: 1 });
    const n = 3 * DROPOUT_CHUNK + 11;
    const x = values(n);
    const [mask, out, grad] = [new Uint8Array(n), new Float32Array(n), new Float32Array(n)];
    fastTsKernels.dropout(n, 0.5, 2, seed, mask, x, out);
    fastTsKernels.applyMask(n, mask, 2, x, grad);
    const [hx, hm, hOut, hGrad] = [inHeapCopy(s, x), heapMask(n), inHeapCopy(s, new Float32Array(n)), inHeapCopy(s, new Float32Array(n))];
    kernels.dropout(n, 0.5, 2, seed, hm, hx, hOut);
    kernels.applyMask(n, hm, 2, hx, hGrad);
    assertSame(hm, mask, 'mask');
    assertSame(hOut, out, 'values');
    assertSame(hGrad, grad, 'applyMask');
  });
});
