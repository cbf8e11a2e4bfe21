// WebAssembly SIMD GEMM (source: assembly/gemm.ts): fast float32 GEMM without a native BLAS, rows split across threads.

import { gemmChoice } from './gemm-choice.js';
import { checkGemmArgs, scaleC } from './gemm-ts.js';
import { isShared, sharedPool } from './pool.js';
import type { GemmArgs } from './types.js';
import { compileKernelModule, readWasm, reserve, threadExports, type WasmKernelModule } from './wasm-module.js';

/* The module imports one shared memory, and this thread and each pool worker instantiate it against that
 * memory, so the operands are copied in once and every thread computes its own rows of C with its own work
 * area. Per call the memory holds [work areas][op(B)][a chunk of rows of op(A)][the same rows of C]: op(A) and
 * C go through in chunks of rows, so a huge product needs no second full copy of itself, and the memory only
 * ever grows. When A and C are in shared memory (large fastgnn tensors are), each thread copies its own rows
 * in and out, so the copies run in parallel too. Thread shares are whole micro-kernel tiles of rows; every
 * element of C is summed in the same order whatever the split, so results are bitwise the same for any thread
 * count. Float32Array operands only: gemm() returns false for anything else, and the caller uses gemm-ts. */

const CHUNK_BYTES = 64 * 2 ** 20; // rows of op(A) and C copied in per chunk
const MR = 4; // rows of the micro-kernel tile (assembly/gemm.ts)
const MIN_PARALLEL_WORK = 1 << 21; // multiply-adds below which a GEMM stays on this thread (a hand-off costs ~50 us)
const MIN_THREAD_ROWS = 32;
const BASE = 64; // address 0 never holds an operand

/** The exports of gemm.wasm: pointers are byte offsets, leading dimensions count elements. */
interface GemmExports {
  workBytes(): number;
  gemm(transA: number, transB: number, m0: number, m1: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, work: number): void;
}

/** A GEMM laid out in the shared memory, in the wasm gemm()'s terms (less the rows and the work area). */
interface GemmCall {
  transA: number; transB: number; n: number; k: number; alpha: number;
  a: number; lda: number; b: number; ldb: number; beta: number; c: number; ldc: number;
}

/** Where a chunk of rows [i0, i0 + rows) of op(A) and C comes from and goes to (byte addresses aAt, cAt). */
interface ChunkIo {
  a: Float32Array; c: Float32Array; transA: boolean; lda: number; ldc: number; copyC: boolean;
  i0: number; rows: number; k: number; n: number; aAt: number; cAt: number;
}

/** Rows [r0, r1) of a chunk laid out in the module's memory, for a pool worker, with its work area at byte `work`;
 *  with `io` (a and c in shared memory) the thread copies its rows in and out itself. */
export interface GemmJob extends WasmKernelModule {
  kind: 'gemm';
  call: GemmCall;
  r0: number;
  r1: number;
  work: number;
  io?: ChunkIo;
}

export interface WasmGemm {
  /** C = alpha * op(A) @ op(B) + beta * C on `threads` threads (default: setWasmGemmThreads) and true, or false
   *  (touching nothing) when an operand is not a Float32Array or the product does not fit in wasm memory. */
  gemm(g: GemmArgs, threads?: number): boolean;
}

let defaultThreads = 1;
let loaded: WasmGemm | null | undefined;
let unavailable: string | undefined;

/** Threads the wasm GEMM uses (backend.ts keeps it equal to the sparse kernels' thread count). */
export function setWasmGemmThreads(n: number): void {
  defaultThreads = n;
}

export function getWasmGemmThreads(): number {
  return defaultThreads;
}

/** The wasm GEMM built from dist/wasm/gemm.wasm (once), or null when FASTGNN_BLAS=ts forbids it or it cannot
 *  run here (no WebAssembly SIMD or shared memory, file missing, self-test failed): wasmGemmUnavailableReason(). */
export function loadWasmGemm(): WasmGemm | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (gemmChoice() === 'typescript') {
    unavailable = `disabled by FASTGNN_BLAS=${process.env.FASTGNN_BLAS}`;
    return null;
  }
  const bytes = readWasm('gemm');
  const made = typeof bytes === 'string' ? bytes : createWasmGemm(bytes);
  if (typeof made === 'string') unavailable = made;
  else loaded = made;
  return loaded;
}

/** Why loadWasmGemm() returned null (undefined when it has not been called or the wasm GEMM loaded). */
export function wasmGemmUnavailableReason(): string | undefined {
  return unavailable;
}

/** A wasm GEMM with its own shared memory from the module's bytes, or the reason it cannot run here;
 *  `chunkBytes` (tests) caps the rows of op(A) and C copied in at a time. */
export function createWasmGemm(bytes: BufferSource, { chunkBytes = CHUNK_BYTES } = {}): WasmGemm | string {
  const compiled = compileKernelModule(bytes, 'gemm');
  if (typeof compiled === 'string') return compiled;
  let exports: GemmExports;
  try {
    exports = threadExports<GemmExports>(compiled);
  } catch (e) {
    return `gemm.wasm failed to load: ${(e as Error).message}`;
  }
  const instance = { ...compiled, exports, chunkBytes };
  const wasm: WasmGemm = { gemm: (g, threads = defaultThreads) => wasmGemm(instance, g, threads) };
  return selfTest(wasm) ? wasm : 'gemm.wasm failed its self-test';
}

/** One thread's share: its rows copied in (when it copies its own), computed, and copied out. */
function runPart(x: GemmExports, mem: Float32Array, job: GemmJob): void {
  const { call: s, io, r0, r1 } = job;
  if (io) copyRowsIn(mem, io, r0, r1);
  x.gemm(s.transA, s.transB, r0, r1, s.n, s.k, s.alpha, s.a, s.lda, s.b, s.ldb, s.beta, s.c, s.ldc, job.work);
  if (io) copyRowsOut(mem, io, r0, r1);
}

/** Runs a pool worker's share (pool-worker.ts) with this thread's instance of the module. */
export function runGemmJob(job: GemmJob): void {
  runPart(threadExports<GemmExports>(job), new Float32Array(job.memory.buffer), job);
}

interface Instance extends WasmKernelModule {
  exports: GemmExports;
  chunkBytes: number;
}

const align16 = (x: number): number => Math.ceil(x / 16) * 16;

function wasmGemm(w: Instance, g: GemmArgs, maxThreads: number): boolean {
  const { a, b, c, m, n, k } = g;
  if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) return false;
  checkGemmArgs(g);
  if (m === 0 || n === 0) return true;
  if (k === 0 || g.alpha === 0) {
    scaleC(c, m, n, g.ldc, g.beta);
    return true;
  }
  const work = w.exports.workBytes();
  const threads = m * n * k < MIN_PARALLEL_WORK ? 1 : Math.max(1, Math.min(maxThreads, Math.floor(m / MIN_THREAD_ROWS)));
  const chunkRows = Math.min(m, Math.max(MR, Math.floor(w.chunkBytes / (4 * (k + n)) / MR) * MR));
  const bAt = align16(BASE + threads * work);
  const aAt = align16(bAt + 4 * k * n);
  const cAt = align16(aAt + 4 * chunkRows * k);
  const end = cAt + 4 * chunkRows * n;
  if (!reserve(w.memory, end)) return false;
  const mem = new Float32Array(w.memory.buffer);
  if (g.transB) copyMatrix(b, 0, g.ldb, mem, bAt / 4, k, n, k);
  else copyMatrix(b, 0, g.ldb, mem, bAt / 4, n, k, n);
  // with a and c in shared memory every thread copies its own rows in and out, else this thread copies them all
  // (so too for op(A) = A^T, whose rows are strided columns of A that one copy moves fastest)
  const ownCopies = threads > 1 && !g.transA && isShared(a) && isShared(c);
  for (let i0 = 0; i0 < m; i0 += chunkRows) {
    const rows = Math.min(chunkRows, m - i0);
    const io: ChunkIo = { a, c, transA: g.transA, lda: g.lda, ldc: g.ldc, copyC: g.beta !== 0, i0, rows, k, n, aAt, cAt };
    const call: GemmCall = {
      transA: g.transA ? 1 : 0, transB: g.transB ? 1 : 0, n, k, alpha: g.alpha, beta: g.beta,
      a: aAt, lda: g.transA ? rows : k, b: bAt, ldb: g.transB ? k : n, c: cAt, ldc: n,
    };
    const parts: GemmJob[] = [];
    const shares = Math.min(threads, Math.ceil(rows / MR));
    for (let t = 0; t < shares; t++) {
      const r0 = Math.round((rows * t) / shares / MR) * MR;
      const r1 = t === shares - 1 ? rows : Math.round((rows * (t + 1)) / shares / MR) * MR;
      const job: GemmJob = { kind: 'gemm', module: w.module, memory: w.memory, memoryId: w.memoryId, maxBytes: w.maxBytes, call, r0, r1, work: BASE + t * work };
      parts.push(ownCopies ? { ...job, io } : job);
    }
    if (!ownCopies) copyRowsIn(mem, io, 0, rows);
    if (parts.length === 1) runPart(w.exports, mem, parts[0]);
    else sharedPool(threads).run(parts, (job) => runPart(w.exports, mem, job));
    if (!ownCopies) copyRowsOut(mem, io, 0, rows);
  }
  return true;
}

/** dst[dOff + r * dLd + j] = src[sOff + r * sLd + j] for r < rows, j < cols. */
function copyMatrix(src: Float32Array, sOff: number, sLd: number, dst: Float32Array, dOff: number, dLd: number, rows: number, cols: number): void {
  if (rows === 0 || cols === 0) return;
  if ((sLd === cols && dLd === cols) || rows === 1) {
    dst.set(src.subarray(sOff, sOff + rows * cols), dOff);
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(sOff + r * sLd, sOff + r * sLd + cols), dOff + r * dLd);
}

/** Rows [r0, r1) of the chunk's op(A) (and of C, when beta != 0) into the memory. */
function copyRowsIn(mem: Float32Array, io: ChunkIo, r0: number, r1: number): void {
  const { k, n, rows } = io;
  const i = io.i0 + r0;
  if (io.transA) copyMatrix(io.a, i, io.lda, mem, io.aAt / 4 + r0, rows, k, r1 - r0);
  else copyMatrix(io.a, i * io.lda, io.lda, mem, io.aAt / 4 + r0 * k, k, r1 - r0, k);
  if (io.copyC) copyMatrix(io.c, i * io.ldc, io.ldc, mem, io.cAt / 4 + r0 * n, n, r1 - r0, n);
}

/** Rows [r0, r1) of the chunk's C back to the caller's array. */
function copyRowsOut(mem: Float32Array, io: ChunkIo, r0: number, r1: number): void {
  copyMatrix(mem, io.cAt / 4 + r0 * io.n, io.n, io.c, (io.i0 + r0) * io.ldc, io.ldc, r1 - r0, io.n);
}

/** A 5 x 9 x 3 product with both operands transposed, alpha = 2 and beta = 0 over NaN, in small integers (exact). */
function selfTest(wasm: WasmGemm): boolean {
  const [m, n, k] = [5, 9, 3];
  const a = Float32Array.from({ length: k * m }, (_, i) => (i % 7) - 3); // A^T stored k x m
  const b = Float32Array.from({ length: n * k }, (_, i) => (i % 5) - 2); // B^T stored n x k
  const c = new Float32Array(m * n).fill(NaN);
  try {
    if (!wasm.gemm({ transA: true, transB: true, m, n, k, alpha: 2, a, lda: m, b, ldb: k, beta: 0, c, ldc: n }, 1)) return false;
  } catch {
    return false;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[p * m + i] * b[j * k + p];
      if (c[i * n + j] !== 2 * s) return false;
    }
  }
  return true;
}
