// Training with the arenas' float32 arrays in the wasm kernels' heap (used in place) gives the same bits as with
// ordinary arrays (copied into the kernels' memory on every call), for GCN (with LayerNorm too) and GAT, full-batch and mini-batch.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateSynthetic } from '../../src/graph/generate.js';
import { loadWasmSparse } from '../../src/kernels/wasm-sparse.js';
import { defaultModelConfig, GNN, type ModelKind } from '../../src/nn/models.js';
import { Arena, useHeapArrays } from '../../src/tensor/arena.js';
import { trainFullBatch } from '../../src/train/full-batch.js';
import { prepareData } from '../../src/train/prepare.js';

const d = generateSynthetic({ nodes: 3000, avgDegree: 8, classes: 4, features: 24, seed: 3 });
const data = prepareData(d, { featureLayout: 'dense' });
const opts = { epochs: 4, lr: 0.01, weightDecay: 5e-4, decayScope: 'all' as const, patience: null, optimizer: 'adam' as const, scheduler: 'none' as const };

function run(kind: ModelKind, heap: boolean, norm: 'none' | 'layer' = 'none'): { losses: number[]; weights: Float32Array[] } {
  useHeapArrays(heap);
  const model = new GNN({ ...defaultModelConfig(kind, 24, 4), hidden: 32, norm }, 5);
  const r = trainFullBatch(model, data, d.split!, opts);
  return { losses: r.history.flatMap((m) => [m.trainLoss, m.valLoss]), weights: model.parameters().map((p) => p.data.slice() as Float32Array) };
}

describe('arrays in the wasm heap', () => {
  after(() => useHeapArrays(true));

  it('train GCN, GAT and GCN + LayerNorm (the wasm LayerNorm kernels) to the same bits as ordinary arrays', () => {
    const heap = loadWasmSparse()?.heap;
    assert.ok(heap, 'the wasm kernels load');
    for (const [kind, norm] of [['gcn', 'none'], ['gat', 'none'], ['gcn', 'layer']] as const) {
      const ordinary = run(kind, false, norm);
      const used = heap.usedBytes;
      const inHeap = run(kind, true, norm);
      const what = `${kind} norm=${norm}`;
      assert.ok(heap.usedBytes > used, `${what}: the arena took arrays from the heap`);
      assert.deepEqual(inHeap.losses, ordinary.losses, `${what}: losses`);
      assert.deepEqual(inHeap.weights, ordinary.weights, `${what}: weights`);
    }
  });

  it('give the training arena\'s memory back when training ends (inference after training needs the room)', () => {
    const released: boolean[] = [];
    const original = Arena.prototype.release;
    Arena.prototype.release = function (this: Arena, invalidate = false): void {
      released.push(invalidate);
      original.call(this, invalidate);
    };
    try {
      run('gcn', true);
    } finally {
      Arena.prototype.release = original;
    }
    assert.deepEqual(released, [true], 'one arena released, its arrays invalidated');
  });
});
