// Buffer reuse across training steps: an arena hands out zeroed arrays and takes them all back on the next step.

import type { FloatArray } from '../kernels/types.js';
import { heapArraysEnabled, useHeapArrays, type HeapBlock, type WasmHeap } from '../kernels/wasm-heap.js';
import { loadWasmSparse } from '../kernels/wasm-sparse.js';
import { newArray } from './tensor.js';

/* Every op allocates its output. Fresh large arrays cost a page fault per 4 KiB on first write (the kernel zeroes
 * the page), which on this kind of machine is as slow as the arithmetic itself; an arena recycles the previous
 * step's arrays instead (zero-filled again, which is much cheaper than faulting in new pages). Only arrays of at
 * least MIN_SIZE values go through it. An array taken from an arena stays valid until that arena's next
 * `withArena` call: results that must outlive a step (parameters, optimiser state, saved weights) are created
 * outside arena scopes or copied. */
const MIN_SIZE = 4096;

/** Arrays are bucketed by capacity: the size rounded up to one of four steps per power of two, so mini-batches of
 *  slightly different sizes reuse each other's arrays (at most 25% of an array unused). */
export function arenaCapacity(size: number): number {
  if (size <= MIN_SIZE) return size;
  const base = 2 ** Math.floor(Math.log2(size));
  const step = base / 4;
  return base + Math.ceil((size - base) / step) * step;
}

/** A free array that this many scopes in a row have not reused may be released, but only while the arena holds more
 *  than KEEP_FACTOR times the values of its largest scope: mini-batches of different sizes come round in cycles
 *  longer than any fixed idle limit (an IBMB epoch is its batch list), and releasing the largest batch's arrays in
 *  between made every epoch fault in fresh memory for them again (1.1 GiB per epoch on 4 batches of 48k-69k nodes). */
const MAX_IDLE_SCOPES = 3;
const KEEP_FACTOR = 2;

/* Float32 arrays come from the wasm kernels' heap when it has room (wasm-heap.ts): the wasm sparse and attention
 * kernels then read and write them in place instead of copying them in and out. An array dropped for idling (the
 * contract above) or by release(true) goes back to the heap at once; one dropped by release(), and all of an arena's
 * arrays once the arena itself is garbage-collected, when nothing holds a view of it any more.
 * FASTGNN_WASM_HEAP=0 (or useHeapArrays(false)) keeps every array in ordinary memory. */
export { useHeapArrays };

function arrayHeap(dtype: 'float32' | 'float64'): WasmHeap | null {
  return heapArraysEnabled() && dtype === 'float32' ? (loadWasmSparse()?.heap ?? null) : null;
}

/** A zeroed array for a value that outlives every step (a parameter): float32 arrays of at least MIN_SIZE values
 *  come from the heap when it has room (the wasm kernels then read them in place instead of copying them in on every
 *  call), and the block is freed once the array is garbage-collected; else newArray's. */
export function lastingArray(dtype: 'float32' | 'float64', size: number): FloatArray {
  const heap = size >= MIN_SIZE ? arrayHeap(dtype) : null;
  const block = heap?.allocate(size);
  if (!heap || !block) return newArray(dtype, size);
  const a = heap.view(block, size);
  if (!block.fresh) a.fill(0);
  heap.retire(block);
  return a;
}

/** `x` where the wasm kernels can read it in place: x itself when it is a heap array or no arena hands out heap
 *  arrays now, else a copy in the active arena (for an input that several kernel calls of one scope read, e.g. a
 *  layer's input aggregated chunk by chunk, which each call would otherwise copy into the kernels' memory). */
export function inKernelMemory(x: FloatArray): FloatArray {
  const heap = x instanceof Float32Array ? arrayHeap('float32') : null;
  const arena = activeArena(x.length);
  if (!heap || !arena || heap.holds(x)) return x;
  const copy = arena.take('float32', x.length, false);
  if (!heap.holds(copy)) return x;
  copy.set(x);
  return copy;
}

/** Retires the heap blocks an arena still owned once the arena is collected. */
const orphans = new FinalizationRegistry<{ heap: WasmHeap; blocks: Set<HeapBlock> }>(({ heap, blocks }) => {
  for (const b of blocks) heap.retire(b);
});

interface Pooled {
  readonly whole: FloatArray;
  readonly dtype: 'float32' | 'float64';
  /** the scope that last handed it out */
  lastScope: number;
  /** where `whole` lives in the heap, if it does */
  readonly block?: HeapBlock;
  /** views of the block's first values by length, reused (each new view is tracked by a weak reference, and weak
   *  references made during one synchronous training loop all stay alive until it returns) */
  sized?: Map<number, Float32Array>;
}

/** distinct lengths whose views a pooled array keeps (mini-batches of many sizes share an array) */
const MAX_SIZED_VIEWS = 64;

export class Arena {
  private free: Pooled[] = [];
  private used: Pooled[] = [];
  private scope = 0;
  /** the most values any scope has been handed */
  private largestScope = 0;
  /** heap blocks of the pool (registered for retirement with the arena's collection) */
  private blocks: { heap: WasmHeap; blocks: Set<HeapBlock> } | null = null;

  /** An array of `size` values: the smallest free array that fits (and wastes at most half of itself), else a new
   *  one of arenaCapacity(size) values. Mini-batches of different sizes thus share one pool. Zeroed unless `zero` is
   *  false (for a caller that overwrites every value: a reused array then keeps a previous step's values). */
  take(dtype: 'float32' | 'float64', size: number, zero = true): FloatArray {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const c = this.free[i].whole.length;
      if (this.free[i].dtype === dtype && c >= size && c <= 2 * size && (best < 0 || c < this.free[best].whole.length)) best = i;
    }
    let p: Pooled;
    if (best >= 0) {
      p = this.free[best];
      this.free[best] = this.free[this.free.length - 1];
      this.free.pop();
    } else {
      p = this.fresh(dtype, arenaCapacity(size));
    }
    p.lastScope = this.scope;
    this.used.push(p);
    const out = p.whole.length === size ? p.whole : this.prefix(p, size);
    if ((best >= 0 || (p.block && !p.block.fresh)) && zero) out.fill(0);
    return out;
  }

  /** The first `size` values of a pooled array as a view (for a heap block: tracked, and reused for that size). */
  private prefix(p: Pooled, size: number): FloatArray {
    const heap = this.blocks?.heap;
    if (!p.block || !heap) return p.whole.subarray(0, size);
    p.sized ??= new Map();
    let v = p.sized.get(size);
    if (!v) {
      if (p.sized.size >= MAX_SIZED_VIEWS) p.sized.clear();
      v = heap.view(p.block, size);
      p.sized.set(size, v);
    }
    return v;
  }

  private fresh(dtype: 'float32' | 'float64', capacity: number): Pooled {
    const heap = arrayHeap(dtype);
    const block = heap?.allocate(capacity);
    if (!heap || !block) return { whole: newArray(dtype, capacity), dtype, lastScope: this.scope };
    if (!this.blocks || this.blocks.heap !== heap) {
      this.blocks = { heap, blocks: new Set() };
      orphans.register(this, this.blocks);
    }
    this.blocks.blocks.add(block);
    return { whole: heap.view(block, capacity), dtype, lastScope: this.scope, block };
  }

  /** Gives the heap blocks of `dropped` back: now (`now`: no view of them is used any more), or once their views
   *  are garbage-collected. */
  private drop(dropped: Iterable<Pooled>, now: boolean): void {
    for (const p of dropped) {
      if (!p.block || !this.blocks) continue;
      this.blocks.blocks.delete(p.block);
      if (now) this.blocks.heap.free(p.block);
      else this.blocks.heap.retire(p.block);
    }
  }

  /** Makes every array handed out so far reusable, then releases arrays idle for more than MAX_IDLE_SCOPES scopes,
   *  longest idle first, while the arena holds more than KEEP_FACTOR times its largest scope. */
  reset(): void {
    this.largestScope = Math.max(this.largestScope, values(this.used));
    this.scope++;
    this.free = this.free.concat(this.used);
    this.used = [];
    let held = values(this.free);
    const budget = KEEP_FACTOR * this.largestScope;
    if (held <= budget) return;
    const idle = this.free.filter((p) => this.scope - p.lastScope > MAX_IDLE_SCOPES).sort((a, b) => a.lastScope - b.lastScope);
    const released = new Set<Pooled>();
    for (const p of idle) {
      if (held <= budget) break;
      released.add(p);
      held -= p.whole.length;
    }
    this.free = this.free.filter((p) => !released.has(p));
    // idle for several scopes: by the contract above no holder may use them any more
    this.drop(released, true);
  }

  /** Drops every array (e.g. after an evaluation pass, whose working set is not needed until the next one). Arrays
   *  handed out before stay valid as long as their holders keep them, unless `invalidate` says that no holder uses
   *  them any more (their heap memory is then reusable at once, even within one synchronous loop). */
  release(invalidate = false): void {
    this.drop(this.free, invalidate);
    this.drop(this.used, invalidate);
    this.free = [];
    this.used = [];
  }

  /** Values held (handed out in the current scope plus reusable), for tests and memory reports. */
  heldValues(): number {
    return values(this.used) + values(this.free);
  }
}

function values(pool: readonly Pooled[]): number {
  let n = 0;
  for (const p of pool) n += p.whole.length;
  return n;
}

/** At the end of a training run: drops the last step's gradients (the only arrays of the training arena still held)
 *  and gives the arena's memory back now, since inference after training needs the heap room (waiting for the
 *  collector left it full). */
export function releaseTrainArena(optimizer: { zeroGrad(): void }, arena: Arena): void {
  optimizer.zeroGrad();
  arena.release(true);
}

let current: Arena | null = null;

/** Runs fn with allocations served by `arena`, after recycling what the arena handed out in its previous scope. */
export function withArena<T>(arena: Arena, fn: () => T): T {
  arena.reset();
  const previous = current;
  current = arena;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** The arena serving allocations of `size` values right now, if any. */
export function activeArena(size: number): Arena | null {
  return size >= MIN_SIZE ? current : null;
}
