// runMultiscaleTraining: the `multiscale` path of runTraining (`fastgnn train --multiscale ...`). Builds the coarse
// hierarchy of the loaded data, trains one model with a library schedule (coarse-to-fine, sub-to-full or the
// multiscale gradient; level 0 optionally mini-batched), evaluates on the full graph, saves a checkpoint as plain
// training does, and returns the usual report plus its `multiscale` section (cost per level and in total).

import { MethodOptionError } from '../batching/methods.js';
import { buildHierarchy, type Hierarchy } from '../multiscale/hierarchy.js';
import { trainMultiscaleGradient } from '../multiscale/mlmc.js';
import { coarseToFineEpochs, trainCoarseToFine } from '../multiscale/schedules.js';
import type { MultiscaleEpochMetrics, MultiscaleResult, MultiscaleTrainOptions } from '../multiscale/session.js';
import { fullGraphEvaluator, layerwiseEvaluator } from './evaluators.js';
import type { EpochMetrics } from './full-batch.js';
import { peakRssMb } from './memory.js';
import { MetricsLog } from './metrics-log.js';
import type { BatchSource, Evaluator } from './minibatch.js';
import { checkLevelSizes, checkPowerFits, resolveMultiscaleOptions, type ResolvedMultiscale } from './multiscale-options.js';
import { levelSizesOf, multiscaleReport } from './multiscale-report.js';
import type { InferenceReport, TrainReport } from './report.js';
import { addLayerwise, asRunError, batchSourceOf, buildSeconds, epochRecord, reportRun, saveRunCheckpoint, timeWarm, trainBatchesOf } from './run-common.js';
import { RunOptionError } from './run-option-error.js';
import type { RunOptions, Setup } from './run.js';

export { MULTISCALE_SCHEDULES, type MultiscaleRunOptions, type MultiscaleSchedule } from './multiscale-options.js';

/** A library error caused by an option -> a RunOptionError naming it (coarsening's A^p limit: power; a level that
 *  lost every training node in a later draw: levelRatio; a method option: that option); others pass through. */
function asOptionError(e: unknown): unknown {
  if (e instanceof RunOptionError || e instanceof MethodOptionError) return asRunError(e);
  const msg = e instanceof Error ? e.message : String(e);
  if (/maxPowerEdges/.test(msg)) return new RunOptionError('power', `${msg.replace(/^coarsen: /, '')} (--max-power-edges)`);
  if (/no training node|represents none of the/.test(msg)) {
    return new RunOptionError('levelRatio', `${msg} (use fewer --levels or a larger --level-ratio)`);
  }
  return e;
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
  const { source, batchesPerEpoch } = batchSourceOf(s, await trainBatchesOf(s, asOptionError));
  return { source: () => source, batchesPerEpoch, buildS: buildSeconds(s, t0) };
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

/** The run's own full-graph inference timed after training, and layer-wise inference too when asked to compare. */
function finalInference(s: Setup, kind: 'full' | 'layerwise', ev: Evaluator, compare: boolean): InferenceReport {
  const own = timeWarm(ev, s);
  const r: InferenceReport = {
    method: kind, time_ms: own.ms, ibmb_ms: null, layerwise_ms: kind === 'layerwise' ? own.ms : null, ibmb_batches: null,
    ibmb_preprocess_s: null, test_acc: { [kind]: own.testAcc }, note: 'multiscale runs evaluate on the full graph; IBMB batched inference is not timed',
  };
  if (compare && kind === 'full') addLayerwise(r, s);
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
  if (opts.timeLimitS !== undefined) throw new RunOptionError('timeLimitS', 'applies to plain training only; expected no --time-limit with --multiscale');
  if (opts.resume !== undefined) throw new RunOptionError('resume', 'applies to plain (full-batch or mini-batch) training only; expected no --resume with --multiscale');
  const s = await setUp(opts);
  const { dataset, training, config, split, data, seed, method, model } = s;
  const r = resolveMultiscaleOptions(opts.multiscale, training.epochs, method);
  const inference = opts.inference ?? 'full';
  if (inference !== 'full' && inference !== 'layerwise') {
    throw new RunOptionError('inference', `multiscale runs evaluate on the full graph: expected 'full' or 'layerwise', got '${inference}'`);
  }
  const t0 = performance.now();
  const hierarchy = buildLevels(s, r);
  const levelSizes = levelSizesOf(hierarchy.levelsAt(0));
  const buildS = (performance.now() - t0) / 1000;
  const fine = await fineLevel(s);
  const grad = r.schedule === 'multiscale-grad';
  const planned = grad ? [] : coarseToFineEpochs(training.epochs, r.levels);
  const totalEpochs = (grad ? training.epochs : planned.reduce((a, b) => a + b, 0)) + r.finalFullEpochs;
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
    const em: EpochMetrics & { trainTimeS: number } = {
      epoch: m.epoch, trainLoss: m.trainLoss, trainAcc: NaN, valLoss: m.valLoss, valAcc: m.valAcc, testAcc: m.testAcc, lr, epochMs, evalMs,
      elapsedS: m.elapsedS, trainTimeS: m.trainTimeS,
    };
    log?.write(epochRecord(em, m.level));
    opts.onEpoch?.(em);
  };
  const evaluator = inference === 'layerwise' ? layerwiseEvaluator(data) : fullGraphEvaluator(data);
  const base: MultiscaleTrainOptions = {
    optimizer: training.optimizer, lr: training.lr, scheduler: training.scheduler, epochs: training.epochs,
    weightDecay: training.weightDecay, decayScope: training.decayScope, patience: training.patience,
    evalEvery: opts.evalEvery ?? 1, coarseEval: r.coarseEval, evaluator: timed(evaluator, evalTimes), finalFullEpochs: r.finalFullEpochs, onEpoch,
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
  const inferenceReport = finalInference(s, inference, evaluator, opts.compareInference ?? true);
  const section = multiscaleReport({ options: r, fine: method, redraws: hierarchy.redraws, plannedEpochsPerLevel: planned, levelSizes, buildS }, result);
  saveRunCheckpoint(opts.save, s, result, result.epochsRun, {
    multiscale: JSON.stringify({ schedule: r.schedule, coarsen: r.coarsen, levels: r.levels, power: r.power, level_ratio: r.levelRatio }),
  });
  return reportRun(opts, s, {
    ...result, startEpoch: 0, preprocessTimeS: buildS + fine.buildS, batchesPerEpoch: fine.batchesPerEpoch, epochTimesMs: epochTimes,
    inferenceTimesMs: evalTimes, valHistory: result.history.map((m): [number, number] => [m.trainTimeS, m.valAcc]), inferenceReport,
    peakRssMb: peakRss,
  }, { multiscale: section });
}
