// Products-scale end to end: a synthetic graph of ogbn-products size generated, saved, loaded, batched with node-wise
// IBMB, trained on 1 and 2 threads and run through IBMB and layer-wise inference, each stage in its own process.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { estimateSyntheticBytes } from '../src/graph/generate.js';
import { formatBytes } from '../src/graph/memory-estimate.js';
import { argFlag, argNumber, argValue, exitOnHelp, formatTable, round } from './lib/measure.js';
import { runStage, STAGE_THREADS, STAGES, type ScaleConfig, type StageName, type StageResult } from './lib/scale-stages.js';

/* Run: npm run bench:scale [-- --nodes 50000 --edges 1300000] (a smoke test takes about a minute).
 * Defaults: ogbn-products' size, 2,400,000 nodes and ~62M stored directed edges (the generator's avgDegree is set
 * to edges / nodes plus DUPLICATE_ALLOWANCE, since repeated pairs are merged), 100 features, 47 classes.
 * The split is the generated graph's own: 200k train outputs (ogbn-products' train split has 197k) and 20k each for
 * val and test (per class ceil(n / classes)). Products' own val + test (2.2M nodes) would make IBMB's inference
 * preprocessing a PPR push from 2.2M sources, which at ~10-20k sources/s on this machine alone takes minutes; the
 * inference stages score val + test (IBMB) or every node (layer-wise).
 * Model: GCN, 3 layers, hidden 256 (the IBMB paper's products model), Adam; a few epochs, all timed.
 * Every stage is a child process, so its peak RSS (getrusage maxRSS) is its own; train-1t runs with
 * FASTGNN_THREADS=1 FASTGNN_BLAS_THREADS=1, train-2t with 2 and 2. Files go to --dir (default: a temp directory,
 * removed afterwards unless --keep). --stages a,b,... runs only those stages and takes the others' results from an
 * earlier --keep run in the same --dir. --layerwise-chunk n: rows per layer-wise inference step (see
 * scale-stages.ts: at full size use --layerwise-chunk 2400000; the default chunking runs well over 13 minutes). */

/** Stored directed edges come out below nodes * avgDegree because repeated pairs are merged: 61.55M of 62.4M drawn
 *  (1.4%) at 2.4M nodes, avgDegree 26, 47 classes. */
const DUPLICATE_ALLOWANCE = 0.014;

function config(): ScaleConfig {
  const nodes = argNumber('nodes', 2_400_000);
  const edges = argNumber('edges', 62_000_000);
  const classes = argNumber('classes', 47);
  const perClass = (total: number): number => Math.max(1, Math.ceil(total / classes));
  return {
    nodes, classes, features: argNumber('features', 100),
    avgDegree: round(argNumber('avg-degree', (edges / nodes) * (1 + DUPLICATE_ALLOWANCE)), 3),
    trainPerClass: perClass(argNumber('train', Math.min(200_000, Math.floor(nodes / 12)))),
    valPerClass: perClass(argNumber('val', Math.min(20_000, Math.floor(nodes / 24)))),
    testPerClass: perClass(argNumber('test', Math.min(20_000, Math.floor(nodes / 24)))),
    epochs: argNumber('epochs', 4), hidden: argNumber('hidden', 256), layers: argNumber('layers', 3),
    outputsPerBatch: argNumber('outputs-per-batch', 9000), topk: argNumber('topk', 16),
    layerwiseChunk: argNumber('layerwise-chunk', 16384),
    dir: argValue('dir') ?? path.join(tmpdir(), `fastgnn-bench-scale-${nodes}`),
  };
}

/** Runs one stage in a child process and returns what it wrote, plus the child's wall time. */
function runChild(stage: StageName, c: ScaleConfig): StageResult & { wallS: number } {
  const threads = STAGE_THREADS[stage];
  const env = threads === undefined ? process.env : {
    ...process.env, FASTGNN_THREADS: String(threads), FASTGNN_BLAS_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads),
  };
  const out = path.join(c.dir, `stage-${stage}.json`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--stage', stage, '--config', JSON.stringify(c)], { env, stdio: 'inherit' });
  const wallS = round((performance.now() - t0) / 1000, 2);
  if (r.status !== 0) throw new Error(`bench:scale: stage '${stage}' failed (exit ${r.status ?? r.signal})`);
  const result = { ...(JSON.parse(readFileSync(out, 'utf8')) as StageResult), wallS };
  writeFileSync(out, JSON.stringify(result)); // with the wall time, for a later --stages run that reuses it
  return result;
}

function detail(stage: StageName, r: StageResult): string {
  switch (stage) {
    case 'generate': return `${r.nodes} nodes, ${r.storedEdges} stored edges, ${formatBytes(Number(r.fileBytes))} file (gen ${r.generateS} s + save ${r.saveS} s)`;
    case 'read': return `readFileSync ${r.MBps} MB/s`;
    case 'load': return `loadBinary ${r.MBps} MB/s`;
    case 'preprocess': return `${r.batches} train + ${r.evalBatches} inference batches (batch construction ${r.batchConstructionS} s)`;
    case 'train-1t':
    case 'train-2t': return `median epoch ${r.medianEpochMs} ms (epochs ${(r.epochMs as number[]).join(', ')}), ${r.batchesPerEpoch} batches, eval ${r.evalMs} ms`;
    case 'infer-ibmb': return `${r.batches} batches, ${r.ms} ms (warm), test acc ${r.testAcc}`;
    case 'infer-layerwise': return `all nodes, ${r.chunk} rows per step, ${r.ms} ms (cold), test acc ${r.testAcc}`;
  }
}

async function main(): Promise<void> {
  const stage = argValue('stage') as StageName | undefined;
  if (stage !== undefined) {
    if (!STAGES.includes(stage)) throw new Error(`--stage: expected one of ${STAGES.join(', ')}, got '${stage}'`);
    const c = JSON.parse(argValue('config') ?? '{}') as ScaleConfig;
    const result = await runStage(stage, c);
    writeFileSync(path.join(c.dir, `stage-${stage}.json`), JSON.stringify(result));
    return;
  }
  const c = config();
  const estimate = estimateSyntheticBytes(c);
  console.log(`bench:scale: ${c.nodes} nodes, avgDegree ${c.avgDegree}, ${c.features} features, ${c.classes} classes; ` +
    `generation needs ~${formatBytes(estimate.reduce((s, p) => s + p.bytes, 0))}; files in ${c.dir}`);
  mkdirSync(c.dir, { recursive: true });
  const selected = argValue('stages')?.split(',').filter((x) => x !== '') ?? [...STAGES]; // '' reuses every stage
  const unknown = selected.filter((s) => !STAGES.includes(s as StageName));
  if (unknown.length > 0) throw new Error(`--stages: unknown stage(s) ${unknown.join(', ')}; expected some of ${STAGES.join(', ')}`);
  const results = {} as Record<StageName, StageResult & { wallS: number; reused?: boolean }>;
  try {
    for (const s of STAGES) {
      const earlier = path.join(c.dir, `stage-${s}.json`);
      if (!selected.includes(s)) {
        if (!existsSync(earlier)) throw new Error(`--stages: '${s}' is not selected and ${earlier} holds no earlier result`);
        results[s] = { wallS: NaN, ...(JSON.parse(readFileSync(earlier, 'utf8')) as StageResult), reused: true };
        continue;
      }
      console.error(`--- ${s}`);
      results[s] = runChild(s, c);
    }
  } finally {
    if (!argFlag('keep')) rmSync(c.dir, { recursive: true, force: true });
  }
  const speedup = results['train-1t'].medianEpochMs as number / (results['train-2t'].medianEpochMs as number);
  const loadVsRead = (results.load.MBps as number) / (results.read.MBps as number);
  const rows = STAGES.map((s) => [s, Number(results[s].seconds).toFixed(2), Number.isFinite(results[s].wallS) ? results[s].wallS.toFixed(2) : '-', results[s].peakMiB.toFixed(0), detail(s, results[s])]);
  console.log(`\nbench:scale (${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, node ${process.version})`);
  console.log(formatTable(['stage', 'stage s', 'process s', 'peak MiB', 'detail'], rows.map((r) => [r[0], r[1], r[2], r[3], r[4]]), 1));
  console.log(`\nepoch time 1 thread / 2 threads: ${speedup.toFixed(2)}x (goal >= 1.6x); .fgnn load ${results.load.MBps} MB/s vs ` +
    `raw read ${results.read.MBps} MB/s (${(100 * loadVsRead).toFixed(0)}%)`);
  const out = argValue('out') ?? 'reports/bench-scale.json';
  mkdirSync(path.dirname(out), { recursive: true });
  const report = {
    bench: 'scale', date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: availableParallelism(),
    loadAverage: loadavg(), config: { ...c, dir: undefined }, generationEstimate: estimate,
    summary: { trainSpeedup2Threads: round(speedup, 3), speedupGoal: 1.6, loadMBps: results.load.MBps, rawReadMBps: results.read.MBps, loadVsRawRead: round(loadVsRead, 3) },
    stages: results,
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

exitOnHelp(import.meta.url);
await main();
