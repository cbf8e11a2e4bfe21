// The JSON report of a training run (what `fastgnn train --report` writes), its atomic write, and fastgnn's version.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { InferenceKind, MethodName } from '../batching/methods.js';
import type { BackendInfo } from '../kernels/backend.js';
import type { ModelConfig } from '../nn/models.js';
import { nonFiniteAsString } from './metrics-log.js';
import type { FeatureLayout } from './prepare.js';
import type { StopReason } from './loop-state.js';
import type { MultiscaleReport } from './multiscale-report.js';
import type { OptimizerName, SchedulerName } from './optimizer-factory.js';

/** The training options a run used (everything but the model architecture). */
export interface TrainingConfig {
  epochs: number;
  lr: number;
  weightDecay: number;
  decayScope: 'all' | 'first';
  /** null: no early stopping */
  patience: number | null;
  /** early stopping never ends the run before this many epochs (0: no minimum) */
  minEpochs: number;
  /** stop after the epoch at which this run has trained this many seconds (the val_history clock; a resumed run
   *  counts its own seconds only); null: no limit */
  timeLimitS: number | null;
  optimizer: OptimizerName;
  scheduler: SchedulerName;
  normalizeFeatures: boolean;
  featureLayout: FeatureLayout;
  /** the split spec, e.g. 'public' or 'random:20:30' */
  split: string;
  splitSeed: number;
}

export interface TrainReport {
  fastgnn_version: string;
  /** ISO time the report was written */
  created_at: string;
  dataset: string;
  dataset_source: string | null;
  model: ModelConfig['kind'];
  /** the training (mini-batching) method */
  method: MethodName;
  /** the options the method used, defaults filled in */
  method_options: Record<string, number | string | number[]>;
  /** batch construction before training (fixed batches, samplers' set-up, IBMB inference batches), in seconds;
   *  NOT part of train_time_s. With a batch cache, the time the cache file records. */
  preprocess_time_s: number;
  /** 'computed' in this run, or read from the batch cache file `batch_cache` */
  preprocess_source: 'computed' | 'cache';
  batch_cache: string | null;
  batches_per_epoch: number;
  /** epochs between evaluations */
  eval_every: number;
  /** batches between probe evaluations inside an epoch (val_history only), or null */
  probe_every: number | null;
  /** probes only within the run's first n batches (null: all) */
  probe_batches: number | null;
  seed: number;
  /** first epoch of this run (> 0 when resumed from a checkpoint) */
  start_epoch: number;
  /** epochs this run trained */
  epochs_run: number;
  /** why training ended: 'epochs' (the budget), 'early-stopping' or 'time-limit'; null for multiscale schedules */
  stopped_by: StopReason | null;
  /** best epoch since epoch 0 (a resumed run: earlier runs included), and its accuracies */
  best_epoch: number;
  val_acc: number;
  test_acc: number;
  /** training seconds since epoch 0 (a resumed run: earlier runs included) */
  train_time_s: number;
  /** median training epoch time (forward + backward + optimiser step) */
  epoch_time_ms: number;
  /** median time of the evaluations during training (with the run's inference method) */
  inference_time_ms: number;
  /** inference after training, timed once more (warm) for the run's own method AND the other main one, so every
   *  run reports both IBMB batched and layer-wise full-graph inference */
  inference: InferenceReport;
  /** per evaluation since epoch 0: [training seconds so far (evaluation excluded), validation accuracy], for
   *  time-to-target; a resumed run starts with the earlier runs' evaluations on the eval_every cadence */
  val_history: Array<[number, number]>;
  peak_rss_mb: number;
  /** trainable parameter count */
  params: number;
  nodes: number;
  /** stored directed edges (an undirected edge counts twice) */
  edges: number;
  features: number;
  classes: number;
  feature_layout: 'dense' | 'sparse';
  split_sizes: { train: number; val: number; test: number };
  config: { model: ModelConfig; training: TrainingConfig };
  backend: BackendInfo;
  resumed_from: string | null;
  checkpoint: string | null;
  log: string | null;
  /** multiscale runs only (`--multiscale`): schedule, hierarchy, epochs and cost per level */
  multiscale?: MultiscaleReport;
}

export interface InferenceReport {
  /** the inference used for evaluation during training */
  method: InferenceKind;
  /** its time after training, ms */
  time_ms: number;
  /** IBMB batched inference (val+test outputs), ms; null where it could not be built (reason in `note`) */
  ibmb_ms: number | null;
  /** layer-wise full-graph inference (all nodes, every layer), ms; null where not timed (reason in `note`) */
  layerwise_ms: number | null;
  /** inference batches used by ibmb_ms, and the seconds their construction took */
  ibmb_batches: number | null;
  ibmb_preprocess_s: number | null;
  /** test accuracy of the final weights under each timed inference */
  test_acc: Partial<Record<InferenceKind, number>>;
  note: string | null;
}

let cachedVersion: string | undefined;

/** fastgnn's version, from its package.json (dist/src/train/ -> the package root). */
export function fastgnnVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  cachedVersion = 'unknown';
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'fastgnn' && typeof pkg.version === 'string') {
        cachedVersion = pkg.version;
        break;
      }
    } catch {
      // not at this depth; try the next
    }
  }
  return cachedVersion;
}

/** JSON with NaN and ±Infinity written as strings (JSON has no such numbers) instead of null. */
export function reportJson(report: object): string {
  return `${JSON.stringify(report, nonFiniteAsString, 2)}\n`;
}

/** Writes the report to a temporary file beside `path`, fsyncs it and renames it over `path`: readers see the old
 *  file or the complete new one, never a partial one. */
export function writeReport(path: string, report: TrainReport): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fd = openSync(temp, 'wx', 0o644);
  try {
    writeSync(fd, reportJson(report));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(temp);
    } catch {
      // already renamed
    }
    throw e;
  }
}
