// The LayerNorm kernels: every kernel set against a float64 computation within float32 tolerance; the TypeScript loops,
// the wasm plans (whole and in parts) and the parallel kernels (2 and 3 threads) with the same bits; clear errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fastKernels, fastTsKernels } from '../../src/kernels/fast.js';
import { createParallelKernels } from '../../src/kernels/parallel.js';
import { sharedPool } from '../../src/kernels/pool.js';
import { referenceKernels } from '../../src/kernels/reference.js';
import type { FloatArray, Kernels } from '../../src/kernels/types.js';
import { wasmPlans } from '../../src/kernels/wasm-plans.js';
import { layerNorm, Tensor } from '../../src/tensor/index.js';
import { assertClose, assertSame, freshModule, inHeapCopy, randomArray, runParts, tolerance, uniform, type FloatCtor } from './fixtures.js';

const EPS = 1e-5;
/** widths around the eight-lane sums and the four-wide SIMD loops: tails of every length */
const WIDTHS = [1, 3, 4, 5, 7, 8, 9, 12, 13, 16, 31, 33, 256];

interface Forward { out: FloatArray; xhat: FloatArray; rstd: FloatArray }
interface Backward { dx: FloatArray; dweight: FloatArray; dbias: FloatArray }

/** A random problem of m rows of width n: rows off zero by different amounts (x), a weight around 1, a gradient. */
function problem(T: FloatCtor, m: number, n: number, rnd: () => number): { x: FloatArray; weight: FloatArray; bias: FloatArray; g: FloatArray } {
  const x = randomArray(T, m * n, rnd).map((v, i) => 3 * v + (Math.floor(i / n) % 5) - 2);
  return { x, weight: randomArray(T, n, rnd).map((v) => 1 + v / 2), bias: randomArray(T, n, rnd), g: randomArray(T, m * n, rnd) };
}

/** The forward and backward in float64, written from the definitions (independent of every kernel set). */
function float64LayerNorm(m: number, n: number, x: FloatArray, weight: FloatArray, bias: FloatArray, g: FloatArray): Forward & Backward {
  const [out, xhat, rstd, dx] = [new Float64Array(m * n), new Float64Array(m * n), new Float64Array(m), new Float64Array(m * n)];
  const [dweight, dbias] = [new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < m; i++) {
    const row = Array.from(x.subarray(i * n, (i + 1) * n));
    const mean = row.reduce((s, v) => s + v, 0) / n;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    rstd[i] = 1 / Math.sqrt(variance + EPS);
    let [mg, mgx] = [0, 0];
    for (let j = 0; j < n; j++) {
      const o = i * n + j;
      xhat[o] = (row[j] - mean) * rstd[i];
      out[o] = xhat[o] * weight[j] + bias[j];
      mg += (g[o] * weight[j]) / n;
      mgx += (g[o] * weight[j] * xhat[o]) / n;
      dweight[j] += g[o] * xhat[o];
      dbias[j] += g[o];
    }
    for (let j = 0; j < n; j++) dx[i * n + j] = rstd[i] * (g[i * n + j] * weight[j] - mg - xhat[i * n + j] * mgx);
  }
  return { out, xhat, rstd, dx, dweight, dbias };
}

/** Forward and backward through `k` on arrays made by `make` (ordinary, shared or heap arrays). */
function run(
  k: Kernels, m: number, n: number, p: ReturnType<typeof problem>, make: (a: FloatArray) => FloatArray,
): Forward & Backward {
  const T = p.x.constructor as FloatCtor;
  const [x, g] = [make(p.x), make(p.g)];
  const [out, xhat, rstd, dx] = [make(new T(m * n).fill(NaN)), make(new T(m * n).fill(NaN)), make(new T(m).fill(NaN)), make(new T(m * n).fill(NaN))];
  const [dweight, dbias] = [new T(n).fill(NaN), new T(n).fill(NaN)];
  k.layerNorm(m, n, x, p.weight, p.bias, EPS, out, xhat, rstd);
  k.layerNormBackward(m, n, g, p.weight, xhat, rstd, dx, dweight, dbias);
  return { out, xhat, rstd, dx, dweight, dbias };
}

const sameArrays = (a: FloatArray): FloatArray => a.slice();

function sharedCopy(a: FloatArray): FloatArray {
  const c = new (a.constructor as new (b: SharedArrayBuffer) => FloatArray)(new SharedArrayBuffer(a.byteLength));
  c.set(a);
  return c;
}

function assertAllSame(got: Forward & Backward, want: Forward & Backward, what: string): void {
  for (const key of ['out', 'xhat', 'rstd', 'dx', 'dweight', 'dbias'] as const) {
    assertSame(Float32Array.from(got[key]), Float32Array.from(want[key]), `${what}: ${key}`);
  }
}

describe('LayerNorm kernels', () => {
  it('match the float64 definitions within float32 (or float64) rounding, for every width and kernel set', () => {
    const rnd = uniform(31);
    for (const T of [Float32Array, Float64Array]) {
      for (const n of WIDTHS) {
        const m = n === 256 ? 40 : 2100; // more than two blocks of 1024 rows for the column sums
        const p = problem(T, m, n, rnd);
        const want = float64LayerNorm(m, n, p.x, p.weight, p.bias, p.g);
        for (const k of [referenceKernels, fastTsKernels, fastKernels]) {
          const got = run(k, m, n, p, sameArrays);
          for (const key of ['out', 'xhat', 'rstd', 'dx'] as const) {
            const { atol, rtol } = tolerance(T, key === 'dx' ? 8 : 1);
            assertClose(got[key], want[key], atol, rtol, `${k.name} ${T.name} ${m}x${n} ${key}`);
          }
          // column sums of m terms: float32 rounds the result once
          const { atol, rtol } = tolerance(T, 2);
          assertClose(got.dweight, want.dweight, atol, rtol, `${k.name} ${T.name} ${m}x${n} dweight`);
          assertClose(got.dbias, want.dbias, atol, rtol, `${k.name} ${T.name} ${m}x${n} dbias`);
        }
      }
    }
  });

  it('write the same out without xhat and rstd (evaluation), and skip the gradients that are not wanted', () => {
    const rnd = uniform(32);
    const [m, n] = [50, 13];
    const p = problem(Float32Array, m, n, rnd);
    for (const k of [referenceKernels, fastTsKernels]) {
      const all = run(k, m, n, p, sameArrays);
      const out = new Float32Array(m * n);
      k.layerNorm(m, n, p.x, p.weight, p.bias, EPS, out, null, null);
      assertSame(out, all.out as Float32Array, `${k.name}: out without xhat`);
      const [dx, dbias] = [new Float32Array(m * n), new Float32Array(n)];
      k.layerNormBackward(m, n, p.g, p.weight, all.xhat, all.rstd, null, null, dbias);
      k.layerNormBackward(m, n, p.g, p.weight, all.xhat, all.rstd, dx, null, null);
      assertSame(dx, all.dx as Float32Array, `${k.name}: dx alone`);
      assertSame(dbias, all.dbias as Float32Array, `${k.name}: dbias alone`);
    }
  });

  it('give the TypeScript bits through the wasm plans on heap arrays, whole and in 3 parts', () => {
    const s = freshModule();
    const plans = wasmPlans(s, true);
    const rnd = uniform(33);
    for (const n of WIDTHS) {
      const m = n === 256 ? 300 : 3100; // four blocks of 1024 rows: a 3-part split of the backward
      const p = problem(Float32Array, m, n, rnd);
      const want = run(fastTsKernels, m, n, p, sameArrays);
      for (const parts of [1, 3]) {
        const what = `${m}x${n} parts=${parts}`;
        const put = (a: FloatArray): Float32Array => inHeapCopy(s, a);
        const [x, g, out, xhat, rstd, dx] = [put(p.x), put(p.g), put(new Float32Array(m * n)), put(new Float32Array(m * n)), put(new Float32Array(m)), put(new Float32Array(m * n))];
        const [dweight, dbias] = [new Float32Array(n), new Float32Array(n)];
        runParts(plans.layerNorm(m, n, x, p.weight, p.bias, EPS, out, xhat, rstd), parts, `layerNorm ${what}`);
        runParts(plans.layerNormBackward(m, n, g, p.weight, xhat, rstd, dx, dweight, dbias), parts, `layerNormBackward ${what}`);
        assertAllSame({ out, xhat, rstd, dx, dweight, dbias }, want, `wasm ${what}`);
        const evalOut = put(new Float32Array(m * n));
        runParts(plans.layerNorm(m, n, x, p.weight, p.bias, EPS, evalOut, null, null), parts, `layerNorm without xhat ${what}`);
        assertSame(evalOut, want.out as Float32Array, `wasm ${what}: out without xhat`);
      }
    }
  });

  it('decline arrays outside the heap, float64 and short parameters (the TypeScript loops then run)', () => {
    const s = freshModule();
    const plans = wasmPlans(s, false);
    const [m, n] = [4, 8];
    const h = (len: number): Float32Array => inHeapCopy(s, new Float32Array(len));
    const [w, b] = [new Float32Array(n), new Float32Array(n)];
    assert.equal(plans.layerNorm(m, n, new Float32Array(m * n), w, b, EPS, h(m * n), null, null), null);
    assert.equal(plans.layerNorm(m, n, h(m * n), w, b, EPS, h(m * n), new Float32Array(m * n), h(m)), null);
    assert.equal(plans.layerNorm(m, n, h(m * n), new Float64Array(n), b, EPS, h(m * n), null, null), null);
    assert.equal(plans.layerNorm(m, n, h(m * n), w.subarray(1), b, EPS, h(m * n), null, null), null);
    assert.equal(plans.layerNormBackward(m, n, new Float32Array(m * n), w, h(m * n), h(m), h(m * n), null, null), null);
    const g = h(m * n);
    assert.equal(plans.layerNormBackward(m, n, g, w, h(m * n), h(m), g, null, null), null, 'dx over g would go through scratch space');
  });

  it('give the same bits on 1, 2 and 3 threads, TypeScript loops (shared arrays) and wasm (heap arrays)', () => {
    const s = freshModule();
    const rnd = uniform(34);
    const always = { ts: 1, wasm: 1 };
    for (const [m, n] of [[5001, 13], [4100, 256], [3077, 7]]) {
      const p = problem(Float32Array, m, n, rnd);
      const want = run(fastTsKernels, m, n, p, sameArrays);
      for (const threads of [2, 3]) {
        const pool = sharedPool(threads);
        for (const [variant, k, make] of [
          ['TypeScript', createParallelKernels(fastTsKernels, threads, null, always), sharedCopy],
          ['wasm', createParallelKernels(fastTsKernels, threads, s, always), (a: FloatArray) => inHeapCopy(s, a)],
        ] as const) {
          const [dispatched, failed] = [pool.dispatched, pool.failed];
          assertAllSame(run(k, m, n, p, make), want, `${variant} ${m}x${n} on ${threads} threads`);
          assert.ok(pool.dispatched - dispatched >= 2 * (threads - 1), `${variant} ${m}x${n}: both kernels split`);
          assert.equal(pool.failed, failed, `${variant}: a worker failed (FASTGNN_DEBUG=1 shows why)`);
        }
      }
    }
  });

  it('reject sizes that do not fit m rows of width n, naming the kernel and the array', () => {
    const [m, n] = [3, 4];
    const a = (len: number): Float32Array => new Float32Array(len);
    const parallel = createParallelKernels(fastTsKernels, 2, null, { ts: 1, wasm: 1 });
    for (const k of [referenceKernels, fastTsKernels, fastKernels, parallel]) {
      assert.throws(() => k.layerNorm(m, n, a(11), a(n), a(n), EPS, a(12), null, null), /layerNorm: x holds 11 values, 3 rows of width 4 need 12/, k.name);
      assert.throws(() => k.layerNorm(m, n, a(12), a(n), a(3), EPS, a(12), null, null), /layerNorm: bias holds 3 values/, k.name);
      assert.throws(() => k.layerNorm(m, n, a(12), a(n), a(n), EPS, a(12), a(12), a(2)), /layerNorm: rstd holds 2 values, 3 rows of width 4 need 3/, k.name);
      assert.throws(() => k.layerNorm(m, 0, a(0), a(0), a(0), EPS, a(0), null, null), /layerNorm: expected m >= 0 rows of width n >= 1/, k.name);
      assert.throws(() => k.layerNormBackward(m, n, a(12), a(n), a(12), a(m), a(12), a(2), null), /layerNormBackward: dweight holds 2 values/, k.name);
      assert.throws(() => k.layerNormBackward(m, n, a(12), a(n), a(11), a(m), null, null, a(n)), /layerNormBackward: xhat holds 11 values/, k.name);
    }
    assert.throws(() => layerNorm(Tensor.zeros([3, 0]), Tensor.zeros([0]), Tensor.zeros([0])), /layerNorm: x has no columns to normalise/);
    assert.throws(() => layerNorm(Tensor.zeros([3, 4]), Tensor.zeros([5]), Tensor.zeros([4])), /layerNorm: vector of 5 values does not match 4 columns/);
  });
});
