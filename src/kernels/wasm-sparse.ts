// WebAssembly SIMD SpMM and its scatter transpose (source: assembly/sparse.ts): the CSR structure and the dense
// operand are copied into the module's shared memory, then each thread computes its own output rows and copies them out.

import type { CsrMatrix } from '../graph/csr.js';
import { activationRange } from './elementwise.js';
import type { ActivationSpec, FloatArray } from './types.js';
import { compileKernelModule, readWasm, reserve, threadExports, type WasmKernelModule } from './wasm-module.js';

/* Why: a JavaScript loop spends several instructions per multiply-add (a float32 -> float64 conversion, a bounds
 * check, the multiply, the add), so few of a row's neighbours' loads are in flight at once and a random gather
 * waits on memory latency; four-lane SIMD needs a quarter of the instructions. The copies cost two passes over the
 * dense operand and the output, against nnz * f values gathered. Float32 operands only (prepare returns null
 * otherwise, and the caller runs the TypeScript loops); sums are float32, in entry order. */

/** The exports of sparse.wasm (see assembly/sparse.ts): pointers are byte offsets. */
interface SparseExports {
  gather(
    r0: number, r1: number, f: number, e0: number, indptr: number, indices: number, values: number, x: number, out: number, bias: number, relu: boolean,
  ): void;
  scatter(rows: number, j0: number, j1: number, f: number, e0: number, indptr: number, indices: number, values: number, y: number, out: number): void;
}

/** 'gather': out = A @ x, computed by rows of A; 'scatter': out = A^T y, computed by output rows (columns of A). */
export type SparseOp = 'gather' | 'scatter';

/** A bias and an activation applied to each output row (the fused SpMM + bias + activation): the bias, and relu, by the
 *  wasm kernel before it stores a row; other activations by TypeScript on the copied-out rows. */
export interface Epilogue {
  bias: FloatArray;
  act: ActivationSpec;
}

/** One product laid out in the module's memory: byte addresses of its arrays (values 0 when A has none), and the
 *  caller's output array, which each thread fills with its own rows. */
export interface WasmSparseJob extends WasmKernelModule {
  op: SparseOp;
  /** rows of A */
  rows: number;
  f: number;
  /** indptr[0]: the first entry, when A is a slice of a larger matrix */
  e0: number;
  indptr: number;
  indices: number;
  values: number;
  input: number;
  output: number;
  out: Float32Array;
  /** address of the bias row, 0 for none */
  bias: number;
  /** the activation applied after the copy out (elu, leakyRelu), when the kernel does not apply it */
  after?: ActivationSpec;
}

export interface WasmSparse {
  /** Copies A (with `values`, or ones when undefined) and the dense input into the memory and returns the job, or
   *  null (copying nothing) when an array is not float32 or the product does not fit. */
  prepare(
    op: SparseOp, a: CsrMatrix, values: FloatArray | undefined, input: FloatArray, f: number, out: FloatArray, epilogue?: Epilogue,
  ): WasmSparseJob | null;
}

/** A product through the wasm SpMM: (op, a, values, input, f, out, epilogue?) => whether it took the operands (then
 *  the product is done) or not (nothing was copied or computed: the caller runs its own loops). */
export type WasmSparseCall = (
  op: SparseOp, a: CsrMatrix, vals: FloatArray | undefined, input: FloatArray, f: number, out: FloatArray, epilogue?: Epilogue,
) => boolean;

/** A WasmSparseCall that prepares the job with `sparse` (when there is one) and hands it to `run`, which computes
 *  its output rows (rows of A for 'gather', columns for 'scatter') on this thread or split over several. */
export function wasmSparseCall(sparse: WasmSparse | null, run: (job: WasmSparseJob, op: SparseOp, a: CsrMatrix) => void): WasmSparseCall {
  return (op, a, vals, input, f, out, epilogue) => {
    const job = sparse?.prepare(op, a, vals, input, f, out, epilogue);
    if (!job) return false;
    run(job, op, a);
    return true;
  };
}

const BASE = 64; // address 0 never holds an operand
const align64 = (x: number): number => Math.ceil(x / 64) * 64;

/** Computes output rows [lo, hi) of the job (rows of A for 'gather', columns for 'scatter') on this thread and
 *  copies them into job.out, through the epilogue when it has one. */
export function runWasmSparse(job: WasmSparseJob, lo: number, hi: number): void {
  const x = threadExports<SparseExports>(job);
  const { f, e0, indptr, indices, values, input, output } = job;
  if (job.op === 'gather') x.gather(lo, hi, f, e0, indptr, indices, values, input, output, job.bias, job.bias !== 0 && !job.after);
  else x.scatter(job.rows, lo, hi, f, e0, indptr, indices, values, input, output);
  job.out.set(new Float32Array(job.memory.buffer, output + 4 * lo * f, (hi - lo) * f), lo * f);
  if (job.after) activationRange(job.after, job.out, job.out, lo * f, hi * f);
}

function prepare(
  m: WasmKernelModule, op: SparseOp, a: CsrMatrix, vals: FloatArray | undefined, input: FloatArray, f: number, out: FloatArray, epilogue?: Epilogue,
): WasmSparseJob | null {
  const float32 = (v: FloatArray | undefined): boolean => v === undefined || v instanceof Float32Array;
  if (!(input instanceof Float32Array && out instanceof Float32Array) || !float32(vals) || !float32(epilogue?.bias)) return null;
  const e0 = a.indptr[0];
  const e1 = a.indptr[a.rows];
  const [inRows, outRows] = op === 'gather' ? [a.cols, a.rows] : [a.rows, a.cols];
  if (input.length < inRows * f) return null;
  const indptr = BASE;
  const indices = align64(indptr + 4 * (a.rows + 1));
  const values = align64(indices + 4 * (e1 - e0));
  const inputAt = align64(values + (vals ? 4 * (e1 - e0) : 0));
  const output = align64(inputAt + 4 * inRows * f);
  const bias = align64(output + 4 * outRows * f);
  if (!reserve(m.memory, bias + 4 * f)) return null;
  const buffer = m.memory.buffer;
  new Int32Array(buffer, indptr, a.rows + 1).set(a.indptr.subarray(0, a.rows + 1));
  new Int32Array(buffer, indices, e1 - e0).set(a.indices.subarray(e0, e1));
  if (vals) new Float32Array(buffer, values, e1 - e0).set(vals.subarray(e0, e1));
  new Float32Array(buffer, inputAt, inRows * f).set(input.subarray(0, inRows * f));
  if (epilogue) new Float32Array(buffer, bias, f).set(epilogue.bias.subarray(0, f));
  const after = epilogue && epilogue.act.kind !== 'relu' ? epilogue.act : undefined;
  return { ...m, op, rows: a.rows, f, e0, indptr, indices, values: vals ? values : 0, input: inputAt, output, out, bias: epilogue ? bias : 0, after };
}

/** A 3 x 4 matrix with an empty row and a repeated column, times small integers both ways (exact in float32). */
function selfTest(w: WasmSparse): boolean {
  const a: CsrMatrix = { rows: 3, cols: 4, indptr: Int32Array.of(0, 2, 2, 5), indices: Int32Array.of(3, 0, 1, 1, 2) };
  const values = Float32Array.of(2, -1, 3, 1, -2);
  const f = 5;
  const x = Float32Array.from({ length: 4 * f }, (_, i) => (i % 7) - 3);
  const y = Float32Array.from({ length: 3 * f }, (_, i) => (i % 5) - 2);
  const gathered = new Float32Array(3 * f).fill(NaN);
  const scattered = new Float32Array(4 * f).fill(NaN);
  const g = w.prepare('gather', a, values, x, f, gathered);
  if (g === null) return false;
  runWasmSparse(g, 0, 3);
  const s = w.prepare('scatter', a, values, y, f, scattered);
  if (s === null) return false;
  runWasmSparse(s, 0, 4);
  const want = (op: SparseOp, r: number, t: number): number => {
    let sum = 0;
    for (let i = 0; i < 3; i++) {
      for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
        if (op === 'gather' && i === r) sum += values[k] * x[a.indices[k] * f + t];
        if (op === 'scatter' && a.indices[k] === r) sum += values[k] * y[i * f + t];
      }
    }
    return sum;
  };
  for (let t = 0; t < f; t++) {
    for (let r = 0; r < 3; r++) if (gathered[r * f + t] !== want('gather', r, t)) return false;
    for (let r = 0; r < 4; r++) if (scattered[r * f + t] !== want('scatter', r, t)) return false;
  }
  return true;
}

let loaded: WasmSparse | null | undefined;
let unavailable: string | undefined;

/** A wasm SpMM with its own memory from the module's bytes, or the reason it cannot run here. */
export function createWasmSparse(bytes: BufferSource): WasmSparse | string {
  const m = compileKernelModule(bytes, 'sparse');
  if (typeof m === 'string') return m;
  const w: WasmSparse = { prepare: (...args) => prepare(m, ...args) };
  try {
    return selfTest(w) ? w : 'sparse.wasm failed its self-test';
  } catch (e) {
    return `sparse.wasm failed to load: ${(e as Error).message}`;
  }
}

/** The wasm SpMM built from dist/wasm/sparse.wasm (once), or null when it cannot run here:
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
