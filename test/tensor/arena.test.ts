// Arena: size classes, zeroed reuse across steps of different sizes, and bounded retention.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Arena, arenaCapacity, withArena } from '../../src/tensor/arena.js';
import { allocate } from '../../src/tensor/tensor.js';

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
    assert.equal(second.buffer, first.buffer, 'same backing store reused');
    assert.ok(second.every((v) => v === 0), 'reused array is zeroed');
  });

  it('releases arrays the next scope has not reused', () => {
    const arena = new Arena();
    for (let step = 0; step < 20; step++) {
      withArena(arena, () => {
        allocate('float32', 15000 * 3 ** (step % 6)); // a size no smaller array fits: always a new array
        allocate('float32', 6000);
      });
    }
    // the 6000 array is reused every step; the large ones of the last 2 scopes are still pooled, older ones gone
    const large = [19, 18].reduce((s, step) => s + arenaCapacity(15000 * 3 ** (step % 6)), 0);
    assert.equal(arena.heldValues(), large + arenaCapacity(6000));
  });

  it('serves a smaller request from a larger free array, but not one more than twice its size', () => {
    const arena = new Arena();
    const big = withArena(arena, () => allocate('float32', 10000));
    const fits = withArena(arena, () => allocate('float32', 6000));
    assert.equal(fits.buffer, big.buffer);
    const tooSmall = withArena(arena, () => allocate('float32', 4100));
    assert.notEqual(tooSmall.buffer, big.buffer);
  });

  it('drops every pooled array on release', () => {
    const arena = new Arena();
    const first = withArena(arena, () => allocate('float32', 10000));
    arena.release();
    assert.equal(arena.heldValues(), 0);
    const second = withArena(arena, () => allocate('float32', 10000));
    assert.notEqual(second.buffer, first.buffer);
  });
});
