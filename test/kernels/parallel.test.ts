// Parallel kernels against the single-thread kernels (bit for bit), and the thread-count option.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getThreads, setThreads } from '../../src/kernels/backend.js';
import { chunkCount } from '../../src/kernels/dropout-mask.js';
import { fastKernels, fastTsKernels } from '../../src/kernels/fast.js';
import { createParallelKernels, MIN_WASM_WORK, MIN_WORK, splitRows } from '../../src/kernels/parallel.js';
import { splitAtBounds } from '../../src/kernels/split.js';
import { sharedPool } from '../../src/kernels/pool.js';
import type { ActivationSpec, FloatArray, Kernels } from '../../src/kernels/types.js';
import { loadWasmSparse, wasmSparseUnavailableReason } from '../../src/kernels/wasm-sparse.js';
import { randomCsr, sharedRandom, uniform } from './fixtures.js';

const THREADS = 2;

/** A copy of `a` in shared memory (TypedArray.map returns an unshared array). */
function inShared(a: Float32Array): Float32Array {
  const c = new Float32Array(new SharedArrayBuffer(a.byteLength));
  c.set(a);
  return c;
}

/** Runs `call` with the single-thread kernels and with the parallel ones, each on its own shared copy of `start`
 *  (kernels that accumulate read it), and asserts that the parallel call was split between threads and gave the
 *  same bits. */
function assertSplitAndSame(par: Kernels, one: Kernels, what: string, work: number, start: Float32Array, call: (k: Kernels, out: FloatArray) => void): void {
  assert.ok(work >= MIN_WORK, `${what}: work ${work} is below MIN_WORK = ${MIN_WORK}`);
  const want = inShared(start);
  call(one, want);
  const got = inShared(start);
  const pool = sharedPool(THREADS);
  const [before, failedBefore] = [pool.dispatched, pool.failed];
  call(par, got);
  // (a kernel of several phases hands THREADS - 1 parts to workers in each)
  assert.ok(pool.dispatched - before >= THREADS - 1 && (pool.dispatched - before) % (THREADS - 1) === 0, `${what}: parts handed to workers`);
  assert.equal(pool.failed, failedBefore, `${what}: a worker failed its part (run with FASTGNN_DEBUG=1 to see why)`);
  assert.deepEqual(got, want, what);
}

// the wasm kernels split from MIN_WORK here too, so the test sizes serve both sets
const variants: Array<[string, Kernels, Kernels]> = [
  ['TypeScript loops', fastTsKernels, createParallelKernels(fastTsKernels, THREADS)],
  ['wasm SpMM', fastKernels, createParallelKernels(fastKernels, THREADS, loadWasmSparse(), { ts: MIN_WORK, wasm: MIN_WORK })],
];

for (const [variant, one, par] of variants) describe(`parallel kernels (${variant})`, () => {
  const rnd = uniform(7);
  const a = randomCsr(Float32Array, 3000, 2500, 24, true, rnd);
  const nnz = a.indptr[a.rows];
  const f = 64;

  it('spmm, spmmBiasActivation, spmmT, gspmm and gspmmT (four heads) give the single-thread bits', () => {
    const heads = 4;
    const x = sharedRandom(a.cols * f, rnd);
    const y = sharedRandom(a.rows * f, rnd);
    const w = sharedRandom(nnz * 8, rnd);
    assertSplitAndSame(par, one, 'spmm', nnz * f, sharedRandom(a.rows * f, rnd), (k, out) => k.spmm(a, x, f, out));
    const bias = sharedRandom(f, rnd).slice();
    for (const act of [{ kind: 'relu' }, { kind: 'elu', alpha: 1 }] as ActivationSpec[]) {
      assertSplitAndSame(par, one, `spmmBiasActivation ${act.kind}`, nnz * f, sharedRandom(a.rows * f, rnd), (k, out) => k.spmmBiasActivation(a, x, f, bias, act, out));
    }
    assertSplitAndSame(par, one, 'gspmm', nnz * f, sharedRandom(a.rows * f, rnd), (k, out) => k.gspmm(a, w, heads, x, f, out));
    assertSplitAndSame(par, one, 'spmmT', nnz * f, sharedRandom(a.cols * f, rnd), (k, out) => k.spmmT(a, y, f, out));
    assertSplitAndSame(par, one, 'gspmmT', nnz * f, sharedRandom(a.cols * f, rnd), (k, out) => k.gspmmT(a, w, heads, y, f, out));
    assertSplitAndSame(par, one, 'gspmmT one head', nnz * f, sharedRandom(a.cols * f, rnd), (k, out) => k.gspmmT(a, w, 1, y, f, out));
    for (const h of [1, 8]) {
      assertSplitAndSame(par, one, `gspmm ${h} heads`, nnz * f, sharedRandom(a.rows * f, rnd), (k, out) => k.gspmm(a, w, h, x, f, out));
      assertSplitAndSame(par, one, `gspmmT ${h} heads`, nnz * f, sharedRandom(a.cols * f, rnd), (k, out) => k.gspmmT(a, w, h, y, f, out));
    }
  });

  it('sddmmDot, sddmmAdd, edgeSoftmax and its backward (eight heads) give the single-thread bits', () => {
    const heads = 8;
    const b = randomCsr(Float32Array, 16000, 15000, 24, false, rnd);
    const e = b.indptr[b.rows] * heads;
    const y = sharedRandom(b.rows * f, rnd);
    const x = sharedRandom(b.cols * f, rnd);
    const u = sharedRandom(b.rows * heads, rnd);
    const v = sharedRandom(b.cols * heads, rnd);
    const logits = inShared(sharedRandom(e, rnd).map((z) => 20 * z));
    const g = sharedRandom(e, rnd);
    const alpha = sharedRandom(e, rnd);
    one.edgeSoftmax(b, logits, heads, alpha);
    assertSplitAndSame(par, one, 'sddmmDot', b.indptr[b.rows] * f, sharedRandom(e, rnd), (k, out) => k.sddmmDot(b, y, x, heads, f, out));
    assertSplitAndSame(par, one, 'sddmmAdd', e, sharedRandom(e, rnd), (k, out) => k.sddmmAdd(b, u, v, heads, out));
    const w = sharedRandom(e, rnd);
    assertSplitAndSame(par, one, 'gspmmBackward', b.indptr[b.rows] * f, sharedRandom(e + b.cols * f, rnd), (k, out) => {
      k.gspmmBackward(b, w, heads, x, y, f, out.subarray(0, e), out.subarray(e));
    });
    assertSplitAndSame(par, one, 'edgeSoftmax', e, sharedRandom(e, rnd), (k, out) => k.edgeSoftmax(b, logits, heads, out));
    assertSplitAndSame(par, one, 'edgeSoftmaxBackward', e, sharedRandom(e, rnd), (k, out) => k.edgeSoftmaxBackward(b, alpha, g, heads, out));
  });

  // the TypeScript set keeps these on one thread; the wasm set splits them (GAT attention's backward in two phases)
  if (variant === 'wasm SpMM') it('gspmmBackward, gatAttention and its backward (one and eight heads) give the single-thread bits', () => {
    // ~10 entries a row: one head's work above MIN_WORK
    const n = Math.ceil((1.3 * MIN_WORK) / 10);
    const b = randomCsr(Float32Array, n, n - 5000, 24, false, rnd);
    const count = b.indptr[b.rows];
    const y = sharedRandom(b.rows * f, rnd);
    const x = sharedRandom(b.cols * f, rnd);
    for (const heads of [1, 8]) {
      const w = sharedRandom(count * heads, rnd);
      const [nu, nv, ne] = [b.rows * heads, b.cols * heads, count * heads];
      const scores = inShared(sharedRandom(nu + nv, rnd).map((z) => 5 * z));
      const [u, v] = [scores.subarray(0, nu), scores.subarray(nu)];
      const alpha = sharedRandom(ne, rnd);
      one.gatAttention(b, u, v, heads, 0.2, alpha);
      const g = sharedRandom(ne, rnd);
      if (heads === 8) {
        assertSplitAndSame(par, one, 'gspmmBackward', count * f, sharedRandom(ne + b.cols * f, rnd), (k, out) => {
          k.gspmmBackward(b, w, heads, x, y, f, out.subarray(0, ne), out.subarray(ne));
        });
      }
      assertSplitAndSame(par, one, `gatAttention ${heads} heads`, ne, sharedRandom(ne, rnd), (k, out) => k.gatAttention(b, u, v, heads, 0.2, out));
      assertSplitAndSame(par, one, `gatAttentionBackward ${heads} heads`, ne, sharedRandom(nu + nv, rnd), (k, out) => {
        k.gatAttentionBackward(b, u, v, alpha, g, heads, 0.2, out.subarray(0, nu), out.subarray(nu));
      });
    }
  });

  it('gatherRows and scatterAddRows (repeated indices, accumulating) give the single-thread bits', () => {
    const n = 5000;
    const idx = Int32Array.from({ length: 20000 }, () => Math.floor(rnd() * n));
    const x = sharedRandom(n * f, rnd);
    const xr = sharedRandom(idx.length * f, rnd);
    assertSplitAndSame(par, one, 'gatherRows', idx.length * f, sharedRandom(idx.length * f, rnd), (k, out) => k.gatherRows(x, f, idx, out));
    assertSplitAndSame(par, one, 'scatterAddRows', idx.length * f, sharedRandom(n * f, rnd), (k, out) => k.scatterAddRows(xr, f, idx, out));
  });

  it('activations, their gradients, bias add, column sums and the dropout backward give the single-thread bits', () => {
    const m = 5000;
    const n = 256;
    const size = m * n;
    const x = inShared(sharedRandom(size, rnd).map((v, i) => (i % 5 === 0 ? 0 : v)));
    const g = sharedRandom(size, rnd);
    const bias = sharedRandom(n, rnd).slice();
    const mask = new Uint8Array(new SharedArrayBuffer(size));
    for (let i = 0; i < size; i++) mask[i] = rnd() < 0.5 ? 1 : 0;
    for (const act of [{ kind: 'relu' }, { kind: 'elu', alpha: 1 }, { kind: 'leakyRelu', slope: 0.2 }] as ActivationSpec[]) {
      const y = sharedRandom(size, rnd);
      one.activation(act, size, x, y);
      assertSplitAndSame(par, one, `activation ${act.kind}`, size, sharedRandom(size, rnd), (k, out) => k.activation(act, size, x, out));
      assertSplitAndSame(par, one, `activationBackward ${act.kind}`, size, sharedRandom(size, rnd), (k, out) => k.activationBackward(act, size, x, y, g, out));
      assertSplitAndSame(par, one, `activationBackward ${act.kind} x2`, size, sharedRandom(size, rnd), (k, out) => k.activationBackward(act, size, x, y, g, out, 2));
    }
    assertSplitAndSame(par, one, 'addRowVec', size, sharedRandom(size, rnd), (k, out) => k.addRowVec(m, n, x, bias, out));
    assertSplitAndSame(par, one, 'columnSums', size, sharedRandom(n, rnd), (k, out) => k.columnSums(m, n, g, out));
    // an odd length: the second part starts off the mask's four-byte alignment
    const odd = size - 5;
    assertSplitAndSame(par, one, 'applyMask', odd, sharedRandom(size, rnd), (k, out) => k.applyMask(odd, mask, 2, g, out));
  });

  it('stays on the calling thread for small work and for arrays outside shared memory', () => {
    const pool = sharedPool(THREADS);
    const before = pool.dispatched;
    const small = randomCsr(Float32Array, 100, 100, 5, true, rnd);
    par.spmm(small, sharedRandom(100 * 4, rnd), 4, sharedRandom(100 * 4, rnd));
    const size = MIN_WORK * 2;
    par.activation({ kind: 'relu' }, size, new Float32Array(size), new Float32Array(size));
    assert.equal(pool.dispatched, before);
  });

  it('dropout draws the same mask and output on two threads as on one, keeping about 1 - p', () => {
    const n = (1 << 20) + 12345;
    assert.ok(chunkCount(n) >= THREADS, 'enough chunks for two threads');
    const x = sharedRandom(n, rnd);
    const seed = Int32Array.of(5, -7, 99, 123456);
    for (const p of [0.5, 0.6]) {
      const maskOne = new Uint8Array(n);
      const outOne = new Float32Array(n);
      one.dropout(n, p, 1 / (1 - p), seed, maskOne, x, outOne);
      const maskTwo = new Uint8Array(new SharedArrayBuffer(n));
      assertSplitAndSame(par, one, `dropout p = ${p}`, n, sharedRandom(n, rnd), (k, out) => {
        k.dropout(n, p, 1 / (1 - p), seed, k === par ? maskTwo : new Uint8Array(n), x, out);
      });
      assert.deepEqual(maskTwo, maskOne);
      const kept = maskOne.reduce((s, v) => s + v, 0) / n;
      assert.ok(Math.abs(kept - (1 - p)) < 0.003, `p = ${p}: kept ${kept}`);
      // (a dropped negative value gives -0, which === 0)
      for (let i = 0; i < n; i += 997) assert.ok(outOne[i] === (maskOne[i] ? Math.fround(x[i] * (1 / (1 - p))) : 0), `value ${i}`);
    }
  });
});

describe('parallel kernel set-up', () => {
  it('splits rows so each part holds about the same number of entries', () => {
    const a = randomCsr(Float32Array, 3000, 2500, 24, true, uniform(8));
    const b = splitRows(a.indptr, a.rows, 3);
    assert.equal(b.length, 4);
    assert.equal(b[0], 0);
    assert.equal(b[3], a.rows);
    for (let p = 0; p < 3; p++) {
      const share = (a.indptr[b[p + 1]] - a.indptr[b[p]]) / a.indptr[a.rows];
      assert.ok(Math.abs(share - 1 / 3) < 0.02, `part ${p} holds ${share} of the entries`);
    }
  });

  it('splitAtBounds gives whole groups to each thread, by work, and empty ranges to threads beyond the groups', () => {
    const work = Int32Array.of(0, 10, 20, 30, 100, 110, 120, 130, 140); // 8 units, unit 3 heavy
    const at = [0, 2, 4, 6, 8];
    assert.deepEqual(splitAtBounds(at, 2, work), [0, 4, 8]);
    assert.deepEqual(splitAtBounds(at, 1, work), [0, 8]);
    assert.deepEqual(splitAtBounds(at, 4), [0, 2, 4, 6, 8]);
    const six = splitAtBounds(at, 6, work);
    assert.equal(six.length, 7);
    assert.ok(six.every((b, t) => at.includes(b) && (t === 0 || b >= six[t - 1])), `bounds ${six}`);
    assert.equal(six[6], 8);
  });

  it('keeps wasm products below MIN_WASM_WORK on the calling thread (a Cora-sized SpMM measured faster there)', () => {
    const par = createParallelKernels(fastKernels, THREADS, loadWasmSparse());
    const pool = sharedPool(THREADS);
    const a = randomCsr(Float32Array, 2708, 2708, 9, true, uniform(9));
    const f = 256;
    assert.ok(a.indptr[a.rows] * f >= MIN_WORK && a.indptr[a.rows] * f < MIN_WASM_WORK);
    const before = pool.dispatched;
    par.spmm(a, sharedRandom(a.cols * f, uniform(10)), f, sharedRandom(a.rows * f, uniform(11)));
    par.spmm({ ...a, values: Float64Array.from(a.values as Float32Array) }, sharedRandom(a.cols * f, uniform(10)), f, sharedRandom(a.rows * f, uniform(11)));
    assert.equal(pool.dispatched - before, THREADS - 1, 'only the float64 product (TypeScript loops) was split');
  });

  it('loads the wasm SpMM (else the second variant above tested the TypeScript loops twice)', () => {
    assert.ok(loadWasmSparse(), wasmSparseUnavailableReason());
  });

  it('rejects a thread count below 1 or above the bound', () => {
    const before = getThreads();
    assert.throws(() => setThreads(0), /threads must be an integer from 1 to 256, got 0/);
    assert.throws(() => setThreads(1000), /got 1000/);
    assert.throws(() => setThreads(1.5), /got 1.5/);
    assert.equal(getThreads(), before);
  });
});
