// A WebAssembly kernel module (dist/wasm/*.wasm) with its own growable shared memory, instantiated once on every
// thread that runs it (the calling thread and the kernel pool's workers).

import { readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

export const PAGE = 65536;
/** memory cap of a kernel call's scratch space (its copied operands must fit below it) */
export const MAX_BYTES = 2 ** 31;
/** the memory above MAX_BYTES, up to wasm32's 4 GiB, holds arrays that live there (wasm-heap.ts) */
export const HEAP_BASE = MAX_BYTES;
export const HEAP_END = 2 ** 32;

/** What a worker needs to run a module against the same memory (all structured-clonable). */
export interface WasmKernelModule {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** identifies the memory across threads (a clone of it is a new object on the receiving side); unique in the
   *  process, as workers compile modules of their own too (importing fast.ts loads the wasm sparse kernels) */
  memoryId: string;
  /** the memory's maximum size in bytes: HEAP_END, or MAX_BYTES (no heap) where the engine would not reserve that */
  maxBytes: number;
}

let compiled = 0;

/** The bytes of dist/wasm/<name>.wasm, or why they cannot be read. */
export function readWasm(name: string): Uint8Array<ArrayBuffer> | string {
  const url = new URL(`../../wasm/${name}.wasm`, import.meta.url);
  try {
    return new Uint8Array(readFileSync(url));
  } catch (e) {
    return `cannot read ${url.pathname} (run npm run build:wasm): ${(e as Error).message.split('\n')[0]}`;
  }
}

/** The module compiled with a fresh shared memory, or why it cannot run here (`name` is for the message). */
export function compileKernelModule(bytes: BufferSource, name: string): WasmKernelModule | string {
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available';
  if (!WebAssembly.validate(bytes)) return `this WebAssembly engine cannot compile ${name}.wasm (no SIMD or threads support?)`;
  try {
    const module = new WebAssembly.Module(bytes);
    const [memory, maxBytes] = sharedMemory(HEAP_END) ?? [new WebAssembly.Memory({ initial: 1, maximum: MAX_BYTES / PAGE, shared: true }), MAX_BYTES];
    return { module, memory, memoryId: `${threadId}.${++compiled}`, maxBytes };
  } catch (e) {
    return `${name}.wasm failed to load: ${(e as Error).message}`;
  }
}

/** A shared memory that may grow to `bytes`, or null where the engine cannot reserve that much address space (a
 *  process under a virtual-memory limit). */
function sharedMemory(bytes: number): [WebAssembly.Memory, number] | null {
  try {
    return [new WebAssembly.Memory({ initial: 1, maximum: bytes / PAGE, shared: true }), bytes];
  } catch {
    return null;
  }
}

const instances = new Map<string, unknown>();

/** This thread's instance of the module against its memory, created on first use. */
export function threadExports<E>(m: WasmKernelModule): E {
  let x = instances.get(m.memoryId) as E | undefined;
  if (x === undefined) {
    x = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports as unknown as E;
    instances.set(m.memoryId, x);
  }
  return x;
}

/** Grows the memory to at least `bytes`, or returns false when that is over `limit` or the system will not give
 *  it that much. */
export function reserve(memory: WebAssembly.Memory, bytes: number, limit = MAX_BYTES): boolean {
  if (bytes > limit) return false;
  const pages = Math.ceil(bytes / PAGE) - memory.buffer.byteLength / PAGE;
  if (pages <= 0) return true;
  try {
    memory.grow(pages);
    return true;
  } catch {
    return false;
  }
}
