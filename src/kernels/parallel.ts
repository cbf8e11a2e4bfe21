// Row-parallel SpMM / GSpMM: the rows are split by stored entries between this thread and the pool's workers.

import type { CsrMatrix } from '../graph/csr.js';
import { chunkCount, dropoutChunks } from './dropout-mask.js';
import { rowRange, sharedPool, type DropoutJob, type KernelPool, type RowJob } from './pool.js';
import type { FloatArray, Kernels } from './types.js';

/** Below this many multiply-adds a kernel stays on the calling thread (a hand-off costs tens of microseconds). */
export const MIN_WORK = 1 << 20;

const sharedCopies = new WeakMap<object, Int32Array | FloatArray>();

export function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** A SharedArrayBuffer-backed copy of a long-lived array (graph structure), made once per array. */
function shared<T extends Int32Array | FloatArray>(a: T): T {
  if (isShared(a)) return a;
  let s = sharedCopies.get(a) as T | undefined;
  if (!s) {
    s = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
    s.set(a as never);
    sharedCopies.set(a, s);
  }
  return s;
}

/** Row boundaries that give each of `parts` ranges about the same number of stored entries. */
export function splitRows(indptr: Int32Array, rows: number, parts: number): number[] {
  const bounds = [0];
  const total = indptr[rows];
  for (let p = 1; p < parts; p++) {
    const target = (total * p) / parts;
    let lo = bounds[p - 1];
    let hi = rows;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (indptr[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    bounds.push(lo);
  }
  bounds.push(rows);
  return bounds;
}

/** `base` with spmm and gspmm spread over `threads` threads when the work is large and the dense operands live in
 *  shared memory (tensors of fastgnn's own allocator do); same results as `base` (each row is computed the same way). */
export function createParallelKernels(base: Kernels, threads: number): Kernels {
  let pool: KernelPool | null = null;
  const run = (job: Omit<RowJob, 'r0' | 'r1'>, rows: number): void => {
    pool ??= sharedPool(threads);
    const bounds = splitRows(job.indptr, rows, threads);
    const parts = bounds.slice(0, -1).map((r0, i) => ({ ...job, r0, r1: bounds[i + 1] }));
    pool.run(parts, (part) => {
      const { a, out } = rowRange(part);
      if (part.kind === 'spmm') base.spmm(a, part.x, part.f, out);
      else base.gspmm(a, part.w!, part.heads, part.x, part.f, out);
    });
  };
  const eligible = (a: CsrMatrix, f: number, ...dense: FloatArray[]): boolean =>
    a.indptr[a.rows] * f >= MIN_WORK && a.rows >= 2 * threads && dense.every(isShared);
  return {
    ...base,
    name: `${base.name}+${threads}threads`,
    dropout(n, p, scale, seed, mask, x, out) {
      const chunks = chunkCount(n);
      if (n < MIN_WORK || chunks < threads || !isShared(mask) || (x && !isShared(x)) || (out && !isShared(out))) {
        return base.dropout(n, p, scale, seed, mask, x, out);
      }
      pool ??= sharedPool(threads);
      const parts: DropoutJob[] = [];
      for (let t = 0; t < threads; t++) {
        parts.push({ kind: 'dropout', n, p, scale, seed, mask, x, out, c0: Math.floor((chunks * t) / threads), c1: Math.floor((chunks * (t + 1)) / threads) });
      }
      pool.run(parts, (j) => dropoutChunks(j.n, j.p, j.scale, j.seed, j.c0, j.c1, j.mask, j.x, j.out));
    },
    spmm(a, x, f, out) {
      if (!eligible(a, f, x, out)) return base.spmm(a, x, f, out);
      run({ kind: 'spmm', indptr: shared(a.indptr), indices: shared(a.indices), values: a.values && shared(a.values), heads: 1, cols: a.cols, x, out, f }, a.rows);
    },
    gspmm(a, w, heads, x, f, out) {
      if (!eligible(a, f, w, x, out)) return base.gspmm(a, w, heads, x, f, out);
      run({ kind: 'gspmm', indptr: shared(a.indptr), indices: shared(a.indices), w, heads, cols: a.cols, x, out, f }, a.rows);
    },
  };
}
