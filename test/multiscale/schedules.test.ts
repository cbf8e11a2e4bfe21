// Tests of the training schedules: coarse-to-fine learns Cora, epochs per level follow E * 2^l, mini-batches
// at the fine level compose with it, the multiscale-gradient loop learns, and costs are accounted per level.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inducedBatch } from '../../src/batching/batch.js';
import { materialize } from '../../src/batching/materialize.js';
import { loadPlanetoid } from '../../src/graph/io/planetoid.js';
import { defaultModelConfig, GNN } from '../../src/nn/models.js';
import { prepareData } from '../../src/train/prepare.js';
import { buildHierarchy } from '../../src/multiscale/hierarchy.js';
import { trainMultiscaleGradient } from '../../src/multiscale/mlmc.js';
import { coarseToFineEpochs, trainCoarseToFine, type CoarseToFineOptions } from '../../src/multiscale/schedules.js';
import type { BatchSource } from '../../src/train/minibatch.js';
import { sharedPath } from '../helpers/paths.js';
import { smallProblem } from './helpers.js';

const base: Omit<CoarseToFineOptions, 'epochs'> = {
  optimizer: 'adam', lr: 0.01, scheduler: 'none', weightDecay: 5e-4, decayScope: 'first', patience: null,
};

describe('coarse-to-fine', () => {
  it('learns Cora from a topk hierarchy to a validation accuracy above 0.6 with costs per level', () => {
    const d = loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora');
    if (!d.split) throw new Error('cora has no public split');
    const data = prepareData(d, { normalize: true });
    const model = new GNN(defaultModelConfig('gcn', data.x.cols, data.numClasses), 1);
    const h = buildHierarchy(data, d.split, { method: 'topk', levels: 2, seed: 1 });
    const forgotten: number[] = [];
    const r = trainCoarseToFine(model, { ...h, forget: (l) => { forgotten.push(l); h.forget(l); } }, { ...base, epochs: 15, evalEvery: 3 });
    assert.deepEqual(r.epochsPerLevel, [15, 30]);
    assert.deepEqual(forgotten, [1, 0], 'each level let go once its epochs are done');
    assert.ok(r.valAcc > 0.6, `validation accuracy ${r.valAcc} should exceed 0.6`);
    assert.ok(r.testAcc > 0.5);
    assert.equal(r.cost.levels.length, 2);
    const [l0, l1] = r.cost.levels;
    assert.equal(l1.steps, 30);
    assert.equal(l1.nodes, Math.floor(2708 / 2));
    assert.ok(l1.flops < l0.flops * 2 * 0.75, 'a coarse step is cheaper than a full one');
    assert.ok(l0.tensorBytes > l1.tensorBytes);
    assert.ok(r.cost.total.flops > 0 && r.cost.peakRssMb > 0 && r.cost.evaluation.steps === r.history.length);
  });

  it('runs E * 2^l epochs at level l and ends a level early when patience runs out', () => {
    assert.deepEqual(coarseToFineEpochs(10, 3), [10, 20, 40]);
    const { data, split } = smallProblem(200);
    const model = new GNN({ ...defaultModelConfig('gcn', data.x.cols, data.numClasses), hidden: 8 }, 2);
    const h = buildHierarchy(data, split, { method: 'random', levels: 3, seed: 3 });
    const r = trainCoarseToFine(model, h, { ...base, lr: 1e-12, epochs: 4, patience: 2, coarseEval: 'every' });
    // nothing changes with a vanishing learning rate: level 2 has its first (improving) epoch then 2 bad ones;
    // each finer level restarts the patience count and stops after 2 bad epochs
    assert.deepEqual(r.epochsPerLevel, [2, 2, 3]);
    assert.equal(r.epochsRun, 7);
  });

  it('evaluates every evalEvery * 2^l epochs at level l by default, patience counting evaluations', () => {
    const { data, split } = smallProblem(200);
    const model = new GNN({ ...defaultModelConfig('gcn', data.x.cols, data.numClasses), hidden: 8 }, 2);
    const h = buildHierarchy(data, split, { method: 'random', levels: 3, seed: 3 });
    const full = trainCoarseToFine(model, h, { ...base, epochs: 3 });
    // level 2: 12 epochs, evaluated every 4th; level 1: 6, every 2nd; level 0: 3, every one
    assert.deepEqual(full.history.map((m) => [m.level, m.epoch]), [[2, 3], [2, 7], [2, 11], [1, 13], [1, 15], [1, 17], [0, 18], [0, 19], [0, 20]]);
    const twice = trainCoarseToFine(model, h, { ...base, epochs: 3, evalEvery: 2 });
    // every 8th epoch at level 2, every 4th at level 1, every 2nd at level 0; the last epoch of a level always
    assert.deepEqual(twice.history.map((m) => m.epoch), [7, 11, 15, 17, 19, 20]);
    const stalled = trainCoarseToFine(model, h, { ...base, lr: 1e-12, epochs: 4, patience: 2 });
    // level 2 evaluates at its 4th (improving), 8th and 12th epochs, then 2 bad evaluations end it; level 1 at its
    // 2nd and 4th (both bad); level 0 at its 1st and 2nd
    assert.deepEqual(stalled.epochsPerLevel, [2, 4, 12]);
    assert.throws(() => trainCoarseToFine(model, h, { ...base, epochs: 1, coarseEval: 'never' as never }), /coarseEval must be one of scaled, every, got 'never'/);
  });

  it('trains the fine level with mini-batches from a batch source', () => {
    const { data, split } = smallProblem(200);
    const model = new GNN({ ...defaultModelConfig('gcn', data.x.cols, data.numClasses), hidden: 8 }, 2);
    const h = buildHierarchy(data, split, { method: 'topk', levels: 2, seed: 3 });
    const halves = [split.train.slice(0, split.train.length >> 1), split.train.slice(split.train.length >> 1)];
    const all = Int32Array.from({ length: data.ctx.numNodes }, (_, i) => i);
    let seen = 0;
    const source = (): BatchSource => ({
      batches: () => halves.map((out) => { seen++; return materialize(inducedBatch(data.ctx, all, out), data); }),
    });
    const r = trainCoarseToFine(model, h, { ...base, epochs: 3, fineSource: source });
    assert.equal(seen, 6, 'two batches per fine epoch');
    assert.equal(r.cost.levels[0].steps, 6);
    assert.equal(r.epochsPerLevel[1], 6);
  });
});

describe('multiscale gradient training', () => {
  it('learns a synthetic problem and finishes with full-graph epochs', () => {
    const { data, split } = smallProblem(300, 'float32', 4);
    const model = new GNN({ ...defaultModelConfig('gcn', data.x.cols, data.numClasses), hidden: 16 }, 2);
    const h = buildHierarchy(data, split, { method: 'topk', levels: 3, seed: 3 });
    const r = trainMultiscaleGradient(model, h, { ...base, epochs: 40, batchSize: 16, finalFullEpochs: 5 });
    assert.equal(r.mlmcEpochs, 40);
    assert.equal(r.epochsPerLevel[0], 5);
    assert.equal(r.cost.levels.length, 3);
    assert.ok(r.valAcc > 0.6, `validation accuracy ${r.valAcc} should exceed 0.6 (3 classes)`);
    assert.throws(() => trainMultiscaleGradient(model, h, { ...base, epochs: 1, batchSize: 0 }), /batchSize must be a positive integer, got 0/);
    assert.throws(() => trainCoarseToFine(model, h, { ...base, epochs: 0 }), /epochs must be a positive integer, got 0/);
  });
});
