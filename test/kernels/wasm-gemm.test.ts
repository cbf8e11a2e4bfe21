// The WebAssembly SIMD GEMM against the reference GEMM: transpositions, alpha/beta, odd sizes, threads, chunks, fallbacks.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFastKernels, SMALL_GEMM } from '../../src/kernels/fast.js';
import { sharedPool } from '../../src/kernels/pool.js';
import { referenceGemm } from '../../src/kernels/reference.js';
import type { GemmArgs } from '../../src/kernels/types.js';
import { createWasmGemm, type WasmGemm } from '../../src/kernels/wasm-gemm.js';
import { assertClose, checkGemm, cloneGemm, gemmCases, randomGemm, uniform, type GemmCase } from './fixtures.js';

const bytes = new Uint8Array(readFileSync(new URL('../../wasm/gemm.wasm', import.meta.url)));

function make(options?: { chunkBytes?: number }): WasmGemm {
  const made = createWasmGemm(bytes, options);
  if (typeof made === 'string') assert.fail(`the wasm GEMM does not load: ${made}`);
  return made;
}

const wasm = make();

/** Runs the case through the wasm GEMM (float32 operands) and compares with the reference GEMM. */
function check(w: WasmGemm, cs: GemmCase, seed: number, threads = 1): void {
  checkGemm((g) => w.gemm(g, threads), Float32Array, cs, uniform(seed));
}

const base = { transA: false, transB: false, alpha: 1, beta: 0, pad: 0 };

describe('wasm GEMM', () => {
  it('matches the reference GEMM for all transpositions, odd sizes, alpha, beta and padded leading dimensions', () => {
    gemmCases().forEach((cs, i) => check(wasm, cs, 10 + i));
  });

  it('crosses every block and tile edge (1x1x1, 7x13x5, m > 128, n > 2048, k > 256) for every transposition', () => {
    const shapes = [[1, 1, 1], [7, 13, 5], [131, 9, 517], [6, 2053, 3], [33, 17, 257]];
    let s = 0;
    for (const [m, n, k] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          check(wasm, { m, n, k, transA, transB, alpha: 1.5, beta: s % 2 === 0 ? 0 : -0.75, pad: s % 3 }, 100 + s);
          s++;
        }
      }
    }
  });

  it('gives bitwise the same C on 1, 2 and 3 threads', () => {
    for (const transA of [false, true]) {
      const g = randomGemm(Float32Array, { ...base, m: 301, n: 70, k: 131, transA, beta: 0.5, pad: 1 }, uniform(7));
      const runs = [1, 2, 3].map((threads) => {
        const h = cloneGemm(g);
        const failed = threads > 1 ? sharedPool(threads).failed : 0;
        wasm.gemm(h, threads);
        if (threads > 1) assert.equal(sharedPool(threads).failed, failed, `${threads} threads: a worker failed its part`);
        return h.c;
      });
      assert.deepEqual(runs[1], runs[0]);
      assert.deepEqual(runs[2], runs[0]);
      const want = cloneGemm(g);
      referenceGemm(want);
      assertClose(runs[0], want.c, 2e-6 * 132, 2e-5, `threads, transA=${transA}`);
    }
  });

  it('lets every thread copy its own rows when A and C are in shared memory, with the same result', () => {
    const chunked = make({ chunkBytes: 8192 });
    for (const [transA, transB] of [[false, true], [true, false]]) {
      const g = randomGemm(Float32Array, { m: 403, n: 37, k: 150, transA, transB, alpha: 0.5, beta: -2, pad: 3 }, uniform(11));
      const once = cloneGemm(g);
      wasm.gemm(once, 1);
      for (const w of [wasm, chunked]) {
        const sharedA = new Float32Array(new SharedArrayBuffer(g.a.byteLength));
        const sharedC = new Float32Array(new SharedArrayBuffer(g.c.byteLength));
        sharedA.set(g.a);
        sharedC.set(g.c);
        const h = { ...g, a: sharedA, c: sharedC };
        w.gemm(h, 2);
        assert.deepEqual(Array.from(h.c), Array.from(once.c));
      }
    }
  });

  it('copies op(A) and C through in chunks of rows and gets the same result', () => {
    const chunked = make({ chunkBytes: 4096 });
    for (const [transA, transB] of [[false, false], [true, true], [true, false]]) {
      const g = randomGemm(Float32Array, { m: 150, n: 21, k: 19, transA, transB, alpha: -1, beta: 0.5, pad: 2 }, uniform(8));
      const once = cloneGemm(g);
      wasm.gemm(once, 1);
      const inChunks = cloneGemm(g);
      chunked.gemm(inChunks, 2);
      assert.deepEqual(inChunks.c, once.c);
    }
    check(chunked, { ...base, m: 97, n: 5, k: 300, transB: true, beta: 1 }, 9);
  });

  it('ignores NaN in C when beta is 0 and leaves C untouched outside the m x n window', () => {
    const g = randomGemm(Float32Array, { ...base, m: 6, n: 9, k: 4, transB: true, pad: 2 }, uniform(2));
    wasm.gemm(g, 1);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 11; j++) assert.equal(Number.isNaN(g.c[i * 11 + j]), j >= 9, `C[${i}, ${j}]`);
    }
  });

  it('declines float64 and mixed operands without touching C, and the fast kernels route them to gemm-ts', () => {
    const rnd = uniform(4);
    const f64 = randomGemm(Float64Array, { ...base, m: 9, n: 6, k: 11, beta: 0.5 }, rnd);
    const mixed = randomGemm(Float32Array, { ...base, m: 9, n: 6, k: 11, beta: 0.5 }, rnd, Float64Array);
    const kernels = createFastKernels(wasm);
    for (const [g, atol] of [[f64, 1e-12], [mixed, 1e-5]] as Array<[GemmArgs, number]>) {
      const before = g.c.slice();
      assert.equal(wasm.gemm(g), false);
      assert.deepEqual(g.c, before);
      const want = cloneGemm(g);
      referenceGemm(want);
      kernels.gemm(g);
      assertClose(g.c, want.c, atol, atol, g.c.constructor.name);
    }
  });

  it('takes the small float32 products from native BLAS (SMALL_GEMM multiply-adds), and only those', () => {
    const calls: string[] = [];
    const blas = { gemm: (g: GemmArgs): boolean => { calls.push(`${g.m}x${g.k}x${g.n}`); referenceGemm(g); return true; } };
    const kernels = createFastKernels(blas, null, wasm);
    const rnd = uniform(6);
    const small = randomGemm(Float32Array, { ...base, m: 765, n: 7, k: 64 }, rnd);
    const large = randomGemm(Float32Array, { ...base, m: 2048, n: 64, k: 64 }, rnd); // 2^23 > SMALL_GEMM
    const f64 = randomGemm(Float64Array, { ...base, m: 9, n: 6, k: 11 }, rnd);
    assert.ok(765 * 7 * 64 < SMALL_GEMM && 2048 * 64 * 64 >= SMALL_GEMM);
    for (const g of [small, large, f64]) {
      const want = cloneGemm(g);
      referenceGemm(want);
      kernels.gemm(g);
      assertClose(g.c, want.c, 1e-4, 1e-4, `${g.m}x${g.k}x${g.n}`);
    }
    assert.deepEqual(calls, ['2048x64x64', '9x11x6']); // float64 is not the wasm GEMM's: native BLAS takes it
  });

  it('checks its arguments like the other GEMMs', () => {
    const g = randomGemm(Float32Array, { ...base, m: 4, n: 4, k: 4 }, uniform(5));
    assert.throws(() => wasm.gemm({ ...g, lda: 3 }), /lda = 3 is smaller than the 4 columns of a/);
    assert.throws(() => wasm.gemm({ ...g, c: new Float32Array(15) }), /c has length 15, needs 16/);
  });

  it('reports why it cannot run when the engine rejects the module', () => {
    assert.match(String(createWasmGemm(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]))), /cannot compile gemm\.wasm/);
  });
});

describe('GEMM selection by FASTGNN_BLAS', () => {
  const backendUrl = new URL('../../src/kernels/backend.js', import.meta.url).href;
  function describeIn(env: Record<string, string>): { gemm: string; wasmUnavailable?: string; arenaArrays?: string } | string {
    const code = `import(${JSON.stringify(backendUrl)}).then((m) => { m.setThreads(2); console.log(JSON.stringify(m.describeBackend())); })`;
    try {
      const out = execFileSync(process.execPath, ['-e', code], {
        env: { ...process.env, ...env }, cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8', stdio: 'pipe',
      });
      return JSON.parse(out) as { gemm: string };
    } catch (e) {
      return String((e as { stderr?: string }).stderr);
    }
  }

  it('uses the wasm GEMM with FASTGNN_BLAS=wasm, TypeScript with ts, and rejects unknown values', () => {
    assert.deepEqual(describeIn({ FASTGNN_BLAS: 'wasm' }), {
      kernels: 'fast+2threads', gemm: 'wasm-simd (2 threads)', threads: 2, spmm: 'wasm-simd', arenaArrays: 'wasm heap',
      blasUnavailable: 'disabled by FASTGNN_BLAS=wasm',
    });
    assert.equal((describeIn({ FASTGNN_WASM_HEAP: '0' }) as { arenaArrays: string }).arenaArrays, 'ordinary (FASTGNN_WASM_HEAP=0)');
    assert.equal((describeIn({ FASTGNN_BLAS: 'ts' }) as { gemm: string }).gemm, 'typescript');
    assert.match(String(describeIn({ FASTGNN_BLAS: 'fastest' })), /FASTGNN_BLAS must be one of .* got 'fastest'/);
  });
});
