// What runTraining (run.ts) and runMultiscaleTraining (run-multiscale.ts) share once set up: method errors as run
// option errors, the training batch source, warm inference timing, the metrics-log line, checkpoint and report.

import { cacheBatches } from '../batching/materialize.js';
import { buildTrainBatches, MethodOptionError, usedOptions, type TrainBatches } from '../batching/methods.js';
import { fixedBatchSource, sampledBatchSource } from '../batching/sources.js';
import { describeBackend } from '../kernels/backend.js';
import { saveCheckpoint, type CheckpointMeta, type CheckpointParts } from './checkpoint.js';
import { layerwiseEvaluator } from './evaluators.js';
import { median, type EpochMetrics, type TrainSummary } from './full-batch.js';
import type { StopReason } from './loop-state.js';
import type { MetricValue } from './metrics-log.js';
import { logitsAccuracy, type BatchSource, type Evaluator } from './minibatch.js';
import { fastgnnVersion, writeReport, type InferenceReport, type TrainReport } from './report.js';
import { RunOptionError } from './run-option-error.js';
import type { RunOptions, Setup } from './run.js';

/** A method error -> a run option error naming the same option. */
export function asRunError(e: unknown): unknown {
  return e instanceof MethodOptionError ? new RunOptionError(e.option, e.detail) : e;
}

export async function guarded<T>(fn: () => Promise<T> | T, asError: (e: unknown) => unknown = asRunError): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asError(e);
  }
}

/** The run's training batches: the batch cache's, else built (errors through `asError`). */
export async function trainBatchesOf(s: Setup, asError: (e: unknown) => unknown = asRunError): Promise<TrainBatches> {
  if (s.cache) return { kind: 'fixed', batches: s.cache.batches };
  return guarded(() => buildTrainBatches(s.method, s.resolved, s.inputs), asError);
}

/** What an epoch draws its batches from, and how many it takes. */
export function batchSourceOf(s: Setup, train: TrainBatches): { source: BatchSource; batchesPerEpoch: number } {
  const { data } = s;
  const source = train.kind === 'fixed'
    ? fixedBatchSource(cacheBatches(train.batches, data), s.resolved.batchOrder, data.labels, data.numClasses, s.seed)
    : sampledBatchSource(train.epoch, data);
  return { source, batchesPerEpoch: train.kind === 'fixed' ? train.batches.length : train.batchesPerEpoch };
}

/** Seconds of batch construction since `t0`, or those the batch cache records. */
export function buildSeconds(s: Setup, t0: number): number {
  return s.cache ? s.cache.preprocessTimeS : (performance.now() - t0) / 1000;
}

/** Runs `ev` twice and times the second (warm) call; returns its time and the test accuracy of its logits. */
export function timeWarm(ev: Evaluator, s: Setup): { ms: number; testAcc: number } {
  ev(s.model);
  const t0 = performance.now();
  const out = ev(s.model);
  const ms = performance.now() - t0;
  return { ms, testAcc: logitsAccuracy(out, s.split.test, s.data.labels).acc };
}

/** Adds warm layer-wise full-graph inference (time, test accuracy) to an inference report. */
export function addLayerwise(r: InferenceReport, s: Setup): void {
  const lw = timeWarm(layerwiseEvaluator(s.data), s);
  r.layerwise_ms = lw.ms;
  r.test_acc.layerwise = lw.testAcc;
}

/** One epoch's metrics-log line. Multiscale runs pass their `level`: the line names it, has no training accuracy,
 *  and writes a learning rate held inside the session (NaN) as null. */
export function epochRecord(m: EpochMetrics & { trainTimeS?: number }, level?: number): { [key: string]: MetricValue } {
  const head: { [key: string]: MetricValue } = level === undefined
    ? { epoch: m.epoch, train_loss: m.trainLoss, train_acc: m.trainAcc }
    : { epoch: m.epoch, level, train_loss: m.trainLoss };
  return {
    ...head, val_loss: m.valLoss, val_acc: m.valAcc, test_acc: m.testAcc, lr: level !== undefined && Number.isNaN(m.lr) ? null : m.lr,
    epoch_ms: m.epochMs, eval_ms: m.evalMs, elapsed_s: m.elapsedS, train_time_s: m.trainTimeS ?? null,
  };
}

/** With a file, saves the run's model (best weights), optimiser and metadata; `epoch` is where training would
 *  continue, `extra` joins the metadata, `resume` adds what continuing needs (see resume.ts). */
export function saveRunCheckpoint(
  file: string | undefined, s: Setup, r: Pick<TrainSummary, 'bestEpoch' | 'valAcc' | 'testAcc' | 'optimizer'>, epoch: number,
  extra: CheckpointMeta = {}, resume: Pick<CheckpointParts, 'weights' | 'state'> = {},
): void {
  if (file === undefined) return;
  const { dataset } = s;
  const meta: CheckpointMeta = {
    model_config: JSON.stringify(s.config), training: JSON.stringify(s.training), epoch, seed: s.seed,
    best_epoch: r.bestEpoch, val_acc: r.valAcc, test_acc: r.testAcc, weights: 'best',
    dataset: dataset.name, dataset_nodes: dataset.graph.rows, dataset_features: dataset.features.cols,
    dataset_classes: dataset.numClasses, fastgnn_version: fastgnnVersion(), method: s.method,
    ...extra,
  };
  saveCheckpoint(file, { model: s.model, optimizer: r.optimizer, meta, ...resume });
}

/** What a finished run adds to its report beyond the set-up. */
export interface RunOutcome extends Pick<TrainSummary, 'epochsRun' | 'bestEpoch' | 'valAcc' | 'testAcc' | 'trainTimeS' | 'epochTimesMs' | 'inferenceTimesMs'> {
  startEpoch: number;
  preprocessTimeS: number;
  batchesPerEpoch: number;
  valHistory: Array<[number, number]>;
  inferenceReport: InferenceReport;
  peakRssMb: number;
  /** why training ended (multiscale schedules: not tracked) */
  stoppedBy?: StopReason;
}

/** The run's report (with `extra` at the end), written to `opts.report` when set. */
export function reportRun(opts: RunOptions, s: Setup, o: RunOutcome, extra: Pick<TrainReport, 'multiscale'> = {}): TrainReport {
  const { dataset, config, training, split, data, method } = s;
  const report: TrainReport = {
    fastgnn_version: fastgnnVersion(), created_at: new Date().toISOString(),
    dataset: dataset.name, dataset_source: dataset.source ?? (typeof opts.data === 'string' ? opts.data : null),
    model: config.kind, method, method_options: usedOptions(method, s.resolved),
    preprocess_time_s: o.preprocessTimeS, preprocess_source: s.cache ? 'cache' : 'computed', batch_cache: opts.batches ?? null,
    batches_per_epoch: o.batchesPerEpoch, eval_every: opts.evalEvery ?? 1, probe_every: opts.probeEvery ?? null, probe_batches: opts.probeBatches ?? null,
    seed: s.seed, start_epoch: o.startEpoch, epochs_run: o.epochsRun, stopped_by: o.stoppedBy ?? null, best_epoch: o.bestEpoch,
    val_acc: o.valAcc, test_acc: o.testAcc, train_time_s: o.trainTimeS,
    epoch_time_ms: median(o.epochTimesMs), inference_time_ms: median(o.inferenceTimesMs), inference: o.inferenceReport,
    val_history: o.valHistory, peak_rss_mb: o.peakRssMb,
    params: s.model.parameters().reduce((sum, p) => sum + p.size, 0),
    nodes: dataset.graph.rows, edges: dataset.graph.indptr[dataset.graph.rows], features: dataset.features.cols,
    classes: dataset.numClasses, feature_layout: data.layout,
    split_sizes: { train: split.train.length, val: split.val.length, test: split.test.length },
    config: { model: config, training }, backend: describeBackend(),
    resumed_from: opts.resume ?? null, checkpoint: opts.save ?? null, log: opts.log ?? null,
    ...extra,
  };
  if (opts.report !== undefined) writeReport(opts.report, report);
  return report;
}
