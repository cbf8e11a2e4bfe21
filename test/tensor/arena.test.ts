// Arena: size classes, zeroed reuse across steps of different sizes, and bounded retention without churn.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Arena, arenaCapacity, inKernelMemory, lastingArray, withArena } from '../../src/tensor/arena.js';
import { useHeapArrays, type WasmHeap } from '../../src/kernels/wasm-heap.js';
import { allocate, allocateOverwritten } from '../../src/tensor/tensor.js';
import { loadWasmSparse } from '../../src/kernels/wasm-sparse.js';

/** What backs an array: its own buffer, or its place in the wasm heap (whose arrays share one memory). */
function store(a: ArrayBufferView): unknown {
  return loadWasmSparse()?.heap?.holds(a) ? `heap@${a.byteOffset}` : a.buffer;
}

/** Runs the garbage collector (a few rounds, letting finalisers and weak references settle) until the heap block at
 *  `at` is free or the rounds are spent. */
async function collectUntilFree(heap: WasmHeap, at: number): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let round = 0; round < 5 && heap.isLive(at); round++) {
    await tick();
    gc();
    await tick();
    heap.collect();
  }
}

describe('Arena', () => {
  it('rounds sizes up to four classes per power of two', () => {
    assert.equal(arenaCapacity(100), 100);
    assert.equal(arenaCapacity(8192), 8192);
    assert.equal(arenaCapacity(8193), 10240);
    assert.equal(arenaCapacity(10240), 10240);
    assert.equal(arenaCapacity(16000), 16384);
    for (const n of [5000, 70001, 1 << 20, 3e6 + 7]) {
      const c = arenaCapacity(n);
      assert.ok(c >= n && c <= 1.25 * n, `${n} -> ${c}`);
    }
  });

  it('hands the previous step\'s array to a slightly different size, zeroed and of the exact length', () => {
    const arena = new Arena();
    const first = withArena(arena, () => {
      const a = allocate('float32', 9000);
      a.fill(7);
      return a;
    });
    const second = withArena(arena, () => allocate('float32', 9500));
    assert.equal(second.length, 9500);
    assert.equal(store(second), store(first), 'same backing store reused');
    assert.ok(second.every((v) => v === 0), 'reused array is zeroed');
  });

  it('skips the zero-fill for an array its caller overwrites', () => {
    const arena = new Arena();
    const first = withArena(arena, () => allocateOverwritten('float32', 9000).fill(7));
    const second = withArena(arena, () => allocateOverwritten('float32', 9000));
    assert.equal(store(second), store(first), 'same backing store reused');
    assert.ok(second.every((v) => v === 7), 'the previous values are still there');
    assert.ok(withArena(arena, () => allocate('float32', 9000)).every((v) => v === 0), 'allocate still zeroes');
  });

  it('keeps the arrays of a batch that comes round less often than the idle limit (no new arrays after one cycle)', () => {
    const arena = new Arena();
    // one large batch, then four smaller ones: the large batch's arrays idle for four scopes each cycle
    const cycle = (): unknown[] => [20000, 9000, 9500, 8800, 9100].flatMap((n) =>
      withArena(arena, () => [allocate('float32', n), allocate('float32', n)].map(store)));
    const seen = new Set([...cycle(), ...cycle()]);
    assert.ok(cycle().every((b) => seen.has(b)), 'the third cycle reuses arrays only');
  });

  it('releases arrays idle for more than three scopes once it holds more than twice its largest scope', () => {
    const arena = new Arena();
    const size = (step: number): number => 15000 * 3 ** (step % 6); // no smaller array fits: always a new array
    let allocated = 0;
    for (let step = 0; step < 20; step++) {
      withArena(arena, () => {
        allocate('float32', size(step));
        allocate('float32', 6000);
      });
      allocated += arenaCapacity(size(step));
    }
    const largestScope = arenaCapacity(size(5)) + arenaCapacity(6000);
    const lastScope = arenaCapacity(size(19)) + arenaCapacity(6000);
    // at the last reset the pool held at most twice the largest scope; the last scope's arrays came on top
    assert.ok(arena.heldValues() <= 2 * largestScope + lastScope, `held ${arena.heldValues()}`);
    assert.ok(arena.heldValues() < allocated, 'some arrays were released');
  });

  it('serves a smaller request from a larger free array, but not one more than twice its size', () => {
    const arena = new Arena();
    const big = withArena(arena, () => allocate('float32', 10000));
    const fits = withArena(arena, () => allocate('float32', 6000));
    assert.equal(store(fits), store(big));
    const tooSmall = withArena(arena, () => allocate('float32', 4100));
    assert.notEqual(store(tooSmall), store(big));
  });

  it('reuses one view per length of a heap array, step after step (no new weak references in a long loop)', () => {
    const heap = loadWasmSparse()?.heap;
    assert.ok(heap, 'the wasm kernels load');
    const view = heap.view.bind(heap);
    let views = 0;
    heap.view = (block, n) => { views++; return view(block, n); };
    try {
      const arena = new Arena();
      const seen = new Set<unknown>();
      for (let step = 0; step < 300; step++) {
        const a = withArena(arena, () => allocate('float32', [9000, 9500, 10000][step % 3]));
        seen.add(a);
        assert.ok(heap.holds(a), 'a heap array');
      }
      assert.ok(views <= 4, `${views} views made: the whole array and 3 lengths`);
      assert.equal(seen.size, 3, 'the same view object for the same length');
    } finally {
      heap.view = view;
    }
  });

  it('gives heap arrays back at once when they idle out or on release(true), and only after their views die on release()', () => {
    const heap = loadWasmSparse()?.heap;
    assert.ok(heap, 'the wasm kernels load');
    const arena = new Arena();
    const before = heap.usedBytes;
    withArena(arena, () => allocate('float32', 50000));
    assert.ok(heap.usedBytes > before);
    arena.release(true);
    assert.equal(heap.usedBytes, before, 'release(true) frees the block');
    const kept = withArena(arena, () => allocate('float32', 50000));
    arena.release();
    assert.ok(heap.usedBytes > before, 'release() keeps a block whose view is held');
    kept.fill(1);
    withArena(new Arena(), () => allocate('float32', 50000).fill(5));
    assert.equal(kept[49999], 1, 'a later array does not take the kept one\'s memory');
  });

  it('gives an arena\'s heap arrays back once the arena and its arrays are garbage-collected', async () => {
    const heap = loadWasmSparse()?.heap;
    assert.ok(heap, 'the wasm kernels load');
    const at = (() => {
      const arena = new Arena();
      return withArena(arena, () => allocate('float32', 70000).fill(2).byteOffset);
    })();
    assert.ok(heap.isLive(at));
    await collectUntilFree(heap, at);
    assert.equal(heap.isLive(at), false, 'the block is free again');
  });

  it('puts lasting (parameter) arrays in the heap, zeroed even in reused memory, and frees them once collected', async () => {
    const heap = loadWasmSparse()?.heap;
    assert.ok(heap, 'the wasm kernels load');
    withArena(new Arena(), () => allocate('float32', 9000).fill(7)); // dirty memory for the next block
    const at = (() => {
      const a = lastingArray('float32', 9000);
      assert.ok(heap.holds(a), 'a float32 parameter of 9000 values lives in the heap');
      assert.ok(a.every((v) => v === 0), 'zeroed');
      return a.byteOffset;
    })();
    assert.ok(!heap.holds(lastingArray('float32', 100)), 'a small one does not');
    assert.ok(!heap.holds(lastingArray('float64', 9000)), 'nor a float64 one');
    useHeapArrays(false);
    try {
      assert.ok(!heap.holds(lastingArray('float32', 9000)), 'nor any with heap arrays off');
    } finally {
      useHeapArrays(true);
    }
    await collectUntilFree(heap, at);
    assert.equal(heap.isLive(at), false, 'the block is free once the array is collected');
  });

  it('copies an ordinary input into the active arena\'s heap once, and leaves heap arrays and arena-less calls alone', () => {
    const heap = loadWasmSparse()?.heap;
    assert.ok(heap, 'the wasm kernels load');
    const x = Float32Array.from({ length: 20000 }, (_, i) => i * 0.5);
    assert.equal(inKernelMemory(x), x, 'no arena: unchanged');
    withArena(new Arena(), () => {
      const copy = inKernelMemory(x);
      assert.ok(copy !== x && heap.holds(copy), 'a heap copy');
      assert.deepEqual(copy, x);
      assert.equal(inKernelMemory(copy), copy, 'a heap array is used as it is');
      const f64 = new Float64Array(20000);
      assert.equal(inKernelMemory(f64), f64, 'float64 stays');
    });
  });

  it('drops every pooled array on release', () => {
    const arena = new Arena();
    const first = withArena(arena, () => allocate('float32', 10000));
    arena.release();
    assert.equal(arena.heldValues(), 0);
    const second = withArena(arena, () => allocate('float32', 10000));
    assert.notEqual(store(second), store(first));
  });
});
