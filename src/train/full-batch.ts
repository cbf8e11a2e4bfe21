// Full-batch training: every epoch one forward/backward over the whole graph, evaluation on val/test each epoch.

import type { Split } from '../graph/dataset.js';
import { checkMemory, memoryLimitOf } from '../graph/memory-estimate.js';
import type { GNN } from '../nn/models.js';
import type { Optimizer } from '../nn/optim/index.js';
import { Arena, withArena } from '../tensor/arena.js';
import { backward } from '../tensor/autograd.js';
import { crossEntropy } from '../tensor/compose.js';
import { noGrad } from '../tensor/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { EarlyStopping } from './early-stopping.js';
import { accuracy, meanCrossEntropy } from './evaluate.js';
import { estimateFullBatchBytes } from './memory.js';
import { makeOptimizer, makeScheduler, stepScheduler, type OptimizerSpec } from './optimizer-factory.js';
import { targetsOf, type PreparedData } from './prepare.js';

export interface FullBatchOptions extends OptimizerSpec {
  epochs: number;
  weightDecay: number;
  /** weight decay on all parameters, or on the first layer only (the PyG GCN example) */
  decayScope: 'all' | 'first';
  /** stop after this many epochs without a better validation accuracy; null = run every epoch */
  patience: number | null;
  /** early stopping never ends the run before this many epochs (default 0) */
  minEpochs?: number;
  /** stop after the epoch at which this many seconds of training time (forward, backward, step) have run */
  timeLimitS?: number | null;
  /** called after every epoch (progress bars, metric logs) */
  onEpoch?: (m: EpochMetrics) => void;
  /** memory budget in bytes for the estimate (estimateFullBatchBytes) checked before training starts; default: the
   *  machine's memory */
  memoryLimit?: number;
  /** resume: an optimiser whose state was restored, and the epoch to continue from */
  optimizerOverride?: Optimizer;
  startEpoch?: number;
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

export type StopReason = 'epochs' | 'early-stopping' | 'time-limit';

/** Checks a time limit option: null/undefined (none) or a positive finite number of seconds. */
export function checkTimeLimit(timeLimitS: number | null | undefined): void {
  if (timeLimitS !== null && timeLimitS !== undefined && !(Number.isFinite(timeLimitS) && timeLimitS > 0)) {
    throw new Error(`timeLimitS must be a positive number of seconds, got ${timeLimitS}`);
  }
}

/** True once `trainTimeS` seconds of training have reached the limit (if any). */
export function overTimeLimit(trainTimeS: number, timeLimitS: number | null | undefined): boolean {
  return timeLimitS !== null && timeLimitS !== undefined && trainTimeS >= timeLimitS;
}

export interface TrainResult extends TrainSummary {
  history: EpochMetrics[];
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function trainFullBatch(model: GNN, data: PreparedData, split: Split, opts: FullBatchOptions): TrainResult {
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new Error(`epochs must be a positive integer, got ${opts.epochs}`);
  if (opts.patience !== null && (!Number.isInteger(opts.patience) || opts.patience < 1)) {
    throw new Error(`patience must be a positive integer, got ${opts.patience}`);
  }
  checkTimeLimit(opts.timeLimitS);
  checkMemory('full-batch training', estimateFullBatchBytes(model.config, data), memoryLimitOf(opts.memoryLimit, 'trainFullBatch'),
    'use a mini-batch method (e.g. ibmb-node or cluster-gcn)');
  const yTrain = targetsOf(data.labels, split.train, 'train');
  const yVal = targetsOf(data.labels, split.val, 'val');
  const yTest = targetsOf(data.labels, split.test, 'test');
  const optimizer = opts.optimizerOverride ?? makeOptimizer(model.parameterGroups(opts.weightDecay, opts.decayScope), opts);
  const scheduler = makeScheduler(optimizer, opts);
  // tracks validation accuracy with strict '>' (the first best epoch wins), keeping a copy of its weights
  const stopper = new EarlyStopping({ patience: opts.patience ?? Number.MAX_SAFE_INTEGER, mode: 'max', minEpochs: opts.minEpochs });
  const history: EpochMetrics[] = [];
  const epochTimes: number[] = [];
  const inferTimes: number[] = [];
  let testAtBest = NaN;
  let stoppedBy: StopReason = 'epochs';
  let stepTimeS = 0;
  const t0 = performance.now();
  const start = opts.startEpoch ?? 0;
  // step results (activations, gradients) live in one arena, evaluation outputs in another: each is recycled
  // at its next use, after this epoch's metrics have been read
  const trainArena = new Arena();
  const evalArena = new Arena();
  for (let epoch = start; epoch < opts.epochs; epoch++) {
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
    stepTimeS += epochMs / 1000;

    const i0 = performance.now();
    const out = withArena(evalArena, () => evaluate(model, data));
    const evalMs = performance.now() - i0;
    inferTimes.push(evalMs);
    const valLoss = meanCrossEntropy(out, split.val, yVal);
    const m: EpochMetrics = {
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
    };
    if (!Number.isFinite(m.trainLoss)) throw new Error(`training diverged at epoch ${epoch}: loss is ${m.trainLoss} (try a lower --lr)`);
    history.push(m);
    if (stopper.update(epoch, m.valAcc, model)) testAtBest = m.testAcc;
    stepScheduler(scheduler, valLoss);
    opts.onEpoch?.(m);
    if (stopper.shouldStop) { stoppedBy = 'early-stopping'; break; }
    if (overTimeLimit(stepTimeS, opts.timeLimitS)) { stoppedBy = 'time-limit'; break; }
  }
  const trainTimeS = (performance.now() - t0) / 1000;
  if (stopper.bestEpoch >= 0) stopper.restoreBest(model);
  return {
    epochsRun: history.length,
    bestEpoch: stopper.bestEpoch,
    valAcc: stopper.bestValue,
    testAcc: testAtBest,
    trainTimeS,
    epochTimesMs: epochTimes,
    inferenceTimesMs: inferTimes,
    history,
    optimizer,
    stoppedBy,
  };
}

/** Eval-mode full-graph forward without recording a tape. */
export function evaluate(model: GNN, data: PreparedData): Tensor {
  model.eval();
  return noGrad(() => model.forward(data.x, data.ctx));
}
