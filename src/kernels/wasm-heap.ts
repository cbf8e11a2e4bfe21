// Float32 arrays allocated inside the wasm kernels' shared memory, so the wasm kernels read and write them where they
// are instead of copying them in and out on every call.

import { HEAP_BASE, HEAP_END, reserve, type WasmKernelModule } from './wasm-module.js';

/* The memory's upper half [HEAP_BASE, HEAP_END) is this heap; the lower half is each call's scratch space
 * (wasm-layout.ts), which never reaches HEAP_BASE. Blocks are 64-byte aligned, carved best-fit from a free list kept
 * in address order with neighbours merged, else from the top. A block is given back with `free` (now: its owner
 * knows no view is used) or `retire`, which frees it only once every view handed out on it has been
 * garbage-collected (checked through weak references at the next allocation): a holder that still reads an array
 * its arena has let go keeps valid values, as it would with a garbage-collected SharedArrayBuffer. A freed block's pages stay committed (a wasm memory never shrinks); they are
 * reused by later blocks. */

let arenaArrays = process.env.FASTGNN_WASM_HEAP !== '0';

/** Whether training arenas allocate their float32 arrays here (default true; FASTGNN_WASM_HEAP=0 turns it off). */
export function heapArraysEnabled(): boolean {
  return arenaArrays;
}

/** Turns arena arrays in the heap on or off (for comparisons and tests). */
export function useHeapArrays(on: boolean): void {
  arenaArrays = on;
}

const ALIGN = 64;
/** kept addressable after the top block: a vector load at an array's last values may read up to 12 bytes beyond */
const SLACK = 64;

/** A block of the heap and the views handed out on it so far. */
export interface HeapBlock {
  readonly at: number;
  readonly bytes: number;
  /** never used before: its memory is still zero */
  readonly fresh: boolean;
  views: Array<WeakRef<Float32Array>>;
}

interface Span {
  at: number;
  bytes: number;
}

export class WasmHeap {
  private top = HEAP_BASE;
  /** memory from here up has never been handed out (it is zero) */
  private highWater = HEAP_BASE;
  private readonly spans: Span[] = [];
  private retired: HeapBlock[] = [];
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** bytes in live blocks (allocated and not yet freed) */
  usedBytes = 0;
  /** start addresses of the live blocks */
  private readonly live = new Set<number>();

  /** The heap in [HEAP_BASE, end) of the module's memory: empty (every allocation null) when its memory cannot
   *  grow past HEAP_BASE. */
  constructor(readonly m: WasmKernelModule, private readonly end = Math.min(HEAP_END, m.maxBytes)) {}

  /** Whether the heap has any room at all (its memory can grow past HEAP_BASE). */
  canGrow(): boolean {
    return this.end > HEAP_BASE;
  }

  /** A block of `values` float32s, or null when the heap has no room (the caller then uses ordinary memory). */
  allocate(values: number): HeapBlock | null {
    this.collect();
    const bytes = Math.max(ALIGN, Math.ceil((4 * values) / ALIGN) * ALIGN);
    let best = -1;
    for (let i = 0; i < this.spans.length; i++) {
      if (this.spans[i].bytes >= bytes && (best < 0 || this.spans[i].bytes < this.spans[best].bytes)) best = i;
    }
    let at: number;
    if (best >= 0) {
      const s = this.spans[best];
      at = s.at;
      if (s.bytes === bytes) this.spans.splice(best, 1);
      else [s.at, s.bytes] = [s.at + bytes, s.bytes - bytes];
    } else {
      if (this.top + bytes > this.end || !reserve(this.m.memory, this.top + bytes + SLACK, this.end)) return null;
      at = this.top;
      this.top += bytes;
    }
    this.usedBytes += bytes;
    this.live.add(at);
    const fresh = at >= this.highWater;
    this.highWater = Math.max(this.highWater, at + bytes);
    return { at, bytes, fresh, views: [] };
  }

  /** A view of the block's first `values` float32s, remembered so that the block outlives it. */
  view(block: HeapBlock, values: number): Float32Array {
    if (4 * values > block.bytes) throw new RangeError(`WasmHeap.view: ${values} values do not fit a block of ${block.bytes} bytes`);
    const buffer = this.m.memory.buffer;
    this.buffers.add(buffer);
    const v = new Float32Array(buffer, block.at, values);
    block.views = block.views.filter((w) => w.deref() !== undefined);
    block.views.push(new WeakRef(v));
    return v;
  }

  /** Whether `x` is a view on this heap's memory (a wasm kernel can use it in place). */
  holds(x: ArrayBufferView): boolean {
    return this.buffers.has(x.buffer);
  }

  /** Frees the block once none of its views is reachable any more. (A weak reference made or read during the
   *  current synchronous job keeps its target until the job ends, so within one long loop nothing retired is freed.) */
  retire(block: HeapBlock): void {
    this.retired.push(block);
  }

  /** Frees the block now: for a caller that knows no view of it is used any more. */
  free(block: HeapBlock): void {
    this.release(block);
  }

  /** Blocks retired whose views are all gone (for tests). */
  collect(): number {
    let freed = 0;
    this.retired = this.retired.filter((b) => {
      if (b.views.some((w) => w.deref() !== undefined)) return true;
      this.release(b);
      freed++;
      return false;
    });
    return freed;
  }

  /** Whether a live block starts at byte `at` (for tests). */
  isLive(at: number): boolean {
    return this.live.has(at);
  }

  private release(b: HeapBlock): void {
    if (!this.live.delete(b.at)) throw new Error(`WasmHeap: the block at ${b.at} is not live (freed twice?)`);
    this.usedBytes -= b.bytes;
    let i = 0;
    while (i < this.spans.length && this.spans[i].at < b.at) i++;
    this.spans.splice(i, 0, { at: b.at, bytes: b.bytes });
    const next = this.spans[i + 1];
    if (next && b.at + b.bytes === next.at) {
      this.spans[i].bytes += next.bytes;
      this.spans.splice(i + 1, 1);
    }
    const prev = this.spans[i - 1];
    if (prev && prev.at + prev.bytes === this.spans[i].at) {
      prev.bytes += this.spans[i].bytes;
      this.spans.splice(i, 1);
      i--;
    }
    const last = this.spans[this.spans.length - 1];
    if (last && last.at + last.bytes === this.top) {
      this.top = last.at;
      this.spans.pop();
    }
  }
}
