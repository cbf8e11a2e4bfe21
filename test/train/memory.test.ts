// Full-batch training checks its memory estimate before the first epoch and refuses, with the estimate and a way
// out, a run that cannot fit (a tiny budget stands in for a huge graph here).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSynthetic } from '../../src/graph/generate.js';
import { defaultModelConfig, GNN } from '../../src/nn/models.js';
import { trainFullBatch } from '../../src/train/full-batch.js';
import { estimateFullBatchBytes } from '../../src/train/memory.js';
import { prepareData } from '../../src/train/prepare.js';

const d = generateSynthetic({ nodes: 300, avgDegree: 4, classes: 3, features: 16, seed: 1 });
const data = prepareData(d, { featureLayout: 'dense' });
const nnz = d.graph.indptr[300] + 300;

describe('full-batch memory estimate', () => {
  it('counts the prepared features, the adjacency with self-loops and every layer\'s activations', () => {
    const gcn = { ...defaultModelConfig('gcn', 16, 3), hidden: 32, layers: 2 };
    const parts = Object.fromEntries(estimateFullBatchBytes(gcn, data).map((p) => [p.label, p.bytes]));
    assert.deepEqual(parts, { features: 4 * 300 * 16 * 2.25, graph: 8 * nnz + 4 * 301, activations: 21 * 300 * (32 + 3) });
    const gat = defaultModelConfig('gat', 16, 3); // 8 heads x 8 hidden, then 1 output head
    const gatParts = Object.fromEntries(estimateFullBatchBytes(gat, data).map((p) => [p.label, p.bytes]));
    assert.equal(gatParts.graph, 8 * nnz + 4 * 301 + 16 * nnz * (8 + 1));
    assert.equal(gatParts.activations, 21 * 300 * (64 + 3));
  });

  it('stops full-batch training before the first epoch when the estimate exceeds the budget', () => {
    const model = new GNN(defaultModelConfig('gcn', 16, 3), 0);
    let epochs = 0;
    const opts = { epochs: 2, lr: 0.01, weightDecay: 0, decayScope: 'all' as const, patience: null, optimizer: 'adam' as const, scheduler: 'none' as const, onEpoch: () => { epochs++; } };
    assert.throws(() => trainFullBatch(model, data, d.split!, { ...opts, memoryLimit: 1024 }),
      /^RangeError: full-batch training needs an estimated [\d.]+ KiB \(features [\d.]+ KiB \+ graph [\d.]+ KiB \+ activations [\d.]+ KiB\), more than the memory limit of 1\.0 KiB; use a mini-batch method \(e\.g\. ibmb-node or cluster-gcn\)$/);
    assert.equal(epochs, 0);
    trainFullBatch(model, data, d.split!, opts);
    assert.equal(epochs, 2);
  });
});
