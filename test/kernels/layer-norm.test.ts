// The LayerNorm kernels: every kernel set against a float64 computation within float32 tolerance; the TypeScript loops,
// the wasm plans (heap arrays and copies in chunks, whole and in parts, in place) and the parallel kernels (2 and 3
// threads) with the same bits; clear errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fastKernels, fastTsKernels } from '../../src/kernels/fast.js';
import { createParallelKernels } from '../../src/kernels/parallel.js';
import { sharedPool } from '../../src/kernels/pool.js';
import { referenceKernels } from '../../src/kernels/reference.js';
import type { FloatArray, Kernels } from '../../src/kernels/types.js';
import { phaseBounds } from '../../src/kernels/split.js';
import { runWasmJob, type WasmPhase } from '../../src/kernels/wasm-job.js';
import { layerNormBackwardPlan, layerNormPlan } from '../../src/kernels/wasm-layer-norm.js';
import { wasmPlans } from '../../src/kernels/wasm-plans.js';
import { layerNorm, Tensor } from '../../src/tensor/index.js';
import { assertClose, assertSame, freshModule, inHeapCopy, randomArray, tolerance, uniform, type FloatCtor } from './fixtures.js';

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

/** Runs every phase in `parts` ranges of its units, as the pool's threads would (whole blocks for the backward). */
function inParts(phases: WasmPhase[] | null, parts: number, what: string): void {
  assert.ok(phases, `${what}: declined`);
  for (const p of phases) {
    const bounds = p.calling ? [0, p.units] : phaseBounds(p, parts);
    for (let t = 0; t + 1 < bounds.length; t++) runWasmJob(p.job, bounds[t], bounds[t + 1]);
  }
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

  it('write the same out without xhat and rstd (evaluation), skip the gradients not wanted, and work in place', () => {
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
      const [x, g, dweight] = [p.x.slice(), p.g.slice(), new Float32Array(n)];
      k.layerNorm(m, n, x, p.weight, p.bias, EPS, x, null, null);
      k.layerNormBackward(m, n, g, p.weight, all.xhat, all.rstd, g, dweight, null);
      assertSame(x as Float32Array, all.out as Float32Array, `${k.name}: out in place of x`);
      assertSame(g as Float32Array, all.dx as Float32Array, `${k.name}: dx in place of g`);
      assertSame(dweight, all.dweight as Float32Array, `${k.name}: dweight with dx in place of g`);
    }
  });

  it('give the TypeScript bits through the wasm plans, on heap arrays and copied in chunks, whole and in 3 parts', () => {
    const s = freshModule();
    const rnd = uniform(33);
    for (const n of WIDTHS) {
      const m = n === 256 ? 300 : 3100; // four blocks of 1024 rows: a 3-part split of the backward
      const p = problem(Float32Array, m, n, rnd);
      const want = run(fastTsKernels, m, n, p, sameArrays);
      // chunks of 700 rows (the forward) and of one block (the backward) when an array is outside the heap
      const chunkBytes = 4 * n * 700;
      for (const [place, make] of [['heap', (a: FloatArray) => inHeapCopy(s, a)], ['ordinary', sameArrays]] as const) {
        for (const parts of [1, 3]) {
          const what = `${place} ${m}x${n} parts=${parts}`;
          const [x, g, out, xhat, rstd, dx] = [make(p.x), make(p.g), make(new Float32Array(m * n)), make(new Float32Array(m * n)), make(new Float32Array(m)), make(new Float32Array(m * n))];
          const [dweight, dbias] = [new Float32Array(n), new Float32Array(n)];
          inParts(layerNormPlan(s, m, n, x, p.weight, p.bias, EPS, out, xhat, rstd, chunkBytes), parts, `layerNorm ${what}`);
          inParts(layerNormBackwardPlan(s, m, n, g, p.weight, xhat, rstd, dx, dweight, dbias, chunkBytes), parts, `layerNormBackward ${what}`);
          assertAllSame({ out, xhat, rstd, dx, dweight, dbias }, want, `wasm ${what}`);
          const evalOut = make(new Float32Array(m * n));
          inParts(layerNormPlan(s, m, n, x, p.weight, p.bias, EPS, evalOut, null, null, chunkBytes), parts, `layerNorm without xhat ${what}`);
          assertSame(evalOut as Float32Array, want.out as Float32Array, `wasm ${what}: out without xhat`);
          // in place: out over x, dx over g
          inParts(layerNormPlan(s, m, n, x, p.weight, p.bias, EPS, x, null, null, chunkBytes), parts, `layerNorm in place ${what}`);
          inParts(layerNormBackwardPlan(s, m, n, g, p.weight, xhat, rstd, g, null, null, chunkBytes), parts, `layerNormBackward in place ${what}`);
          assertSame(x as Float32Array, want.out as Float32Array, `wasm ${what}: out in place of x`);
          assertSame(g as Float32Array, want.dx as Float32Array, `wasm ${what}: dx in place of g`);
        }
      }
    }
  });

  it('decline float64 arrays and arrays or parameters too short (the TypeScript loops then run and say which)', () => {
    const s = freshModule();
    const plans = wasmPlans(s, false);
    const [m, n] = [4, 8];
    const a = (len: number): Float32Array => new Float32Array(len);
    const [w, b] = [a(n), a(n)];
    assert.equal(plans.layerNorm(m, n, new Float64Array(m * n), w, b, EPS, a(m * n), null, null), null);
    assert.equal(plans.layerNorm(m, n, a(m * n), new Float64Array(n), b, EPS, a(m * n), null, null), null);
    assert.equal(plans.layerNorm(m, n, a(m * n), w.subarray(1), b, EPS, a(m * n), null, null), null);
    assert.equal(plans.layerNorm(m, n, a(m * n), w, b, EPS, a(m * n), a(m * n - 1), a(m)), null);
    assert.equal(plans.layerNormBackward(m, n, a(m * n), w, a(m * n), a(m - 1), a(m * n), null, null), null);
    assert.equal(plans.layerNormBackward(m, n, a(m * n), w, a(m * n), a(m), null, a(n - 1), null), null);
    assert.ok(plans.layerNorm(m, n, a(m * n), w, b, EPS, a(m * n), a(m * n), a(m)), 'ordinary float32 arrays are taken');
  });

  it('give the same bits on 1, 2 and 3 threads: TypeScript loops, and wasm on heap arrays and on copies', () => {
    const s = freshModule();
    const rnd = uniform(34);
    const always = { ts: 1, wasm: 1 };
    for (const [m, n] of [[5001, 13], [4100, 256], [3077, 7]]) {
      const p = problem(Float32Array, m, n, rnd);
      const want = run(fastTsKernels, m, n, p, sameArrays);
      for (const threads of [2, 3]) {
        const pool = sharedPool(threads);
        const wasm = createParallelKernels(fastTsKernels, threads, s, always);
        for (const [variant, k, make] of [
          ['TypeScript', createParallelKernels(fastTsKernels, threads, null, always), sharedCopy],
          ['wasm on heap arrays', wasm, (a: FloatArray) => inHeapCopy(s, a)],
          ['wasm on copies', wasm, sharedCopy],
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
