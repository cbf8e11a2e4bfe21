// The active kernel set (chosen once at start-up: fast kernels, GEMM through native BLAS if it loads).

import { blasUnavailableReason, loadBlas } from './blas.js';
import os from 'node:os';
import { fastKernels, fastTsKernels } from './fast.js';
import { createParallelKernels } from './parallel.js';
import { formatKernelTimings, profiled, profiling } from './profile.js';
import { referenceKernels } from './reference.js';
import { checkThreadCount, parseThreadCount } from './threads.js';
import type { Kernels } from './types.js';
import { getWasmGemmThreads, loadWasmGemm, setWasmGemmThreads, wasmGemmUnavailableReason } from './wasm-gemm.js';
import { heapArraysEnabled } from './wasm-heap.js';
import { loadWasmSparse, wasmSparseUnavailableReason } from './wasm-sparse.js';

/* Environment, read once when this module is first imported:
 *   FASTGNN_BLAS             which GEMM (see gemm-choice.ts): native BLAS when it loads, else the WebAssembly SIMD
 *                            GEMM, else gemm-ts; 0 / ts: gemm-ts only; wasm: never native; 1: accept netlib BLAS
 *   FASTGNN_BLAS_THREADS=n   BLAS threads (copied to OPENBLAS_NUM_THREADS before OpenBLAS loads)
 *   OPENBLAS_NUM_THREADS=n   the same, set directly; default: all cores. Neither can change after start-up. */

/* FASTGNN_PROFILE=1     time every kernel call and print the totals to stderr when the process exits */

/* FASTGNN_THREADS=n      threads for row-parallel sparse kernels and the wasm GEMM (default: all cores; 1 = no worker threads);
 *                        an integer from 1 to MAX_THREADS (threads.ts), anything else is an error at start-up */

let threads = parseThreadCount(process.env.FASTGNN_THREADS, 'FASTGNN_THREADS') ?? Math.max(1, os.availableParallelism());
let defaultKernels: Kernels = withThreads(threads);
let active: Kernels = defaultKernels;

function withThreads(n: number): Kernels {
  setWasmGemmThreads(n);
  return n > 1 ? createParallelKernels(fastKernels, n, loadWasmSparse()) : fastKernels;
}

/** Sets how many threads the sparse kernels and the wasm GEMM use (1 = this thread only) and makes that the active
 *  kernel set. */
export function setThreads(n: number): void {
  checkThreadCount(n, 'threads');
  threads = n;
  defaultKernels = withThreads(n);
  active = defaultKernels;
}

export function getThreads(): number {
  return threads;
}

if (profiling) process.on('exit', () => process.stderr.write(`${formatKernelTimings()}\n`));

/** The kernels every op should call (look them up per call: setKernels may swap them). */
export function getKernels(): Kernels {
  return profiling ? profiled(active) : active;
}

export function setKernels(k: Kernels): void {
  active = k;
}

/** Switches to the plain-loop reference kernels (slow; for debugging and parity checks). */
export function useReferenceKernels(): void {
  active = referenceKernels;
}

/** Switches back to the start-up default (fast kernels, native GEMM if available). */
export function useFastKernels(): void {
  active = defaultKernels;
}

export type GemmBackend = `${string} (nblas)` | `wasm-simd (${number} thread${'' | 's'})` | 'typescript' | 'reference' | 'custom';

export interface BackendInfo {
  /** name of the active kernel set */
  kernels: string;
  /** threads the sparse kernels use */
  threads: number;
  /** what the active GEMM runs on, e.g. 'openblas (nblas)', 'wasm-simd (2 threads)' or 'typescript' */
  gemm: GemmBackend;
  /** threads of the native BLAS, when it is the active GEMM */
  blasThreads?: number;
  /** where blasThreads came from: an environment variable, or 'default' (all cores) */
  blasThreadsSource?: string;
  /** OPENBLAS_THREAD_TIMEOUT of the native BLAS and who set it */
  blasThreadTimeout?: string;
  /** why native BLAS is not in use, when it is not (not installed, disabled, self-test failed) */
  blasUnavailable?: string;
  /** why the WebAssembly GEMM is not in use when the GEMM fell back to TypeScript */
  wasmUnavailable?: string;
  /** what float32 SpMM runs on: the WebAssembly SIMD kernels or TypeScript loops (float64 always runs in TypeScript) */
  spmm: 'wasm-simd' | 'typescript' | 'reference' | 'custom';
  /** why the WebAssembly SpMM is not in use, when it could not load */
  spmmUnavailable?: string;
  /** where training arenas put float32 arrays: the wasm kernels' heap (used in place) or ordinary memory, and why */
  arenaArrays: 'wasm heap' | 'ordinary (FASTGNN_WASM_HEAP=0)' | 'ordinary (no wasm heap)';
}

/** What `fastgnn info --backend` prints. */
export function describeBackend(): BackendInfo {
  const blas = loadBlas();
  const fast = active === fastKernels || active === defaultKernels;
  const sparse = loadWasmSparse();
  const info: BackendInfo = {
    kernels: active.name, gemm: 'custom', threads: active === defaultKernels ? threads : 1,
    spmm: active === referenceKernels ? 'reference' : fast && sparse ? 'wasm-simd' : fast || active === fastTsKernels ? 'typescript' : 'custom',
    arenaArrays: !heapArraysEnabled() ? 'ordinary (FASTGNN_WASM_HEAP=0)' : sparse?.heap?.canGrow() ? 'wasm heap' : 'ordinary (no wasm heap)',
  };
  if (fast && !sparse) info.spmmUnavailable = wasmSparseUnavailableReason();
  if ((active === fastKernels || active === defaultKernels) && blas !== null) {
    info.gemm = `${blas.library} (nblas)`;
    info.blasThreads = blas.threads;
    info.blasThreadsSource = blas.threadsSource;
    info.blasThreadTimeout = `OPENBLAS_THREAD_TIMEOUT=${blas.threadTimeout} (${blas.threadTimeoutSource})`;
    return info;
  }
  const wasm = blas === null ? loadWasmGemm() : null;
  if (active === referenceKernels) info.gemm = 'reference';
  else if ((active === fastKernels || active === defaultKernels) && wasm !== null) {
    const n = getWasmGemmThreads();
    info.gemm = `wasm-simd (${n} thread${n === 1 ? '' : 's'})`;
  }
  else if (active === fastKernels || active === defaultKernels || active === fastTsKernels) info.gemm = 'typescript';
  if (info.gemm === 'typescript' && active !== fastTsKernels && blas === null) info.wasmUnavailable = wasmGemmUnavailableReason();
  info.blasUnavailable = blas === null ? blasUnavailableReason() : `the active kernels '${active.name}' do not use it`;
  return info;
}
