// Training-step benchmark: GCN mini-batch steps (forward, backward, Adam) on node-wise IBMB batches, timed with 1 and
// with 2 threads interleaved in one process, and where the time of a step goes (each kernel's share, the rest).

import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { cacheBatches, type MaterializedBatch } from '../src/batching/materialize.js';
import { loadMethodCache } from '../src/batching/methods.js';
import { ibmbNodeBatches } from '../src/batching/ibmb-node.js';
import type { Dataset } from '../src/graph/dataset.js';
import { generateSynthetic } from '../src/graph/generate.js';
import { loadBinary } from '../src/graph/io/binary.js';
import { describeBackend, getKernels, getThreads, setKernels, setThreads } from '../src/kernels/backend.js';
import type { Kernels } from '../src/kernels/types.js';
import { defaultModelConfig, GNN } from '../src/nn/models.js';
import { Arena } from '../src/tensor/arena.js';
import { peakRssMb } from '../src/train/memory.js';
import { trainStep } from '../src/train/minibatch.js';
import { makeOptimizer } from '../src/train/optimizer-factory.js';
import { prepareData } from '../src/train/prepare.js';
import { argInt, argValue, exitOnHelp, formatTable, median, round } from './lib/measure.js';

/* Run: npm run bench:step [-- --data g.fgnn --batches g.cache] [-- --rounds 5] [-- --hidden 256 --layers 3].
 * Without --data: a synthetic graph of 200k nodes, average degree 20, 100 features, 10 classes (seed 1), and its
 * node-wise IBMB training batches (9000 outputs, top-16 PPR neighbours each) built here; with --data and --batches,
 * the cached training batches of `fastgnn preprocess`. An "epoch" is one step on every training batch; the rounds
 * alternate 1 and 2 threads (setThreads: the sparse kernels and the wasm GEMM; a native BLAS keeps the thread count
 * it was loaded with, so run with FASTGNN_BLAS=wasm for a GEMM that follows). Figures are medians over the rounds;
 * the machine is shared, so only figures of the same run compare. The breakdown wraps every kernel with a timer
 * (one extra epoch per thread count); "outside kernels" is the rest: elementwise ops, reductions, loss, optimiser. */

const log = (s: string): void => { process.stderr.write(`${s}\n`); };

async function loadBatches(): Promise<{ dataset: Dataset; batches: MaterializedBatch[]; what: string }> {
  const file = argValue('data');
  if (file !== undefined) {
    const dataset = loadBinary(file);
    const cacheFile = argValue('batches');
    if (cacheFile === undefined) throw new Error('--data needs --batches (a node-wise IBMB cache of `fastgnn preprocess`)');
    const cache = loadMethodCache(cacheFile, dataset);
    return { dataset, batches: cacheBatches(cache.batches, prepareData(dataset)), what: `${file}, ${cacheFile}` };
  }
  const spec = { nodes: 200_000, avgDegree: 20, classes: 10, features: 100, seed: 1 };
  const dataset = generateSynthetic(spec);
  const data = prepareData(dataset);
  const t0 = performance.now();
  const batches = await ibmbNodeBatches(data.ctx, dataset.split!.train, { alpha: 0.25, eps: 2e-4, topk: 16, outputsPerBatch: 9000 });
  log(`built ${batches.length} IBMB batches in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { dataset, batches: cacheBatches(batches, data), what: `synthetic ${JSON.stringify(spec)}` };
}

/** CPU time of this (the main) thread in ms, from /proc/self/task/<pid>/stat (utime + stime in USER_HZ = 100 ticks per
 *  second on Linux); NaN elsewhere. */
function mainThreadCpuMs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** `k` with every kernel call timed into `ms` (by kernel name). */
function timedKernels(k: Kernels, ms: Map<string, number>): Kernels {
  const wrapped: Record<string, unknown> = { ...k, name: `${k.name}+timed` };
  for (const [name, fn] of Object.entries(k)) {
    if (typeof fn !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return (fn as (...a: unknown[]) => unknown)(...args);
      } finally {
        ms.set(name, (ms.get(name) ?? 0) + performance.now() - t0);
      }
    };
  }
  return wrapped as unknown as Kernels;
}

async function main(): Promise<void> {
  const rounds = argInt('rounds', 5);
  const hidden = argInt('hidden', 256);
  const layers = argInt('layers', 3);
  const threadsBefore = getThreads();
  const { dataset, batches, what } = await loadBatches();
  const config = { ...defaultModelConfig('gcn', dataset.features.cols, dataset.numClasses), hidden, layers };
  const model = new GNN(config, 0);
  model.train();
  const optimizer = makeOptimizer(model.parameterGroups(5e-4, 'all'), { optimizer: 'adam', lr: 1e-3, scheduler: 'none', epochs: 1 });
  const arena = new Arena();
  const epoch = (): number => {
    const t0 = performance.now();
    for (const mb of batches) trainStep(model, optimizer, mb, arena);
    return performance.now() - t0;
  };
  const sizes = batches.map((b) => b.ctx.numNodes);
  log(`${batches.length} batches of ${Math.min(...sizes)}-${Math.max(...sizes)} nodes; GCN ${layers}x${hidden}`);

  const threadCounts = [1, 2];
  const times = new Map<number, number[]>(threadCounts.map((t) => [t, []]));
  const cpu = new Map<number, number[]>(threadCounts.map((t) => [t, []]));
  const loadBefore = loadavg();
  for (const t of threadCounts) {
    setThreads(t);
    epoch(); // warm-up: JIT, arena, worker start-up
  }
  for (let r = 0; r < rounds; r++) {
    for (const t of threadCounts) {
      setThreads(t);
      const cpu0 = mainThreadCpuMs();
      const ms = epoch();
      times.get(t)!.push(ms);
      cpu.get(t)!.push(mainThreadCpuMs() - cpu0);
      log(`round ${r} threads ${t}: ${ms.toFixed(0)} ms, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
    }
  }
  const loadAfter = loadavg();
  const backend = describeBackend();
  const breakdown = new Map<number, { total: number; kernels: Map<string, number> }>();
  for (const t of threadCounts) {
    setThreads(t);
    const kernels = new Map<string, number>();
    setKernels(timedKernels(getKernels(), kernels));
    breakdown.set(t, { total: epoch(), kernels });
  }
  setThreads(threadsBefore);

  const med = (t: number): number => median(times.get(t)!);
  const medCpu = (t: number): number => median(cpu.get(t)!);
  const load = (l: number[]): string => l.map((x) => x.toFixed(1)).join(' ');
  console.log(`\ntraining step, GCN ${layers}x${hidden}, ${batches.length} IBMB batches (${sizes.join(', ')} nodes) of ${what}`);
  console.log(`GEMM ${backend.gemm}, SpMM ${backend.spmm}; ${availableParallelism()} cores, load average ${load(loadBefore)} before, ` +
    `${load(loadAfter)} after; ${rounds} rounds, 1 and 2 threads interleaved`);
  console.log(formatTable(['threads', 'epoch ms (median)', 'all rounds', 'speed-up', 'main thread CPU ms', 'CPU speed-up'], threadCounts.map((t) => [
    String(t), med(t).toFixed(0), times.get(t)!.map((x) => x.toFixed(0)).join(' '), (med(1) / med(t)).toFixed(2),
    medCpu(t).toFixed(0), (medCpu(1) / medCpu(t)).toFixed(2),
  ])));
  console.log('(CPU speed-up: main-thread CPU time on 1 thread / on 2; the wall-clock speed-up it predicts for a machine with a core\n' +
    'free per thread, if the workers keep pace, which a loaded machine does not give and so cannot show by wall clock)');
  const names = [...new Set([...breakdown.values()].flatMap((b) => [...b.kernels.keys()]))];
  const byTotal = (n: string): number => breakdown.get(1)!.kernels.get(n) ?? 0;
  names.sort((a, b) => byTotal(b) - byTotal(a));
  const rows = names.map((n) => [n, ...threadCounts.map((t) => (breakdown.get(t)!.kernels.get(n) ?? 0).toFixed(0))]);
  const outside = threadCounts.map((t) => {
    const b = breakdown.get(t)!;
    return (b.total - [...b.kernels.values()].reduce((s, x) => s + x, 0)).toFixed(0);
  });
  rows.push(['outside kernels', ...outside], ['epoch (timed kernels)', ...threadCounts.map((t) => breakdown.get(t)!.total.toFixed(0))]);
  console.log('\nwhere one epoch goes, ms');
  console.log(formatTable(['', ...threadCounts.map((t) => `${t} thr`)], rows));
  console.log(`peak RSS ${peakRssMb().toFixed(0)} MiB`);
  console.log(JSON.stringify({
    medianEpochMs: Object.fromEntries(threadCounts.map((t) => [t, round(med(t), 1)])), speedup: round(med(1) / med(2), 3),
    mainThreadCpuMs: Object.fromEntries(threadCounts.map((t) => [t, round(medCpu(t), 1)])), cpuSpeedup: round(medCpu(1) / medCpu(2), 3),
  }));
}

exitOnHelp(import.meta.url);
await main();
