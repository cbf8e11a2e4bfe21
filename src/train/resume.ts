// Resuming a run from its checkpoint: what `--save` writes beside the best weights so that a later run can continue
// exactly (the last weights, the loop state, the run's identity), what a resumed run takes from it, and the checks
// that refuse a resumed run that would not be the same run (each error names its option).

import { graphFingerprint } from '../batching/cache-file.js';
import { METHODS, usedOptions, type InferenceKind, type MethodCache, type MethodName, type MethodOptions, type ResolvedMethodOptions } from '../batching/methods.js';
import type { Dataset } from '../graph/dataset.js';
import type { RngState } from '../graph/rng.js';
import type { SchedulerState } from '../nn/schedulers.js';
import { checkpointWeights, optimizerState, restoreModel, type CheckpointMeta, type CheckpointParts } from './checkpoint.js';
import { EarlyStopping, type EarlyStoppingState } from './early-stopping.js';
import type { LoopResume, LoopState, ResumePoint } from './loop-state.js';
import type { TrainingConfig } from './report.js';
import { RunOptionError } from './run-option-error.js';
import type { TrainedModel } from './run.js';

/** Weight copies beside "model.*" (the best weights, which predict uses): the last ones, and early stopping's best
 *  when it is not the model's (an end-of-run evaluation off the cadence did better). */
const LAST = 'last';
const EARLY_STOPPING_BEST = 'early_stopping';

/** Training options a resumed run keeps from its checkpoint: its data, split, optimiser state and schedule depend on
 *  them. (Epochs, patience, minimum epochs and the time limit may change: they say how long to go on.) */
const KEPT: ReadonlyArray<keyof TrainingConfig> = ['split', 'splitSeed', 'normalizeFeatures', 'featureLayout', 'optimizer', 'scheduler', 'lr', 'weightDecay', 'decayScope'];

/** What saveCheckpoint needs beyond the best weights to continue the run later. */
export function resumeParts(point: ResumePoint): Pick<CheckpointParts, 'weights' | 'state'> {
  const weights = new Map([[LAST, point.last]]);
  if (point.earlyStoppingBest) weights.set(EARLY_STOPPING_BEST, point.earlyStoppingBest);
  return { weights, state: point.state };
}

/** The options that decide the training batches: the method's, or with a batch cache those it was built with (with
 *  this run's batch order); never `threads`, which no result depends on. */
export function batchOptions(method: MethodName, resolved: ResolvedMethodOptions, cache: MethodCache | null): Record<string, unknown> {
  const o: Record<string, unknown> = cache ? { ...(JSON.parse(String(cache.meta.method_options)) as Record<string, unknown>) } : usedOptions(method, resolved);
  if (cache && METHODS[method].options.includes('batchOrder')) o.batchOrder = resolved.batchOrder;
  delete o.threads;
  return o;
}

/** Checkpoint metadata a later run resumes with: the graph's fingerprint, the batch options, the evaluation cadence
 *  and kind. */
export function resumeMeta(dataset: Dataset, options: Record<string, unknown>, evalEvery: number, inference: InferenceKind): CheckpointMeta {
  return { dataset_fingerprint: graphFingerprint(dataset.graph).fingerprint, method_options: JSON.stringify(options), eval_every: evalEvery, inference };
}

/** The method a resumed run trains with unless told: the checkpoint's. */
export function resumedMethod(r: TrainedModel): string {
  return typeof r.meta.method === 'string' ? r.meta.method : 'full';
}

/** Method options not given again come from the checkpoint (with a batch cache, only the batch order may). */
export function resumedMethodOptions(r: TrainedModel, given: MethodOptions, cached: boolean): MethodOptions {
  if (typeof r.meta.method_options !== 'string') return given;
  const saved = JSON.parse(r.meta.method_options) as MethodOptions;
  return cached ? { ...(saved.batchOrder === undefined ? {} : { batchOrder: saved.batchOrder }), ...given } : { ...saved, ...given };
}

/** Evaluation cadence and kind not given again come from the checkpoint. */
export function resumedEvaluation(r: TrainedModel | null): { evalEvery?: number; inference?: InferenceKind } {
  if (r === null) return {};
  const { eval_every: evalEvery, inference } = r.meta;
  return { ...(typeof evalEvery === 'number' ? { evalEvery } : {}), ...(typeof inference === 'string' ? { inference: inference as InferenceKind } : {}) };
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** Throws unless the resumed run is the checkpoint's: same method, seed, graph and kept training options. `viaCache`:
 *  the method came from a batch cache rather than --method. */
export function checkResumedRun(
  r: TrainedModel, file: string,
  now: { method: MethodName; viaCache: boolean; seed: number; dataset: Dataset; training: TrainingConfig },
): void {
  const method = resumedMethod(r);
  if (now.method !== method) throw new RunOptionError(now.viaCache ? 'batches' : 'method', `is '${now.method}' but the resumed checkpoint's run used '${method}'`);
  if (r.checkpoint.state === null && method !== 'full') {
    throw new RunOptionError('resume', `${file} holds no training loop state (written by an older fastgnn or a multiscale run); only full-batch training resumes from it`);
  }
  if (now.seed !== r.seed) throw new RunOptionError('seed', `is ${now.seed} but the resumed checkpoint's run used seed ${r.seed}`);
  const fp = r.meta.dataset_fingerprint;
  if (typeof fp === 'string' && fp !== graphFingerprint(now.dataset.graph).fingerprint) {
    throw new RunOptionError('data', `'${now.dataset.name}' is not the graph the checkpoint was trained on ('${String(r.meta.dataset)}', ${String(r.meta.dataset_nodes)} nodes): its structure differs`);
  }
  for (const k of KEPT) {
    const saved = r.training[k];
    if (saved !== undefined && now.training[k] !== saved) throw new RunOptionError(k, `is ${show(now.training[k])} but the resumed checkpoint's run used ${show(saved)}; a resumed run keeps it`);
  }
  const { scheduler, epochs } = now.training;
  if (r.checkpoint.state !== null && (scheduler === 'cosine' || scheduler === 'step') && epochs !== r.training.epochs) {
    throw new RunOptionError('epochs', `is ${epochs} but the resumed checkpoint's ${scheduler} schedule spans ${r.training.epochs} epochs; a resumed run keeps it (expected --epochs ${r.training.epochs})`);
  }
}

/** Throws unless this run's batch options are those the checkpoint's run trained with (names the first that differs). */
export function checkResumedBatches(r: TrainedModel, options: Record<string, unknown>, cacheFile: string | undefined): void {
  if (typeof r.meta.method_options !== 'string') return;
  const saved = JSON.parse(r.meta.method_options) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(saved), ...Object.keys(options)])) {
    if (show(saved[k]) === show(options[k])) continue;
    if (cacheFile !== undefined && k !== 'batchOrder') {
      throw new RunOptionError('batches', `${cacheFile} holds batches built with ${k} ${show(options[k])} but the resumed checkpoint's run trained with ${show(saved[k])}`);
    }
    throw new RunOptionError(k, `is ${show(options[k])} but the resumed checkpoint's run used ${show(saved[k])}`);
  }
}

/** Where the training loop continues: puts the checkpoint's last weights into the resumed model (older checkpoints:
 *  it keeps their best weights) and reads the loop state. Throws if the saved early stopping would stop at once. */
export function continueFrom(r: TrainedModel, file: string, training: TrainingConfig): LoopResume {
  const ckpt = r.checkpoint;
  const optimizer = optimizerState(ckpt);
  if (ckpt.state === null) return { epoch: r.epoch, optimizer, state: null, best: null };
  const state = parseLoopState(ckpt.state, file);
  restoreModel(r.model, ckpt, true, LAST);
  const best = state.stopper.bestEpoch < 0 ? null : (checkpointWeights(ckpt, EARLY_STOPPING_BEST) ?? checkpointWeights(ckpt, 'model'));
  const stopper = new EarlyStopping({ patience: training.patience ?? Number.MAX_SAFE_INTEGER, minEpochs: training.minEpochs });
  stopper.loadStateDict(state.stopper, best);
  if (stopper.shouldStop) {
    throw new RunOptionError('patience', `is ${String(training.patience)} but the resumed checkpoint's run has had ${stopper.badEpochs} evaluations without a better validation accuracy (the best at epoch ${stopper.bestEpoch}), so it would stop at once; expected more than ${stopper.badEpochs}`);
  }
  return { epoch: r.epoch, optimizer, state, best };
}

function parseLoopState(x: unknown, file: string): LoopState {
  const fail = (what: string): never => {
    throw new Error(`${file}: the saved training loop state ${what}`);
  };
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return fail('is not an object');
  const o = x as Record<string, unknown>;
  for (const k of ['trainTimeS', 'stepTimeS', 'testAtBest']) if (typeof o[k] !== 'number') fail(`has no number '${k}'`);
  const pairs = o.valHistory;
  if (!Array.isArray(pairs) || !pairs.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number'))) fail("has no 'valHistory' of [seconds, accuracy] pairs");
  if (typeof o.stopper !== 'object' || o.stopper === null) fail("has no 'stopper' object");
  if (typeof o.scheduler !== 'object') fail("has no 'scheduler' object or null");
  if (!Array.isArray(o.rngs)) fail("has no 'rngs' list");
  return {
    trainTimeS: o.trainTimeS as number, stepTimeS: o.stepTimeS as number, valHistory: pairs as Array<[number, number]>,
    stopper: o.stopper as EarlyStoppingState, testAtBest: o.testAtBest as number, scheduler: o.scheduler as SchedulerState | null,
    rngs: o.rngs as RngState[],
  };
}
