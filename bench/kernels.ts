// Kernel benchmark: GEMM GFLOP/s against OpenBLAS, and GB/s of the memory-bound kernels (SpMM, the fused SpMM + bias +
// activation against its three-kernel composition, GSpMM, edge softmax, fused GAT attention, row gather, dropout, the
// elementwise ops of a training step and LayerNorm) against bandwidth probes (JS triad, native copy) measured in the same run.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CsrGraph } from '../src/graph/csr.js';
import { generateSynthetic } from '../src/graph/generate.js';
import { loadDataset } from '../src/graph/io/index.js';
import { describeBackend, getKernels, getThreads, setThreads } from '../src/kernels/backend.js';
import { GraphContext } from '../src/nn/graph-context.js';
import { createProbeArrays, lastLevelCacheBytes, measureBandwidth, PROBE_BYTE_MODEL } from './lib/bandwidth.js';
import { addFractions, benchGemm, GEMM_SHAPES, gemmLimit, wasmImpls, type GemmRow } from './lib/gemm-section.js';
import { argFlag, argValue, exitOnHelp, formatTable, round } from './lib/measure.js';
import {
  allocateOperands, BYTE_MODEL, byteMask, freeByteMask, freeOperands, type OperandPlace, type Operands, elementwiseCases, gatCases, KNOWN_KERNELS, normCases, rowCases,
  spmmCases, type SparseCase,
} from './lib/sparse-cases.js';
import { graphInfo, runCases, type Bounds, type KernelRow } from './lib/sparse-section.js';

/* Run: npm run bench:kernels [-- --large] [-- --skip-gemm] [-- --operands heap|ordinary] (--large adds a 1M-node
 * graph: several more minutes; --operands: where the operands live, see OperandPlace: heap by default);
 * `-- --only attention`: the GAT attention rows alone (fused kernels, the pieces and the unfused chains they replace),
 * written to reports/bench-kernels-attention.json; `-- --only heads`: every multi-head row (GSpMM and its transpose
 * and backward, SDDMM, the attention rows), written to reports/bench-kernels-heads.json; `-- --only norm`: the LayerNorm
 * rows (forward with and without xhat, backward, and the reference loops), written to reports/bench-kernels-norm.json.
 * Graphs: Cora (data/cora.npz) and a synthetic 200k-node graph of average degree 20. Every figure is the median of
 * repeated calls (the machine is shared; the header prints the load average). The parallel kernels (those whose 2-thread version differs from the 1-thread one) are timed
 * with 1 and with 2 threads (setThreads); threadsUsed says whether the work was actually split (small products stay
 * on the calling thread). GEMM with one BLAS thread runs in a child process (OpenBLAS reads its thread count once). */

const log = (s: string): void => { process.stderr.write(`${s}\n`); };
const WIDTHS = [64, 128, 256];
const GAT_HEADS = 8;
const PARALLEL_THREADS = 2;
/** The rows of `--only attention`. */
const ATTENTION_KERNELS = new Set(['sddmmAdd', 'edgeSoftmax', 'edgeSoftmaxBackward', 'gatAttention', 'gatAttentionBackward', 'unfused gatAttention', 'unfused gatAttentionBackward']);

interface GraphSpec { name: string; load: () => Promise<CsrGraph> }

function graphSpecs(large: boolean): GraphSpec[] {
  const synthetic = (nodes: number, avgDegree: number): GraphSpec => ({
    name: `synthetic ${nodes / 1000}k, avg deg ${avgDegree}`,
    load: async () => generateSynthetic({ nodes, avgDegree, classes: 10, features: 1, seed: 1 }).graph,
  });
  const specs: GraphSpec[] = [
    { name: 'cora', load: async () => (await loadDataset('data/cora.npz')).graph },
    synthetic(200_000, 20),
  ];
  if (large) specs.push(synthetic(1_000_000, 10));
  return specs;
}

/** GEMM with one BLAS thread, in a child process (the parent's BLAS already fixed its thread count). */
function gemmOneThread(): GemmRow[] {
  const script = fileURLToPath(import.meta.url);
  const env = { ...process.env, FASTGNN_BLAS_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const r = spawnSync(process.execPath, [script, '--section', 'gemm'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`the 1-thread GEMM child failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as GemmRow[];
}

/** `--operands heap` (default: as a training step's arena allocates them) or `ordinary` (see OperandPlace). */
function operandPlace(): OperandPlace {
  const v = argValue('operands') ?? 'heap';
  if (v !== 'heap' && v !== 'ordinary') throw new Error(`--operands: expected heap or ordinary, got '${v}'`);
  return v;
}

type Only = 'attention' | 'heads' | 'norm' | undefined;

async function sparseRows(large: boolean, bounds: Bounds, only: Only): Promise<KernelRow[]> {
  const rows: KernelRow[] = [];
  for (const spec of graphSpecs(large)) {
    const graph = await spec.load();
    const ctx = new GraphContext(graph);
    const gcn = ctx.adjacency('gcn');
    const loops = ctx.adjacency('loops');
    const nnz = Math.max(gcn.indptr[gcn.rows], loops.indptr[loops.rows]);
    const o = allocateOperands(graph.rows, nnz, Math.max(...WIDTHS), GAT_HEADS, operandPlace());
    const gat = gatCases(loops, WIDTHS, GAT_HEADS, o, getKernels());
    const gatInfo = graphInfo(`${spec.name} (A+I, ${GAT_HEADS} heads)`, loops);
    const byMatrix: Array<[ReturnType<typeof graphInfo>, SparseCase[]]> = only
      ? [[gatInfo, only === 'heads' ? gat : gat.filter((c) => ATTENTION_KERNELS.has(c.kernel))]]
      : [
          [graphInfo(`${spec.name} (gcn A+I)`, gcn), spmmCases(gcn, WIDTHS, o)],
          [gatInfo, gat],
          [graphInfo(`${spec.name} (rows)`, gcn), rowCases(graph.rows, 128, o)],
        ];
    for (const [info, cases] of byMatrix) {
      for (const t of [1, PARALLEL_THREADS]) rows.push(...runCases(cases, info, t, bounds, log));
    }
    freeOperands(o);
  }
  return rows;
}

/** A hidden activation's size: the elementwise and LayerNorm rows run on this many rows of this width. */
const ACTIVATION = { rows: 200_000, width: 256 };

/** The cases `make` gives on ACTIVATION-sized operands, on 1 and 2 threads. */
function activationSizedRows(bounds: Bounds, make: (rows: number, width: number, o: Operands) => SparseCase[]): KernelRow[] {
  const { rows, width } = ACTIVATION;
  const n = rows * width;
  const o = allocateOperands(rows, 0, width, width, operandPlace());
  const info = { name: `${n / 1e6}M values (${rows / 1000}k x ${width})`, nodes: n, nnz: 0 };
  const cases = make(rows, width, o);
  const result = [1, PARALLEL_THREADS].flatMap((t) => runCases(cases, info, t, bounds, log));
  freeOperands(o);
  return result;
}

/** Dropout and the elementwise kernels of a training step (the mask's heap block given back after). */
function elementwiseRows(bounds: Bounds): KernelRow[] {
  const n = ACTIVATION.rows * ACTIVATION.width;
  const mask = byteMask(n, operandPlace());
  const seed = Int32Array.of(1, 2, 3, 4);
  getKernels().dropout(n, 0.5, 2, seed, mask); // a mask for applyMask
  const rows = activationSizedRows(bounds, (rows, width, o) => [
    { kernel: 'dropout', width, heads: 1, bytes: 9 * n, run: (k) => k.dropout(n, 0.5, 2, seed, mask, o.x, o.out) },
    ...elementwiseCases(rows, width, o, mask),
  ]);
  freeByteMask(mask);
  return rows;
}

const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(0)}%`);

function printGemm(rows: GemmRow[], limit: ReturnType<typeof gemmLimit>): void {
  console.log(`\nGEMM float32 (limit: ${limit.gflops} GFLOP/s, ${limit.note}: ${limit.impl} x${limit.threads} on ${limit.shape})`);
  console.log(formatTable(['m x k x n', 'what', 'implementation', 'thr', 'ms', 'GFLOP/s', '% limit', '% BLAS same shape'],
    rows.map((r) => [r.shape, r.why, r.impl, String(r.threads), r.medianMs.toFixed(2), r.gflops.toFixed(2), pct(r.fractionOfPeak), pct(r.fractionOfBlasSameShape)]), 3));
}

function describeBounds(bounds: Bounds): string {
  const list = (m: Bounds['triad']): string => [...m.values()].map((b) => `${b.gbPerS} (${b.threads} thr)`).join(', ');
  return `JS triad ${list(bounds.triad)} GB/s; native copy ${list(bounds.copy)} GB/s`;
}

function printSparse(rows: KernelRow[], bounds: Bounds): void {
  console.log(`\nmemory-bound kernels, float32, GB/s by the byte models in the JSON; bounds: ${describeBounds(bounds)}`);
  console.log(formatTable(['kernel', 'matrix', 'nnz', 'f', 'h', 'thr', 'used', 'ms', 'GB/s', '% triad', '% copy'],
    rows.map((r) => [r.kernel, r.graph, String(r.nnz), String(r.width), String(r.heads), String(r.threads), String(r.threadsUsed),
      r.medianMs.toFixed(3), r.gbPerS.toFixed(2), pct(r.fractionOfTriad), pct(r.fractionOfCopy)]), 2));
}

async function main(): Promise<void> {
  if (argValue('section') === 'gemm') {
    process.stdout.write(`${JSON.stringify(benchGemm(GEMM_SHAPES, false, log))}\n`);
    return;
  }
  const large = argFlag('large');
  const only = argValue('only');
  if (only !== undefined && only !== 'attention' && only !== 'heads' && only !== 'norm') {
    throw new Error(`--only: expected 'attention', 'heads' or 'norm', got '${only}'`);
  }
  const threadsBefore = getThreads();
  const backend = describeBackend();
  const header = `fastgnn kernels: ${backend.kernels}, sparse threads ${backend.threads}, GEMM ${backend.gemm}, operands ${operandPlace()}` +
    `${backend.blasThreads ? ` (${backend.blasThreads} BLAS threads)` : ''}; ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, ` +
    `node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  log(header);

  const llc = lastLevelCacheBytes();
  const probeArrays = createProbeArrays(llc); // llc floats = 4 x the cache in bytes, per array
  const bounds: Bounds = { triad: new Map(), copy: new Map() };
  for (const t of [...new Set([1, PARALLEL_THREADS, availableParallelism()])]) {
    for (const op of ['triad', 'copy'] as const) {
      const r = await measureBandwidth(probeArrays, t, op);
      bounds[op].set(t, r);
      log(`${op} ${t} threads: ${r.gbPerS} GB/s`);
    }
  }

  let gemm: GemmRow[] = [];
  let limit: ReturnType<typeof gemmLimit> | undefined;
  if (!argFlag('skip-gemm') && !only) {
    gemm = benchGemm(GEMM_SHAPES, true, log, await wasmImpls([1, PARALLEL_THREADS]));
    if (gemm.some((r) => r.impl.endsWith('(nblas)')) && !gemm.some((r) => r.impl.endsWith('(nblas)') && r.threads === 1)) gemm.push(...gemmOneThread());
    limit = gemmLimit(gemm);
    addFractions(gemm, limit.gflops);
  }
  const normRows = (): KernelRow[] => activationSizedRows(bounds, normCases);
  const sparse = only === 'norm' ? normRows() : [...(await sparseRows(large, bounds, only)), ...(only ? [] : [...elementwiseRows(bounds), ...normRows()])];
  setThreads(threadsBefore);

  const kernelNames = Object.keys(getKernels());
  const unknown = kernelNames.filter((k) => !KNOWN_KERNELS.includes(k));
  const fusedSpeedups = sparse.filter((r) => r.kernel === 'spmmBiasActivation').map((r) => {
    const unfused = sparse.find((u) => u.kernel === 'spmm+addRowVec+activation' && u.graph === r.graph && u.width === r.width && u.threads === r.threads);
    return { graph: r.graph, width: r.width, threads: r.threads, fusedMs: r.medianMs, unfusedMs: unfused?.medianMs, speedup: unfused && round(unfused.medianMs / r.medianMs, 2) };
  });
  const fusions = {
    gatAttention: kernelNames.includes('gatAttention') ? 'present (benchmarked)' : 'absent',
    spmmBiasActivation: kernelNames.includes('spmmBiasActivation') ? 'present (benchmarked against spmm + addRowVec + activation)' : 'absent',
    fusedSpeedups,
    notBenchmarked: unknown,
  };
  console.log(`\n${header}`);
  if (limit) printGemm(gemm, limit);
  printSparse(sparse, bounds);
  console.log(`\nfused kernels: GAT attention ${fusions.gatAttention}; SpMM+bias+activation ${fusions.spmmBiasActivation}` +
    `${unknown.length ? `; in the interface but not benchmarked: ${unknown.join(', ')}` : ''}`);
  console.log(formatTable(['relu(A x + b)', 'f', 'thr', 'fused ms', 'unfused ms', 'speed-up'], fusedSpeedups.map((r) =>
    [r.graph, String(r.width), String(r.threads), r.fusedMs.toFixed(3), r.unfusedMs?.toFixed(3) ?? '-', r.speedup?.toFixed(2) ?? '-'])));

  mkdirSync('reports', { recursive: true });
  const report = {
    bench: 'kernels', date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: availableParallelism(),
    loadAverage: loadavg(), backend, operands: operandPlace(), lastLevelCacheBytes: llc,
    bandwidth: { byteModel: PROBE_BYTE_MODEL, arrayBytes: 4 * llc, triad: [...bounds.triad.values()], copy: [...bounds.copy.values()] },
    gemm: { limit, rows: gemm },
    sparse: { byteModel: BYTE_MODEL, timing: 'median of >= 5 calls after warm-up; GB/s = bytes / median time', rows: sparse },
    fusions,
  };
  const file = only ? `reports/bench-kernels-${only}.json` : 'reports/bench-kernels.json';
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

exitOnHelp(import.meta.url);
await main();
