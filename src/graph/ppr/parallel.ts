// Push PPR top-k over many sources on node:worker_threads; the output is identical for any thread count.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MAX_THREADS } from '../../kernels/threads.js';
import type { CsrGraph } from '../csr.js';
import { checkPprGraph, checkPprOptions, checkSources, pushTopKRange, type PprTopK, type PprTopKOptions } from './push.js';
import type { PprChunkMessage, PprWorkerData } from './worker.js';

export interface PprParallelOptions extends PprTopKOptions {
  /** worker threads; default os.availableParallelism(); 1 runs on the calling thread */
  readonly threads?: number;
  /** fewer than this many sources per thread are not worth a worker's start-up: the thread count is capped at
   *  floor(sources / minSourcesPerThread), at least 1. Default 4096, not 1024: a fresh worker costs ~100-200 ms
   *  (module load, cold JIT) while the push does ~25k sources/s per thread (bench/ppr.ts), so all 2708 Cora
   *  sources took 108 ms serial but 334 ms on 2 workers; 100k sources took 4.3 s serial, 2.4 s on 2 workers. */
  readonly minSourcesPerThread?: number;
  /** sources per work item claimed by a worker; default: about 8 items per thread, between 64 and 4096 */
  readonly chunkSize?: number;
}

/** Shared copies of graphs already sent to workers, so repeated calls on one graph copy it once (graphs are
 *  treated as immutable, as everywhere in fastgnn). */
const sharedGraphs = new WeakMap<CsrGraph, { indptr: Int32Array; indices: Int32Array }>();

function toShared(a: Int32Array): Int32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Int32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

function sharedGraph(g: CsrGraph): { indptr: Int32Array; indices: Int32Array } {
  let s = sharedGraphs.get(g);
  if (!s) {
    s = { indptr: toShared(g.indptr), indices: toShared(g.indices) };
    sharedGraphs.set(g, s);
  }
  return s;
}

/** The thread count pprTopK will use for `numSources` sources under `opts`. */
export function resolveThreads(numSources: number, opts: Pick<PprParallelOptions, 'threads' | 'minSourcesPerThread'>): number {
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`pprTopK: threads must be an integer >= 1, got ${String(threads)}`);
  if (threads > MAX_THREADS) throw new Error(`pprTopK: threads must be at most ${MAX_THREADS}, got ${threads}`);
  const minPer = opts.minSourcesPerThread ?? 4096;
  if (!Number.isInteger(minPer) || minPer < 1) {
    throw new Error(`pprTopK: minSourcesPerThread must be an integer >= 1, got ${String(minPer)}`);
  }
  return Math.max(1, Math.min(threads, Math.floor(numSources / minPer)));
}

/** Approximate PPR top-k neighbourhoods of every source (see push.ts for the method and the output layout).
 *  `graph` must be symmetric with one self-loop per node (prepareForPpr). Rows come out in source order and
 *  are bit-identical for every thread count: each source is computed by the same serial code. */
export async function pprTopK(graph: CsrGraph, sources: Int32Array, opts: PprParallelOptions): Promise<PprTopK> {
  checkPprOptions(opts, 'pprTopK');
  checkPprGraph(graph, 'pprTopK');
  checkSources(sources, graph.rows, 'pprTopK');
  const threads = resolveThreads(sources.length, opts);
  const options: PprTopKOptions = { alpha: opts.alpha, eps: opts.eps, topk: opts.topk };
  if (threads === 1) return pushTopKRange(graph.indptr, graph.indices, sources, 0, sources.length, options);
  const chunkSize = opts.chunkSize ?? Math.min(4096, Math.max(64, Math.ceil(sources.length / (8 * threads))));
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new Error(`pprTopK: chunkSize must be an integer >= 1, got ${String(chunkSize)}`);
  }
  const { indptr, indices } = sharedGraph(graph);
  const data: PprWorkerData = {
    indptr,
    indices,
    sources: toShared(sources),
    counter: new Int32Array(new SharedArrayBuffer(4)),
    chunkSize,
    options,
  };
  const parts = await runWorkers(threads, data, Math.ceil(sources.length / chunkSize));
  return concatRows(parts);
}

function runWorkers(threads: number, data: PprWorkerData, chunks: number): Promise<PprChunkMessage[]> {
  const parts: PprChunkMessage[] = new Array<PprChunkMessage>(chunks);
  const url = new URL('./worker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let running = threads;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    for (let t = 0; t < threads; t++) {
      const w = new Worker(url, { workerData: data });
      workers.push(w);
      w.on('message', (m: PprChunkMessage) => { parts[m.chunk] = m; });
      w.on('error', (e: Error) => fail(new Error(`pprTopK: worker ${t} failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (code !== 0) fail(new Error(`pprTopK: worker ${t} exited with code ${code}`));
        else if (--running === 0 && !failed) {
          const missing = parts.findIndex((p) => p === undefined);
          if (missing >= 0 || parts.length !== chunks) fail(new Error(`pprTopK: chunk ${missing} of ${chunks} never arrived`));
          else resolve(parts);
        }
      });
    }
  });
}

function concatRows(parts: readonly PprChunkMessage[]): PprTopK {
  let rows = 0;
  let total = 0;
  for (const p of parts) {
    rows += p.indptr.length - 1;
    total += p.nodes.length;
  }
  const indptr = new Int32Array(rows + 1);
  const nodes = new Int32Array(total);
  const scores = new Float32Array(total);
  let r = 0;
  let at = 0;
  for (const p of parts) {
    const m = p.indptr.length - 1;
    for (let i = 1; i <= m; i++) indptr[r + i] = at + p.indptr[i];
    nodes.set(p.nodes, at);
    scores.set(p.scores, at);
    r += m;
    at += p.nodes.length;
  }
  return { indptr, nodes, scores };
}
