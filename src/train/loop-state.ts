// What a training loop carries from epoch to epoch besides the weights: optimiser, LR scheduler, early stopping,
// training time, validation history and dropout streams. Both loops (full-batch, mini-batch) keep it here, so that a
// checkpoint can hold all of it and a resumed run continues exactly as the uninterrupted run would have.

import type { RngState } from '../graph/rng.js';
import type { GNN } from '../nn/models.js';
import type { Optimizer } from '../nn/optim/index.js';
import type { OptimizerState } from '../nn/optim/optimizer.js';
import type { SchedulerState } from '../nn/schedulers.js';
import { EarlyStopping, type EarlyStoppingState, type WeightCopies } from './early-stopping.js';
import { makeOptimizer, makeScheduler, stepScheduler, type OptimizerSpec, type Scheduler } from './optimizer-factory.js';

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

/** The loop state a checkpoint stores (JSON; numbers may be ±Infinity or NaN). */
export interface LoopState {
  /** training seconds since epoch 0 as runs report them (train_time_s), over every resumed run */
  trainTimeS: number;
  /** seconds of training steps since epoch 0: the clock of valHistory */
  stepTimeS: number;
  /** [step seconds, validation accuracy] of every evaluation on the cadence since epoch 0 */
  valHistory: Array<[number, number]>;
  stopper: EarlyStoppingState;
  /** test accuracy at early stopping's best epoch */
  testAtBest: number;
  /** null: no scheduler */
  scheduler: SchedulerState | null;
  /** the model's dropout streams (GNN.randomStreams) */
  rngs: RngState[];
}

/** What a resumed loop continues from. */
export interface LoopResume {
  /** the first epoch to train */
  epoch: number;
  /** restored into the loop's optimiser (moments, step counts, group options) */
  optimizer: OptimizerState;
  /** null (checkpoints written before loop states were saved): scheduler, early stopping, dropout streams and
   *  history start afresh */
  state: LoopState | null;
  /** early stopping's best weights; required when the state has a best epoch */
  best: WeightCopies | null;
}

/** What a finished loop hands to a checkpoint so that a later run can continue it (see LoopResume). */
export interface ResumePoint {
  epoch: number;
  state: LoopState;
  /** the weights after the last epoch (the model itself then holds the best ones) */
  last: WeightCopies;
  /** early stopping's best weights when they are not the model's: an end-of-run evaluation off the cadence did better */
  earlyStoppingBest: WeightCopies | null;
}

/** What both training loops take: optimiser and schedule (epochs: the total, which the cosine and step schedules
 *  span), early stopping, time limit, and the run to continue. */
export interface LoopOptions extends OptimizerSpec {
  weightDecay: number;
  /** weight decay on all parameters, or on the first layer only (the PyG GCN example) */
  decayScope: 'all' | 'first';
  /** stop after this many evaluations without a better validation accuracy; null = never */
  patience: number | null;
  /** early stopping never ends the run before this many epochs (default 0) */
  minEpochs?: number;
  /** stop after the epoch at which this run's training steps (forward, backward, step; mini-batch: sampling too) have
   *  taken this many seconds; a resumed run counts its own seconds only */
  timeLimitS?: number | null;
  /** continue a checkpointed run from its epoch, optimiser and loop state */
  resume?: LoopResume;
}

/** The best epoch's figures and what a checkpoint needs to continue, from LoopTracker.finish. */
export interface LoopOutcome {
  bestEpoch: number;
  valAcc: number;
  testAcc: number;
  trainTimeS: number;
  stoppedBy: StopReason;
  resume: ResumePoint;
}

function copyWeights(model: GNN): WeightCopies {
  return new Map([...model.stateDict()].map(([n, t]) => [n, { data: t.data.slice(), shape: [...t.shape] }]));
}

/** Tracks one run of a training loop: builds (or restores) the optimiser, scheduler and early stopping, counts
 *  training time, records evaluations and decides when to stop. */
export class LoopTracker {
  readonly optimizer: Optimizer;
  /** the first epoch this run trains */
  readonly startEpoch: number;
  /** [step seconds, validation accuracy] per evaluation since epoch 0 (of earlier runs, those on the cadence) */
  readonly valHistory: Array<[number, number]>;
  stoppedBy: StopReason = 'epochs';
  /** this run's training-step seconds (the time limit counts these) */
  runStepS = 0;
  private readonly scheduler: Scheduler;
  private readonly stopper: EarlyStopping;
  private readonly prior: { trainS: number; stepS: number };
  private testAtBest = NaN;
  /** this run's last evaluation when it was off the cadence */
  private offCadence: { epoch: number; valAcc: number; testAcc: number } | null = null;

  constructor(private readonly model: GNN, private readonly opts: LoopOptions) {
    if (opts.patience !== null && (!Number.isInteger(opts.patience) || opts.patience < 1)) {
      throw new Error(`patience must be a positive integer, got ${opts.patience}`);
    }
    checkTimeLimit(opts.timeLimitS);
    this.optimizer = makeOptimizer(model.parameterGroups(opts.weightDecay, opts.decayScope), opts);
    this.scheduler = makeScheduler(this.optimizer, opts);
    this.stopper = new EarlyStopping({ patience: opts.patience ?? Number.MAX_SAFE_INTEGER, mode: 'max', minEpochs: opts.minEpochs });
    const r = opts.resume;
    this.startEpoch = r?.epoch ?? 0;
    if (r) this.optimizer.loadStateDict(r.optimizer);
    this.prior = { trainS: r?.state?.trainTimeS ?? 0, stepS: r?.state?.stepTimeS ?? 0 };
    this.valHistory = r?.state ? r.state.valHistory.map(([t, acc]): [number, number] => [t, acc]) : [];
    if (r?.state) this.restore(r.state, r.best);
  }

  private restore(s: LoopState, best: WeightCopies | null): void {
    this.stopper.loadStateDict(s.stopper, best);
    this.testAtBest = s.testAtBest;
    const sched = this.scheduler;
    if ((s.scheduler === null) !== (sched.kind === 'none')) {
      throw new Error(`the saved loop has ${s.scheduler === null ? 'no' : 'a'} scheduler state but this run has ${sched.kind === 'none' ? 'no' : 'a'} scheduler`);
    }
    if (s.scheduler !== null && sched.kind !== 'none') sched.s.loadStateDict(s.scheduler);
    const streams = this.model.randomStreams();
    if (s.rngs.length !== streams.length) throw new Error(`the saved loop has ${s.rngs.length} dropout streams, the model ${streams.length}`);
    streams.forEach((rng, i) => rng.setState(s.rngs[i]));
  }

  /** Adds one epoch's training-step time. */
  addStep(ms: number): void {
    this.runStepS += ms / 1000;
  }

  /** step seconds since epoch 0 (earlier runs included) */
  get stepTimeS(): number {
    return this.prior.stepS + this.runStepS;
  }

  get overTimeLimit(): boolean {
    return overTimeLimit(this.runStepS, this.opts.timeLimitS);
  }

  /** Records a probe's validation accuracy `secondsIntoEpoch` of training steps into the current epoch (the
   *  time-to-target record only). */
  probe(secondsIntoEpoch: number, valAcc: number): void {
    this.valHistory.push([this.stepTimeS + secondsIntoEpoch, valAcc]);
  }

  /** Records the evaluation of `epoch`. One on the evaluation cadence feeds early stopping and the scheduler. One off
   *  it (only ever a run's last: its final epoch, or the one that reached the time limit) is reported, and its weights
   *  win if they are the best, but it leaves the state a resumed run continues untouched, since an uninterrupted run
   *  would not have evaluated there. Returns true when training should stop. */
  record(epoch: number, val: { acc: number; loss: number }, testAcc: number, onCadence: boolean): boolean {
    this.valHistory.push([this.stepTimeS, val.acc]);
    if (onCadence) {
      if (this.stopper.update(epoch, val.acc, this.model)) this.testAtBest = testAcc;
      stepScheduler(this.scheduler, val.loss);
      if (this.stopper.shouldStop) {
        this.stoppedBy = 'early-stopping';
        return true;
      }
    } else {
      this.offCadence = { epoch, valAcc: val.acc, testAcc };
    }
    if (this.overTimeLimit) {
      this.stoppedBy = 'time-limit';
      return true;
    }
    return false;
  }

  /** Ends the run after epoch `nextEpoch - 1`, `runTrainS` seconds of training as the run reports them: keeps what a
   *  checkpoint needs to continue, then puts the best weights into the model. */
  finish(nextEpoch: number, runTrainS: number): LoopOutcome {
    const s = this.stopper;
    const off = this.offCadence;
    const offBest = off !== null && s.isImprovement(off.valAcc);
    const sched = this.scheduler;
    const state: LoopState = {
      trainTimeS: this.prior.trainS + runTrainS,
      stepTimeS: this.stepTimeS,
      valHistory: off ? this.valHistory.slice(0, -1) : [...this.valHistory],
      stopper: s.stateDict(),
      testAtBest: this.testAtBest,
      scheduler: sched.kind === 'none' ? null : sched.s.stateDict(),
      rngs: this.model.randomStreams().map((r) => r.state()),
    };
    const resume: ResumePoint = { epoch: nextEpoch, state, last: copyWeights(this.model), earlyStoppingBest: offBest ? s.bestState() : null };
    if (!offBest && s.bestEpoch >= 0) s.restoreBest(this.model);
    const best = offBest ? off : { epoch: s.bestEpoch, valAcc: s.bestValue, testAcc: this.testAtBest };
    return { bestEpoch: best.epoch, valAcc: best.valAcc, testAcc: best.testAcc, trainTimeS: state.trainTimeS, stoppedBy: this.stoppedBy, resume };
  }
}
