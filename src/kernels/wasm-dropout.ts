// Plans of dropout and of its backward (the mask applied) on the wasm module (assembly/dropout.ts), for a mask and
// arrays that live in its heap: the TypeScript loops' masks and values, bit for bit.

import { chunkCount, decisionBits } from './dropout-mask.js';
import type { FloatArray } from './types.js';
import type { WasmPhase } from './wasm-job.js';
import { inHeap, wasmJob, type WasmSparse } from './wasm-sparse.js';

/** The keep mask of n values from the seed words, and with x and out also out = x * mask * scale; split by chunks
 *  (each chunk's stream is its own, so any split gives the same mask). Null unless everything is in the heap. */
export function dropoutPlan(
  s: WasmSparse, n: number, p: number, scale: number, seed: Int32Array, mask: Uint8Array, x?: FloatArray, out?: FloatArray,
): WasmPhase[] | null {
  if (mask.length < n || (x === undefined) !== (out === undefined) || !s.heap?.holds(mask)) return null;
  if (x && out && !(inHeap(s, x, out) && Math.min(x.length, out.length) >= n)) return null;
  const { bits, threshold } = decisionBits(p);
  const args = [n, bits, threshold, scale, seed[0], seed[1], seed[2], seed[3], mask.byteOffset, x?.byteOffset ?? 0, out?.byteOffset ?? 0];
  return [{ job: wasmJob(s, 'dropoutChunks', args, []), units: chunkCount(n) }];
}

/** out = g * (mask ? scale : 0) over n values, split evenly. Null unless everything is in the heap. */
export function applyMaskPlan(s: WasmSparse, n: number, mask: Uint8Array, scale: number, g: FloatArray, out: FloatArray): WasmPhase[] | null {
  if (Math.min(mask.length, g.length, out.length) < n || !s.heap?.holds(mask) || !inHeap(s, g, out)) return null;
  return [{ job: wasmJob(s, 'applyMask', [scale, mask.byteOffset, g.byteOffset, out.byteOffset], []), units: n }];
}
