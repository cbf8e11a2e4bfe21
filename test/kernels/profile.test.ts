// Kernel profiling: FASTGNN_PROFILE times every kernel call of the active kernel set and prints the totals at exit;
// the profiled kernels compute exactly what the kernels they wrap compute.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fastKernels } from '../../src/kernels/fast.js';
import { formatKernelTimings, kernelTimings, profiled, resetKernelTimings } from '../../src/kernels/profile.js';
import { CORA_NPZ, runCli } from '../cli/cli.js';

describe('kernel profile', () => {
  it('counts calls per kernel, tells small from large GEMMs, and leaves the results unchanged', () => {
    resetKernelTimings();
    const k = profiled(fastKernels);
    assert.equal(profiled(fastKernels), k, 'one wrapper per kernel set');
    const x = Float32Array.from({ length: 12 }, (_, i) => i - 5);
    const [a, b] = [new Float32Array(12), new Float32Array(12)];
    k.activation({ kind: 'relu' }, 12, x, a);
    k.activation({ kind: 'relu' }, 12, x, a);
    fastKernels.activation({ kind: 'relu' }, 12, x, b);
    assert.deepEqual(a, b);
    const c = new Float32Array(4);
    k.gemm({ transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 1, a: x, lda: 3, b: x, ldb: 2, beta: 0, c, ldc: 2 });
    const t = new Map(kernelTimings().map((r) => [r.kernel, r]));
    assert.equal(t.get('activation')?.calls, 2);
    assert.equal(t.get('gemm (m n k < 2^21)')?.calls, 1);
    assert.equal(t.has('spmm'), false, 'kernels never called are not listed');
    assert.match(formatKernelTimings(), /activation\s+2 calls/);
  });

  it('FASTGNN_PROFILE=1 prints the table to stderr when a training run exits; unset prints nothing', () => {
    const args = ['train', '--data', CORA_NPZ, '--model', 'gcn', '--epochs', '3'];
    const on = runCli(args, { FASTGNN_PROFILE: '1' });
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stderr, /kernel profile \(FASTGNN_PROFILE\): \d+ ms in kernels/);
    assert.match(on.stderr, /spmm\S*\s+\d+ calls/);
    const off = runCli(args, { FASTGNN_PROFILE: '0' });
    assert.equal(off.code, 0, off.stderr);
    assert.doesNotMatch(off.stderr, /kernel profile/);
  });
});
