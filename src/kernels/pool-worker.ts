// Worker-thread side of the kernel pool: runs the row range it is sent, then flags its slot done.

import { parentPort, workerData } from 'node:worker_threads';
import { fastTsKernels } from './fast.js';
import { dropoutChunks } from './dropout-mask.js';
import { rowRange, type PoolJob } from './pool.js';
import { runGemmJob } from './wasm-gemm.js';
import { afterJob } from './gc.js';

const { flags, slot } = workerData as { flags: Int32Array; slot: number };

parentPort?.on('message', (job: PoolJob) => {
  try {
    if (job.kind === 'gemm') {
      runGemmJob(job);
    } else if (job.kind === 'dropout') {
      dropoutChunks(job.n, job.p, job.scale, job.seed, job.c0, job.c1, job.mask, job.x, job.out);
    } else {
      const { a, out } = rowRange(job);
      if (job.kind === 'spmm') fastTsKernels.spmm(a, job.x, job.f, out);
      else fastTsKernels.gspmm(a, job.w!, job.heads, job.x, job.f, out);
    }
    Atomics.store(flags, slot, 1);
  } catch (e) {
    if (process.env.FASTGNN_DEBUG) console.error('kernel worker:', e);
    Atomics.store(flags, slot, 2);
  }
  Atomics.notify(flags, slot);
  afterJob(job);
});
