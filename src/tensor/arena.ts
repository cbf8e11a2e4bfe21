// Buffer reuse across training steps: an arena hands out zeroed arrays and takes them all back on the next step.

import type { FloatArray } from '../kernels/types.js';
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

/** A free array is released once this many scopes in a row have not reused it: 1, since mini-batches of different
 *  sizes already share arrays by capacity, and every scope of idle arrays kept costs a whole step's working set (on a
 *  1M-node graph with GCN 3x256, holding 3 idle scopes took an IBMB run past 24 GiB). */
const MAX_IDLE_SCOPES = 1;

interface Pooled {
  readonly whole: FloatArray;
  readonly dtype: 'float32' | 'float64';
  /** the scope that last handed it out */
  lastScope: number;
}

export class Arena {
  private free: Pooled[] = [];
  private used: Pooled[] = [];
  private scope = 0;

  /** A zeroed array of `size` values: the smallest free array that fits (and wastes at most half of itself), else
   *  a new one of arenaCapacity(size) values. Mini-batches of different sizes thus share one pool. */
  take(dtype: 'float32' | 'float64', size: number): FloatArray {
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
      p = { whole: newArray(dtype, arenaCapacity(size)), dtype, lastScope: this.scope };
    }
    p.lastScope = this.scope;
    this.used.push(p);
    const out = p.whole.length === size ? p.whole : p.whole.subarray(0, size);
    if (best >= 0) out.fill(0);
    return out;
  }

  /** Makes every array handed out so far reusable; arrays idle for MAX_IDLE_SCOPES scopes are released. */
  reset(): void {
    this.scope++;
    this.free = this.free.filter((p) => this.scope - p.lastScope <= MAX_IDLE_SCOPES).concat(this.used);
    this.used = [];
  }

  /** Drops every array (e.g. after an evaluation pass, whose working set is not needed until the next one). Arrays
   *  handed out before stay valid as long as their holders keep them. */
  release(): void {
    this.free = [];
    this.used = [];
  }

  /** Values held (handed out in the current scope plus reusable), for tests and memory reports. */
  heldValues(): number {
    let n = 0;
    for (const p of this.used) n += p.whole.length;
    for (const p of this.free) n += p.whole.length;
    return n;
  }
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
