// Where one wasm kernel call's arrays go in its module's shared memory: graph structure kept resident between calls,
// per-call operands copied in above it and room for outputs, or the arrays themselves where they live in its heap.

import { profiling, record } from './profile.js';
import type { WasmHeap } from './wasm-heap.js';
import { reserve, type WasmKernelModule } from './wasm-module.js';

/* Resident arrays (CSR indptr / indices / values, a transpose and its permutation) are copied on first use and found
 * again by array object and range: those arrays are immutable graph structure (a CsrMatrix's arrays must not change
 * once a kernel has seen them). The resident region grows until RESIDENT_LIMIT, then starts over (and everything
 * in it is copied again when next used); so it does when a call does not fit beside it. Every call runs alone
 * (the parallel kernels return only when all parts are done), so per-call space is reused by the next call. */

/** (the kernels' planners pass float32 arrays only; a Float64Array would be copied as float64) */
export type Copyable = Int32Array | Float32Array | Float64Array;

/** One array of a call: `keep` (resident) or `copy` elements [lo, hi) of an array, `room` for elements [lo, hi) of
 *  an array that the call's job copies in or out by parts (wasm-job.ts), or `bytes` of uninitialised space;
 *  undefined stands for an absent optional operand (its address is 0). A `copy` or `room` array that lives in the
 *  heap (wasm-heap.ts) is used where it is, unless it overlaps another such array of the call. */
export type Placement =
  | { keep: Copyable; lo: number; hi: number }
  | { copy: Copyable; lo: number; hi: number }
  | { room: Copyable; lo: number; hi: number }
  | { bytes: number }
  | undefined;

const BASE = 64; // address 0 never holds an operand (0 means "absent" to the kernels)
const RESIDENT_LIMIT = 512 * 2 ** 20;
/** bytes after every array: a vector load at an array's last values may read up to 12 bytes beyond them */
const SLACK = 16;
const align64 = (x: number): number => Math.ceil(x / 64) * 64;

/** A resident range's place in the resident region; `live` until released. */
interface Slot { end: number; live: boolean }
interface Resident { at: number; generation: number; slot: Slot }

export class WasmLayout {
  private top = BASE;
  private generation = 0;
  private readonly residents = new WeakMap<Copyable, Map<string, Resident>>();
  /** this generation's resident slots in address order, so that released ones at the top can be given back */
  private slots: Slot[] = [];
  /** bytes copied into the memory by place() so far (for tests and profiles) */
  copiedBytes = 0;

  constructor(readonly m: WasmKernelModule, readonly heap: WasmHeap | null = null) {}

  /** Addresses of the placements (copying what is not resident yet), or null when they do not fit in the memory or
   *  a range runs past its array. */
  place(list: Placement[]): number[] | null {
    if (list.some((p) => p !== undefined && !('bytes' in p) && p.hi > arrayOf(p).length)) return null;
    const t0 = profiling ? performance.now() : 0;
    const at = this.tryPlace(list, false) ?? this.tryPlace(list, true);
    if (profiling) record('(wasm copy-in, in the above)', performance.now() - t0);
    return at;
  }

  private tryPlace(list: Placement[], restart: boolean): number[] | null {
    if (restart) this.restart();
    const missing = list.map((p) => p !== undefined && 'keep' in p && this.found(p.keep, p.lo, p.hi) === undefined);
    const inPlace = this.inPlace(list);
    const added = list.reduce((s, p, i) => s + (missing[i] ? align64(bytesOf(p) + SLACK) : 0), 0);
    if (!restart && this.top + added > RESIDENT_LIMIT) return null;
    let top = this.top;
    let at = align64(top + added);
    const addresses = list.map((p, i) => {
      if (p === undefined) return 0;
      if (inPlace[i] >= 0) return inPlace[i];
      if ('keep' in p && !missing[i]) return this.found(p.keep, p.lo, p.hi) as number;
      const size = align64(bytesOf(p) + SLACK);
      if (missing[i]) return (top += size) - size;
      return (at += size) - size;
    });
    if (!reserve(this.m.memory, at)) return null;
    const buffer = this.m.memory.buffer;
    list.forEach((p, i) => {
      if (p === undefined || 'bytes' in p || 'room' in p || inPlace[i] >= 0 || (!missing[i] && 'keep' in p)) return;
      const a = arrayOf(p);
      new (a.constructor as Int32ArrayConstructor)(buffer, addresses[i], p.hi - p.lo).set(a.subarray(p.lo, p.hi) as Int32Array);
      this.copiedBytes += bytesOf(p);
      if ('keep' in p) this.remember(p.keep, p.lo, p.hi, addresses[i], align64(bytesOf(p) + SLACK));
    });
    this.top = top;
    return addresses;
  }

  /** Per placement, its own address when its array lives in the heap and overlaps no earlier such array of the
   *  list, else -1. */
  private inPlace(list: Placement[]): number[] {
    const taken: Array<[number, number]> = [];
    return list.map((p) => {
      if (p === undefined || 'bytes' in p || 'keep' in p || !this.heap) return -1;
      const a = arrayOf(p);
      if (!(a instanceof Float32Array) || !this.heap.holds(a)) return -1;
      const [from, to] = [a.byteOffset + 4 * p.lo, a.byteOffset + 4 * p.hi];
      if (taken.some(([f, t]) => from < t && f < to)) return -1;
      taken.push([from, to]);
      return from;
    });
  }

  private found(a: Copyable, lo: number, hi: number): number | undefined {
    const r = this.residents.get(a)?.get(`${lo}:${hi}`);
    return r && r.generation === this.generation ? r.at : undefined;
  }

  private remember(a: Copyable, lo: number, hi: number, at: number, size: number): void {
    let byRange = this.residents.get(a);
    if (!byRange) this.residents.set(a, (byRange = new Map()));
    const slot = { end: at + size, live: true };
    this.slots.push(slot);
    byRange.set(`${lo}:${hi}`, { at, generation: this.generation, slot });
  }

  /** Forgets the resident copies of `arrays` (structure no kernel will see again: a redrawn level's graph) and gives
   *  back the top of the resident region down to the highest copy still live. Without this, graphs drawn afresh
   *  every epoch fill the region up to RESIDENT_LIMIT (and the process's memory with it) before it starts over. */
  release(arrays: readonly Copyable[]): void {
    for (const a of arrays) {
      for (const r of this.residents.get(a)?.values() ?? []) if (r.generation === this.generation) r.slot.live = false;
      this.residents.delete(a);
    }
    while (this.slots.length > 0 && !this.slots[this.slots.length - 1].live) this.slots.pop();
    this.top = this.slots.length > 0 ? this.slots[this.slots.length - 1].end : BASE;
  }

  private restart(): void {
    this.generation++;
    this.top = BASE;
    this.slots = [];
  }
}

function arrayOf(p: Exclude<Placement, undefined | { bytes: number }>): Copyable {
  return 'keep' in p ? p.keep : 'copy' in p ? p.copy : p.room;
}

function bytesOf(p: Placement): number {
  if (p === undefined) return 0;
  return 'bytes' in p ? p.bytes : arrayOf(p).BYTES_PER_ELEMENT * (p.hi - p.lo);
}
