// A persistent pool of worker threads that run ranges of the parallel kernels and of the wasm GEMM over shared memory.

import { Worker } from 'node:worker_threads';
import type { PartJob } from './parts.js';
import type { GemmJob } from './wasm-gemm.js';

export type PoolJob = PartJob | GemmJob;

export function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

const WAIT_LIMIT_MS = 120_000;

export class KernelPool {
  private readonly workers: Worker[] = [];
  /** per worker slot: 0 = job pending, 1 = done, 2 = failed */
  private readonly flags: Int32Array;
  /** parts handed to workers so far (tests read it to see that a call was split) */
  dispatched = 0;
  /** parts whose worker failed and that this thread recomputed (tests read it: a failure costs time, not results) */
  failed = 0;

  constructor(readonly threads: number) {
    this.flags = new Int32Array(new SharedArrayBuffer(4 * threads));
    for (let slot = 1; slot < threads; slot++) {
      const worker = new Worker(new URL('./pool-worker.js', import.meta.url), {
        workerData: { flags: this.flags, slot },
        // the workers only run sparse loops and wasm GEMM rows: no native BLAS (and its own threads) in them
        env: { ...process.env, FASTGNN_BLAS: '0' },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Runs parts[0] on this thread (with `local`) and parts[i] on worker i, and returns when all are done. A part
   *  whose worker fails is recomputed here, so a broken worker costs time, never correctness. */
  run<J extends PoolJob>(parts: J[], local: (job: J) => void): void {
    for (let i = 1; i < parts.length; i++) {
      Atomics.store(this.flags, i, 0);
      this.workers[i - 1].postMessage(parts[i]);
      this.dispatched++;
    }
    local(parts[0]);
    for (let i = 1; i < parts.length; i++) {
      const t0 = Date.now();
      while (Atomics.load(this.flags, i) === 0) {
        Atomics.wait(this.flags, i, 0, 1000);
        if (Date.now() - t0 > WAIT_LIMIT_MS) throw new Error(`kernel worker ${i} did not answer within ${WAIT_LIMIT_MS / 1000} s`);
      }
      if (Atomics.load(this.flags, i) === 2) {
        this.failed++;
        local(parts[i]);
      }
    }
  }
}

const pools = new Map<number, KernelPool>();

/** The process's pool of `threads` threads, created on first use and shared by all parallel kernels (they run one
 *  at a time: every call returns only when its parts are done). */
export function sharedPool(threads: number): KernelPool {
  let pool = pools.get(threads);
  if (pool === undefined) {
    pool = new KernelPool(threads);
    pools.set(threads, pool);
  }
  return pool;
}
