// Full-batch training: every epoch one forward/backward over the whole graph, evaluation on val/test each epoch.

import type { Split } from '../graph/dataset.js';
import { checkMemory, memoryLimitOf } from '../graph/memory-estimate.js';
import type { GNN } from '../nn/models.js';
import type { Optimizer } from '../nn/optim/index.js';
import { Arena, releaseTrainArena, withArena } from '../tensor/arena.js';
import { backward } from '../tensor/autograd.js';
import { crossEntropy } from '../tensor/compose.js';
import { noGrad } from '../tensor/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { accuracy, meanCrossEntropy } from './evaluate.js';
import { LoopTracker, type LoopOptions, type ResumePoint, type StopReason } from './loop-state.js';
import { estimateFullBatchBytes } from './memory.js';
import { targetsOf, type PreparedData } from './prepare.js';

/** The loop options (optimiser, schedule, early stopping, time limit, resume) plus what full-batch training adds. */
export interface FullBatchOptions extends LoopOptions {
  /** called after every epoch (progress bars, metric logs) */
  onEpoch?: (m: EpochMetrics & { trainTimeS: number }) => void;
  /** memory budget in bytes for the estimate (estimateFullBatchBytes) checked before training starts; default: the
   *  machine's memory */
  memoryLimit?: number;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  testAcc: number;
  lr: number;
  epochMs: number;
  evalMs: number;
  elapsedS: number;
}

/** What every training loop reports. */
export interface TrainSummary {
  epochsRun: number;
  bestEpoch: number;
  valAcc: number;
  /** test accuracy of the best-validation weights (restored at the end) */
  testAcc: number;
  trainTimeS: number;
  /** forward + backward + optimiser step, per epoch */
  epochTimesMs: number[];
  /** eval forward + arg-max, per evaluation */
  inferenceTimesMs: number[];
  optimizer: Optimizer;
  /** why training ended: the epoch budget, early stopping, or the time limit */
  stoppedBy: StopReason;
}

/** What both training loops return: this run's per-evaluation metrics, the validation history since epoch 0, and what
 *  a checkpoint needs to continue. trainTimeS and the clocks count the earlier runs a resumed run continues. */
export interface TrainResult extends TrainSummary {
  /** trainTimeS: training-step seconds since epoch 0 */
  history: Array<EpochMetrics & { trainTimeS: number }>;
  /** [training-step seconds, validation accuracy] per evaluation since epoch 0 */
  valHistory: Array<[number, number]>;
  resume: ResumePoint;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Trains on the whole graph; trainTimeS counts wall seconds, evaluation included (the history's clock: steps only). */
export function trainFullBatch(model: GNN, data: PreparedData, split: Split, opts: FullBatchOptions): TrainResult {
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new Error(`epochs must be a positive integer, got ${opts.epochs}`);
  checkMemory('full-batch training', estimateFullBatchBytes(model.config, data), memoryLimitOf(opts.memoryLimit, 'trainFullBatch'),
    'use a mini-batch method (e.g. ibmb-node or cluster-gcn)');
  const yTrain = targetsOf(data.labels, split.train, 'train');
  const yVal = targetsOf(data.labels, split.val, 'val');
  const yTest = targetsOf(data.labels, split.test, 'test');
  // early stopping tracks validation accuracy with strict '>' (the first best epoch wins), keeping its weights
  const loop = new LoopTracker(model, opts);
  const { optimizer } = loop;
  const history: TrainResult['history'] = [];
  const epochTimes: number[] = [];
  const inferTimes: number[] = [];
  const t0 = performance.now();
  // step results (activations, gradients) live in one arena, evaluation outputs in another: each is recycled
  // at its next use, after this epoch's metrics have been read
  const trainArena = new Arena();
  const evalArena = new Arena();
  for (let epoch = loop.startEpoch; epoch < opts.epochs; epoch++) {
    const e0 = performance.now();
    model.train();
    optimizer.zeroGrad();
    const { logits, loss } = withArena(trainArena, () => {
      const z = model.forward(data.x, data.ctx);
      const l = crossEntropy(z, split.train, yTrain);
      backward(l);
      return { logits: z, loss: l };
    });
    optimizer.step();
    const epochMs = performance.now() - e0;
    epochTimes.push(epochMs);
    loop.addStep(epochMs);

    const i0 = performance.now();
    const out = withArena(evalArena, () => evaluate(model, data));
    const evalMs = performance.now() - i0;
    inferTimes.push(evalMs);
    const valLoss = meanCrossEntropy(out, split.val, yVal);
    const m = {
      epoch,
      trainLoss: loss.item(),
      trainAcc: accuracy(logits, split.train, yTrain),
      valLoss,
      valAcc: accuracy(out, split.val, yVal),
      testAcc: accuracy(out, split.test, yTest),
      lr: optimizer.paramGroups[0].lr,
      epochMs,
      evalMs,
      elapsedS: (performance.now() - t0) / 1000,
      trainTimeS: loop.stepTimeS,
    };
    if (!Number.isFinite(m.trainLoss)) throw new Error(`training diverged at epoch ${epoch}: loss is ${m.trainLoss} (try a lower --lr)`);
    history.push(m);
    const stop = loop.record(epoch, { acc: m.valAcc, loss: valLoss }, m.testAcc, true);
    opts.onEpoch?.(m);
    if (stop) break;
  }
  const end = loop.finish(loop.startEpoch + history.length, (performance.now() - t0) / 1000);
  releaseTrainArena(optimizer, trainArena);
  return {
    ...end, epochsRun: history.length, epochTimesMs: epochTimes, inferenceTimesMs: inferTimes, history, valHistory: loop.valHistory, optimizer,
  };
}

/** Eval-mode full-graph forward without recording a tape. */
export function evaluate(model: GNN, data: PreparedData): Tensor {
  model.eval();
  return noGrad(() => model.forward(data.x, data.ctx));
}
