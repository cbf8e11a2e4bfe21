// The kernel registry: the start-up choice, switching kernel sets, and what describeBackend reports.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadBlas } from '../../src/kernels/blas.js';
import { describeBackend, getKernels, setKernels, useFastKernels, useReferenceKernels } from '../../src/kernels/backend.js';
import { fastKernels, fastTsKernels } from '../../src/kernels/fast.js';
import { referenceKernels } from '../../src/kernels/reference.js';
import { loadWasmGemm } from '../../src/kernels/wasm-gemm.js';
import { loadWasmSparse } from '../../src/kernels/wasm-sparse.js';

describe('backend', () => {
  it('starts with the fast kernels and reports native BLAS exactly when it loaded, else the wasm GEMM', () => {
    // the default set is the fast kernels, wrapped for row-parallel sparse kernels when threads > 1
    assert.equal(getKernels().gemm, fastKernels.gemm);
    const info = describeBackend();
    assert.equal(getKernels().name, info.threads > 1 ? `fast+${info.threads}threads` : 'fast');
    if (loadBlas() === null) {
      assert.equal(info.gemm, loadWasmGemm() === null ? 'typescript' : `wasm-simd (${info.threads} thread${info.threads === 1 ? '' : 's'})`);
      assert.ok(info.blasUnavailable);
    } else {
      assert.match(info.gemm, / \(nblas\)$/);
      assert.ok((info.blasThreads ?? 0) >= 1);
    }
    assert.equal(info.spmm, loadWasmSparse() === null ? 'typescript' : 'wasm-simd');
    assert.equal(info.arenaArrays, loadWasmSparse() === null ? 'ordinary (no wasm heap)' : 'wasm heap');
  });

  it('switches to the reference kernels, to a custom set and back, and says so', () => {
    useReferenceKernels();
    assert.equal(getKernels(), referenceKernels);
    assert.deepEqual([describeBackend().kernels, describeBackend().gemm], ['reference', 'reference']);
    setKernels(fastTsKernels);
    assert.deepEqual([describeBackend().gemm, describeBackend().spmm], ['typescript', 'typescript']);
    setKernels({ ...referenceKernels, name: 'mine' });
    assert.deepEqual([describeBackend().kernels, describeBackend().gemm], ['mine', 'custom']);
    useFastKernels();
    assert.equal(getKernels().gemm, fastKernels.gemm);
  });
});
