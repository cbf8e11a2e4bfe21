// Optional native GEMM through the `nblas` package (CBLAS bindings, linked against OpenBLAS where installed).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { gemmChoice } from './gemm-choice.js';
import { checkGemmArgs } from './gemm-ts.js';
import type { GemmArgs } from './types.js';

/* Why nblas and not an own addon: it is on the npm registry, builds with plain node-gyp against whatever
 * `-lblas` resolves to (Debian's alternatives point libblas.so at OpenBLAS once libopenblas-dev is
 * installed), and as an optionalDependency npm simply skips it when the build fails, so machines without
 * BLAS need nothing. Its sgemm/dgemm call cblas_?gemm(CblasRowMajor, ...) directly, so row-major and
 * transposition need no tricks. It reads memory without bounds checks, hence checkGemmArgs before every
 * call. It cannot set the thread count at run time: OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded,
 * so FASTGNN_BLAS_THREADS is copied there before the first (and only) load.
 *
 * OpenBLAS's threads spin for 2^28 cycles (~0.1 s) after each call before they sleep; in a training step the
 * memory-bound kernels that follow a GEMM then run on the worker-pool thread against a spinning BLAS thread on a
 * 2-core machine. Unless the user sets OPENBLAS_THREAD_TIMEOUT, it is set to 4 (2^4 cycles: sleep at once) before the
 * load: products-scale IBMB epochs on 2 threads 14.3 -> 12.5 s, the SpMMs and dropout 1.4x -> 1.7-1.85x faster than on
 * one thread, the GEMMs unchanged (`npm run bench:scale -- --stages train-1t,train-2t`, with and without it). */

/** The OPENBLAS_THREAD_TIMEOUT fastgnn sets when the environment has none (see above). */
export const DEFAULT_BLAS_THREAD_TIMEOUT = '4';

/** The two nblas entry points we use (declared here: nblas is optional, so its types may be absent). */
interface NblasModule {
  sgemm(ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number,
    b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  dgemm(ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: Float64Array, lda: number,
    b: Float64Array, ldb: number, beta: number, c: Float64Array, ldc: number): void;
}

const NO_TRANS = 111; // CblasNoTrans
const TRANS = 112; // CblasTrans

export interface NativeBlas {
  /** the BLAS library the binding ended up linked to: 'openblas', 'mkl', 'blis', 'atlas', 'netlib' or 'blas' */
  readonly library: string;
  readonly binding: 'nblas';
  /** threads the BLAS uses: from the environment variable named in threadsSource, or all cores by default */
  readonly threads: number;
  readonly threadsSource: 'OPENBLAS_NUM_THREADS' | 'GOTO_NUM_THREADS' | 'OMP_NUM_THREADS' | 'default';
  /** OPENBLAS_THREAD_TIMEOUT when the library was loaded, and whether the environment or fastgnn set it */
  readonly threadTimeout: string;
  readonly threadTimeoutSource: 'environment' | 'fastgnn default';
  /** Runs the GEMM natively and returns true, or returns false (touching nothing) when the operand types
   *  are mixed (e.g. Float32 A with Float64 C), which only the TypeScript GEMM handles. */
  gemm(g: GemmArgs): boolean;
}

let loaded: NativeBlas | null | undefined;
let unavailable: string | undefined;

/** Loads nblas once and returns it, or null when it is disabled (FASTGNN_BLAS=0 / ts / wasm), not installed, not
 *  built, fails a small self-test, or is linked to the slow netlib reference BLAS (unless FASTGNN_BLAS=1);
 *  blasUnavailableReason() then says which. */
export function loadBlas(): NativeBlas | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const choice = gemmChoice();
  if (choice === 'typescript' || choice === 'wasm') {
    unavailable = `disabled by FASTGNN_BLAS=${process.env.FASTGNN_BLAS}`;
    return null;
  }
  const threadsWanted = process.env.FASTGNN_BLAS_THREADS;
  if (threadsWanted !== undefined && threadsWanted !== '') {
    if (!/^[1-9][0-9]*$/.test(threadsWanted)) {
      throw new Error(`FASTGNN_BLAS_THREADS must be a positive integer, got '${threadsWanted}'`);
    }
    process.env.OPENBLAS_NUM_THREADS = threadsWanted; // read by OpenBLAS when the library is loaded below
  }
  const threadTimeoutSource = process.env.OPENBLAS_THREAD_TIMEOUT ? 'environment' : 'fastgnn default';
  const threadTimeout = process.env.OPENBLAS_THREAD_TIMEOUT || DEFAULT_BLAS_THREAD_TIMEOUT;
  let mod: Partial<NblasModule>;
  try {
    // read by OpenBLAS when it is loaded; set for the load only, so that child processes (the PyTorch reference of
    // bench:parity among them) see the environment they were given
    process.env.OPENBLAS_THREAD_TIMEOUT = threadTimeout;
    mod = createRequire(import.meta.url)('nblas') as Partial<NblasModule>;
  } catch (e) {
    unavailable = `nblas not installed or not built (${firstLine(e)})`;
    return null;
  } finally {
    if (threadTimeoutSource !== 'environment') delete process.env.OPENBLAS_THREAD_TIMEOUT;
  }
  const { sgemm, dgemm } = mod;
  if (typeof sgemm !== 'function' || typeof dgemm !== 'function') {
    unavailable = 'nblas loaded but has no sgemm/dgemm';
    return null;
  }
  const native: NblasModule = { sgemm, dgemm };
  if (!selfTest(native)) {
    unavailable = 'nblas loaded but its gemm failed the self-test';
    return null;
  }
  const library = linkedLibrary();
  if (library === 'netlib' && choice !== 'native-any') {
    unavailable = 'nblas is linked to the netlib reference BLAS, which is slower than gemm-ts; install ' +
      'libopenblas-dev and run `npm rebuild nblas` (or set FASTGNN_BLAS=1 to use it anyway)';
    return null;
  }
  const [threads, threadsSource] = blasThreads();
  loaded = {
    library,
    binding: 'nblas',
    threads,
    threadsSource,
    threadTimeout,
    threadTimeoutSource,
    gemm: (g) => nativeGemm(native, g),
  };
  return loaded;
}

/** Why loadBlas() returned null (undefined when it has not been called or BLAS is loaded). */
export function blasUnavailableReason(): string | undefined {
  return unavailable;
}

function nativeGemm(nb: NblasModule, g: GemmArgs): boolean {
  const { a, b, c } = g;
  const f32 = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array;
  const f64 = a instanceof Float64Array && b instanceof Float64Array && c instanceof Float64Array;
  if (!f32 && !f64) return false;
  checkGemmArgs(g);
  if (g.m === 0 || g.n === 0) return true;
  const ta = g.transA ? TRANS : NO_TRANS;
  const tb = g.transB ? TRANS : NO_TRANS;
  // CBLAS insists on ld >= max(1, cols) even for empty operands; checkGemmArgs already ensured ld >= cols
  const lda = Math.max(1, g.lda);
  const ldb = Math.max(1, g.ldb);
  const ldc = Math.max(1, g.ldc);
  if (f32) {
    nb.sgemm(ta, tb, g.m, g.n, g.k, g.alpha, a as Float32Array, lda, b as Float32Array, ldb, g.beta, c as Float32Array, ldc);
  } else {
    nb.dgemm(ta, tb, g.m, g.n, g.k, g.alpha, a as Float64Array, lda, b as Float64Array, ldb, g.beta, c as Float64Array, ldc);
  }
  return true;
}

/** A 2x2x3 product with both transpositions and beta = 0 over NaN, in both precisions. */
function selfTest(nb: NblasModule): boolean {
  const a = [1, 2, 3, 4, 5, 6]; // A^T stored 3 x 2
  const b = [1, 0, 2, 0, 1, 3]; // B^T stored 2 x 3
  const want: number[] = []; // 2 * A @ B by hand
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      let s = 0;
      for (let p = 0; p < 3; p++) s += a[p * 2 + i] * b[j * 3 + p];
      want[i * 2 + j] = 2 * s;
    }
  }
  const c32 = new Float32Array(4).fill(NaN);
  const c64 = new Float64Array(4).fill(NaN);
  try {
    nb.sgemm(TRANS, TRANS, 2, 2, 3, 2, Float32Array.from(a), 2, Float32Array.from(b), 3, 0, c32, 2);
    nb.dgemm(TRANS, TRANS, 2, 2, 3, 2, Float64Array.from(a), 2, Float64Array.from(b), 3, 0, c64, 2);
  } catch {
    return false;
  }
  return want.every((w, i) => c32[i] === w && c64[i] === w);
}

/** Which BLAS shared library the process has mapped (Linux); 'blas' when it cannot tell. */
function linkedLibrary(): string {
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return 'blas';
  }
  if (/libopenblas|\/openblas[^/\n]*\/libblas/.test(maps)) return 'openblas';
  if (/libmkl/.test(maps)) return 'mkl';
  if (/libblis|\/blis[^/\n]*\/libblas/.test(maps)) return 'blis';
  if (/libatlas|\/atlas\/libblas/.test(maps)) return 'atlas';
  if (/\/blas\/libblas\.so/.test(maps)) return 'netlib'; // Debian / Ubuntu's reference BLAS
  return 'blas';
}

function blasThreads(): [number, NativeBlas['threadsSource']] {
  for (const name of ['OPENBLAS_NUM_THREADS', 'GOTO_NUM_THREADS', 'OMP_NUM_THREADS'] as const) {
    const v = Number.parseInt(process.env[name] ?? '', 10);
    if (v > 0) return [v, name];
  }
  return [availableParallelism(), 'default'];
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
