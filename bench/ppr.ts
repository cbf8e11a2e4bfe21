// PPR benchmark: push top-k over all nodes of Cora and of a generated 100k-node graph, serial vs worker threads.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import type { CsrGraph } from '../src/graph/csr.js';
import { generateSynthetic } from '../src/graph/generate.js';
import { loadPlanetoid } from '../src/graph/io/planetoid.js';
import { prepareForPpr, pprTopK, pprTopKSync } from '../src/graph/ppr/index.js';
import { argInt, exitOnHelp, formatTable } from './lib/measure.js';
import { sharedPath } from './lib/paths.js';

/* Run after `npm run build`: node dist/bench/ppr.js [--nodes 100000] [--reps 3].
 * Every node is a source; alpha 0.25, eps 1e-4, topk 16 (IBMB's node-wise defaults at small scale).
 * "serial" is pprTopKSync on the main thread (what pprTopK does with threads 1); "workers 2" is pprTopK with 2
 * worker threads, timed end to end: worker start-up (each worker's JIT starts cold), the SharedArrayBuffer copy
 * of the sources, and concatenating the chunks; the graph's shared copy is made on the first rep only.
 * Each timing is the best of `reps` runs (serial's first rep also warms the main thread's JIT). */

/** ms: best wall time; cpuMs: CPU time of the whole process (all threads) in that run */
interface Row { graph: string; nodes: number; edges: number; sources: number; mode: string; threads: number; ms: number;
  cpuMs: number; sourcesPerSec: number; meanRow: number }

const reps = argInt('reps', 3);
const bigNodes = argInt('nodes', 100000);
const opts = { alpha: 0.25, eps: 1e-4, topk: 16 };

type Timing = { ms: number; cpuMs: number; total: number };

async function best(run: () => Promise<{ nodes: Int32Array }> | { nodes: Int32Array }): Promise<Timing> {
  let bestRun: Timing = { ms: Infinity, cpuMs: 0, total: 0 };
  for (let r = 0; r < reps; r++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    const res = await run();
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    if (ms < bestRun.ms) bestRun = { ms, cpuMs: (used.user + used.system) / 1000, total: res.nodes.length };
  }
  return bestRun;
}

async function benchGraph(name: string, g: CsrGraph, rows: Row[]): Promise<void> {
  const sources = Int32Array.from({ length: g.rows }, (_, i) => i);
  const base = { graph: name, nodes: g.rows, edges: g.indices.length, sources: sources.length };
  const add = (mode: string, threads: number, { ms, cpuMs, total }: Timing): void => {
    rows.push({ ...base, mode, threads, ms, cpuMs, sourcesPerSec: (sources.length / ms) * 1000, meanRow: total / sources.length });
  };
  add('serial', 1, await best(() => pprTopKSync(g, sources, opts)));
  add('workers 2', 2, await best(() => pprTopK(g, sources, { ...opts, threads: 2, minSourcesPerThread: 1 })));
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const cora = prepareForPpr(loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora').graph);
  await benchGraph('cora', cora, rows);
  const synth = generateSynthetic({ nodes: bigNodes, avgDegree: 10, classes: 10, features: 1, seed: 1 });
  await benchGraph(`synthetic ${bigNodes} (avg deg 10)`, prepareForPpr(synth.graph), rows);

  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`push PPR top-k, alpha ${opts.alpha}, eps ${opts.eps}, topk ${opts.topk}; best of ${reps}; ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), load average ${load}`);
  console.log(formatTable(['graph', 'nodes', 'nnz', 'mode', 'ms', 'cpu ms', 'src/s', 'row'], rows.map((r) => [
    r.graph, String(r.nodes), String(r.edges), r.mode, r.ms.toFixed(1), r.cpuMs.toFixed(0), String(Math.round(r.sourcesPerSec)), r.meanRow.toFixed(1),
  ])));
  mkdirSync('reports', { recursive: true });
  const report = {
    bench: 'ppr', options: opts, reps, cores: availableParallelism(), loadAverage: loadavg(), node: process.version, rows,
  };
  writeFileSync(path.join('reports', 'bench-ppr.json'), JSON.stringify(report, null, 2));
  console.log('wrote reports/bench-ppr.json');
}

exitOnHelp(import.meta.url);
await main();
