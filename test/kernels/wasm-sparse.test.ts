// The WebAssembly SIMD SpMM plans against the reference kernels: row slices, ranges of output rows, declined
// operands, the resident graph structure, and the vectorised exp against Math.exp.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsrMatrix } from '../../src/graph/csr.js';
import { rowSlice as slice } from '../../src/kernels/fast.js';
import { referenceKernels as ref } from '../../src/kernels/reference.js';
import { runPhases, runWasmJob } from '../../src/kernels/wasm-job.js';
import { wasmPlans } from '../../src/kernels/wasm-plans.js';
import { createWasmSparse, releaseMatrices } from '../../src/kernels/wasm-sparse.js';
import { readWasm, threadExports } from '../../src/kernels/wasm-module.js';
import { assertClose, randomArray, randomCsr, tolerance, uniform, wasmSparse as wasm } from './fixtures.js';

describe('wasm SpMM', () => {
  const rnd = uniform(31);
  const plans = wasmPlans(wasm(), false);

  it('gathers and multiplies by the transpose like the reference for widths across every SIMD edge, weighted and not, whole and sliced', () => {
    for (const weighted of [true, false]) {
      const whole = randomCsr(Float32Array, 60, 45, 9, weighted, rnd);
      for (const a of [whole, slice(whole, 7, 52)]) {
        for (const f of [1, 3, 4, 15, 16, 17, 64, 70]) {
          const x = randomArray(Float32Array, a.cols * f, rnd);
          const y = randomArray(Float32Array, a.rows * f, rnd);
          const got = new Float32Array(a.rows * f).fill(NaN);
          const gotT = new Float32Array(a.cols * f).fill(NaN);
          const want = new Float32Array(a.rows * f);
          const wantT = new Float32Array(a.cols * f);
          runPhases(plans.spmm(a, x, f, got)!);
          runPhases(plans.spmmT(a, y, f, gotT)!);
          ref.spmm(a, x, f, want);
          ref.spmmT(a, y, f, wantT);
          const { atol, rtol } = tolerance(Float32Array, 9);
          const what = `f=${f} weighted=${weighted} e0=${a.indptr[0]}`;
          assertClose(got, want, atol, rtol, `spmm ${what}`);
          assertClose(gotT, wantT, atol, rtol, `spmmT ${what}`);
        }
      }
    }
  });

  it('scatters A^T y through A with the bits of the gather over its transpose (one thread, no transpose known yet)', () => {
    const parallel = wasmPlans(wasm(), true);
    for (const weighted of [true, false]) {
      const whole = randomCsr(Float32Array, 50, 40, 8, weighted, rnd);
      // a repeated column in a row, an empty row and signed zeros among the values
      const dup: CsrMatrix = {
        rows: 3, cols: 4, indptr: Int32Array.of(0, 3, 3, 6), indices: Int32Array.of(1, 1, 3, 0, 1, 1),
        values: weighted ? Float32Array.of(-0, 2.5, 1e-30, -3, 0, -0) : undefined,
      };
      for (const matrix of [whole, slice(whole, 5, 44), dup]) {
        for (const f of [1, 3, 4, 16, 17, 64]) {
          const a = { ...matrix }; // a new matrix object: no transpose cached for it
          const y = randomArray(Float32Array, a.rows * f, rnd);
          if (matrix === dup) y.fill(-0, 0, f);
          const scattered = new Float32Array(a.cols * f).fill(NaN);
          const gathered = new Float32Array(a.cols * f).fill(NaN);
          const [phase] = plans.spmmT(a, y, f, scattered)!;
          assert.equal(phase.job.kernel, 'scatter', 'no transpose is known: a scatter');
          runPhases([phase]);
          const [byRows] = parallel.spmmT(a, y, f, gathered)!; // parallel plans gather over the transpose
          assert.equal(byRows.job.kernel, 'gather');
          runPhases([byRows]);
          const what = `f=${f} weighted=${weighted} e0=${a.indptr[0]} rows=${a.rows}`;
          assert.deepEqual(new Uint32Array(scattered.buffer), new Uint32Array(gathered.buffer), what);
          assert.equal(plans.spmmT(a, y, f, scattered)![0].job.kernel, 'gather', `${what}: a known transpose is used`);
        }
      }
    }
  });

  it('computes and copies out only the output rows of the range it is given', () => {
    const a = randomCsr(Float32Array, 30, 20, 6, true, rnd);
    const f = 20;
    const x = randomArray(Float32Array, a.cols * f, rnd);
    const y = randomArray(Float32Array, a.rows * f, rnd);
    for (const [op, input, rows] of [['spmm', x, a.rows], ['spmmT', y, a.cols]] as const) {
      const whole = new Float32Array(rows * f);
      runPhases(plans[op](a, input, f, whole)!);
      const parts = new Float32Array(rows * f).fill(NaN);
      const [phase] = plans[op](a, input, f, parts)!;
      runWasmJob(phase.job, 11, rows);
      assert.ok(parts.subarray(0, 11 * f).every(Number.isNaN), `${op}: rows before the range untouched`);
      runWasmJob(phase.job, 0, 11);
      assert.deepEqual(parts, whole, op);
    }
  });

  it('declines float64 operands and a dense input with fewer rows than the product needs', () => {
    const a = randomCsr(Float32Array, 5, 4, 3, true, rnd);
    assert.equal(plans.spmm(a, new Float64Array(8), 2, new Float64Array(10)), null);
    assert.equal(plans.spmm({ ...a, values: new Float64Array(a.indptr[5]) }, new Float32Array(8), 2, new Float32Array(10)), null);
    assert.equal(plans.spmm(a, new Float32Array(7), 2, new Float32Array(10)), null);
  });

  it('keeps a whole matrix resident between calls, and copies a slice each time', () => {
    const a = randomCsr(Float32Array, 40, 40, 5, true, rnd);
    const x = randomArray(Float32Array, a.cols * 4, rnd);
    const out = new Float32Array(a.rows * 4);
    const args = (m: CsrMatrix): number[] => plans.spmm(m, x, 4, out)!.map((p) => p.job.args)[0];
    assert.deepEqual(args(a).slice(2, 5), args(a).slice(2, 5), 'the same indptr, indices and values addresses');
    const s = slice(a, 3, 30);
    assert.notEqual(args(s)[2], args(a)[2], 'a slice has its own indptr');
    const before = args(a);
    const later = plans.spmm(a, x, 4, out)!;
    runPhases(later);
    const want = new Float32Array(a.rows * 4);
    ref.spmm(a, x, 4, want);
    assertClose(out, want, 1e-5, 1e-5, 'after the slice');
    assert.equal(later[0].job.args[3], before[3]);
  });

  it('copies a matrix in again once releaseMatrices said no call would see it again', () => {
    const s = wasm();
    const a = randomCsr(Float32Array, 30, 30, 4, true, rnd);
    const x = randomArray(Float32Array, a.cols * 4, rnd);
    const out = new Float32Array(a.rows * 4);
    runPhases(plans.spmm(a, x, 4, out)!);
    const structureBytes = 4 * (a.indptr.length + a.indices.length + a.values!.length);
    const before = s.layout.copiedBytes;
    runPhases(plans.spmm(a, x, 4, out)!);
    const perCall = s.layout.copiedBytes - before; // the dense operand, copied every call
    releaseMatrices([a]);
    const again = s.layout.copiedBytes;
    runPhases(plans.spmm(a, x, 4, out)!);
    assert.equal(s.layout.copiedBytes - again, perCall + structureBytes);
  });

  it('gives back the top of the resident region when the arrays there are released, never a live array\'s place', () => {
    const bytes = readWasm('sparse');
    assert.ok(typeof bytes !== 'string', String(bytes));
    const fresh = createWasmSparse(bytes);
    assert.ok(typeof fresh !== 'string', String(fresh));
    const layout = fresh.layout;
    const keep = (a: Int32Array): number => layout.place([{ keep: a, lo: 0, hi: a.length }])![0];
    const [a, b, c, d] = [1, 2, 3, 4].map((v) => new Int32Array(1000).fill(v));
    const atA = keep(a);
    const atB = keep(b);
    assert.ok(atB > atA);
    assert.equal(keep(b), atB, 'resident: found again');
    layout.release([b]);
    assert.equal(keep(c), atB, 'b was on top: c takes its place');
    const copied = layout.copiedBytes;
    layout.release([a]);
    assert.equal(keep(c), atB, 'releasing a (below c) moves nothing');
    assert.equal(layout.copiedBytes, copied, 'c is still resident');
    layout.release([c]);
    assert.equal(keep(d), atA, 'with a and c released the region is empty again');
    const view = new Int32Array(fresh.module.memory.buffer, atA, 1000);
    assert.ok(view.every((v) => v === 4), 'd was copied where a was');
    assert.notEqual(keep(a), atA, 'a released is copied afresh, above d');
  });

  it('computes e^x within 2 ulp of Math.exp rounded to float32, including subnormal, infinite and NaN results', () => {
    const s = wasm();
    const n = 1 << 16;
    const xs = Float32Array.from({ length: n }, (_, i) => {
      if (i < 8) return [0, -0, NaN, Infinity, -Infinity, 88.72, -87.33, -103.97][i];
      const r = rnd();
      return i % 3 === 0 ? -110 + 200 * r : i % 3 === 1 ? 2 * r - 1 : -87 - 17 * r;
    });
    const [at, outAt] = s.layout.place([{ copy: xs, lo: 0, hi: n }, { bytes: 4 * n }])!;
    // n - 1: the last values go through the scalar path
    threadExports<{ expInto(x: number, out: number, n: number): void }>(s.module).expInto(at, outAt, n - 1);
    const got = new Float32Array(s.module.memory.buffer, outAt, n - 1);
    const bits = new Int32Array(2);
    const f = new Float32Array(bits.buffer);
    for (let i = 0; i < n - 1; i++) {
      const want = Math.fround(Math.exp(xs[i]));
      if (Number.isNaN(want)) {
        assert.ok(Number.isNaN(got[i]), `e^${xs[i]}`);
        continue;
      }
      f[0] = got[i];
      f[1] = want;
      assert.ok(Math.abs(bits[0] - bits[1]) <= 2, `e^${xs[i]} = ${got[i]}, expected ${want}`);
    }
  });

  it('computes e^x for x <= 0 with the same bits as the general exp, lanes above and below 2^-126 mixed in a vector', () => {
    const s = wasm();
    const n = 1 << 14;
    const xs = Float32Array.from({ length: n }, (_, i) => {
      if (i < 8) return [0, -0, NaN, -Infinity, -87.33, -87.34, -103.97, -104.5][i];
      const r = rnd();
      return i % 4 === 0 ? -110 * r : i % 4 === 1 ? -r : i % 4 === 2 ? -86 - 20 * r : -1e-30 * r;
    });
    const [at, general, nonPositive] = s.layout.place([{ copy: xs, lo: 0, hi: n }, { bytes: 4 * n }, { bytes: 4 * n }])!;
    const exports = threadExports<{ expInto(x: number, out: number, n: number): void; expNonPositiveInto(x: number, out: number, n: number): void }>(s.module);
    exports.expInto(at, general, n);
    exports.expNonPositiveInto(at, nonPositive, n);
    const want = new Int32Array(s.module.memory.buffer, general, n);
    const got = new Int32Array(s.module.memory.buffer, nonPositive, n);
    const subnormal = Array.from(new Float32Array(s.module.memory.buffer, general, n)).filter((y) => y > 0 && y < 2 ** -126).length;
    assert.ok(subnormal > 100, `the sample reaches the two-step (subnormal) path: ${subnormal} results`);
    for (let i = 0; i < n; i++) assert.equal(got[i], want[i], `e^${xs[i]}`);
  });

  it('reports why it cannot run when the engine rejects the module', () => {
    assert.match(String(createWasmSparse(new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]))), /cannot compile sparse\.wasm/);
  });
});
