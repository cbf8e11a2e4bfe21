// The wasm bias add, relu and its gradient, and column sums on heap arrays: the bits of the TypeScript loops (special values included),
// whole, split into parts and through the pool; ordinary arrays and other activations declined.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fastTsKernels } from '../../src/kernels/fast.js';
import { createParallelKernels } from '../../src/kernels/parallel.js';
import { wasmPlans } from '../../src/kernels/wasm-plans.js';
import { assertSame, freshModule, inHeapCopy, randomArray, runParts, uniform } from './fixtures.js';

const s = freshModule();
const plans = wasmPlans(s, true);
const rnd = uniform(17);

/** Random values; with `special`, zeros of both signs, NaN, infinities and subnormals mixed in. */
function values(n: number, special: boolean): Float32Array {
  const x = randomArray(Float32Array, n, rnd) as Float32Array;
  const list = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40];
  for (let i = 0; special && i < n; i += 7) x[i] = list[(i / 7) % list.length];
  return x;
}

describe('wasm elementwise kernels on heap arrays', () => {
  it('addRowVec, relu and columnSums give the TypeScript bits for every width and split', () => {
    for (const [m, n, special] of [[1, 1, 0], [5, 3, 1], [37, 16, 1], [2100, 20, 0], [2100, 20, 1], [1500, 8, 0], [3000, 33, 0]]) {
      const x = values(m * n, special === 1);
      const v = values(n, special === 1);
      const [sum, act, cols] = [new Float32Array(m * n), new Float32Array(m * n), new Float32Array(n)];
      fastTsKernels.addRowVec(m, n, x, v, sum);
      fastTsKernels.activation({ kind: 'relu' }, m * n, x, act);
      fastTsKernels.columnSums(m, n, x, cols);
      for (const parts of [1, 3]) {
        const what = `${m}x${n} special=${special} parts=${parts}`;
        const hx = inHeapCopy(s, x);
        const [hSum, hAct, hCols] = [inHeapCopy(s, new Float32Array(m * n)), inHeapCopy(s, new Float32Array(m * n)), new Float32Array(n)];
        runParts(plans.addRowVec(m, n, hx, v, hSum), parts, `addRowVec ${what}`);
        runParts(plans.activation({ kind: 'relu' }, m * n, hx, hAct), parts, `relu ${what}`);
        runParts(plans.columnSums(m, n, hx, hCols), parts, `columnSums ${what}`);
        assertSame(hSum, sum, `addRowVec ${what}`);
        assertSame(hAct, act, `relu ${what}`);
        assertSame(hCols, cols, `columnSums ${what}`);
      }
    }
  });

  it('relu\'s gradient, scaled or not, gives the TypeScript bits (special values included) whole and split', () => {
    for (const n of [1, 7, 4096, 10003]) {
      const [x, g] = [values(n, true), values(n, true)];
      for (const scale of [1, 2, 1 / 0.7, 1 / 0.4]) {
        const want = new Float32Array(n);
        fastTsKernels.activationBackward({ kind: 'relu' }, n, x, x, g, want, scale);
        for (const parts of [1, 3]) {
          const [hx, hg, out] = [inHeapCopy(s, x), inHeapCopy(s, g), inHeapCopy(s, new Float32Array(n))];
          runParts(plans.activationBackward({ kind: 'relu' }, n, hx, hx, hg, out, scale), parts, `relu backward n=${n} scale=${scale}`);
          assertSame(out, want, `relu backward n=${n} scale=${scale} parts=${parts}`);
        }
      }
    }
  });

  it('decline ordinary arrays and activations other than relu', () => {
    const x = inHeapCopy(s, values(64, false));
    const out = inHeapCopy(s, new Float32Array(64));
    assert.equal(plans.activation({ kind: 'relu' }, 64, new Float32Array(64), out), null);
    assert.equal(plans.activation({ kind: 'elu', alpha: 1 }, 64, x, out), null);
    assert.equal(plans.activationBackward({ kind: 'leakyRelu', slope: 0.2 }, 64, x, x, x, out), null);
    assert.equal(plans.activationBackward({ kind: 'relu' }, 64, x, x, new Float32Array(64), out), null);
    assert.equal(plans.addRowVec(8, 8, x, new Float32Array(8), new Float32Array(64)), null);
    assert.equal(plans.columnSums(8, 8, new Float32Array(64), new Float32Array(8)), null);
    assert.equal(plans.columnSums(8, 8, new Float64Array(64), new Float32Array(8)), null);
  });

  it('split through the pool with the same bits', () => {
    const kernels = createParallelKernels(fastTsKernels, 2, s, { ts: 1, wasm: 1 });
    const [m, n] = [4000, 24];
    const x = values(m * n, true);
    const v = values(n, true);
    const hx = inHeapCopy(s, x);
    const check = (name: string, want: Float32Array, got: Float32Array): void => assertSame(got, want, name);
    const [sum, hSum] = [new Float32Array(m * n), inHeapCopy(s, new Float32Array(m * n))];
    fastTsKernels.addRowVec(m, n, x, v, sum);
    kernels.addRowVec(m, n, hx, v, hSum);
    check('addRowVec', sum, hSum);
    const [act, hAct] = [new Float32Array(m * n), inHeapCopy(s, new Float32Array(m * n))];
    fastTsKernels.activation({ kind: 'relu' }, m * n, x, act);
    kernels.activation({ kind: 'relu' }, m * n, hx, hAct);
    check('relu', act, hAct);
    const [grad, hGrad] = [new Float32Array(m * n), inHeapCopy(s, new Float32Array(m * n))];
    fastTsKernels.activationBackward({ kind: 'relu' }, m * n, x, x, sum, grad, 2);
    kernels.activationBackward({ kind: 'relu' }, m * n, hx, hx, hSum, hGrad, 2);
    check('relu backward', grad, hGrad);
    const [cols, hCols] = [new Float32Array(n), new Float32Array(n)];
    fastTsKernels.columnSums(m, n, x, cols);
    kernels.columnSums(m, n, hx, hCols);
    check('columnSums', cols, hCols);
  });
});
