// The native BLAS GEMM (nblas) against the reference GEMM; skipped, with the reason, where BLAS is absent.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { blasUnavailableReason, loadBlas } from '../../src/kernels/blas.js';
import { checkGemmCases, randomGemm, uniform } from './fixtures.js';

const blas = loadBlas();
const skip = blas === null ? `native BLAS not available: ${blasUnavailableReason()}` : false;

describe('native BLAS GEMM', () => {
  it('matches the reference GEMM for all transpositions, odd sizes, alpha, beta and padded leading dimensions', { skip }, () => {
    checkGemmCases((g) => blas!.gemm(g), uniform(11));
  });

  it('declines mixed Float32Array / Float64Array operands without touching C', { skip }, () => {
    const g = randomGemm(Float32Array, { m: 3, n: 3, k: 3, transA: false, transB: false, alpha: 1, beta: 1, pad: 0 }, uniform(12), Float64Array);
    const before = g.c.slice();
    assert.equal(blas?.gemm(g), false);
    assert.deepEqual(g.c, before);
  });

  it('checks bounds before calling native code', { skip }, () => {
    const g = randomGemm(Float64Array, { m: 8, n: 8, k: 8, transA: true, transB: true, alpha: 1, beta: 0, pad: 0 }, uniform(13));
    assert.throws(() => blas?.gemm({ ...g, b: g.b.subarray(1) }), /b has length 63, needs 64/);
  });

  it('names the linked library and its thread count', { skip }, () => {
    assert.match(blas?.library ?? '', /^(openblas|mkl|blis|atlas|netlib|blas)$/);
    assert.ok(Number.isInteger(blas?.threads) && (blas?.threads ?? 0) >= 1);
  });
});

describe('backend selection', () => {
  const backendUrl = new URL('../../src/kernels/backend.js', import.meta.url).href;
  type Described = { gemm: string; blasThreads?: number; blasUnavailable?: string; blasThreadTimeout?: string; envAfter: string | null };
  function describeIn(env: Record<string, string>): Described {
    const code = `import(${JSON.stringify(backendUrl)}).then((m) => console.log(JSON.stringify({ ...m.describeBackend(), envAfter: process.env.OPENBLAS_THREAD_TIMEOUT ?? null })))`;
    const out = execFileSync(process.execPath, ['-e', code], {
      env: { ...process.env, ...env }, cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8',
    });
    return JSON.parse(out) as Described;
  }

  it('falls back to the TypeScript GEMM when FASTGNN_BLAS=0', () => {
    const info = describeIn({ FASTGNN_BLAS: '0' });
    assert.equal(info.gemm, 'typescript');
    assert.equal(info.blasUnavailable, 'disabled by FASTGNN_BLAS=0');
  });

  it('lets OpenBLAS\'s threads sleep at once unless the environment says otherwise', { skip }, () => {
    const byDefault = describeIn({ OPENBLAS_THREAD_TIMEOUT: '' });
    assert.equal(byDefault.blasThreadTimeout, 'OPENBLAS_THREAD_TIMEOUT=4 (fastgnn default)');
    assert.equal(byDefault.envAfter, null, 'set for the load only: child processes do not inherit it');
    const given = describeIn({ OPENBLAS_THREAD_TIMEOUT: '20' });
    assert.equal(given.blasThreadTimeout, 'OPENBLAS_THREAD_TIMEOUT=20 (environment)');
    assert.equal(given.envAfter, '20');
  });

  it('passes FASTGNN_BLAS_THREADS on to the BLAS thread count', { skip }, () => {
    const info = describeIn({ FASTGNN_BLAS_THREADS: '1' });
    assert.match(info.gemm, / \(nblas\)$/);
    assert.equal(info.blasThreads, 1);
  });
});
