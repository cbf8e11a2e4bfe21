// GEMM rows of bench:kernels: GFLOP/s of the active GEMM (and the TypeScript and native BLAS ones) on GNN shapes,
// as a fraction of OpenBLAS measured in the same run.

import { loadBlas } from '../../src/kernels/blas.js';
import { describeBackend, getKernels } from '../../src/kernels/backend.js';
import { gemmTs } from '../../src/kernels/gemm-ts.js';
import type { GemmArgs } from '../../src/kernels/types.js';
import { measure, round } from './measure.js';

/** C[m, n] = op(A) @ op(B), op(A) [m, k]. The names say "rows x in -> out" as a layer sees them. */
export interface GemmShape { m: number; k: number; n: number; transA?: boolean; transB?: boolean; why: string }

export const GEMM_SHAPES: GemmShape[] = [
  { m: 100000, k: 128, n: 256, why: 'large graph, X @ W (128 -> 256)' },
  { m: 100000, k: 256, n: 128, transB: true, why: 'its backward dX = dY @ W^T' },
  { m: 128, k: 100000, n: 256, transA: true, why: 'its backward dW = X^T @ dY' },
  { m: 50000, k: 256, n: 256, why: 'hidden layer 256 -> 256' },
  { m: 13752, k: 767, n: 64, why: 'Amazon-Computers X @ W1' },
  { m: 2708, k: 1433, n: 16, why: 'Cora X @ W1' },
];
/** The machine limit: OpenBLAS on a large square product, where it gets closest to the CPU's peak. */
export const PEAK_SHAPE: GemmShape = { m: 2048, k: 2048, n: 2048, why: 'square: the BLAS peak' };

export interface GemmRow {
  shape: string;
  why: string;
  impl: string;
  /** threads the implementation ran on (BLAS threads for native BLAS, 1 for TypeScript) */
  threads: number;
  medianMs: number;
  gflops: number;
  /** gflops / the limit (gemmLimit: the best native BLAS GFLOP/s of this run) */
  fractionOfPeak?: number;
  /** gflops / OpenBLAS on the same shape and thread count */
  fractionOfBlasSameShape?: number;
}

/** A GEMM to time; run returns false when it cannot take the operands (the row is then left out). */
export interface Impl { name: string; threads: number; run: (g: GemmArgs) => boolean | void; isBlas: boolean }

/** The WebAssembly GEMM on each thread count, when its module is present and loads (looked up at run time, so this
 *  bench works with or without it). */
export async function wasmImpls(threadCounts: number[]): Promise<Impl[]> {
  let mod: { loadWasmGemm?: () => { gemm(g: GemmArgs, threads?: number): boolean } | null };
  try {
    mod = (await import(new URL('../../src/kernels/wasm-gemm.js', import.meta.url).href)) as typeof mod;
  } catch {
    return [];
  }
  const wasm = typeof mod.loadWasmGemm === 'function' ? mod.loadWasmGemm() : null;
  if (!wasm) return [];
  return threadCounts.map((t) => ({ name: 'wasm-simd', threads: t, run: (g: GemmArgs) => wasm.gemm(g, t), isBlas: false }));
}

/** n float32 values in [-0.5, 0.5) from a seeded linear congruential generator (GEMM operands). */
export function filled(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) x[i] = ((s = (Math.imul(s, 48271) + 11) >>> 0) / 2 ** 32) - 0.5;
  return x;
}

function argsOf(s: GemmShape): GemmArgs {
  const { m, k, n } = s;
  const transA = s.transA ?? false;
  const transB = s.transB ?? false;
  return {
    transA, transB, m, n, k, alpha: 1, a: filled(m * k, 1), lda: transA ? m : k, b: filled(k * n, 2), ldb: transB ? k : n,
    beta: 0, c: new Float32Array(m * n), ldc: n,
  };
}

export function shapeName(s: GemmShape): string {
  return `${s.m}x${s.k}x${s.n}${s.transA ? ' (A^T)' : ''}${s.transB ? ' (B^T)' : ''}`;
}

/** The implementations to time: the active kernels' GEMM, plus gemm-ts and native BLAS where those differ from it. */
function implementations(includeTs: boolean, extra: Impl[]): Impl[] {
  const blas = loadBlas();
  const active = describeBackend();
  const impls: Impl[] = [];
  const activeIsBlas = blas !== null && active.gemm.endsWith('(nblas)');
  if (blas) impls.push({ name: `${blas.library} (nblas)`, threads: blas.threads, run: (g) => { blas.gemm(g); }, isBlas: true });
  if (!activeIsBlas && active.gemm !== 'typescript' && !active.gemm.startsWith('wasm')) {
    impls.push({ name: `active: ${active.gemm} (${active.kernels})`, threads: active.blasThreads ?? 1, run: (g) => getKernels().gemm(g), isBlas: false });
  }
  impls.push(...extra);
  if (includeTs) impls.push({ name: 'gemm-ts', threads: 1, run: gemmTs, isBlas: false });
  return impls;
}

/** Times every implementation on every shape; fractions are filled in by addFractions once the peak is known. */
export function benchGemm(shapes: GemmShape[], includeTs: boolean, log: (s: string) => void, extra: Impl[] = []): GemmRow[] {
  const rows: GemmRow[] = [];
  const impls = implementations(includeTs, extra);
  for (const s of [PEAK_SHAPE, ...shapes]) {
    const g = argsOf(s);
    const flop = 2 * s.m * s.n * s.k;
    for (const impl of impls) {
      if (s === PEAK_SHAPE && !impl.isBlas && impls.some((i) => i.isBlas)) continue;
      if (impl.run(g) === false) {
        log(`gemm ${shapeName(s)} ${impl.name}: cannot take these operands, left out`);
        continue;
      }
      const t = measure(() => { impl.run(g); }, { warmup: 0, minReps: 3, minMs: 600, maxReps: 15 });
      rows.push({ shape: shapeName(s), why: s.why, impl: impl.name, threads: impl.threads, medianMs: round(t.medianMs), gflops: round(flop / (t.medianMs * 1e6), 2) });
      log(`gemm ${shapeName(s)} ${impl.name} x${impl.threads}: ${(flop / (t.medianMs * 1e6)).toFixed(2)} GFLOP/s`);
    }
  }
  return rows;
}

/** The machine limit for GEMM: the best native BLAS GFLOP/s of this run (any shape, any thread count; PEAK_SHAPE is
 *  there to give it its best case), else the best row on PEAK_SHAPE. */
export function gemmLimit(rows: GemmRow[]): { gflops: number; impl: string; threads: number; shape: string; note: string } {
  const best = (rs: GemmRow[]): GemmRow | undefined => [...rs].sort((a, b) => b.gflops - a.gflops)[0];
  const blas = best(rows.filter((r) => r.impl.endsWith('(nblas)')));
  if (blas) {
    return { gflops: blas.gflops, impl: blas.impl, threads: blas.threads, shape: blas.shape, note: 'the best native BLAS sgemm of this run' };
  }
  const peak = best(rows.filter((r) => r.shape === shapeName(PEAK_SHAPE)));
  return {
    gflops: peak?.gflops ?? NaN, impl: peak?.impl ?? 'none', threads: peak?.threads ?? 1, shape: shapeName(PEAK_SHAPE),
    note: `native BLAS unavailable (${describeBackend().blasUnavailable ?? 'not loaded'}): the limit is the best available GEMM`,
  };
}

/** Fills fractionOfPeak and fractionOfBlasSameShape (BLAS at the same shape and thread count, where measured). */
export function addFractions(rows: GemmRow[], peakGflops: number): void {
  for (const r of rows) {
    r.fractionOfPeak = round(r.gflops / peakGflops);
    const blas = rows.find((b) => b.shape === r.shape && b.impl.endsWith('(nblas)') && b.threads === r.threads) ??
      rows.filter((b) => b.shape === r.shape && b.impl.endsWith('(nblas)')).sort((a, b) => b.threads - a.threads)[0];
    if (blas) r.fractionOfBlasSameShape = round(r.gflops / blas.gflops);
  }
}
