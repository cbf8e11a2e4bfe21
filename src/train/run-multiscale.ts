// runMultiscaleTraining: the `multiscale` path of runTraining (`fastgnn train --multiscale ...`). Builds the coarse
// hierarchy of the loaded data, trains one model with a library schedule (coarse-to-fine, sub-to-full or the
// multiscale gradient; level 0 optionally mini-batched), evaluates on the full graph, saves a checkpoint as plain
// training does, and returns the usual report plus its `multiscale` section (cost per level and in total).

import { cacheBatches } from '../batching/materialize.js';
import { buildTrainBatches, MethodOptionError, usedOptions, type TrainBatches } from '../batching/methods.js';
import { fixedBatchSource, sampledBatchSource } from '../batching/sources.js';
import type { Split } from '../graph/dataset.js';
import { describeBackend } from '../kernels/backend.js';
import { buildHierarchy, type Hierarchy } from '../multiscale/hierarchy.js';
import { trainMultiscaleGradient } from '../multiscale/mlmc.js';
import { coarseToFineEpochs, trainCoarseToFine } from '../multiscale/schedules.js';
import type { MultiscaleEpochMetrics, MultiscaleResult, MultiscaleTrainOptions } from '../multiscale/session.js';
import { GNN } from '../nn/models.js';
import { saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { fullGraphEvaluator, layerwiseEvaluator } from './evaluators.js';
import { median } from './full-batch.js';
import { peakRssMb } from './memory.js';
import { MetricsLog } from './metrics-log.js';
import { logitsAccuracy, type BatchSource, type Evaluator } from './minibatch.js';
import { checkLevelSizes, checkPowerFits, resolveMultiscaleOptions, type ResolvedMultiscale } from './multiscale-options.js';
import { multiscaleReport } from './multiscale-report.js';
import { fastgnnVersion, writeReport, type InferenceReport, type TrainReport } from './report.js';
import { RunOptionError } from './run-option-error.js';
import type { RunOptions, Setup } from './run.js';

export { MULTISCALE_SCHEDULES, type MultiscaleRunOptions, type MultiscaleSchedule } from './multiscale-options.js';

/** A library error caused by an option -> a RunOptionError naming it (coarsening's A^p limit: power; a level that
 *  lost every training node in a later draw: levelRatio; a method option: that option); others pass through. */
function asOptionError(e: unknown): unknown {
  if (e instanceof RunOptionError) return e;
  if (e instanceof MethodOptionError) return new RunOptionError(e.option, e.detail);
  const msg = e instanceof Error ? e.message : String(e);
  if (/maxPowerEdges/.test(msg)) return new RunOptionError('power', `${msg.replace(/^coarsen: /, '')} (--max-power-edges)`);
  if (/no training node|represents none of the/.test(msg)) {
    return new RunOptionError('levelRatio', `${msg} (use fewer --levels or a larger --level-ratio)`);
  }
  return e;
}

async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asOptionError(e);
  }
}

interface FineLevel {
  /** mini-batches for level 0, or undefined for full-graph steps */
  source: (() => BatchSource) | undefined;
  batchesPerEpoch: number;
  buildS: number;
}

/** Level 0's training batches when the run's method is a mini-batching one (from the batch cache if given). */
async function fineLevel(s: Setup): Promise<FineLevel> {
  if (s.method === 'full') return { source: undefined, batchesPerEpoch: 1, buildS: 0 };
  const t0 = performance.now();
  const train: TrainBatches = s.cache
    ? { kind: 'fixed', batches: s.cache.batches }
    : await guarded(() => buildTrainBatches(s.method, s.resolved, s.inputs));
  const { data } = s;
  const source = train.kind === 'fixed'
    ? fixedBatchSource(cacheBatches(train.batches, data), s.resolved.batchOrder, data.labels, data.numClasses, s.seed)
    : sampledBatchSource(train.epoch, data);
  return {
    source: () => source,
    batchesPerEpoch: train.kind === 'fixed' ? train.batches.length : train.batchesPerEpoch,
    buildS: s.cache ? s.cache.preprocessTimeS : (performance.now() - t0) / 1000,
  };
}

/** `ev`, recording each call's milliseconds in `times`. */
function timed(ev: Evaluator, times: number[]): Evaluator {
  return (model) => {
    const t = performance.now();
    const out = ev(model);
    times.push(performance.now() - t);
    return out;
  };
}

/** Warm time (second of two calls) and test accuracy of an evaluator. */
function timeWarm(ev: Evaluator, model: GNN, split: Split, labels: Int32Array): { ms: number; testAcc: number } {
  ev(model);
  const t0 = performance.now();
  const out = ev(model);
  return { ms: performance.now() - t0, testAcc: logitsAccuracy(out, split.test, labels).acc };
}

/** The run's own full-graph inference timed after training, and layer-wise inference too when asked to compare. */
function finalInference(s: Setup, model: GNN, kind: 'full' | 'layerwise', ev: Evaluator, compare: boolean): InferenceReport {
  const own = timeWarm(ev, model, s.split, s.data.labels);
  const r: InferenceReport = {
    method: kind, time_ms: own.ms, ibmb_ms: null, layerwise_ms: kind === 'layerwise' ? own.ms : null, ibmb_batches: null,
    ibmb_preprocess_s: null, test_acc: { [kind]: own.testAcc }, note: 'multiscale runs evaluate on the full graph; IBMB batched inference is not timed',
  };
  if (compare && kind === 'full') {
    const lw = timeWarm(layerwiseEvaluator(s.data), model, s.split, s.data.labels);
    r.layerwise_ms = lw.ms;
    r.test_acc.layerwise = lw.testAcc;
  }
  return r;
}

function buildLevels(s: Setup, r: ResolvedMultiscale): Hierarchy {
  checkLevelSizes(r, s.data.ctx.graph, s.split, s.training.epochs);
  checkPowerFits(r, s.data.ctx.graph, s.seed);
  try {
    return buildHierarchy(s.data, s.split, {
      method: r.coarsen, levels: r.levels, ratio: r.levelRatio, power: r.power, maxPowerEdges: r.maxPowerEdges, seed: s.seed,
    });
  } catch (e) {
    throw asOptionError(e);
  }
}

/** Trains with `opts.multiscale` and returns (and writes, with `opts.report`) the report; `setUp` is runTraining's
 *  (data, split, configs and method options from RunOptions). */
export async function runMultiscaleTraining(opts: RunOptions, setUp: (o: RunOptions) => Promise<Setup>): Promise<TrainReport> {
  if (opts.multiscale === undefined) throw new RunOptionError('multiscale', 'expected a schedule');
  if (opts.resume !== undefined) throw new RunOptionError('resume', 'continues plain full-batch training only; expected no --resume with --multiscale');
  const s = await setUp(opts);
  const { dataset, training, config, split, data, seed, method } = s;
  const r = resolveMultiscaleOptions(opts.multiscale, training.epochs, method);
  const inference = opts.inference ?? 'full';
  if (inference !== 'full' && inference !== 'layerwise') {
    throw new RunOptionError('inference', `multiscale runs evaluate on the full graph: expected 'full' or 'layerwise', got '${inference}'`);
  }
  const t0 = performance.now();
  const hierarchy = buildLevels(s, r);
  const levels0 = hierarchy.levelsAt(0);
  const buildS = (performance.now() - t0) / 1000;
  const fine = await fineLevel(s);
  const grad = r.schedule === 'multiscale-grad';
  const planned = grad ? [] : coarseToFineEpochs(training.epochs, r.levels);
  const totalEpochs = (grad ? training.epochs : planned.reduce((a, b) => a + b, 0)) + r.finalFullEpochs;
  const model = new GNN(config, seed);
  opts.onStart?.({ dataset, split, model: config, training, startEpoch: 0, layout: data.layout, method, totalEpochs });

  const log = opts.log === undefined ? null : new MetricsLog(opts.log, { mode: 'truncate' });
  const evalTimes: number[] = [];
  const epochTimes: number[] = [];
  let last = { epoch: -1, trainS: 0 };
  const lr = training.scheduler === 'none' ? training.lr : NaN; // a scheduler's current rate is inside the session
  const onEpoch = (m: MultiscaleEpochMetrics): void => {
    const epochMs = ((m.trainTimeS - last.trainS) * 1000) / (m.epoch - last.epoch);
    last = { epoch: m.epoch, trainS: m.trainTimeS };
    epochTimes.push(epochMs);
    const evalMs = evalTimes[evalTimes.length - 1] ?? NaN;
    log?.write({
      epoch: m.epoch, level: m.level, train_loss: m.trainLoss, val_loss: m.valLoss, val_acc: m.valAcc, test_acc: m.testAcc,
      lr: Number.isNaN(lr) ? null : lr, epoch_ms: epochMs, eval_ms: evalMs, elapsed_s: m.elapsedS, train_time_s: m.trainTimeS,
    });
    opts.onEpoch?.({
      epoch: m.epoch, trainLoss: m.trainLoss, trainAcc: NaN, valLoss: m.valLoss, valAcc: m.valAcc, testAcc: m.testAcc, lr, epochMs, evalMs,
      elapsedS: m.elapsedS, trainTimeS: m.trainTimeS,
    });
  };
  const evaluator = inference === 'layerwise' ? layerwiseEvaluator(data) : fullGraphEvaluator(data);
  const base: MultiscaleTrainOptions = {
    optimizer: training.optimizer, lr: training.lr, scheduler: training.scheduler, epochs: training.epochs,
    weightDecay: training.weightDecay, decayScope: training.decayScope, patience: training.patience,
    evalEvery: opts.evalEvery ?? 1, evaluator: timed(evaluator, evalTimes), finalFullEpochs: r.finalFullEpochs, onEpoch,
  };
  let result: MultiscaleResult;
  try {
    result = grad
      ? trainMultiscaleGradient(model, hierarchy, { ...base, batchSize: r.mlmcBatch ?? 32, sampleSeed: seed })
      : trainCoarseToFine(model, hierarchy, { ...base, fineSource: fine.source });
  } catch (e) {
    throw asOptionError(e);
  } finally {
    log?.close();
  }
  // peak memory of training itself, before the comparison inference
  const peakRss = peakRssMb();
  const inferenceReport = finalInference(s, model, inference, evaluator, opts.compareInference ?? true);
  const section = multiscaleReport({ options: r, fine: method, redraws: hierarchy.redraws, plannedEpochsPerLevel: planned, levels0, buildS }, result);

  if (opts.save !== undefined) {
    const meta: CheckpointMeta = {
      model_config: JSON.stringify(config), training: JSON.stringify(training), epoch: result.epochsRun, seed,
      best_epoch: result.bestEpoch, val_acc: result.valAcc, test_acc: result.testAcc, weights: 'best',
      dataset: dataset.name, dataset_nodes: dataset.graph.rows, dataset_features: dataset.features.cols,
      dataset_classes: dataset.numClasses, fastgnn_version: fastgnnVersion(), method,
      multiscale: JSON.stringify({ schedule: r.schedule, coarsen: r.coarsen, levels: r.levels, power: r.power, level_ratio: r.levelRatio }),
    };
    saveCheckpoint(opts.save, { model, optimizer: result.optimizer, meta });
  }
  const report: TrainReport = {
    fastgnn_version: fastgnnVersion(), created_at: new Date().toISOString(),
    dataset: dataset.name, dataset_source: dataset.source ?? (typeof opts.data === 'string' ? opts.data : null),
    model: config.kind, method, method_options: usedOptions(method, s.resolved),
    preprocess_time_s: buildS + fine.buildS, preprocess_source: s.cache ? 'cache' : 'computed', batch_cache: opts.batches ?? null,
    batches_per_epoch: fine.batchesPerEpoch, eval_every: opts.evalEvery ?? 1,
    seed, start_epoch: 0, epochs_run: result.epochsRun, best_epoch: result.bestEpoch,
    val_acc: result.valAcc, test_acc: result.testAcc, train_time_s: result.trainTimeS,
    epoch_time_ms: median(epochTimes), inference_time_ms: median(evalTimes), inference: inferenceReport,
    val_history: result.history.map((m): [number, number] => [m.trainTimeS, m.valAcc]), peak_rss_mb: peakRss,
    params: model.parameters().reduce((sum, p) => sum + p.size, 0),
    nodes: dataset.graph.rows, edges: dataset.graph.indptr[dataset.graph.rows], features: dataset.features.cols,
    classes: dataset.numClasses, feature_layout: data.layout,
    split_sizes: { train: split.train.length, val: split.val.length, test: split.test.length },
    config: { model: config, training }, backend: describeBackend(),
    resumed_from: null, checkpoint: opts.save ?? null, log: opts.log ?? null,
    multiscale: section,
  };
  if (opts.report !== undefined) writeReport(opts.report, report);
  return report;
}
