// GEMM benchmark: GFLOP/s of the reference, TypeScript, wasm SIMD and native BLAS GEMMs on GNN-typical float32 shapes.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { loadBlas } from '../src/kernels/blas.js';
import { describeBackend } from '../src/kernels/backend.js';
import { gemmTs } from '../src/kernels/gemm-ts.js';
import { referenceGemm } from '../src/kernels/reference.js';
import type { GemmArgs } from '../src/kernels/types.js';
import { createWasmGemm } from '../src/kernels/wasm-gemm.js';
import { filled } from './lib/gemm-section.js';
import { exitOnHelp, formatTable } from './lib/measure.js';

exitOnHelp(import.meta.url);

/* Run after `npm run build`: node dist/bench/gemm.js. C[m, n] = A[m, k] @ B[k, n], no transposition.
 * Each timing is the best of repeated runs (at least 2, until 1 s is spent) after one warm-up run. The wasm GEMM
 * runs on 1 thread and on all cores (whatever FASTGNN_BLAS says); 'wasm / blas' is its best GFLOP/s as a
 * fraction of the native BLAS measured in the same run. */

interface Shape { m: number; n: number; k: number; why: string }
const SHAPES: Shape[] = [
  { m: 2708, n: 16, k: 1433, why: 'Cora: X @ W1' },
  { m: 13752, n: 64, k: 767, why: 'Amazon-Computers: X @ W1' },
  { m: 100000, n: 256, k: 128, why: 'large graph, hidden 128 -> 256' },
  { m: 2048, n: 2048, k: 2048, why: 'square 2048^3' },
];
const REFERENCE_MAX_FLOP = 2e9; // the plain loop runs at ~0.5 GFLOP/s: small shapes only

interface Result {
  shape: string; m: number; n: number; k: number; impl: string; dtype: 'float32'; gflops: number; ms: number;
  /** wasm rows: GFLOP/s over the native BLAS's in this run */
  fractionOfBlas?: number;
}

function timeGemm(run: (g: GemmArgs) => void, g: GemmArgs): number {
  run(g);
  let best = Infinity;
  let spent = 0;
  for (let r = 0; r < 10 && (r < 2 || spent < 1000); r++) {
    const t = performance.now();
    run(g);
    const ms = performance.now() - t;
    spent += ms;
    best = Math.min(best, ms);
  }
  return best;
}

const blas = loadBlas();
const impls: Array<[string, (g: GemmArgs) => void, (s: Shape) => boolean]> = [
  ['reference', referenceGemm, (s) => 2 * s.m * s.n * s.k <= REFERENCE_MAX_FLOP],
  ['gemm-ts', gemmTs, () => true],
];
const wasm = createWasmGemm(new Uint8Array(readFileSync(new URL('../wasm/gemm.wasm', import.meta.url))));
if (typeof wasm === 'string') console.error(`wasm GEMM unavailable: ${wasm}`);
else {
  for (const threads of new Set([1, availableParallelism()])) {
    impls.push([`wasm-simd (${threads} thread${threads > 1 ? 's' : ''})`, (g) => { wasm.gemm(g, threads); }, () => true]);
  }
}
const blasName = blas ? `${blas.library} (nblas, ${blas.threads} threads)` : undefined;
if (blas && blasName) impls.push([blasName, (g) => { blas.gemm(g); }, () => true]);
const fractionColumn = blasName !== undefined && typeof wasm !== 'string';

const results: Result[] = [];
const rows: string[][] = [];
for (const s of SHAPES) {
  const { m, n, k } = s;
  const g: GemmArgs = {
    transA: false, transB: false, m, n, k, alpha: 1, a: filled(m * k, 1), lda: k, b: filled(k * n, 2), ldb: n,
    beta: 0, c: new Float32Array(m * n), ldc: n,
  };
  const shape = `${m}x${n}x${k}`;
  const row = [shape];
  for (const [impl, run, applies] of impls) {
    if (!applies(s)) {
      row.push('-');
      continue;
    }
    const ms = timeGemm(run, g);
    const gflops = (2 * m * n * k) / (ms * 1e6);
    results.push({ shape, m, n, k, impl, dtype: 'float32', gflops: Number(gflops.toFixed(3)), ms: Number(ms.toFixed(3)) });
    row.push(gflops.toFixed(2));
  }
  if (fractionColumn) {
    const mine = results.filter((r) => r.shape === shape);
    const native = mine.find((r) => r.impl === blasName)!.gflops;
    for (const r of mine) if (r.impl.startsWith('wasm')) r.fractionOfBlas = Number((r.gflops / native).toFixed(3));
    row.push(Math.max(...mine.map((r) => r.fractionOfBlas ?? 0)).toFixed(2));
  }
  rows.push(row);
  console.error(`done ${shape} (${s.why})`);
}

const header = ['m x n x k', ...impls.map(([name]) => name), ...(fractionColumn ? ['wasm / blas'] : [])];
console.log(`GEMM float32, GFLOP/s (${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, node ${process.version})`);
console.log(formatTable(header, rows));

mkdirSync('reports', { recursive: true });
const report = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, backend: describeBackend(), results };
writeFileSync('reports/bench-gemm.json', JSON.stringify(report, null, 2) + '\n');
console.log('wrote reports/bench-gemm.json');
