// Layer-wise inference gives one full forward pass's logits, and does each layer's dense transform once, not once
// per chunk (counted through a kernel hook, not timed).

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { generateSynthetic } from '../../src/graph/generate.js';
import { getKernels, setKernels, useFastKernels } from '../../src/kernels/backend.js';
import type { Kernels } from '../../src/kernels/types.js';
import { defaultModelConfig, GNN, MODEL_KINDS, type ModelConfig } from '../../src/nn/models.js';
import { fullGraphEvaluator, layerwiseEvaluator } from '../../src/train/evaluators.js';
import { prepareData, type PreparedData } from '../../src/train/prepare.js';

const d = generateSynthetic({ nodes: 300, avgDegree: 5, classes: 4, features: 24, seed: 3 });
const dense = prepareData(d, { featureLayout: 'dense' });
const sparse = prepareData(d, { featureLayout: 'sparse' });
const CHUNK = 37; // 9 chunks, the last one short

/** Multiply-adds of every GEMM and sparse product while fn runs (GEMM m*n*k, SpMM / GSpMM nnz*f). */
function countWork(fn: () => void): number {
  const base: Kernels = getKernels();
  let work = 0;
  setKernels({
    ...base,
    gemm: (g) => { work += g.m * g.n * g.k; base.gemm(g); },
    spmm: (a, x, f, out) => { work += a.indptr[a.rows] * f; base.spmm(a, x, f, out); },
    gspmm: (a, w, heads, x, f, out) => { work += a.indptr[a.rows] * f; base.gspmm(a, w, heads, x, f, out); },
  });
  try {
    fn();
  } finally {
    setKernels(base);
  }
  return work;
}

function model(kind: ModelConfig['kind'], extra: Partial<ModelConfig> = {}): GNN {
  const c = { ...defaultModelConfig(kind, 24, 4), layers: 3, hidden: 16, ...extra };
  return new GNN(kind === 'gat' ? { ...c, hidden: 4, heads: 3, outHeads: 2 } : c, 5);
}

function compare(name: string, data: PreparedData, m: GNN): void {
  it(`${name}: the same logits as one full forward pass, with the same GEMM and SpMM work`, () => {
    let full = fullGraphEvaluator(data)(m);
    const fullWork = countWork(() => { full = fullGraphEvaluator(data)(m); });
    let chunked = layerwiseEvaluator(data, CHUNK)(m);
    const chunkedWork = countWork(() => { chunked = layerwiseEvaluator(data, CHUNK)(m); });
    assert.equal(chunked.classes, full.classes);
    assert.deepEqual(chunked.rowOf, full.rowOf);
    let worst = 0;
    for (let i = 0; i < full.logits.length; i++) worst = Math.max(worst, Math.abs(chunked.logits[i] - full.logits[i]) / (1 + Math.abs(full.logits[i])));
    assert.ok(worst < 1e-5, `largest relative difference ${worst}`);
    assert.ok(fullWork > 0);
    // a transform redone per chunk would multiply its share of the work by the number of chunks (9)
    assert.equal(chunkedWork, fullWork);
  });
}

describe('layer-wise inference', () => {
  afterEach(() => useFastKernels());
  for (const kind of MODEL_KINDS) compare(kind, dense, model(kind));
  compare('gat, sparse features', sparse, model('gat'));
  compare('sage, batch norm and a linear head', dense, model('sage', { norm: 'batch', linearHead: true }));

  it('rejects a chunk that is not a positive integer', () => {
    assert.throws(() => layerwiseEvaluator(dense, 0), /chunk must be a positive integer, got 0/);
  });
});
