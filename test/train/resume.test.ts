// Tests of resuming from a checkpoint (src/train/resume.ts): which saved weights go where, the loop state read back,
// and the refusals that name an option.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Rng } from '../../src/graph/rng.js';
import { defaultModelConfig, GNN } from '../../src/nn/models.js';
import { Adam } from '../../src/nn/optim/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import type { WeightCopies } from '../../src/train/early-stopping.js';
import type { LoopState, ResumePoint } from '../../src/train/loop-state.js';
import type { TrainingConfig } from '../../src/train/report.js';
import { checkResumedBatches, continueFrom, resumeParts } from '../../src/train/resume.js';
import { defaultTrainingConfig, loadTrainedModel, RunOptionError } from '../../src/train/run.js';
import { tempDir } from '../helpers/paths.js';

const config = { ...defaultModelConfig('gcn', 6, 3), hidden: 4 };
const training: TrainingConfig = { ...defaultTrainingConfig('gcn', false), patience: 3 };
const state: LoopState = {
  trainTimeS: 1.5, stepTimeS: 1.25, valHistory: [[0.5, 0.4], [1, 0.6]], testAtBest: 0.55, scheduler: null,
  stopper: { bestValue: 0.6, bestEpoch: 3, badEpochs: 1, lastEpoch: 4 }, rngs: [new Rng(5).state()],
};

const weightsOf = (seed: number): WeightCopies => new Map([...new GNN(config, seed).stateDict()].map(([n, t]) => [n, { data: t.data.slice(), shape: t.shape }]));

/** The best weights the checkpoints of `save` hold: seed 1's after one Adam step (with its optimiser state). */
function bestModel(): { model: GNN; opt: Adam } {
  const model = new GNN(config, 1);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  for (const p of model.parameters()) p.grad = new Tensor(p.data.map((x) => x - 0.5), p.shape);
  opt.step();
  return { model, opt };
}

/** Saves a checkpoint as `fastgnn train --save` would: the best weights as the model (bestModel), the last (seed 2)
 *  and, when given, early stopping's own best (seed 3); returns its path. */
function save(point: Partial<ResumePoint>, loop: unknown = state): string {
  const { model: best, opt } = bestModel();
  const path = join(tempDir('resume-unit'), 'ckpt.safetensors');
  const full: ResumePoint = { epoch: 5, state, last: weightsOf(2), earlyStoppingBest: null, ...point };
  saveCheckpoint(path, {
    model: best, optimizer: opt, meta: { model_config: JSON.stringify(config), training: JSON.stringify(training), epoch: 5, seed: 0 },
    ...resumeParts(full), state: loop,
  });
  return path;
}

const valuesOf = (w: ReadonlyMap<string, { data: ArrayLike<number> }> | null): number[][] => [...(w ?? [])].map(([, t]) => Array.from(t.data));

describe('continueFrom', () => {
  it('puts the last weights into the model, and gives early stopping its own best weights when they are not the model\'s', () => {
    const path = save({ earlyStoppingBest: weightsOf(3) });
    const trained = loadTrainedModel(path);
    assert.deepEqual(valuesOf(trained.model.stateDict()), valuesOf(bestModel().model.stateDict()), 'predict gets the best weights');
    const r = continueFrom(trained, path, training);
    assert.deepEqual(valuesOf(trained.model.stateDict()), valuesOf(weightsOf(2)), 'training continues from the last weights');
    assert.deepEqual(valuesOf(r.best), valuesOf(weightsOf(3)));
    assert.deepEqual(r.state, state);
    assert.equal(r.epoch, 5);
    assert.equal(r.optimizer.kind, 'Adam');
    assert.equal(r.optimizer.tensors.size, 3 * trained.model.parameters().length, 'step, m and v of every parameter');
  });

  it('gives early stopping the model\'s (best) weights otherwise, and none before a first best epoch', () => {
    const path = save({});
    assert.deepEqual(valuesOf(continueFrom(loadTrainedModel(path), path, training).best), valuesOf(bestModel().model.stateDict()));
    const none = save({}, { ...state, stopper: { bestValue: -Infinity, bestEpoch: -1, badEpochs: 0, lastEpoch: -1 } });
    assert.equal(continueFrom(loadTrainedModel(none), none, training).best, null);
  });

  it('refuses a run whose early stopping would stop at once, naming --patience', () => {
    const path = save({});
    assert.throws(() => continueFrom(loadTrainedModel(path), path, { ...training, patience: 1 }), (e: unknown) => {
      assert.ok(e instanceof RunOptionError && e.option === 'patience');
      assert.equal(e.detail, "is 1 but the resumed checkpoint's run has had 1 evaluations without a better validation accuracy (the best at epoch 3), so it would stop at once; expected more than 1");
      return true;
    });
  });

  it('names the file and the field of a malformed loop state', () => {
    const path = save({}, { ...state, valHistory: [[1, 2, 3]] });
    assert.throws(() => continueFrom(loadTrainedModel(path), path, training), new RegExp(`^Error: ${path}: the saved training loop state has no 'valHistory' of \\[seconds, accuracy\\] pairs$`));
    const path2 = save({}, { trainTimeS: 1 });
    assert.throws(() => continueFrom(loadTrainedModel(path2), path2, training), /the saved training loop state has no number 'stepTimeS'/);
  });
});

describe('checkResumedBatches', () => {
  const trained = { ...loadTrainedModel(save({})), meta: { method_options: JSON.stringify({ fanouts: [6, 5], batchSize: 64, batchOrder: 'order' }) } };

  it('accepts the same options in any key order and names the first option that differs', () => {
    assert.doesNotThrow(() => checkResumedBatches(trained, { batchOrder: 'order', batchSize: 64, fanouts: [6, 5] }, undefined));
    assert.throws(() => checkResumedBatches(trained, { fanouts: [6, 4], batchSize: 64, batchOrder: 'order' }, undefined),
      (e: unknown) => e instanceof RunOptionError && e.option === 'fanouts' && e.detail === "is [6,4] but the resumed checkpoint's run used [6,5]");
  });

  it('blames the batch cache for a construction option, the batch order for the order', () => {
    assert.throws(() => checkResumedBatches(trained, { fanouts: [6, 5], batchSize: 32, batchOrder: 'order' }, 'c.fgnnb'),
      (e: unknown) => e instanceof RunOptionError && e.option === 'batches' && e.detail === "c.fgnnb holds batches built with batchSize 32 but the resumed checkpoint's run trained with 64");
    assert.throws(() => checkResumedBatches(trained, { fanouts: [6, 5], batchSize: 64, batchOrder: 'rand' }, 'c.fgnnb'),
      (e: unknown) => e instanceof RunOptionError && e.option === 'batchOrder');
  });
});
