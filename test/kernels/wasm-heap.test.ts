// The wasm heap: blocks carved and merged back, freed only once no view of them is alive; and every wasm kernel on
// heap arrays used in place: the same bits as on copied operands, nothing written outside its outputs, no copies.

import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import type { CsrMatrix } from '../../src/graph/csr.js';
import { fastTsKernels, rowSlice } from '../../src/kernels/fast.js';
import { createParallelKernels } from '../../src/kernels/parallel.js';
import type { FloatArray } from '../../src/kernels/types.js';
import { WasmHeap } from '../../src/kernels/wasm-heap.js';
import { runPhases, runWasmJob, type WasmPhase } from '../../src/kernels/wasm-job.js';
import { HEAP_BASE } from '../../src/kernels/wasm-module.js';
import { wasmPlans, type WasmPlans } from '../../src/kernels/wasm-plans.js';
import { freshModule, inHeapCopy, randomArray, randomCsr, uniform } from './fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage after the current job ends (a WeakRef target stays alive until then). */
async function collectGarbage(): Promise<void> {
  await tick();
  gc();
  await tick();
}

describe('WasmHeap', () => {
  it('carves 64-byte aligned blocks, reuses freed ones best-fit and merges neighbours', async () => {
    const { heap } = freshModule();
    const a = heap.allocate(10);
    const b = heap.allocate(100);
    const c = heap.allocate(10);
    assert.ok(a && b && c);
    assert.deepEqual([a.at, b.at, c.at], [HEAP_BASE, HEAP_BASE + 64, HEAP_BASE + 64 + 448]);
    assert.ok(a.fresh && b.fresh && c.fresh);
    heap.retire(b);
    assert.equal(heap.collect(), 1, 'a block never viewed is freed at once');
    const d = heap.allocate(20);
    assert.equal(d?.at, b.at, 'the freed block is reused');
    assert.equal(d?.fresh, false, 'and is not fresh');
    heap.retire(a);
    heap.retire(d as NonNullable<typeof d>);
    heap.collect();
    const e = heap.allocate(100 + 16);
    assert.equal(e?.at, HEAP_BASE, 'a and the rest of b merged into one free span');
    heap.retire(c);
    heap.retire(e as NonNullable<typeof e>);
    heap.collect();
    assert.equal(heap.usedBytes, 0);
    assert.equal(heap.allocate(1)?.at, HEAP_BASE, 'the top came back down');
  });

  it('frees a retired block only after its views are garbage-collected', async () => {
    const { heap } = freshModule();
    const block = heap.allocate(1000);
    assert.ok(block);
    let view: Float32Array | null = heap.view(block, 1000);
    view.fill(3);
    heap.retire(block);
    await collectGarbage();
    assert.equal(heap.collect(), 0, 'a live view keeps the block');
    const other = heap.allocate(1000);
    assert.ok(other && other.at !== block.at, 'a live view keeps its block out of new allocations');
    heap.view(other, 1000).fill(7);
    assert.equal(view[999], 3);
    view = null;
    await collectGarbage();
    assert.equal(heap.collect(), 1);
  });

  it('says no when full, and views no more than a block holds', () => {
    const { heap: full } = freshModule();
    const small = new WasmHeap(full.m, HEAP_BASE + 4096);
    assert.ok(small.allocate(1000));
    assert.equal(small.allocate(100), null);
    const none = new WasmHeap({ ...full.m, maxBytes: HEAP_BASE });
    assert.equal(none.allocate(1), null, 'a memory that cannot grow past HEAP_BASE has no heap');
    const block = full.allocate(10);
    assert.ok(block);
    assert.throws(() => full.view(block, 17), /17 values do not fit a block of 64 bytes/);
  });
});

const HEADS = 4;

/** One call of a kernel: given a way to place arrays, its plan and the arrays it writes. */
type Case = [string, (plans: WasmPlans, put: (x: FloatArray) => FloatArray) => { phases: WasmPhase[] | null; outputs: FloatArray[] }];

function cases(a: CsrMatrix, rnd: () => number): Case[] {
  const f = 32;
  const end = a.indptr[a.rows];
  const r = (n: number): Float32Array => randomArray(Float32Array, n, rnd) as Float32Array;
  const [x, y, w, e, g, u, v, bias] = [r(a.cols * f), r(a.rows * f), r(end * HEADS), r(end * HEADS), r(end * HEADS), r(a.rows * HEADS), r(a.cols * HEADS), r(f)];
  const alpha = r(end * HEADS).map((z) => Math.abs(z));
  const d0 = r(a.rows * HEADS + a.cols * HEADS);
  const out = (n: number): Float32Array => new Float32Array(n).fill(NaN);
  const one = (o: FloatArray, phases: WasmPhase[] | null): { phases: WasmPhase[] | null; outputs: FloatArray[] } => ({ phases, outputs: [o] });
  return [
    ['spmm', (p, put) => { const o = put(out(a.rows * f)); return one(o, p.spmm(a, put(x), f, o)); }],
    ['spmmBiasActivation relu', (p, put) => { const o = put(out(a.rows * f)); return one(o, p.spmmBiasActivation(a, put(x), f, put(bias), { kind: 'relu' }, o)); }],
    ['spmmBiasActivation elu', (p, put) => { const o = put(out(a.rows * f)); return one(o, p.spmmBiasActivation(a, put(x), f, put(bias), { kind: 'elu', alpha: 1 }, o)); }],
    ['spmmT', (p, put) => { const o = put(out(a.cols * f)); return one(o, p.spmmT(a, put(y), f, o)); }],
    ['gspmm', (p, put) => { const o = put(out(a.rows * f)); return one(o, p.gspmm(a, put(w), HEADS, put(x), f, o)); }],
    ['gspmmT', (p, put) => { const o = put(out(a.cols * f)); return one(o, p.gspmmT(a, put(w), HEADS, put(y), f, o)); }],
    ['sddmmDot', (p, put) => { const o = put(out(end * HEADS)); return one(o, p.sddmmDot(a, put(y), put(x), HEADS, f, o)); }],
    ['gspmmBackward', (p, put) => {
      const [dw, dx] = [put(out(end * HEADS)), put(out(a.cols * f))];
      return { phases: p.gspmmBackward(a, put(w), HEADS, put(x), put(y), f, dw, dx), outputs: [dw, dx] };
    }],
    ['sddmmAdd', (p, put) => { const o = put(out(end * HEADS)); return one(o, p.sddmmAdd(a, put(u), put(v), HEADS, o)); }],
    ['edgeSoftmax', (p, put) => { const o = put(out(end * HEADS)); return one(o, p.edgeSoftmax(a, put(e), HEADS, o)); }],
    ['edgeSoftmaxBackward', (p, put) => { const o = put(out(end * HEADS)); return one(o, p.edgeSoftmaxBackward(a, put(alpha), put(g), HEADS, o)); }],
    ['gatAttention', (p, put) => { const o = put(out(end * HEADS)); return one(o, p.gatAttention(a, put(u), put(v), HEADS, 0.2, o)); }],
    ['gatAttentionBackward (du and dv halves of one array)', (p, put) => {
      const d = put(d0.slice());
      const [du, dv] = [d.subarray(0, a.rows * HEADS), d.subarray(a.rows * HEADS)];
      return { phases: p.gatAttentionBackward(a, put(u), put(v), put(alpha), put(g), HEADS, 0.2, du, dv), outputs: [d] };
    }],
  ];
}

describe('wasm kernels on heap arrays', () => {
  it('compute the same bits in place, write nothing outside their outputs, and copy nothing but the structure', () => {
    const s = freshModule();
    const rnd = uniform(7);
    const whole = randomCsr(Float32Array, 60, 50, 12, true, rnd);
    for (const a of [whole, rowSlice(whole, 7, 55)]) {
      for (const parallel of [false, true]) {
        const plans = wasmPlans(s, parallel);
        for (const [name, call] of cases(a, uniform(11))) {
          const what = `${name} e0=${a.indptr[0]} parallel=${parallel}`;
          const copied = call(plans, (x) => x);
          assert.ok(copied.phases, `${what}: declined`);
          runPhases(copied.phases);
          const put = (x: FloatArray): FloatArray => inHeapCopy(s, x);
          // twice: the first call may copy the matrix structure in (it stays resident)
          for (const round of [0, 1]) {
            const inHeap = call(plans, put);
            assert.ok(inHeap.phases, `${what}: declined on heap arrays`);
            const memory = new Uint8Array(s.module.memory.buffer, HEAP_BASE);
            const before = memory.slice();
            const copiedBefore = s.layout.copiedBytes;
            runPhases(inHeap.phases);
            if (round === 1) assert.equal(s.layout.copiedBytes, copiedBefore, `${what}: copied operands`);
            for (const ph of inHeap.phases) {
              for (const range of [...ph.job.outputs, ...(ph.job.inputs ?? [])]) assert.ok(range.inPlace, `${what}: a range is copied`);
            }
            inHeap.outputs.forEach((o, i) => assert.deepEqual(o, copied.outputs[i], `${what}: output ${i}`));
            for (const o of inHeap.outputs) before.set(new Uint8Array(o.buffer, o.byteOffset, o.byteLength), o.byteOffset - HEAP_BASE);
            const after = new Uint8Array(s.module.memory.buffer, HEAP_BASE, before.length);
            const stray = after.findIndex((b, i) => b !== before[i]);
            assert.equal(stray, -1, `${what}: wrote at heap byte ${stray}`);
          }
        }
      }
    }
  });

  it('copy an operand that overlaps another one (an output computed in place of its input)', () => {
    const s = freshModule();
    const plans = wasmPlans(s, false);
    const rnd = uniform(5);
    const a = randomCsr(Float32Array, 30, 30, 8, false, rnd);
    const e = randomArray(Float32Array, a.indptr[a.rows] * HEADS, rnd);
    const want = new Float32Array(e.length);
    runPhases(plans.edgeSoftmax(a, e, HEADS, want) as WasmPhase[]);
    const h = inHeapCopy(s, e);
    const phases = plans.edgeSoftmax(a, h, HEADS, h) as WasmPhase[];
    assert.equal(phases[0].job.outputs[0].inPlace, false, 'the output goes through scratch space');
    runPhases(phases);
    assert.deepEqual(h, want);
  });
});

describe('wasm row gather and scatter-add on heap arrays', () => {
  const s = freshModule();
  const put = (x: FloatArray): Float32Array => inHeapCopy(s, x);
  const rnd = uniform(13);
  const plans = wasmPlans(s, true);

  it('give the bits of the TypeScript loops for every width, whole and split into parts, and write nothing else', () => {
    for (const f of [1, 3, 4, 16, 20, 64, 131]) {
      const [n, m] = [40, 70];
      const x = randomArray(Float32Array, n * f, rnd);
      const idx = Int32Array.from({ length: m }, () => Math.floor(rnd() * n));
      const y = randomArray(Float32Array, m * f, rnd);
      const start = randomArray(Float32Array, n * f, rnd);
      const gathered = new Float32Array(m * f);
      fastTsKernels.gatherRows(x, f, idx, gathered);
      const summed = start.slice();
      fastTsKernels.scatterAddRows(y, f, idx, summed);
      for (const parts of [1, 3]) {
        const what = `f=${f} parts=${parts}`;
        const [hx, hOut, hy, hSum] = [put(x), put(new Float32Array(m * f)), put(y), put(start)];
        const before = new Uint8Array(s.module.memory.buffer, HEAP_BASE).slice();
        for (const [phases, done] of [
          [plans.gatherRows(hx, f, idx, hOut), hOut], [plans.scatterAddRows(hy, f, idx, hSum), hSum],
        ] as Array<[WasmPhase[] | null, Float32Array]>) {
          assert.ok(phases, `${what}: declined`);
          for (const p of phases) {
            const bounds = Array.from({ length: parts + 1 }, (_, t) => Math.round((t * p.units) / parts));
            for (let t = 0; t < parts; t++) runWasmJob(p.job, bounds[t], bounds[t + 1]);
            assert.ok(p.job.outputs.every((r) => r.inPlace), `${what}: copied out`);
          }
          before.set(new Uint8Array(done.buffer, done.byteOffset, done.byteLength), done.byteOffset - HEAP_BASE);
        }
        assert.deepEqual(hOut, gathered, `${what}: gather`);
        assert.deepEqual(hSum, summed, `${what}: scatter-add`);
        const after = new Uint8Array(s.module.memory.buffer, HEAP_BASE, before.length);
        assert.equal(after.findIndex((b, i) => b !== before[i]), -1, `${what}: wrote elsewhere`);
      }
    }
  });

  it('decline ordinary arrays and out-of-range indices (the TypeScript loop then names the index)', () => {
    const x = put(new Float32Array(20));
    const out = put(new Float32Array(20));
    assert.equal(plans.gatherRows(new Float32Array(20), 4, Int32Array.of(0), out), null);
    assert.equal(plans.gatherRows(x, 4, Int32Array.of(0, 5), out), null);
    assert.equal(plans.scatterAddRows(x, 4, Int32Array.of(-1), out), null);
    const kernels = createParallelKernels(fastTsKernels, 2, s, { ts: 1, wasm: 1 });
    assert.throws(() => kernels.gatherRows(x, 4, Int32Array.of(0, 5), out), /gatherRows: idx\[1\] = 5 is outside the 5 rows of x/);
  });

  it('split over the pool\'s threads with the same bits', () => {
    const kernels = createParallelKernels(fastTsKernels, 2, s, { ts: 1, wasm: 1 });
    const [n, m, f] = [500, 900, 24];
    const x = randomArray(Float32Array, n * f, rnd);
    const idx = Int32Array.from({ length: m }, () => Math.floor(rnd() * n));
    const want = new Float32Array(m * f);
    fastTsKernels.gatherRows(x, f, idx, want);
    const got = put(new Float32Array(m * f));
    kernels.gatherRows(put(x), f, idx, got);
    assert.deepEqual(got, want);
    const sums = new Float32Array(n * f);
    fastTsKernels.scatterAddRows(want, f, idx, sums);
    const hSums = put(new Float32Array(n * f));
    kernels.scatterAddRows(got, f, idx, hSums);
    assert.deepEqual(hSums, sums);
  });
});

describe('the one-pass GSpMM backward (dw in the heap)', () => {
  it('gives the two-pass bits for every width it takes, whole and split over the transpose\'s rows', () => {
    const s = freshModule();
    const plans = wasmPlans(s, true);
    const rnd = uniform(23);
    const whole = randomCsr(Float32Array, 70, 45, 10, false, rnd);
    for (const a of [whole, rowSlice(whole, 6, 64)]) {
      for (const [heads, c] of [[4, 4], [2, 8], [8, 8], [2, 16], [1, 32], [4, 12], [1, 48], [3, 4]]) {
        const f = heads * c;
        const end = a.indptr[a.rows];
        const what = `heads=${heads} c=${c} e0=${a.indptr[0]}`;
        const [w, x, g] = [randomArray(Float32Array, end * heads, rnd), randomArray(Float32Array, a.cols * f, rnd), randomArray(Float32Array, a.rows * f, rnd)];
        const [dw, dx] = [new Float32Array(end * heads), new Float32Array(a.cols * f)];
        runPhases(plans.gspmmBackward(a, w, heads, x, g, f, dw, dx) as WasmPhase[]);
        for (const parts of [1, 3]) {
          const [hdw, hdx] = [inHeapCopy(s, new Float32Array(end * heads)), inHeapCopy(s, new Float32Array(a.cols * f))];
          const phases = plans.gspmmBackward(a, inHeapCopy(s, w), heads, inHeapCopy(s, x), inHeapCopy(s, g), f, hdw, hdx);
          assert.ok(phases, `${what}: declined`);
          const fused = f % 16 === 0 && c % 4 === 0;
          assert.equal(phases.length === 1 && phases[0].job.kernel.startsWith('gspmmBackwardFused'), fused, `${what}: one pass iff the width allows`);
          for (const p of phases) {
            const bounds = Array.from({ length: parts + 1 }, (_, t) => Math.round((t * p.units) / parts));
            for (let t = 0; t < parts; t++) runWasmJob(p.job, bounds[t], bounds[t + 1]);
          }
          assert.deepEqual(hdw.subarray(a.indptr[0] * heads), dw.subarray(a.indptr[0] * heads), `${what} parts=${parts}: dw`);
          assert.deepEqual(hdx, dx, `${what} parts=${parts}: dx`);
        }
      }
    }
  });
});
