// Worker-thread side of the kernel pool: runs the range it is sent, then flags its slot done.

import { parentPort, workerData } from 'node:worker_threads';
import { runPart } from './parts.js';
import type { PoolJob } from './pool.js';
import { runGemmJob } from './wasm-gemm.js';
import { afterJob } from './gc.js';

const { flags, slot } = workerData as { flags: Int32Array; slot: number };

parentPort?.on('message', (job: PoolJob) => {
  try {
    if (job.kind === 'gemm') runGemmJob(job);
    else runPart(job);
    Atomics.store(flags, slot, 1);
  } catch (e) {
    if (process.env.FASTGNN_DEBUG) console.error('kernel worker:', e);
    Atomics.store(flags, slot, 2);
  }
  Atomics.notify(flags, slot);
  afterJob(job);
});
