// The state one multiscale run carries across levels: model, optimiser, full-graph evaluation, early stopping
// (best weights), metric history and cost meter; plus the training steps every schedule is built from.

import type { MaterializedBatch } from '../batching/materialize.js';
import type { Split } from '../graph/dataset.js';
import type { GNN } from '../nn/models.js';
import type { Optimizer } from '../nn/optim/index.js';
import { Arena, releaseTrainArena, withArena } from '../tensor/arena.js';
import { backward } from '../tensor/autograd.js';
import { crossEntropy } from '../tensor/compose.js';
import { EarlyStopping } from '../train/early-stopping.js';
import { fullGraphEvaluator } from '../train/evaluators.js';
import { logitsAccuracy, trainStep, type Evaluator } from '../train/minibatch.js';
import { makeOptimizer, makeScheduler, stepScheduler, type OptimizerSpec, type Scheduler } from '../train/optimizer-factory.js';
import type { PreparedData } from '../train/prepare.js';
import { CostMeter, type RunCost } from './cost.js';
import type { CoarseLevel } from './level.js';

export interface MultiscaleTrainOptions extends OptimizerSpec {
  /** E: the full-graph epoch budget; level l runs E * 2^l epochs in coarse-to-fine */
  epochs: number;
  weightDecay: number;
  decayScope: 'all' | 'first';
  /** evaluations without a better validation accuracy after which the CURRENT level ends (the next finer level
   *  starts with a fresh count; best weights are kept); at the last level the run ends. null = never */
  patience: number | null;
  /** evaluate on the full graph every this many epochs (default 1); see `coarseEval` for levels >= 1 */
  evalEvery?: number;
  /** evaluation cadence on coarse levels: 'scaled' (default) every evalEvery * 2^l epochs at level l, so each level
   *  of coarse-to-fine (E * 2^l epochs, each about 2^l times cheaper) gets as many evaluations as the full-graph
   *  phase and evaluation work follows training work; 'every': every evalEvery epochs at every level. The last
   *  epoch of a level is always evaluated. Multiscale-gradient epochs (every level in each step) use evalEvery. */
  coarseEval?: CoarseEval;
  /** default: one eval-mode forward over the full graph */
  evaluator?: Evaluator;
  /** full-graph epochs after the schedule (default 0) */
  finalFullEpochs?: number;
  onEpoch?: (m: MultiscaleEpochMetrics) => void;
}

export const COARSE_EVAL_MODES = ['scaled', 'every'] as const;
export type CoarseEval = (typeof COARSE_EVAL_MODES)[number];

export interface MultiscaleEpochMetrics {
  /** global epoch counter across levels */
  epoch: number;
  /** level trained this epoch (0 = full graph); -1 for a multiscale-gradient epoch, which uses every level */
  level: number;
  trainLoss: number;
  valAcc: number;
  valLoss: number;
  testAcc: number;
  /** training time so far (evaluation excluded) and wall time so far (evaluation included) */
  trainTimeS: number;
  elapsedS: number;
}

export interface MultiscaleResult {
  epochsRun: number;
  bestEpoch: number;
  valAcc: number;
  /** test accuracy at the best validation epoch (those weights are restored at the end) */
  testAcc: number;
  trainTimeS: number;
  wallS: number;
  history: MultiscaleEpochMetrics[];
  /** epochs run at each level (index = level); multiscale-gradient epochs are counted under `mlmcEpochs` */
  epochsPerLevel: number[];
  mlmcEpochs: number;
  cost: RunCost;
  optimizer: Optimizer;
}

export function checkOptions(o: MultiscaleTrainOptions, what: string): void {
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new Error(`${what}: epochs must be a positive integer, got ${o.epochs}`);
  if (o.patience !== null && (!Number.isInteger(o.patience) || o.patience < 1)) {
    throw new Error(`${what}: patience must be a positive integer or null, got ${o.patience}`);
  }
  const ev = o.evalEvery ?? 1;
  if (!Number.isInteger(ev) || ev < 1) throw new Error(`${what}: evalEvery must be a positive integer, got ${ev}`);
  if (o.coarseEval !== undefined && !COARSE_EVAL_MODES.includes(o.coarseEval)) {
    throw new Error(`${what}: coarseEval must be one of ${COARSE_EVAL_MODES.join(', ')}, got '${String(o.coarseEval)}'`);
  }
  const f = o.finalFullEpochs ?? 0;
  if (!Number.isInteger(f) || f < 0) throw new Error(`${what}: finalFullEpochs must be an integer >= 0, got ${f}`);
}

export class Session {
  readonly optimizer: Optimizer;
  readonly stopper: EarlyStopping;
  readonly meter: CostMeter;
  readonly history: MultiscaleEpochMetrics[] = [];
  readonly epochsPerLevel: number[] = [];
  mlmcEpochs = 0;
  epoch = 0;
  private readonly scheduler: Scheduler;
  private readonly evaluator: Evaluator;
  // step results (activations, gradients) live in one arena, evaluation outputs in another: each is recycled at its
  // next use, after the values read from it, instead of page-faulting fresh arrays every step (as trainFullBatch does)
  private readonly trainArena = new Arena();
  private readonly evalArena = new Arena();
  /** epochs run in the current phase (level), for the evaluation cadence */
  private phaseEpoch = 0;
  private trainS = 0;
  private testAtBest = NaN;
  private readonly t0 = performance.now();

  constructor(readonly model: GNN, readonly full: PreparedData, readonly split: Split, readonly opts: MultiscaleTrainOptions) {
    this.optimizer = makeOptimizer(model.parameterGroups(opts.weightDecay, opts.decayScope), opts);
    this.scheduler = makeScheduler(this.optimizer, opts);
    this.stopper = new EarlyStopping({ patience: opts.patience ?? Number.MAX_SAFE_INTEGER, mode: 'max' });
    this.evaluator = opts.evaluator ?? fullGraphEvaluator(full);
    this.meter = new CostMeter(model.config);
  }

  /** One full-batch step on a level (loss over the level's training nodes; last layer on those rows only). */
  levelStep(lv: CoarseLevel): number {
    const t = performance.now();
    const rows = lv.split.train;
    this.model.train();
    this.optimizer.zeroGrad();
    const loss = this.inTrainArena(() => {
      const logits = this.model.forward(lv.data.x, lv.data.ctx, rows);
      const l = crossEntropy(logits, Int32Array.from(rows, (_, i) => i), Int32Array.from(rows, (r) => lv.data.labels[r]));
      backward(l);
      return l.item();
    });
    this.optimizer.step();
    const s = (performance.now() - t) / 1000;
    this.trainS += s;
    this.meter.step(lv.level, lv.data, s, rows);
    return loss;
  }

  /** Runs one training step's forward and backward `fn` with its arrays from the training arena (valid until the
   *  next call: read what outlives the step, the loss or logits, before it). */
  inTrainArena<T>(fn: () => T): T {
    return withArena(this.trainArena, fn);
  }

  /** One epoch of mini-batch steps at level 0; returns the mean batch loss. */
  batchEpoch(batches: Iterable<MaterializedBatch>): number {
    let sum = 0;
    let steps = 0;
    this.model.train();
    let t = performance.now();
    for (const mb of batches) {
      const r = trainStep(this.model, this.optimizer, mb, this.trainArena);
      const s = (performance.now() - t) / 1000;
      this.trainS += s;
      this.meter.step(0, mb, s, mb.outputIndex);
      if (r.count > 0) { sum += r.loss; steps++; }
      t = performance.now();
    }
    if (steps === 0) throw new Error('multiscale: no mini-batch of this epoch had a labelled output node');
    return sum / steps;
  }

  /** Adds externally timed training work (the multiscale gradient step accounts its own levels). */
  addTrainTime(s: number): void {
    this.trainS += s;
  }

  /** Epochs between evaluations at `level` (-1: a multiscale-gradient epoch); see MultiscaleTrainOptions.coarseEval. */
  private evalInterval(level: number): number {
    const every = this.opts.evalEvery ?? 1;
    return level > 0 && (this.opts.coarseEval ?? 'scaled') === 'scaled' ? every * 2 ** level : every;
  }

  /** Ends an epoch: evaluates on the full graph when due (every evalInterval(level) epochs of the phase), updates
   *  early stopping; returns whether patience ran out. `last` forces an evaluation (the final epoch of a phase). */
  endEpoch(level: number, trainLoss: number, last: boolean): boolean {
    if (!Number.isFinite(trainLoss)) throw new Error(`training diverged at epoch ${this.epoch} (level ${level}): loss is ${trainLoss} (try a lower lr)`);
    if (level >= 0) this.epochsPerLevel[level] = (this.epochsPerLevel[level] ?? 0) + 1;
    else this.mlmcEpochs++;
    const epoch = this.epoch++;
    if (++this.phaseEpoch % this.evalInterval(level) !== 0 && !last) return false;
    const t = performance.now();
    const out = withArena(this.evalArena, () => this.evaluator(this.model));
    this.meter.evaluation(this.full, (performance.now() - t) / 1000);
    const val = logitsAccuracy(out, this.split.val, this.full.labels);
    const test = logitsAccuracy(out, this.split.test, this.full.labels);
    const m: MultiscaleEpochMetrics = {
      epoch, level, trainLoss, valAcc: val.acc, valLoss: val.loss, testAcc: test.acc,
      trainTimeS: this.trainS, elapsedS: (performance.now() - this.t0) / 1000,
    };
    this.history.push(m);
    if (this.stopper.update(epoch, m.valAcc, this.model)) this.testAtBest = m.testAcc;
    stepScheduler(this.scheduler, val.loss);
    this.opts.onEpoch?.(m);
    return this.stopper.shouldStop;
  }

  /** Starts a new phase (level): the patience count restarts, the best value and weights are kept. The training
   *  arena's arrays, sized for the last level, are given back at once: the next level's seldom fit them, and held
   *  until they went idle they added the coarse level's working set to the full graph's peak (1M-node graph, topk
   *  levels: peak RSS 5.44 -> 4.97 GiB, the same epoch times). */
  newPhase(): void {
    this.stopper.badEpochs = 0;
    this.phaseEpoch = 0;
    releaseTrainArena(this.optimizer, this.trainArena);
  }

  /** Runs `finalFullEpochs` full-graph epochs (phase d). */
  finalPhase(level0: CoarseLevel): void {
    const n = this.opts.finalFullEpochs ?? 0;
    if (n === 0) return;
    this.newPhase();
    for (let e = 0; e < n; e++) if (this.endEpoch(0, this.levelStep(level0), e === n - 1)) break;
  }

  finish(): MultiscaleResult {
    if (this.stopper.bestEpoch >= 0) this.stopper.restoreBest(this.model);
    releaseTrainArena(this.optimizer, this.trainArena);
    return {
      epochsRun: this.epoch, bestEpoch: this.stopper.bestEpoch, valAcc: this.stopper.bestValue, testAcc: this.testAtBest,
      trainTimeS: this.trainS, wallS: (performance.now() - this.t0) / 1000, history: this.history,
      epochsPerLevel: Array.from({ length: this.epochsPerLevel.length }, (_, l) => this.epochsPerLevel[l] ?? 0),
      mlmcEpochs: this.mlmcEpochs, cost: this.meter.result(), optimizer: this.optimizer,
    };
  }
}
