// The wasm multi-head kernels on rows longer than what they touch ahead at once (touchEntries' chunks in
// assembly/heads.ts, TOUCH_ENTRIES in assembly/gat-backward.ts), touching or not: the bits of float32 sums in entry
// order, the same bits for any split between threads, heap and ordinary operands, and the reference within float32
// rounding.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsrMatrix } from '../../src/graph/csr.js';
import { rowSlice } from '../../src/kernels/fast.js';
import { referenceKernels as ref } from '../../src/kernels/reference.js';
import { phaseBounds } from '../../src/kernels/split.js';
import { touchAhead } from '../../src/kernels/wasm-attention.js';
import { runPhases, runWasmJob, type WasmPhase } from '../../src/kernels/wasm-job.js';
import { wasmPlans } from '../../src/kernels/wasm-plans.js';
import { assertClose, assertSame, freshModule, inHeapCopy, randomArray, randomCsr, tolerance, uniform } from './fixtures.js';

const fr = Math.fround;

/** Runs each phase's ranges as `threads` threads get them (phaseBounds, as parallel.ts splits them), last range first. */
function runSplit(phases: WasmPhase[] | null, threads: number, what: string): void {
  assert.ok(phases, `${what}: declined`);
  for (const p of phases) {
    const bounds = phaseBounds(p, threads);
    for (let t = threads - 1; t >= 0; t--) runWasmJob(p.job, bounds[t], bounds[t + 1]);
  }
}

/** out = A(w) x as the kernels sum it: per output value, float32 products added in entry order from 0; by rows of A,
 *  or by A's rows scattered into the columns (A^T, as the gather over the transpose sums it). */
function gspmmF32(a: CsrMatrix, w: Float32Array, heads: number, x: Float32Array, f: number, transposed: boolean): Float32Array {
  const c = f / heads;
  const out = new Float32Array((transposed ? a.cols : a.rows) * f);
  for (let i = 0; i < a.rows; i++) {
    for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
      const [to, from] = transposed ? [a.indices[k], i] : [i, a.indices[k]];
      for (let t = 0; t < f; t++) out[to * f + t] = fr(out[to * f + t] + fr(w[k * heads + Math.floor(t / c)] * x[from * f + t]));
    }
  }
  return out;
}

describe('wasm multi-head kernels on long rows', () => {
  const rnd = uniform(77);
  const s = freshModule();
  const plans = wasmPlans(s, false);
  // rows of up to 60 entries over 9 columns (the transpose's rows ~55), ~20% empty; wide rows make chunks of 3-4 entries
  const whole = randomCsr(Float32Array, 12, 9, 60, false, rnd);
  const matrices = [whole, rowSlice(whole, 2, 11)];

  /** Runs `check` with the touching paths on any array, then on none. */
  const touchingOrNot = (check: (what: string) => void): void => {
    const settings = { ...touchAhead };
    try {
      for (const least of [0, Infinity]) {
        Object.assign(touchAhead, { gatherBytes: least, attentionBytes: least });
        check(least === 0 ? 'touching' : 'not touching');
      }
    } finally {
      Object.assign(touchAhead, settings);
    }
  };

  it('gspmm, gspmmT, sddmmDot and gspmmBackward: float32 sums in entry order, any split, heap or not', () => touchingOrNot((touching) => {
    for (const a of matrices) {
      // 16-column blocks only; then a 4-column tail; then a 1-column tail
      for (const [heads, c] of [[8, 256], [2, 1026], [3, 683]]) {
        const f = heads * c;
        const [e0, end] = [a.indptr[0], a.indptr[a.rows]];
        const what = `heads=${heads} c=${c} e0=${e0} ${touching}`;
        const w = randomArray(Float32Array, end * heads, rnd) as Float32Array;
        const x = randomArray(Float32Array, a.cols * f, rnd) as Float32Array;
        const g = randomArray(Float32Array, a.rows * f, rnd) as Float32Array;
        const out = new Float32Array(a.rows * f);
        runPhases(plans.gspmm(a, w, heads, x, f, out) ?? assert.fail(`${what}: gspmm declined`));
        assertSame(out, gspmmF32(a, w, heads, x, f, false), `gspmm ${what}`);
        const dxWant = gspmmF32(a, w, heads, g, f, true);
        const dwWant = new Float32Array(end * heads);
        runPhases(plans.sddmmDot(a, g, x, heads, f, dwWant) ?? assert.fail(`${what}: sddmmDot declined`));
        const dwRef = new Float32Array(end * heads);
        ref.sddmmDot(a, g, x, heads, f, dwRef);
        const { atol, rtol } = tolerance(Float32Array, c);
        assertClose(dwWant, dwRef, atol, rtol, `sddmmDot ${what}`);
        for (const threads of [1, 2, 3]) {
          const dxT = new Float32Array(a.cols * f);
          runSplit(plans.gspmmT(a, w, heads, g, f, dxT), threads, `gspmmT ${what}`);
          assertSame(dxT, dxWant, `gspmmT ${what} threads=${threads}`);
          for (const heap of [false, true]) {
            const put = (z: Float32Array): Float32Array => (heap ? inHeapCopy(s, z) : z);
            const [dw, dx] = [put(new Float32Array(end * heads)), put(new Float32Array(a.cols * f))];
            runSplit(plans.gspmmBackward(a, put(w), heads, put(x), put(g), f, dw, dx), threads, `gspmmBackward ${what}`);
            assertSame(dw.subarray(e0 * heads), dwWant.subarray(e0 * heads), `gspmmBackward dw ${what} threads=${threads} heap=${heap}`);
            assertSame(dx, dxWant, `gspmmBackward dx ${what} threads=${threads} heap=${heap}`);
          }
        }
      }
    }
  }));

  const long = randomCsr(Float32Array, 8, 50, 600, false, rnd);
  it('the GAT attention backward on rows of up to 600 entries: the reference, the same bits for any split', () => touchingOrNot((touching) => {
    for (const a of [long, rowSlice(long, 1, 7)]) {
      const what = `e0=${a.indptr[0]} ${touching}`;
      const heads = 8;
      const count = a.indptr[a.rows] * heads;
      const u = randomArray(Float32Array, a.rows * heads, rnd);
      const v = randomArray(Float32Array, a.cols * heads, rnd);
      const alpha = new Float32Array(count);
      runPhases(plans.gatAttention(a, u, v, heads, 0.2, alpha) ?? assert.fail('gatAttention declined'));
      const gr = randomArray(Float32Array, count, rnd);
      const [du0, dv0] = [randomArray(Float32Array, u.length, rnd), randomArray(Float32Array, v.length, rnd)];
        const results = [1, 2, 3].map((threads) => {
        const [du, dv] = [du0.slice(), dv0.slice()];
        runSplit(plans.gatAttentionBackward(a, u, v, alpha, gr, heads, 0.2, du, dv), threads, `backward on ${threads} threads`);
        return [du, dv] as const;
      });
      const [duRef, dvRef] = [du0.slice(), dv0.slice()];
      ref.gatAttentionBackward(a, u, v, alpha, gr, heads, 0.2, duRef, dvRef);
      const { atol, rtol } = tolerance(Float32Array, 600);
      assertClose(results[0][0], duRef, atol, rtol, `du ${what}`);
      assertClose(results[0][1], dvRef, atol, rtol, `dv ${what}`);
      for (const [du, dv] of results.slice(1)) assert.deepEqual([du, dv], results[0], `${what}: the same bits for any split`);
    }
  }));
});
