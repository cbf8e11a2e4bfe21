// WebAssembly SIMD sparse kernels (source: assembly/sparse.ts and the files it exports from): the module, its
// self-test, and the SpMM plans (A @ x, its fused bias + activation, and A^T y: a gather over the cached transpose
// or a scatter).

import { knownTranspose, transposeCached, type CsrMatrix } from '../graph/csr.js';
import type { ActivationSpec, FloatArray } from './types.js';
import { runPhases, type WasmJob, type WasmRange, type WasmPhase } from './wasm-job.js';
import { WasmHeap } from './wasm-heap.js';
import { WasmLayout, type Copyable, type Placement } from './wasm-layout.js';
import { compileKernelModule, readWasm, type WasmKernelModule } from './wasm-module.js';

/* Why: a JavaScript loop spends several instructions per multiply-add (a float32 -> float64 conversion, a bounds
 * check, the multiply, the add), so few of a row's neighbours' loads are in flight at once and a random gather
 * waits on memory latency; four-lane SIMD needs a quarter of the instructions. The copies cost two passes over the
 * dense operand and the output, against nnz * f values gathered. Float32 operands only (a plan returns null
 * otherwise, and the caller runs the TypeScript loops); sums are float32, in entry order. A^T y is computed by rows
 * of the transpose (built once per matrix, with its values permuted), which adds each output value's terms in the
 * same order as a scatter through A would, and splits over threads by output rows. */

/** The module and where each call's operands go in its memory. */
export interface WasmSparse {
  module: WasmKernelModule;
  layout: WasmLayout;
  /** float32 arrays in the module's memory, which its kernels use in place */
  heap: WasmHeap | null;
}

/** A bias and an activation applied to each output row (the fused SpMM + bias + activation): the bias, and relu, by the
 *  wasm kernel before it stores a row; other activations by TypeScript on the copied-out rows. */
export interface Epilogue {
  bias: FloatArray;
  act: ActivationSpec;
}

/** Whether every array given is float32 (absent ones count as float32). */
export function float32(...arrays: Array<FloatArray | null | undefined>): boolean {
  return arrays.every((x) => x === null || x === undefined || x instanceof Float32Array);
}

/** Whether every array is float32 and in the module's heap (a kernel can use them where they are). */
export function inHeap(s: WasmSparse, ...arrays: FloatArray[]): boolean {
  return float32(...arrays) && s.heap !== null && arrays.every((x) => s.heap?.holds(x));
}

/** Elements [lo, hi) of a structure array: kept resident when `a` is a whole matrix (its arrays live on), else copied
 *  (a row slice's indptr is a fresh view on every call). */
export function structure(a: CsrMatrix, array: Copyable, lo: number, hi: number): Placement {
  return a.indptr[0] === 0 && a.indptr.length === a.rows + 1 ? { keep: array, lo, hi } : { copy: array, lo, hi };
}

/** Elements [lo, hi) of `x` copied in for this call only. */
export const copy = (x: Copyable, lo: number, hi: number): Placement => ({ copy: x, lo, hi });

/** The placements of a's indptr and its entries' column indices. */
export function csrPlacements(a: CsrMatrix): Placement[] {
  return [structure(a, a.indptr, 0, a.rows + 1), structure(a, a.indices, a.indptr[0], a.indptr[a.rows])];
}

/** Space for elements [lo, hi) of `x`, which the job copies in or out by parts (or `x` itself, in the heap). */
export const room = (x: Copyable, lo: number, hi: number): Placement => ({ room: x, lo, hi });

export function wasmJob(s: WasmSparse, kernel: string, args: number[], outputs: WasmRange[], inputs?: WasmRange[]): WasmJob {
  const { module, memory, memoryId, maxBytes } = s.module;
  const mark = (r: WasmRange): WasmRange => ({ ...r, inPlace: inPlace(s, r) });
  return { module, memory, memoryId, maxBytes, kernel, args, outputs: outputs.map(mark), inputs: inputs?.map(mark) };
}

/** Whether the range's array is the memory at its address (a heap array placed where it is). */
function inPlace(s: WasmSparse, r: WasmRange): boolean {
  const first = r.entries && r.whole === undefined ? r.entries.e0 * r.width : 0;
  return s.heap !== null && s.heap.holds(r.array) && r.array.byteOffset + 4 * first === r.at;
}

/** out = A @ x by rows of A, with `vals` (A's values, or per-call weights when `weights`) or ones, through the
 *  epilogue when given. */
export function gatherPlan(
  s: WasmSparse, a: CsrMatrix, vals: FloatArray | undefined, x: FloatArray, f: number, out: FloatArray, epilogue?: Epilogue, weights = false,
): WasmPhase[] | null {
  if (!float32(x, out, vals, epilogue?.bias) || x.length < a.cols * f) return null;
  const [e0, e1] = [a.indptr[0], a.indptr[a.rows]];
  const at = s.layout.place([
    ...csrPlacements(a), vals && (weights ? copy(vals, e0, e1) : structure(a, vals, e0, e1)), copy(x, 0, a.cols * f), room(out, 0, a.rows * f),
    epilogue && copy(epilogue.bias, 0, f),
  ]);
  if (!at) return null;
  const [indptr, indices, values, input, output, bias] = at;
  const relu = epilogue?.act.kind === 'relu';
  const after = epilogue && !relu ? epilogue.act : undefined;
  const job = wasmJob(s, 'gather', [f, e0, indptr, indices, values, input, output, bias, relu ? 1 : 0], [{ at: output, array: out, width: f, after }]);
  return [{ job, units: a.rows, balance: a.indptr }];
}

/** Outputs of at most this many values (1 MiB, within the L2 cache) take the scatter on one thread when A's
 *  transpose is not known yet. */
export const SCATTER_MAX_OUTPUT = 1 << 18;

/** out = A^T y with A's values (or ones): by rows of A's transpose (built once and cached), or, on one thread
 *  (`parallel` false) for a small output while no transpose is known, by a scatter through A's entries (the same
 *  bits; a matrix used once then never pays for its transpose). */
export function transposedGatherPlan(s: WasmSparse, parallel: boolean, a: CsrMatrix, y: FloatArray, f: number, out: FloatArray): WasmPhase[] | null {
  if (!float32(y, out, a.values)) return null;
  const known = knownTranspose(a);
  if (!known && !parallel && a.cols * f <= SCATTER_MAX_OUTPUT) return scatterPlan(s, a, y, f, out);
  const t = known ?? transposeCached(a);
  return gatherPlan(s, t, t.values, y, f, out);
}

/** out = A^T y scattered through A's entries in entry order, on the calling thread. */
function scatterPlan(s: WasmSparse, a: CsrMatrix, y: FloatArray, f: number, out: FloatArray): WasmPhase[] | null {
  if (y.length < a.rows * f) return null;
  const [e0, e1] = [a.indptr[0], a.indptr[a.rows]];
  const at = s.layout.place([...csrPlacements(a), a.values && structure(a, a.values, e0, e1), copy(y, 0, a.rows * f), room(out, 0, a.cols * f)]);
  if (!at) return null;
  const [indptr, indices, values, input, output] = at;
  const job = wasmJob(s, 'scatter', [f, a.rows, e0, indptr, indices, values, input, output], [{ at: output, array: out, width: f }]);
  return [{ job, units: a.cols, calling: true }];
}

/** A 3 x 4 matrix with an empty row and a repeated column, times small integers (exact in float32). */
function selfTest(s: WasmSparse): boolean {
  const a: CsrMatrix = { rows: 3, cols: 4, indptr: Int32Array.of(0, 2, 2, 5), indices: Int32Array.of(3, 0, 1, 1, 2), values: Float32Array.of(2, -1, 3, 1, -2) };
  const f = 5;
  const x = Float32Array.from({ length: 4 * f }, (_, i) => (i % 7) - 3);
  const out = new Float32Array(3 * f).fill(NaN);
  const plan = gatherPlan(s, a, a.values, x, f, out);
  if (plan === null) return false;
  runPhases(plan);
  for (let r = 0; r < 3; r++) {
    for (let t = 0; t < f; t++) {
      let sum = 0;
      for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) sum += (a.values as Float32Array)[k] * x[a.indices[k] * f + t];
      if (out[r * f + t] !== sum) return false;
    }
  }
  return true;
}

let loaded: WasmSparse | null | undefined;
let unavailable: string | undefined;

/** The wasm sparse kernels with their own memory from the module's bytes, or the reason they cannot run here. */
export function createWasmSparse(bytes: BufferSource): WasmSparse | string {
  const m = compileKernelModule(bytes, 'sparse');
  if (typeof m === 'string') return m;
  const heap = new WasmHeap(m);
  const s: WasmSparse = { module: m, layout: new WasmLayout(m, heap), heap };
  try {
    return selfTest(s) ? s : 'sparse.wasm failed its self-test';
  } catch (e) {
    return `sparse.wasm failed to load: ${(e as Error).message}`;
  }
}

/** The wasm sparse kernels built from dist/wasm/sparse.wasm (once), or null when they cannot run here:
 *  wasmSparseUnavailableReason() says why. */
export function loadWasmSparse(): WasmSparse | null {
  if (loaded !== undefined) return loaded;
  const bytes = readWasm('sparse');
  const made = typeof bytes === 'string' ? bytes : createWasmSparse(bytes);
  loaded = typeof made === 'string' ? null : made;
  unavailable = typeof made === 'string' ? made : undefined;
  return loaded;
}

export function wasmSparseUnavailableReason(): string | undefined {
  return unavailable;
}

/** Tells the wasm kernels that no call will see these matrices again (and their known transposes): their resident
 *  copies are forgotten and the space at the top of the resident region is given back (see WasmLayout.release). */
export function releaseMatrices(matrices: readonly CsrMatrix[]): void {
  if (!loaded) return;
  const arrays: Copyable[] = [];
  for (const m of matrices) {
    for (const t of new Set([m, knownTranspose(m) ?? m])) arrays.push(t.indptr, t.indices, ...(t.values ? [t.values] : []));
  }
  loaded.layout.release(arrays);
}
