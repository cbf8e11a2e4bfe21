// The wasm multi-head and attention plans against the reference kernels: 1 to 8 heads of 1 to 17 channels, rows
// without entries, row slices (indptr[0] > 0), non-finite logits, GAT attention's backward split between threads, and
// declined float64 operands.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsrMatrix } from '../../src/graph/csr.js';
import { referenceKernels as ref } from '../../src/kernels/reference.js';
import type { FloatArray } from '../../src/kernels/types.js';
import { phaseBounds } from '../../src/kernels/split.js';
import { runPhases, runWasmJob, type WasmPhase } from '../../src/kernels/wasm-job.js';
import { wasmPlans } from '../../src/kernels/wasm-plans.js';
import { rowSlice as slice } from '../../src/kernels/fast.js';
import { assertClose, randomArray, randomCsr, tolerance, uniform, wasmSparse as wasm } from './fixtures.js';

const SHAPES: Array<[number, number]> = [[8, 8], [8, 1], [4, 4], [2, 16], [1, 32], [2, 12], [4, 12], [3, 5], [1, 17], [1, 4], [2, 3], [4, 17]];
const plans = wasmPlans(wasm(), false);

function run(phases: WasmPhase[] | null, what: string): void {
  assert.ok(phases, `${what}: declined`);
  runPhases(phases);
}

/** Runs each phase's ranges as `threads` threads get them (phaseBounds, as parallel.ts splits), last range first. */
function runSplit(phases: WasmPhase[] | null, threads: number, what: string): void {
  assert.ok(phases, `${what}: declined`);
  for (const p of phases) {
    const bounds = phaseBounds(p, threads);
    for (let t = threads - 1; t >= 0; t--) runWasmJob(p.job, bounds[t], bounds[t + 1]);
  }
}

/** A matrix whole and as a slice from row 5 (so indptr[0] > 0), each with ~20% empty rows. */
function matrices(rnd: () => number): CsrMatrix[] {
  const a = randomCsr(Float32Array, 40, 33, 9, false, rnd);
  return [a, slice(a, 5, 37)];
}

/** Runs the wasm plan and the reference on copies of `start` and compares them; `logits` bounds the magnitude of
 *  logits the kernel rounds to float32 (their rounding error, up to logits * 2^-24, is a relative error of the exps). */
function compare(
  what: string, start: FloatArray, terms: number, plan: (out: FloatArray) => WasmPhase[] | null, reference: (out: FloatArray) => void, logits = 0,
): FloatArray {
  const got = start.slice();
  const want = start.slice();
  run(plan(got), what);
  reference(want);
  const { atol, rtol } = tolerance(Float32Array, terms);
  assertClose(got, want, atol, rtol + 2 * 2 ** -24 * logits, what);
  return got;
}

const largest = (x: FloatArray): number => Array.from(x, Math.abs).reduce((m, z) => Math.max(m, z), 0);

describe('wasm multi-head and attention kernels', () => {
  const rnd = uniform(41);
  const garbage = (n: number): FloatArray => randomArray(Float32Array, n, rnd).map((v) => v * 1e3);

  it('gspmm, gspmmT, sddmmDot and gspmmBackward match the reference', () => {
    for (const a of matrices(rnd)) {
      for (const [heads, c] of SHAPES) {
        const f = heads * c;
        const nnz = a.indptr[a.rows];
        const what = `heads=${heads} c=${c} e0=${a.indptr[0]}`;
        const w = randomArray(Float32Array, nnz * heads, rnd);
        const x = randomArray(Float32Array, a.cols * f, rnd);
        const y = randomArray(Float32Array, a.rows * f, rnd);
        compare(`gspmm ${what}`, garbage(a.rows * f), 9, (o) => plans.gspmm(a, w, heads, x, f, o), (o) => ref.gspmm(a, w, heads, x, f, o));
        compare(`gspmmT ${what}`, garbage(a.cols * f), 9, (o) => plans.gspmmT(a, w, heads, y, f, o), (o) => ref.gspmmT(a, w, heads, y, f, o));
        compare(`sddmmDot ${what}`, garbage(nnz * heads), c, (o) => plans.sddmmDot(a, y, x, heads, f, o), (o) => ref.sddmmDot(a, y, x, heads, f, o));
        for (const [withDw, withDx] of [[true, true], [true, false], [false, true]]) {
          const [dw, dx] = [garbage(nnz * heads), garbage(a.cols * f)];
          const [dwRef, dxRef] = [dw.slice(), dx.slice()];
          run(plans.gspmmBackward(a, w, heads, x, y, f, withDw ? dw : null, withDx ? dx : null), `gspmmBackward ${what}`);
          ref.gspmmBackward(a, w, heads, x, y, f, withDw ? dwRef : null, withDx ? dxRef : null);
          const { atol, rtol } = tolerance(Float32Array, Math.max(c, 9));
          assertClose(dw, dwRef, atol, rtol, `gspmmBackward dw ${what} dw=${withDw} dx=${withDx}`);
          assertClose(dx, dxRef, atol, rtol, `gspmmBackward dx ${what} dw=${withDw} dx=${withDx}`);
        }
      }
    }
  });

  it('sddmmAdd, edgeSoftmax and its backward match the reference for 1 to 8 heads', () => {
    for (const a of matrices(rnd)) {
      for (const heads of [1, 2, 3, 4, 5, 8]) {
        const count = a.indptr[a.rows] * heads;
        const what = `heads=${heads} e0=${a.indptr[0]}`;
        const u = randomArray(Float32Array, a.rows * heads, rnd);
        const v = randomArray(Float32Array, a.cols * heads, rnd);
        const e = randomArray(Float32Array, count, rnd).map((z) => 30 * z);
        const g = randomArray(Float32Array, count, rnd);
        compare(`sddmmAdd ${what}`, garbage(count), 1, (o) => plans.sddmmAdd(a, u, v, heads, o), (o) => ref.sddmmAdd(a, u, v, heads, o));
        const alpha = compare(`edgeSoftmax ${what}`, garbage(count), 9, (o) => plans.edgeSoftmax(a, e, heads, o), (o) => ref.edgeSoftmax(a, e, heads, o));
        compare(`edgeSoftmaxBackward ${what}`, garbage(count), 9, (o) => plans.edgeSoftmaxBackward(a, alpha, g, heads, o),
          (o) => ref.edgeSoftmaxBackward(a, alpha, g, heads, o));
      }
    }
  });

  it('edgeSoftmax turns exactly the reference rows NaN for NaN and infinite logits, and computes in place', () => {
    const a = randomCsr(Float32Array, 30, 30, 8, false, rnd);
    const row = a.indptr.findIndex((p, i) => i < a.rows && a.indptr[i + 1] > p + 1);
    for (const heads of [1, 4]) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const e = randomArray(Float32Array, a.indptr[a.rows] * heads, rnd);
        e[a.indptr[row] * heads] = bad;
        const want = compare(`edgeSoftmax heads=${heads} with ${bad}`, garbage(e.length), 9, (o) => plans.edgeSoftmax(a, e, heads, o), (o) => ref.edgeSoftmax(a, e, heads, o));
        const inPlace = e.slice();
        run(plans.edgeSoftmax(a, inPlace, heads, inPlace), 'in place');
        assert.deepEqual(inPlace, want);
      }
    }
  });

  it('gatAttention and its backward (the same bits for any split between threads) match the reference', () => {
    for (const a of matrices(rnd)) {
      for (const heads of [1, 3, 4, 8]) {
        for (const slope of [0.2, 0, 1, -0.3, 1.5]) {
          // spread: head 0 of every other source shifted far down, so rows that see only those underflow when shifted
          for (const [scale, spread] of [[1, 0], [40, 0], [3, 2000]]) {
            const what = `heads=${heads} slope=${slope} scale=${scale} spread=${spread} e0=${a.indptr[0]}`;
            const count = a.indptr[a.rows] * heads;
            const u = randomArray(Float32Array, a.rows * heads, rnd).map((z) => z * scale);
            const v = randomArray(Float32Array, a.cols * heads, rnd).map((z, i) => z * scale - (i % (2 * heads) === 0 ? spread : 0));
            const alpha = compare(`gatAttention ${what}`, garbage(count), 9, (o) => plans.gatAttention(a, u, v, heads, slope, o),
              (o) => ref.gatAttention(a, u, v, heads, slope, o), (largest(u) + largest(v)) * Math.max(1, Math.abs(slope)));
            const g = randomArray(Float32Array, count, rnd);
            for (const [withDu, withDv] of [[true, true], [true, false], [false, true]]) {
              const du = randomArray(Float32Array, u.length, rnd);
              const dv = randomArray(Float32Array, v.length, rnd);
              const [duRef, dvRef] = [du.slice(), dv.slice()];
              const backward = (dU: FloatArray, dV: FloatArray): WasmPhase[] | null =>
                plans.gatAttentionBackward(a, u, v, alpha, g, heads, slope, withDu ? dU : null, withDv ? dV : null);
              const split = [2, 3, 5].map((threads) => [du.slice(), dv.slice(), threads] as const);
              run(backward(du, dv), `backward ${what}`);
              for (const [dU, dV, threads] of split) runSplit(backward(dU, dV), threads, `backward ${what} on ${threads} threads`);
              ref.gatAttentionBackward(a, u, v, alpha, g, heads, slope, withDu ? duRef : null, withDv ? dvRef : null);
              const { atol, rtol } = tolerance(Float32Array, 9);
              assertClose(du, duRef, atol, rtol, `gatAttentionBackward du ${what}`);
              assertClose(dv, dvRef, atol, rtol, `gatAttentionBackward dv ${what}`);
              for (const [dU, dV, threads] of split) assert.deepEqual([dU, dV], [du, dv], `the backward ${what} split over ${threads} threads`);
            }
          }
        }
      }
    }
  });

  it('gatAttention has NaN exactly where the reference has, for NaN and infinite scores', () => {
    const a = randomCsr(Float32Array, 30, 30, 10, false, rnd);
    const row = a.indptr.findIndex((p, i) => i < a.rows && a.indptr[i + 1] > p);
    const col = a.indices[a.indptr[row]];
    for (const heads of [1, 4, 8]) {
      for (const slope of [0.2, 0]) {
        for (const [where, bad] of [['v', NaN], ['v', Infinity], ['v', -Infinity], ['u', NaN], ['u', Infinity], ['u', -Infinity]] as const) {
          const u = randomArray(Float32Array, 30 * heads, rnd);
          const v = randomArray(Float32Array, 30 * heads, rnd);
          if (where === 'u') u[row * heads + heads - 1] = bad;
          else v[col * heads + heads - 1] = bad;
          compare(`gatAttention heads=${heads} slope=${slope}: ${where} holds ${bad}`, garbage(a.indptr[a.rows] * heads), 9,
            (o) => plans.gatAttention(a, u, v, heads, slope, o), (o) => ref.gatAttention(a, u, v, heads, slope, o));
        }
      }
    }
  });

  it('declines float64 operands and widths that do not split into the heads', () => {
    const a = randomCsr(Float32Array, 6, 6, 3, false, rnd);
    const nnz = a.indptr[a.rows];
    const d = new Float64Array(nnz * 2);
    const s = new Float32Array(nnz * 2);
    assert.equal(plans.gspmm(a, d, 2, new Float32Array(24), 4, new Float32Array(24)), null);
    assert.equal(plans.gspmm(a, s, 2, new Float32Array(18), 3, new Float32Array(18)), null);
    assert.equal(plans.edgeSoftmax(a, d, 2, s), null);
    assert.equal(plans.gatAttention(a, new Float64Array(12), new Float32Array(12), 2, 0.2, s), null);
    assert.equal(plans.gatAttentionBackward(a, new Float32Array(12), new Float32Array(12), s, s, 2, 0.2, new Float64Array(12), null), null);
  });
});
