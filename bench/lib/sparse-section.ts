// Runs the memory-bound kernel cases on 1 and N threads and turns timings into GB/s and fractions of the bandwidth
// probes (JavaScript triad and native copy) at the thread count the kernel actually used.

import type { CsrMatrix } from '../../src/graph/csr.js';
import { getKernels, setThreads } from '../../src/kernels/backend.js';
import { fastKernels } from '../../src/kernels/fast.js';
import { sharedPool } from '../../src/kernels/pool.js';
import type { Kernels } from '../../src/kernels/types.js';
import type { BandwidthResult } from './bandwidth.js';
import { measure, round } from './measure.js';
import type { SparseCase } from './sparse-cases.js';

export interface KernelRow {
  kernel: string;
  graph: string;
  nodes: number;
  nnz: number;
  width: number;
  heads: number;
  /** setThreads value */
  threads: number;
  /** threads that worked: 1 when the kernel has no parallel version or its work is below the row-parallel
   *  wrapper's threshold (it then stays on the calling thread): whether the timed calls handed parts to the pool */
  threadsUsed: number;
  /** process CPU time / wall time over the timed calls: about the busy threads, less when the machine is loaded */
  cpuPerWall: number;
  medianMs: number;
  bestMs: number;
  reps: number;
  bytes: number;
  gbPerS: number;
  /** gbPerS / the JavaScript triad's GB/s with threadsUsed threads (the bound for a JS loop) */
  fractionOfTriad: number;
  /** gbPerS / the native copy's GB/s with threadsUsed threads (what the memory system delivers) */
  fractionOfCopy: number;
}

/** Bandwidth probe results by operation and thread count. */
export interface Bounds {
  triad: Map<number, BandwidthResult>;
  copy: Map<number, BandwidthResult>;
}

export interface GraphInfo { name: string; nodes: number; nnz: number }

/** Whether the kernel set's `name` differs from the single-thread fast kernel, i.e. has a row-parallel version. */
export function isParallel(k: Kernels, name: string): boolean {
  const rec = (x: Kernels): unknown => (x as unknown as Record<string, unknown>)[name];
  return rec(k) !== rec(fastKernels);
}

/** Times each case with `threads` threads (cases without a parallel version only for threads = 1). */
export function runCases(cases: SparseCase[], graph: GraphInfo, threads: number, bounds: Bounds, log: (s: string) => void): KernelRow[] {
  setThreads(threads);
  const k = getKernels();
  const rows: KernelRow[] = [];
  for (const c of cases) {
    const parallel = isParallel(k, c.parallelAs ?? c.kernel);
    if (threads > 1 && !parallel) continue;
    const dispatched = threads > 1 ? sharedPool(threads).dispatched : 0;
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    // calls moving gigabytes take seconds each on a shared 2-core machine: 3 of them give a usable median
    const t = measure(() => c.run(k), { warmup: threads > 1 ? 2 : 1, warmupMs: 150, minReps: c.bytes > 2e9 ? 3 : 5, minMs: 300, maxReps: 25 });
    const cpu = process.cpuUsage(cpu0);
    const cpuPerWall = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
    const threadsUsed = threads > 1 && sharedPool(threads).dispatched > dispatched ? threads : 1;
    const gbPerS = c.bytes / (t.medianMs * 1e6);
    const triad = bounds.triad.get(threadsUsed)?.gbPerS ?? NaN;
    const copy = bounds.copy.get(threadsUsed)?.gbPerS ?? NaN;
    rows.push({
      kernel: c.kernel, graph: graph.name, nodes: graph.nodes, nnz: graph.nnz, width: c.width, heads: c.heads, threads, threadsUsed,
      cpuPerWall: round(cpuPerWall, 2), medianMs: round(t.medianMs), bestMs: round(t.bestMs), reps: t.reps, bytes: c.bytes,
      gbPerS: round(gbPerS, 2), fractionOfTriad: round(gbPerS / triad), fractionOfCopy: round(gbPerS / copy),
    });
    log(`${graph.name} ${c.kernel} f=${c.width} h=${c.heads} x${threads}: ${t.medianMs.toFixed(2)} ms, ${gbPerS.toFixed(2)} GB/s`);
  }
  return rows;
}

export function graphInfo(name: string, a: CsrMatrix): GraphInfo {
  return { name, nodes: a.rows, nnz: a.indptr[a.rows] };
}
