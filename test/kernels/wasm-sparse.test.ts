// The WebAssembly SIMD SpMM against the reference kernels: row slices, ranges of output rows, declined operands.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsrMatrix } from '../../src/graph/csr.js';
import { referenceKernels as ref } from '../../src/kernels/reference.js';
import { createWasmSparse, loadWasmSparse, runWasmSparse, wasmSparseUnavailableReason, type WasmSparse } from '../../src/kernels/wasm-sparse.js';
import { assertClose, randomArray, randomCsr, tolerance, uniform } from './fixtures.js';

function wasm(): WasmSparse {
  const w = loadWasmSparse();
  if (w === null) assert.fail(`the wasm SpMM does not load: ${wasmSparseUnavailableReason()}`);
  return w;
}

/** Rows [r0, r1) of a, with indptr kept absolute (as the parallel kernels slice a matrix). */
function slice(a: CsrMatrix, r0: number, r1: number): CsrMatrix {
  return { rows: r1 - r0, cols: a.cols, indptr: a.indptr.subarray(r0, r1 + 1), indices: a.indices, values: a.values };
}

describe('wasm SpMM', () => {
  const rnd = uniform(31);

  it('gathers and scatters like the reference for widths across every SIMD edge, weighted and not, on a row slice', () => {
    for (const weighted of [true, false]) {
      const whole = randomCsr(Float32Array, 60, 45, 9, weighted, rnd);
      const a = slice(whole, 7, 52);
      for (const f of [1, 3, 4, 15, 16, 17, 64, 70]) {
        const x = randomArray(Float32Array, a.cols * f, rnd) as Float32Array;
        const y = randomArray(Float32Array, a.rows * f, rnd) as Float32Array;
        const got = new Float32Array(a.rows * f).fill(NaN);
        const gotT = new Float32Array(a.cols * f).fill(NaN);
        const want = new Float32Array(a.rows * f);
        const wantT = new Float32Array(a.cols * f);
        runWasmSparse(wasm().prepare('gather', a, a.values, x, f, got)!, 0, a.rows);
        runWasmSparse(wasm().prepare('scatter', a, a.values, y, f, gotT)!, 0, a.cols);
        ref.spmm(a, x, f, want);
        ref.spmmT(a, y, f, wantT);
        const { atol, rtol } = tolerance(Float32Array, 9);
        assertClose(got, want, atol, rtol, `gather f=${f} weighted=${weighted}`);
        assertClose(gotT, wantT, atol, rtol, `scatter f=${f} weighted=${weighted}`);
      }
    }
  });

  it('computes and copies out only the output rows of the range it is given', () => {
    const a = randomCsr(Float32Array, 30, 20, 6, true, rnd);
    const f = 20;
    const x = randomArray(Float32Array, a.cols * f, rnd) as Float32Array;
    const y = randomArray(Float32Array, a.rows * f, rnd) as Float32Array;
    for (const [op, input, rows] of [['gather', x, a.rows], ['scatter', y, a.cols]] as const) {
      const whole = new Float32Array(rows * f);
      runWasmSparse(wasm().prepare(op, a, a.values, input, f, whole)!, 0, rows);
      const parts = new Float32Array(rows * f).fill(NaN);
      const job = wasm().prepare(op, a, a.values, input, f, parts)!;
      runWasmSparse(job, 11, rows);
      assert.ok(parts.subarray(0, 11 * f).every(Number.isNaN), `${op}: rows before the range untouched`);
      runWasmSparse(job, 0, 11);
      assert.deepEqual(parts, whole, op);
    }
  });

  it('declines float64 operands and a dense input with fewer rows than the product needs', () => {
    const a = randomCsr(Float32Array, 5, 4, 3, true, rnd);
    assert.equal(wasm().prepare('gather', a, a.values, new Float64Array(8), 2, new Float64Array(10)), null);
    assert.equal(wasm().prepare('gather', a, new Float64Array(a.indptr[5]), new Float32Array(8), 2, new Float32Array(10)), null);
    assert.equal(wasm().prepare('gather', a, a.values, new Float32Array(7), 2, new Float32Array(10)), null);
  });

  it('reports why it cannot run when the engine rejects the module', () => {
    assert.match(String(createWasmSparse(new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]))), /cannot compile sparse\.wasm/);
  });
});
