// Test helper: seeded random dense arrays, CSR matrices and GEMM arguments, a tolerant array comparison, the check
// of a GEMM implementation against the reference GEMM, and the wasm sparse module (failing when it does not load).

import assert from 'node:assert/strict';
import type { CsrMatrix } from '../../src/graph/csr.js';
import { referenceGemm } from '../../src/kernels/reference.js';
import type { FloatArray, GemmArgs } from '../../src/kernels/types.js';
import type { WasmHeap } from '../../src/kernels/wasm-heap.js';
import { runWasmJob, type WasmPhase } from '../../src/kernels/wasm-job.js';
import { readWasm } from '../../src/kernels/wasm-module.js';
import { createWasmSparse, loadWasmSparse, wasmSparseUnavailableReason, type WasmSparse } from '../../src/kernels/wasm-sparse.js';

export type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
export const FLOAT_TYPES: readonly FloatCtor[] = [Float32Array, Float64Array];

/** mulberry32: a tiny deterministic uniform [0, 1) source, independent of the library under test. */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(T: FloatCtor, n: number, rnd: () => number): FloatArray {
  const x = new T(n);
  for (let i = 0; i < n; i++) x[i] = 2 * rnd() - 1;
  return x;
}

/** A random float32 array in [-1, 1) backed by a SharedArrayBuffer (what the parallel kernels and worker threads
 *  need to share an operand). */
export function sharedRandom(n: number, rnd: () => number): Float32Array {
  const x = new Float32Array(new SharedArrayBuffer(n * 4));
  for (let i = 0; i < n; i++) x[i] = 2 * rnd() - 1;
  return x;
}

/** Random CSR [rows, cols] in which about a fifth of the rows are empty and the others hold up to maxDeg
 *  entries (repeated columns allowed, as in multigraphs); values absent when `weighted` is false. */
export function randomCsr(T: FloatCtor, rows: number, cols: number, maxDeg: number, weighted: boolean, rnd: () => number): CsrMatrix {
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  for (let i = 0; i < rows; i++) {
    const deg = cols === 0 || rnd() < 0.2 ? 0 : 1 + Math.floor(rnd() * maxDeg);
    for (let d = 0; d < deg; d++) idx.push(Math.floor(rnd() * cols));
    indptr[i + 1] = idx.length;
  }
  const values = weighted ? randomArray(T, idx.length, rnd) : undefined;
  return { rows, cols, indptr, indices: Int32Array.from(idx), values };
}

export interface GemmCase {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
  /** extra columns of padding in every stored row (lda = cols + pad etc.) */
  pad: number;
}

/** GemmArgs with random A, B and C (C is all NaN when beta = 0, which must then be ignored). */
export function randomGemm(T: FloatCtor, cs: GemmCase, rnd: () => number, TC: FloatCtor = T): GemmArgs {
  const { m, n, k, transA, transB, alpha, beta, pad } = cs;
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const ldc = n + pad;
  const a = randomArray(T, (transA ? k : m) * lda, rnd);
  const b = randomArray(T, (transB ? n : k) * ldb, rnd);
  const c = beta === 0 ? new TC(m * ldc).fill(NaN) : randomArray(TC, m * ldc, rnd);
  return { transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc };
}

/** A copy of g with its own copy of C, so two implementations can run on the same inputs. */
export function cloneGemm(g: GemmArgs): GemmArgs {
  return { ...g, c: g.c.slice() };
}

/** Asserts |got - want| <= atol + rtol * |want| element-wise (NaN only matches NaN). */
export function assertClose(got: FloatArray, want: FloatArray, atol: number, rtol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
      assert.fail(`${what}: element ${i} is ${g}, expected ${w}`);
    }
  }
}

/** Tolerances for a type: float32 results may round differently from the float64-accumulating reference. */
export function tolerance(T: FloatCtor | FloatArray, terms = 1): { atol: number; rtol: number } {
  const f32 = T === Float32Array || T instanceof Float32Array;
  return f32 ? { atol: 2e-6 * (terms + 1), rtol: 2e-5 } : { atol: 1e-12 * (terms + 1), rtol: 1e-12 };
}

/** The GEMM cases every implementation is checked on: odd sizes, block edges, all transpositions. */
export function gemmCases(): GemmCase[] {
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1], [5, 7, 3], [17, 13, 33], [4, 4, 4], [130, 9, 5], [6, 5, 300], [3, 19, 0], [0, 4, 4], [4, 0, 4],
  ];
  const cases: GemmCase[] = [];
  let s = 0;
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const [alpha, beta] = [[1, 0], [-0.5, 1], [2, 0.25], [0, 0.5]][s % 4];
        cases.push({ m, n, k, transA, transB, alpha, beta, pad: s % 3 === 0 ? 3 : 0 });
        s++;
      }
    }
  }
  return cases;
}

export function caseName(T: FloatCtor, cs: GemmCase): string {
  const op = `${cs.transA ? 'At' : 'A'}${cs.transB ? 'Bt' : 'B'}`;
  return `${T.name} ${op} ${cs.m}x${cs.n}x${cs.k} alpha=${cs.alpha} beta=${cs.beta} pad=${cs.pad}`;
}

/** Runs `gemm` on random operands of case `cs` and compares its C with the reference GEMM's, within the type's
 *  tolerance. `gemm` may return false to decline the operands, which fails the check. */
export function checkGemm(gemm: (g: GemmArgs) => boolean | void, T: FloatCtor, cs: GemmCase, rnd: () => number): void {
  const g = randomGemm(T, cs, rnd);
  const want = cloneGemm(g);
  referenceGemm(want);
  assert.notEqual(gemm(g), false, `${caseName(T, cs)}: declined`);
  const { atol, rtol } = tolerance(T, cs.k);
  assertClose(g.c, want.c, atol, rtol, caseName(T, cs));
}

/** checkGemm on every case of gemmCases() in float32 and float64. */
export function checkGemmCases(gemm: (g: GemmArgs) => boolean | void, rnd: () => number): void {
  for (const T of FLOAT_TYPES) for (const cs of gemmCases()) checkGemm(gemm, T, cs, rnd);
}

/** The wasm sparse kernels; fails the test when they do not load. */
export function wasmSparse(): WasmSparse {
  const w = loadWasmSparse();
  if (w === null) assert.fail(`the wasm sparse kernels do not load: ${wasmSparseUnavailableReason()}`);
  return w;
}

/** A wasm sparse module of its own (a fresh memory and heap), so a test sees every heap block. */
export function freshModule(): WasmSparse & { heap: WasmHeap } {
  const bytes = readWasm('sparse');
  assert.ok(typeof bytes !== 'string', bytes as string);
  const s = createWasmSparse(bytes);
  assert.ok(typeof s !== 'string', s as string);
  assert.ok(s.heap);
  return s as WasmSparse & { heap: WasmHeap };
}

/** A copy of x in the module's heap. */
export function inHeapCopy(s: WasmSparse & { heap: WasmHeap }, x: FloatArray): Float32Array {
  const block = s.heap.allocate(x.length);
  assert.ok(block, 'the heap has room');
  const h = s.heap.view(block, x.length);
  h.set(x);
  return h;
}

/** Runs every phase in `parts` consecutive ranges of its units (as the pool's threads would). */
export function runParts(phases: WasmPhase[] | null, parts: number, what: string): void {
  assert.ok(phases, `${what}: declined`);
  for (const p of phases) {
    for (let t = 0; t < parts; t++) runWasmJob(p.job, Math.round((t * p.units) / parts), Math.round(((t + 1) * p.units) / parts));
  }
}

/** Asserts the same values bit for bit, except that any NaN matches any NaN (their payloads differ by engine). */
export function assertSame(got: Float32Array | Uint8Array, want: Float32Array | Uint8Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const i = got.findIndex((g, k) => !Object.is(g, want[k]));
  assert.equal(i, -1, `${what}: index ${i}: ${got[i]} vs ${want[i]}`);
}
