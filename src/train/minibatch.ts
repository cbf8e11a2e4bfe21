// Mini-batch training: any source of batches, loss on output rows only, evaluation by a pluggable evaluator.

import type { MaterializedBatch } from '../batching/materialize.js';
import type { Split } from '../graph/dataset.js';
import type { GNN } from '../nn/models.js';
import type { Optimizer } from '../nn/optim/index.js';
import { Arena, releaseTrainArena, withArena } from '../tensor/arena.js';
import { backward } from '../tensor/autograd.js';
import { crossEntropy } from '../tensor/compose.js';
import type { Tensor } from '../tensor/tensor.js';
import type { EpochMetrics, TrainResult } from './full-batch.js';
import { LoopTracker, type LoopOptions } from './loop-state.js';
import { collectGarbage } from '../kernels/gc.js';

/** An epoch (or evaluation) longer than this ends with a full garbage collection (~1 ms, so at most ~0.5%). */
const GC_AFTER_MS = 250;

/** Where the training batches of an epoch come from (fixed batches reordered, or freshly sampled ones). */
export interface BatchSource {
  batches(epoch: number): Iterable<MaterializedBatch>;
}

/** Logits for some nodes: row rowOf[node] of `logits`, or -1 where the node was not evaluated. */
export interface NodeLogits {
  logits: Float32Array | Float64Array;
  classes: number;
  rowOf: Int32Array;
}

/** Computes eval-mode logits for (at least) the validation and test nodes. */
export type Evaluator = (model: GNN) => NodeLogits;

/** The loop options (optimiser, schedule, early stopping, time limit, resume) plus what mini-batch training adds. */
export interface MiniBatchOptions extends LoopOptions {
  /** evaluate every this many epochs, counted from epoch 0 (default 1); a run's last epoch is always evaluated */
  evalEvery?: number;
  /** also measure validation accuracy after every this many batches inside an epoch, for the time-to-target record
   *  (valHistory) only: no early stopping or scheduler step, evaluation time excluded, so training is unchanged */
  probeEvery?: number;
  /** probe only within the run's first this many batches (counted over epochs; default: every batch of the run),
   *  which bounds what the probes cost once the target is behind */
  probeBatches?: number;
  onEpoch?: (m: EpochMetrics & { trainTimeS: number }) => void;
}

/** trainTimeS here is training time only (forward, backward, step; batch sampling included, evaluation excluded),
 *  since epoch 0 */
export type MiniBatchResult = TrainResult;

export function logitsAccuracy(out: NodeLogits, nodes: Int32Array, labels: Int32Array): { acc: number; loss: number } {
  const c = out.classes;
  let correct = 0;
  let loss = 0;
  for (const v of nodes) {
    const r = out.rowOf[v];
    if (r < 0) throw new Error(`evaluation produced no logits for node ${v}`);
    const o = r * c;
    let best = 0;
    let mx = out.logits[o];
    for (let j = 1; j < c; j++) if (out.logits[o + j] > mx) { mx = out.logits[o + j]; best = j; }
    if (best === labels[v]) correct++;
    let z = 0;
    for (let j = 0; j < c; j++) z += Math.exp(out.logits[o + j] - mx);
    loss += mx + Math.log(z) - out.logits[o + labels[v]];
  }
  return { acc: correct / nodes.length, loss: loss / nodes.length };
}

function labelledRows(mb: MaterializedBatch): { rows: Int32Array; targets: Int32Array; weights?: Float32Array } {
  let all = true;
  for (const t of mb.targets) if (t < 0) all = false;
  const iota = Int32Array.from(mb.targets, (_, i) => i);
  if (all) return { rows: iota, targets: mb.targets, weights: mb.lossWeights };
  const keep = iota.filter((i) => mb.targets[i] >= 0);
  return {
    rows: keep,
    targets: Int32Array.from(keep, (i) => mb.targets[i]),
    weights: mb.lossWeights ? Float32Array.from(keep, (i) => mb.lossWeights![i]) : undefined,
  };
}

/** One optimisation step on one batch; returns the loss and the batch's training accuracy counts. */
export function trainStep(model: GNN, optimizer: Optimizer, mb: MaterializedBatch, arena?: Arena): { loss: number; correct: number; count: number } {
  const { rows, targets, weights } = labelledRows(mb);
  if (rows.length === 0) return { loss: NaN, correct: 0, count: 0 };
  optimizer.zeroGrad();
  const pass = () => {
    const z: Tensor = model.forward(mb.x, mb.ctx, mb.outputIndex);
    const l = crossEntropy(z, rows, targets, weights);
    backward(l);
    return { logits: z, loss: l };
  };
  // with an arena, this step's arrays are recycled by the next step (after the accuracy below has been read)
  const { logits, loss } = arena ? withArena(arena, pass) : pass();
  optimizer.step();
  const c = logits.cols;
  let correct = 0;
  rows.forEach((r, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (logits.data[r * c + j] > logits.data[r * c + best]) best = j;
    if (best === targets[i]) correct++;
  });
  return { loss: loss.item(), correct, count: rows.length };
}

export function trainMiniBatch(model: GNN, source: BatchSource, evaluate: Evaluator, labels: Int32Array, split: Split, opts: MiniBatchOptions): MiniBatchResult {
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new Error(`epochs must be a positive integer, got ${opts.epochs}`);
  const evalEvery = opts.evalEvery ?? 1;
  if (!Number.isInteger(evalEvery) || evalEvery < 1) throw new Error(`evalEvery must be a positive integer, got ${evalEvery}`);
  const probeEvery = opts.probeEvery ?? 0;
  if (opts.probeEvery !== undefined && (!Number.isInteger(probeEvery) || probeEvery < 1)) {
    throw new Error(`probeEvery must be a positive integer, got ${opts.probeEvery}`);
  }
  const probeBatches = opts.probeBatches ?? Infinity;
  if (opts.probeBatches !== undefined && (!Number.isInteger(probeBatches) || probeBatches < 1 || probeEvery === 0)) {
    throw new Error(`probeBatches must be a positive integer and needs probeEvery, got ${opts.probeBatches}${probeEvery === 0 ? ' without probeEvery' : ''}`);
  }
  let runSteps = 0;
  const loop = new LoopTracker(model, opts);
  const { optimizer } = loop;
  const history: MiniBatchResult['history'] = [];
  const epochTimes: number[] = [];
  const inferTimes: number[] = [];
  const trainArena = new Arena();
  const evalArena = new Arena();
  const t0 = performance.now();
  for (let epoch = loop.startEpoch; epoch < opts.epochs; epoch++) {
    const e0 = performance.now();
    model.train();
    let lossSum = 0;
    let correct = 0;
    let count = 0;
    let steps = 0;
    let probeMs = 0; // probe evaluations inside the epoch: not training time
    for (const mb of source.batches(epoch)) {
      const s = trainStep(model, optimizer, mb, trainArena);
      if (s.count === 0) continue;
      lossSum += s.loss;
      correct += s.correct;
      count += s.count;
      steps++;
      runSteps++;
      if (probeEvery > 0 && steps % probeEvery === 0 && runSteps <= probeBatches) {
        const p0 = performance.now();
        const out = withArena(evalArena, () => evaluate(model));
        loop.probe((p0 - e0 - probeMs) / 1000, logitsAccuracy(out, split.val, labels).acc);
        model.train();
        probeMs += performance.now() - p0;
      }
    }
    if (steps === 0) throw new Error('no batch of this epoch had a labelled output node');
    if (performance.now() - e0 > GC_AFTER_MS) collectGarbage(); // inside the timed epoch: its cost is training's
    const epochMs = performance.now() - e0 - probeMs;
    epochTimes.push(epochMs);
    loop.addStep(epochMs);
    const trainLoss = lossSum / steps;
    if (!Number.isFinite(trainLoss)) throw new Error(`training diverged at epoch ${epoch}: loss is ${trainLoss} (try a lower --lr)`);
    const onCadence = (epoch + 1) % evalEvery === 0;
    if (!onCadence && epoch !== opts.epochs - 1 && !loop.overTimeLimit) continue;
    const i0 = performance.now();
    const out = withArena(evalArena, () => evaluate(model));
    if (performance.now() - i0 > GC_AFTER_MS) collectGarbage();
    const evalMs = performance.now() - i0;
    inferTimes.push(evalMs);
    const val = logitsAccuracy(out, split.val, labels);
    const test = logitsAccuracy(out, split.test, labels);
    const m = {
      epoch, trainLoss, trainAcc: correct / count, valLoss: val.loss, valAcc: val.acc, testAcc: test.acc,
      lr: optimizer.paramGroups[0].lr, epochMs, evalMs, elapsedS: (performance.now() - t0) / 1000, trainTimeS: loop.stepTimeS,
    };
    history.push(m);
    const stop = loop.record(epoch, val, test.acc, onCadence);
    opts.onEpoch?.(m);
    if (stop) break;
  }
  const end = loop.finish(loop.startEpoch + epochTimes.length, loop.runStepS);
  releaseTrainArena(optimizer, trainArena);
  return {
    ...end, epochsRun: epochTimes.length, epochTimesMs: epochTimes, inferenceTimesMs: inferTimes, history, valHistory: loop.valHistory, optimizer,
  };
}
