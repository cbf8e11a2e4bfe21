// Tests of the cost accounting: dense and sparse FLOPs of each architecture on a 4-node path, counted by hand from
// the layer definitions, and the meter's per-level and total sums.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CsrGraph } from '../../src/graph/csr.js';
import { CostMeter, forwardFlops, type WorkInput } from '../../src/multiscale/cost.js';
import { GraphContext } from '../../src/nn/graph-context.js';
import { defaultModelConfig, type ModelConfig } from '../../src/nn/models.js';
import { SparseInput } from '../../src/tensor/compose.js';
import { Tensor } from '../../src/tensor/tensor.js';

// the path 0 - 1 - 2 - 3: 6 stored edges; with a self loop per node, 10 adjacency entries
const PATH: CsrGraph = { rows: 4, cols: 4, indptr: Int32Array.from([0, 1, 3, 5, 6]), indices: Int32Array.from([1, 0, 2, 1, 3, 2]) };
const DENSE: WorkInput = { x: new Tensor(new Float32Array(4 * 5).fill(1), [4, 5]), ctx: new GraphContext(PATH) };
// 7 stored feature values (rows hold 2, 1, 3 and 1)
const SPARSE: WorkInput = {
  x: new SparseInput({ rows: 4, cols: 5, indptr: Int32Array.from([0, 2, 3, 6, 7]), indices: Int32Array.from([0, 3, 1, 0, 2, 4, 4]), values: new Float32Array(7).fill(1) }),
  ctx: new GraphContext(PATH),
};
const ENDS = Int32Array.from([0, 3]); // output rows with one edge each

const config = (kind: ModelConfig['kind'], extra: Partial<ModelConfig> = {}): ModelConfig => ({ ...defaultModelConfig(kind, 5, 2), hidden: 3, ...extra });

describe('forwardFlops', () => {
  it('counts a GCN on dense features: GEMMs and elementwise dense, propagation sparse', () => {
    // layer 0: x W 2*4*5*3 = 120, bias 12, ReLU 12 | A (x W) over 10 entries: 2*10*3 = 60
    // layer 1: 2*4*3*2 = 48, bias 8 | 2*10*2 = 40
    assert.deepEqual(forwardFlops(config('gcn'), DENSE), { dense: 120 + 12 + 12 + 48 + 8, sparse: 60 + 40 });
  });

  it('counts the product with sparse features as sparse work', () => {
    // layer 0's x W over 7 stored values: 2*7*3 = 42 sparse instead of 120 dense
    assert.deepEqual(forwardFlops(config('gcn'), SPARSE), { dense: 12 + 12 + 48 + 8, sparse: 42 + 60 + 40 });
  });

  it('counts dropout in training and the last layer on the output rows only', () => {
    // input dropout 2*20 = 40; layer 0: 120 + bias 12 + (ReLU 1 + dropout 2)*12 = 168 | 60
    // layer 1 on rows 0 and 3: x W for all nodes 48, bias 2*2 = 4 | 2 edges + 2 self loops: 2*4*2 = 16
    assert.deepEqual(forwardFlops(config('gcn'), DENSE, ENDS, true), { dense: 40 + 168 + 48 + 4, sparse: 60 + 16 });
  });

  it('counts GAT head scores and head averaging as dense, attention and propagation over entries as sparse', () => {
    const c = config('gat', { heads: 2, outHeads: 2, attentionDropout: 0 });
    // layer 0 (2 heads x 3 channels = 6 wide): x W 2*4*5*6 = 240, scores 2*4*6 (sources) + 2*4*6 (destinations) = 96,
    // bias 24, ELU 24 | attention 7*10*2 = 140, propagation 2*10*6 = 120
    // layer 1 (2 heads x 2 channels, averaged): x W 2*4*6*4 = 192, scores 2*4*4 + 2*4*4 = 64, averaging 2*4*4*2 = 64,
    // bias 8 | attention 7*10*2 = 140, propagation 2*10*4 = 80
    assert.deepEqual(forwardFlops(c, DENSE), { dense: 240 + 96 + 24 + 24 + 192 + 64 + 64 + 8, sparse: 140 + 120 + 140 + 80 });
    // attention dropout in training: 2 per entry and head, sparse (2*10*2 per layer); dropouts elsewhere as for GCN
    const drop = forwardFlops({ ...c, attentionDropout: 0.5 }, DENSE, undefined, true);
    assert.equal(drop.sparse, 140 + 120 + 140 + 80 + 2 * (2 * 10 * 2));
    assert.equal(drop.dense, 240 + 96 + 24 + 24 + 192 + 64 + 64 + 8 + 2 * 20 + 2 * 24);
  });

  it('counts GIN with its MLP at the hidden width and the rows\' own term again on the output rows', () => {
    // layer 0 (width 3): x W_1 120; scale, sum, bias, ReLU 4*12 = 48; W_2 2*4*3*3 = 72, bias 12; ReLU after it 12
    // | A (x W_1) without self loops: 2*6*3 = 36
    // layer 1 (out 2, MLP width max(2, 3) = 3) on rows 0 and 3: x W_1 for all 2*4*3*3 = 72 and for the rows 2*2*3*3 = 36;
    // 4*2*3 = 24; W_2 2*2*3*2 = 24, bias 4 | 2 entries: 2*2*3 = 12
    assert.deepEqual(forwardFlops(config('gin'), DENSE, ENDS), { dense: 120 + 48 + 72 + 12 + 12 + 72 + 36 + 24 + 24 + 4, sparse: 36 + 12 });
  });

  it('counts SAGE\'s neighbour and root transforms as dense and its mean aggregation without self loops as sparse', () => {
    // layer 0: W_l 120, bias 12, W_r 120, sum 12, ReLU 12 | 2*6*3 = 36; layer 1: 48 + 8 + 48 + 8 | 2*6*2 = 24
    assert.deepEqual(forwardFlops(config('sage'), DENSE), { dense: 120 + 12 + 120 + 12 + 12 + 48 + 8 + 48 + 8, sparse: 36 + 24 });
  });

  it('counts a linear head after the last convolution, which then has the hidden width', () => {
    // layers 0 and 1 of width 3: 120 + 12 + 12 | 60, then 2*4*3*3 = 72 + 12 + 12 | 60; head 2*4*3*2 = 48 + bias 8
    assert.deepEqual(forwardFlops(config('gcn', { linearHead: true }), DENSE), { dense: 144 + 96 + 56, sparse: 120 });
  });
});

describe('CostMeter', () => {
  it('adds three forward passes per training step and one per evaluation, per level and in total', () => {
    const m = new CostMeter(config('gcn'));
    m.step(0, DENSE, 0.5, ENDS);
    m.step(0, DENSE, 0.25, ENDS);
    m.evaluation(DENSE, 0.125);
    const r = m.result();
    const [l0] = r.levels;
    assert.deepEqual([l0.steps, l0.denseFlops, l0.sparseFlops, l0.flops, l0.wallS], [2, 2 * 3 * 260, 2 * 3 * 76, 2 * 3 * (260 + 76), 0.75]);
    assert.deepEqual([l0.nodesTouched, l0.edgesTouched], [8, 12]);
    assert.deepEqual([r.evaluation.steps, r.evaluation.denseFlops, r.evaluation.sparseFlops], [1, 200, 100]);
    assert.deepEqual([r.total.denseFlops, r.total.sparseFlops, r.total.flops], [1560 + 200, 456 + 100, 1560 + 200 + 456 + 100]);
    // the sampled resident memory is at most the process peak (1 MiB of slack for the two sources' rounding)
    assert.ok(l0.rssMb > 0 && r.peakRssMb >= l0.rssMb - 1, `sampled ${l0.rssMb} MiB, peak ${r.peakRssMb} MiB`);
  });
});
