// Memory-bandwidth probe: STREAM-triad GB/s of a JavaScript loop (the bound for the memory-bound kernels) and of a
// native copy, over arrays beyond the last-level cache, on one thread and on several (worker threads, shared memory).

import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { measure, round, type Timing } from './measure.js';
import { runProbe, type ProbeOp } from './probe-loops.js';

/* Byte models (STREAM's): the triad reads b and c and writes a, 12 bytes per element; the copy reads b and writes
 * a, 8 bytes per element; the write-allocate read of a that most CPUs also do is not counted, as in STREAM.
 * The JavaScript triad is the bound the kernels are held to (they are JavaScript loops too); the copy (TypedArray.set,
 * a memcpy) shows what the memory system itself delivers, which a scalar JS loop does not reach. */
const BYTES_PER_ELEMENT: Record<ProbeOp, number> = { triad: 12, copy: 8 };

export interface BandwidthResult {
  op: ProbeOp;
  threads: number;
  /** median GB/s (1 GB = 1e9 bytes) over the timed passes: the figure fractions are taken against */
  gbPerS: number;
  bestGbPerS: number;
  /** size of each of the three arrays */
  arrayMiB: number;
  reps: number;
}

export interface ProbeArrays {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
}

/** Size of the largest CPU cache (Linux sysfs), or 32 MiB when it cannot be read. */
export function lastLevelCacheBytes(): number {
  const dir = '/sys/devices/system/cpu/cpu0/cache';
  let best = 0;
  try {
    for (const entry of readdirSync(dir)) {
      if (!entry.startsWith('index')) continue;
      const m = /^(\d+)([KMG]?)/.exec(readFileSync(`${dir}/${entry}/size`, 'utf8').trim());
      if (!m) continue;
      const bytes = Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]];
      best = Math.max(best, bytes);
    }
  } catch {
    // not Linux, or no sysfs: fall through to the default
  }
  return best > 0 ? best : 32 * 1024 ** 2;
}

/** Three shared float32 arrays of `floats` elements each, touched once so no page fault lands in a timing. */
export function createProbeArrays(floats: number): ProbeArrays {
  const make = (v: number): Float32Array => new Float32Array(new SharedArrayBuffer(floats * 4)).fill(v);
  return { a: make(0), b: make(1), c: make(2) };
}

/** Bandwidth of `op` with `threads` threads, each on a contiguous slice (this thread takes the first). */
export async function measureBandwidth(arrays: ProbeArrays, threads: number, op: ProbeOp): Promise<BandwidthResult> {
  const { a, b, c } = arrays;
  const n = a.length;
  const bound = (t: number): number => Math.floor((n * t) / threads);
  const flags = new Int32Array(new SharedArrayBuffer(4 * threads));
  const workers: Worker[] = [];
  for (let slot = 1; slot < threads; slot++) {
    workers.push(new Worker(new URL('./probe-worker.js', import.meta.url), { workerData: { a, b, c, flags, slot, lo: bound(slot), hi: bound(slot + 1) } }));
  }
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));
  const pass = (): void => {
    workers.forEach((w, i) => {
      Atomics.store(flags, i + 1, 0);
      w.postMessage(op);
    });
    runProbe(op, a, b, c, 0, bound(1));
    for (let slot = 1; slot < threads; slot++) while (Atomics.load(flags, slot) === 0) Atomics.wait(flags, slot, 0, 1000);
  };
  let timing: Timing;
  try {
    timing = measure(pass, { warmup: 2, minReps: 10, minMs: 1000 });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const bytes = BYTES_PER_ELEMENT[op] * n;
  return {
    op, threads, gbPerS: round(bytes / (timing.medianMs * 1e6), 2), bestGbPerS: round(bytes / (timing.bestMs * 1e6), 2),
    arrayMiB: round((n * 4) / 1024 ** 2, 1), reps: timing.reps,
  };
}

export const PROBE_BYTE_MODEL = {
  triad: 'JavaScript loop a[i] = b[i] + s*c[i] (unrolled by 4) on float32: 12 bytes per element (read b, c; write a; write-allocate not counted)',
  copy: 'TypedArray.set (memcpy) on float32: 8 bytes per element (read b, write a)',
};
