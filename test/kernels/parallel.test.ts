// Row-parallel sparse kernels against the single-thread kernels, and the thread-count option.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsrMatrix } from '../../src/graph/csr.js';
import { getThreads, setThreads } from '../../src/kernels/backend.js';
import { chunkCount } from '../../src/kernels/dropout-mask.js';
import { fastKernels } from '../../src/kernels/fast.js';
import { createParallelKernels, MIN_WORK, splitRows } from '../../src/kernels/parallel.js';
import type { Kernels } from '../../src/kernels/types.js';
import { randomCsr, sharedRandom, uniform } from './fixtures.js';

/** fastKernels, recording the row count of every spmm / gspmm it is given and whether dropout ran on it: the
 *  parallel kernels hand this thread's row range to their base, and call the base's dropout only when they stay serial. */
function spiedBase(): { base: Kernels; rows: number[]; serialDropouts: () => number } {
  const rows: number[] = [];
  let dropouts = 0;
  const base: Kernels = {
    ...fastKernels,
    spmm: (a, x, f, out) => { rows.push(a.rows); fastKernels.spmm(a, x, f, out); },
    gspmm: (a, w, heads, x, f, out) => { rows.push(a.rows); fastKernels.gspmm(a, w, heads, x, f, out); },
    dropout: (...args) => { dropouts++; fastKernels.dropout(...args); },
  };
  return { base, rows, serialDropouts: () => dropouts };
}

/** Asserts the case is big enough for the parallel path and that this thread ran only its own part of the rows. */
function assertSplit(a: CsrMatrix, f: number, rows: number[]): void {
  assert.ok(a.indptr[a.rows] * f >= MIN_WORK, `nnz * f = ${a.indptr[a.rows] * f} is below MIN_WORK = ${MIN_WORK}`);
  assert.ok(rows.length > 0 && rows.every((r) => r < a.rows), `this thread's row counts ${rows.join(', ')} of ${a.rows}`);
}

describe('row-parallel sparse kernels', () => {
  const spy = spiedBase();
  const par = createParallelKernels(spy.base, 2);
  const rnd = uniform(7);
  const a = randomCsr(Float32Array, 3000, 2500, 24, true, rnd);

  it('spmm splits the rows between threads and gives bit-identical results to the single-thread kernel', () => {
    const f = 64;
    const x = sharedRandom(a.cols * f, rnd);
    const want = new Float32Array(a.rows * f);
    fastKernels.spmm(a, x, f, want);
    const got = sharedRandom(a.rows * f, rnd);
    spy.rows.length = 0;
    par.spmm(a, x, f, got);
    assertSplit(a, f, spy.rows);
    assert.deepEqual(got, want);
  });

  it('gspmm with four heads splits the rows between threads and gives bit-identical results to the single-thread kernel', () => {
    const f = 64;
    const heads = 4;
    const x = sharedRandom(a.cols * f, rnd);
    const w = sharedRandom(a.indptr[a.rows] * heads, rnd);
    const want = new Float32Array(a.rows * f);
    fastKernels.gspmm(a, w, heads, x, f, want);
    const got = sharedRandom(a.rows * f, rnd);
    spy.rows.length = 0;
    par.gspmm(a, w, heads, x, f, got);
    assertSplit(a, f, spy.rows);
    assert.deepEqual(got, want);
  });

  it('dropout draws the same mask and output on two threads as on one, keeping about 1 - p', () => {
    const n = (1 << 20) + 12345;
    assert.ok(n >= MIN_WORK && chunkCount(n) >= 2, 'large enough for two threads');
    const x = sharedRandom(n, rnd);
    const seed = Int32Array.of(5, -7, 99, 123456);
    for (const p of [0.5, 0.6]) {
      const maskOne = new Uint8Array(n);
      const outOne = new Float32Array(n);
      fastKernels.dropout(n, p, 1 / (1 - p), seed, maskOne, x, outOne);
      const maskTwo = new Uint8Array(new SharedArrayBuffer(n));
      const outTwo = sharedRandom(n, rnd);
      par.dropout(n, p, 1 / (1 - p), seed, maskTwo, x, outTwo);
      assert.equal(spy.serialDropouts(), 0, 'the parallel dropout stayed on one thread');
      assert.deepEqual(maskTwo, maskOne);
      assert.deepEqual(outTwo, outOne);
      const kept = maskOne.reduce((s, v) => s + v, 0) / n;
      assert.ok(Math.abs(kept - (1 - p)) < 0.003, `p = ${p}: kept ${kept}`);
      // (a dropped negative value gives -0, which === 0)
      for (let i = 0; i < n; i += 997) assert.ok(outOne[i] === (maskOne[i] ? Math.fround(x[i] * (1 / (1 - p))) : 0), `value ${i}`);
    }
  });

  it('splits rows so each part holds about the same number of entries', () => {
    const b = splitRows(a.indptr, a.rows, 3);
    assert.equal(b.length, 4);
    assert.equal(b[0], 0);
    assert.equal(b[3], a.rows);
    const total = a.indptr[a.rows];
    for (let p = 0; p < 3; p++) {
      const share = (a.indptr[b[p + 1]] - a.indptr[b[p]]) / total;
      assert.ok(Math.abs(share - 1 / 3) < 0.02, `part ${p} holds ${share} of the entries`);
    }
  });

  it('rejects a thread count below 1 or above the bound', () => {
    const before = getThreads();
    assert.throws(() => setThreads(0), /threads must be an integer from 1 to 256, got 0/);
    assert.throws(() => setThreads(1000), /got 1000/);
    assert.throws(() => setThreads(1.5), /got 1.5/);
    assert.equal(getThreads(), before);
  });
});
