// Short GCN training runs on Cora with every sampler's BatchSource: each one learns (validation accuracy well
// above chance) and the same seed reproduces the same run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fullBatch } from '../../src/batching/full.js';
import { cacheBatches, materialize } from '../../src/batching/materialize.js';
import { neighborSamplingBatches } from '../../src/batching/neighbor.js';
import { saintRandomWalkBatches } from '../../src/batching/saint-rw.js';
import { fixedBatchSource, sampledBatchSource } from '../../src/batching/sources.js';
import { loadPlanetoid } from '../../src/graph/io/planetoid.js';
import { Rng } from '../../src/graph/rng.js';
import { defaultModelConfig, GNN } from '../../src/nn/models.js';
import { fullGraphEvaluator } from '../../src/train/evaluators.js';
import { trainMiniBatch, type BatchSource, type MiniBatchOptions } from '../../src/train/minibatch.js';
import { prepareData } from '../../src/train/prepare.js';

const cora = loadPlanetoid(path.resolve('..', 'shared', 'datasets', 'planetoid'), 'cora');
const split = cora.split!;
const data = prepareData(cora, { normalize: true });
const evaluate = fullGraphEvaluator(data);
const OPTS: MiniBatchOptions = {
  optimizer: 'adam', lr: 0.01, scheduler: 'none', epochs: 30, weightDecay: 5e-4, decayScope: 'first', patience: null, evalEvery: 5,
};

function run(source: BatchSource, epochs = OPTS.epochs, weightDecay = OPTS.weightDecay): { valAcc: number; trainLoss: number } {
  const model = new GNN(defaultModelConfig('gcn', cora.features.cols, cora.numClasses), 0);
  const r = trainMiniBatch(model, source, evaluate, cora.labels, split, { ...OPTS, epochs, weightDecay });
  return { valAcc: r.valAcc, trainLoss: r.history[r.history.length - 1].trainLoss };
}

const CHANCE = 1 / cora.numClasses;

test('full-batch training through a fixed batch source learns Cora', () => {
  const source = fixedBatchSource([materialize(fullBatch(data.ctx, split.train), data)], 'none', cora.labels, cora.numClasses, 0);
  const r = run(source);
  assert.ok(r.valAcc > 0.6, `val acc ${r.valAcc} (chance ${CHANCE})`);
});

test('GraphSAINT random-walk training learns Cora', () => {
  const s = saintRandomWalkBatches(data.ctx, split.train, { roots: 40, walkLength: 2, sampleCoverage: 20 }, new Rng(1));
  // PyG's loss scale (sum of node_norm ~ train fraction of N, ~0.05 here) makes weight decay ~20x stronger
  // relative to the loss, so train without it, as PyG's GraphSAINT example does
  const r = run(sampledBatchSource(s.epoch, data), OPTS.epochs, 0);
  assert.ok(r.valAcc > 0.6, `val acc ${r.valAcc} (chance ${CHANCE})`);
});

test('neighbour-sampling training learns Cora', () => {
  const s = neighborSamplingBatches(data.ctx, split.train, { batchSize: 35, fanouts: [10, 10] }, new Rng(1));
  const r = run(sampledBatchSource(s.epoch, data));
  assert.ok(r.valAcc > 0.6, `val acc ${r.valAcc} (chance ${CHANCE})`);
});

test('fixed sampled batches replayed in the maximising order learn Cora, reproducibly', () => {
  const s = neighborSamplingBatches(data.ctx, split.train, { batchSize: 20, fanouts: [10, 10] }, new Rng(2));
  const cached = cacheBatches(s.epoch(0), data);
  const a = run(fixedBatchSource(cached, 'order', cora.labels, cora.numClasses, 3), 20);
  const b = run(fixedBatchSource(cached, 'sample', cora.labels, cora.numClasses, 3), 20);
  assert.ok(a.valAcc > 0.6 && b.valAcc > 0.6, `val acc ${a.valAcc}, ${b.valAcc} (chance ${CHANCE})`);
  assert.deepEqual(run(fixedBatchSource(cached, 'sample', cora.labels, cora.numClasses, 3), 20), b);
});

test('probe evaluations inside an epoch add time-to-target points and leave training unchanged', () => {
  const train = (probeEvery?: number, probeBatches?: number) => {
    const s = neighborSamplingBatches(data.ctx, split.train, { batchSize: 35, fanouts: [10, 10] }, new Rng(4));
    const model = new GNN(defaultModelConfig('gcn', cora.features.cols, cora.numClasses), 0);
    const r = trainMiniBatch(model, sampledBatchSource(s.epoch, data), evaluate, cora.labels, split, { ...OPTS, epochs: 6, probeEvery, probeBatches });
    return { r, weights: model.parameters().map((p) => Array.from(p.data)) };
  };
  const plain = train();
  const probed = train(2); // 4 batches an epoch (140 / 35): probes after the 2nd and the 4th
  assert.deepEqual(probed.weights, plain.weights, 'the same weights');
  assert.deepEqual(probed.r.history.map((h) => h.trainLoss), plain.r.history.map((h) => h.trainLoss), 'the same losses');
  assert.equal(plain.r.valHistory.length, 2, 'epochs 5 and 6 evaluated (evalEvery 5, and the last)');
  assert.equal(probed.r.valHistory.length, 2 + 6 * 2, 'plus two probes an epoch');
  const bounded = train(2, 7); // probes after the run's batches 2, 4, 6 (epoch 1's 2nd): not after 8 or later
  assert.deepEqual(bounded.weights, plain.weights, 'bounded probes: the same weights');
  assert.equal(bounded.r.valHistory.length, 2 + 3, 'three probes within the first seven batches');
  assert.deepEqual(bounded.r.valHistory.slice(0, 3).map(([, v]) => v), probed.r.valHistory.slice(0, 3).map(([, v]) => v), 'the same first probes');
  const times = probed.r.valHistory.map(([t]) => t);
  assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]), `probe times in order: ${times.join(', ')}`);
  assert.ok(times[times.length - 1] <= probed.r.trainTimeS + 1e-9, 'no point after the training time');
  assert.throws(() => trainMiniBatch(new GNN(defaultModelConfig('gcn', cora.features.cols, cora.numClasses), 0),
    sampledBatchSource(neighborSamplingBatches(data.ctx, split.train, { batchSize: 35, fanouts: [10, 10] }, new Rng(4)).epoch, data),
    evaluate, cora.labels, split, { ...OPTS, probeEvery: 0 }), /probeEvery must be a positive integer, got 0/);
  assert.throws(() => trainMiniBatch(new GNN(defaultModelConfig('gcn', cora.features.cols, cora.numClasses), 0),
    sampledBatchSource(neighborSamplingBatches(data.ctx, split.train, { batchSize: 35, fanouts: [10, 10] }, new Rng(4)).epoch, data),
    evaluate, cora.labels, split, { ...OPTS, probeBatches: 4 }), /probeBatches must be a positive integer and needs probeEvery, got 4 without probeEvery/);
});
