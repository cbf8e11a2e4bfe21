// Worker side of the bandwidth probe: runs the probe loop over its slice of shared arrays on each message, then flags done.

import { parentPort, workerData } from 'node:worker_threads';
import { runProbe, type ProbeOp } from './probe-loops.js';

interface ProbeWorkerData { a: Float32Array; b: Float32Array; c: Float32Array; flags: Int32Array; slot: number; lo: number; hi: number }

const { a, b, c, flags, slot, lo, hi } = workerData as ProbeWorkerData;

parentPort?.on('message', (op: ProbeOp) => {
  runProbe(op, a, b, c, lo, hi);
  Atomics.store(flags, slot, 1);
  Atomics.notify(flags, slot);
});
