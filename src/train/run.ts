// runTraining: one training job from plain options (load data, split, batches, build, train, report, checkpoint),
// shared by `fastgnn train` and the library API, with any mini-batching method (or, with `multiscale`, handed to
// run-multiscale.ts); runPreprocess writes a batch cache;
// plus loading a trained model back from its checkpoint.

import type { Batch } from '../batching/batch.js';
import { cacheBatches } from '../batching/materialize.js';
import {
  buildInferenceBatches, buildTrainBatches, checkMethod, inferenceOutputs, loadMethodCache, METHODS, resolveMethodOptions,
  saveMethodCache, usedOptions, type InferenceKind, type MethodCache, type MethodInputs, type MethodName, type MethodOptions,
  type ResolvedMethodOptions,
} from '../batching/methods.js';
import type { CacheMeta } from '../batching/cache-file.js';
import type { Dataset, Split } from '../graph/dataset.js';
import { loadDataset, type LoadOptions } from '../graph/io/index.js';
import { defaultSplitSpec, resolveSplit } from '../graph/split.js';
import { GNN, MODEL_KINDS, defaultModelConfig, type ModelConfig, type ModelKind } from '../nn/models.js';
import { loadCheckpoint, restoreModel, type Checkpoint, type CheckpointMeta } from './checkpoint.js';
import { batchedEvaluator, fullGraphEvaluator, layerwiseEvaluator } from './evaluators.js';
import { evaluate, trainFullBatch, type EpochMetrics, type TrainResult } from './full-batch.js';
import type { LoopResume } from './loop-state.js';
import { peakRssMb } from './memory.js';
import { MetricsLog } from './metrics-log.js';
import { trainMiniBatch, type Evaluator } from './minibatch.js';
import { prepareData, type PreparedData } from './prepare.js';
import { fastgnnVersion, type InferenceReport, type TrainingConfig, type TrainReport } from './report.js';
import {
  addLayerwise, asRunError, batchSourceOf, buildSeconds, epochRecord, guarded, reportRun, saveRunCheckpoint, timeWarm, trainBatchesOf,
} from './run-common.js';
import {
  batchOptions, checkResumedBatches, checkResumedRun, continueFrom, resumedEvaluation, resumedMethod, resumedMethodOptions, resumeMeta, resumeParts,
} from './resume.js';
import { RunOptionError } from './run-option-error.js';
import { runMultiscaleTraining, type MultiscaleRunOptions } from './run-multiscale.js';

/** Model architecture options a run may override (the rest of ModelConfig follows from the data). */
export type ModelOverrides = Partial<Omit<ModelConfig, 'kind' | 'inDim' | 'outDim'>>;

/** Every field is optional; unset fields get the defaults of `defaultTrainingConfig` / `defaultModelConfig`, or,
 *  when resuming, the values stored in the checkpoint. */
export interface RunOptions extends Partial<TrainingConfig> {
  /** a dataset path (any format loadDataset reads) or an already loaded dataset */
  data: string | Dataset;
  /** dataset name, for directories holding several (Planetoid) */
  name?: string;
  /** further loader options (e.g. the features file of an edge list) */
  loadOptions?: LoadOptions;
  model?: ModelKind;
  modelOverrides?: ModelOverrides;
  /** seed of weight initialisation and dropout; also the split seed unless splitSeed is set; default 0 */
  seed?: number;
  /** write the JSON report here (atomically) */
  report?: string;
  /** append one JSON line per epoch here */
  log?: string;
  /** save a checkpoint here at the end: the best weights (predict uses them), and all that resuming needs */
  save?: string;
  /** continue the run saved in this checkpoint exactly: its weights, optimiser, schedule, early stopping, dropout
   *  streams and epoch, with its method, options and data (see resume.ts) */
  resume?: string;
  /** mini-batching method (default 'full'; with `batches`, the cache's) */
  method?: MethodName;
  /** the method's options (see MethodOptions); ones the method does not use are an error */
  methodOptions?: MethodOptions;
  /** inference during training: default 'ibmb' for IBMB methods, 'full' for full-batch, else 'layerwise' */
  inference?: InferenceKind;
  /** evaluate every n epochs (mini-batch methods; default 1) */
  evalEvery?: number;
  /** also measure validation accuracy every n batches inside an epoch, for the time to target only (mini-batch
   *  methods; training is unchanged) */
  probeEvery?: number;
  /** probe only within the run's first n batches (needs probeEvery) */
  probeBatches?: number;
  /** reuse the batches of this cache file (written by runPreprocess / `fastgnn preprocess`) */
  batches?: string;
  /** also time the other inference (IBMB batched vs layer-wise) after training; default true */
  compareInference?: boolean;
  /** train with a multiscale schedule (coarse levels, then the full graph; see run-multiscale.ts) */
  multiscale?: MultiscaleRunOptions;
  onStart?: (info: RunStart) => void;
  /** trainTimeS: training seconds so far, evaluation excluded */
  onEpoch?: (m: EpochMetrics & { trainTimeS?: number }) => void;
}

export interface RunStart {
  dataset: Dataset;
  split: Split;
  model: ModelConfig;
  training: TrainingConfig;
  /** > 0 when resuming */
  startEpoch: number;
  layout: 'dense' | 'sparse';
  method: MethodName;
  /** the most epochs the run can take when that is not training.epochs (multiscale: the sum over levels) */
  totalEpochs?: number;
}

export { RunOptionError };

/** Training defaults per architecture, chosen to work without tuning (the PyG examples' settings). */
export function defaultTrainingConfig(kind: ModelKind, hasPublicSplit: boolean): TrainingConfig {
  return {
    epochs: 200, lr: kind === 'gat' ? 0.005 : 0.01, weightDecay: 5e-4, decayScope: kind === 'gcn' ? 'first' : 'all',
    patience: null, minEpochs: 0, timeLimitS: null, optimizer: 'adam', scheduler: 'none', normalizeFeatures: false, featureLayout: 'auto',
    split: defaultSplitSpec(hasPublicSplit), splitSeed: 0,
  };
}

function wrap<T>(option: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RunOptionError) throw e;
    throw new RunOptionError(option, (e as Error).message);
  }
}

async function datasetOf(opts: RunOptions): Promise<Dataset> {
  if (typeof opts.data !== 'string') return opts.data;
  const p = opts.data;
  try {
    return await loadDataset(p, { ...opts.loadOptions, name: opts.name ?? opts.loadOptions?.name });
  } catch (e) {
    throw new RunOptionError('data', (e as Error).message);
  }
}

function parseJsonMeta<T>(meta: CheckpointMeta, key: string, file: string): T {
  const v = meta[key];
  if (typeof v !== 'string') throw new Error(`${file}: checkpoint metadata has no '${key}' (not written by fastgnn train?)`);
  return JSON.parse(v) as T;
}

/** A trained model with the configuration and metadata its checkpoint carries. */
export interface TrainedModel {
  model: GNN;
  config: ModelConfig;
  training: TrainingConfig;
  /** the epoch training would continue from */
  epoch: number;
  seed: number;
  meta: CheckpointMeta;
  checkpoint: Checkpoint;
}

/** Loads a checkpoint written by runTraining (or `fastgnn train --save`) and rebuilds its model. */
export function loadTrainedModel(file: string): TrainedModel {
  const checkpoint = loadCheckpoint(file);
  const meta = checkpoint.meta;
  const config = parseJsonMeta<ModelConfig>(meta, 'model_config', file);
  const training = parseJsonMeta<TrainingConfig>(meta, 'training', file);
  const seed = typeof meta.seed === 'number' ? meta.seed : 0;
  const model = new GNN(config, seed);
  restoreModel(model, checkpoint);
  const epoch = typeof meta.epoch === 'number' ? meta.epoch : 0;
  return { model, config, training, epoch, seed, meta, checkpoint };
}

/** Throws unless the dataset has the feature width and class count the model was trained for. */
export function checkModelFits(config: ModelConfig, d: Dataset, what: string): void {
  if (config.inDim !== d.features.cols || config.outDim !== d.numClasses) {
    throw new Error(
      `${what} was trained on ${config.inDim} features and ${config.outDim} classes; ` +
        `dataset '${d.name}' has ${d.features.cols} features and ${d.numClasses} classes`,
    );
  }
}

/** Predicted class (arg-max logit) of every node, in eval mode. */
export function predictClasses(model: GNN, data: PreparedData): Int32Array {
  const out = evaluate(model, data);
  const c = out.cols;
  const pred = new Int32Array(out.rows);
  for (let i = 0; i < out.rows; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (out.data[i * c + j] > out.data[i * c + best]) best = j;
    pred[i] = best;
  }
  return pred;
}

/** Fraction of `nodes` whose prediction equals their label (NaN for no nodes). */
export function accuracyOf(pred: Int32Array, labels: Int32Array, nodes: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < nodes.length; i++) if (pred[nodes[i]] === labels[nodes[i]]) ok++;
  return nodes.length === 0 ? NaN : ok / nodes.length;
}

function checkOverrides(kind: ModelKind | undefined, o: ModelOverrides, cfg: ModelConfig): void {
  if (kind !== undefined && kind !== cfg.kind) throw new RunOptionError('model', `is '${kind}' but the resumed checkpoint holds a '${cfg.kind}' model`);
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined && v !== cfg[k as keyof ModelConfig]) {
      throw new RunOptionError(k, `is ${JSON.stringify(v)} but the resumed checkpoint's model has ${JSON.stringify(cfg[k as keyof ModelConfig])}`);
    }
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The training setup a method brings (IBMB: the paper's; GraphSAINT: no weight decay), for model `kind`. */
export function methodTrainingDefaults(method: MethodName, kind: ModelKind): Partial<TrainingConfig> {
  const t = METHODS[method].training;
  return definedOnly({ lr: t.lr, scheduler: t.scheduler, patience: t.patience, epochs: t.epochs, weightDecay: t.weightDecay?.(kind) });
}

/** Cache metadata besides the graph's identity: what the batches were built with. */
function cacheMeta(method: MethodName, r: ResolvedMethodOptions, training: TrainingConfig, seed: number): CacheMeta {
  return {
    method, method_options: JSON.stringify(usedOptions(method, r)), split: training.split, split_seed: training.splitSeed, seed,
    fastgnn_version: fastgnnVersion(),
  };
}

function sameSet(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  const x = Int32Array.from(a).sort();
  const y = Int32Array.from(b).sort();
  return x.every((v, i) => v === y[i]);
}

/** Throws unless the cached batches' outputs are exactly this run's train (and val+test) nodes. */
function checkCacheSplit(cache: MethodCache, split: Split, file: string): void {
  const outs = (bs: Batch[]): Int32Array => Int32Array.from(bs.flatMap((b) => Array.from(b.outputIndex, (r) => b.nodes[r])));
  const hint = 'preprocess with the same --split, --split-seed and --seed as the training run';
  if (!sameSet(outs(cache.batches), split.train)) {
    throw new RunOptionError('batches', `${file}: the cached training batches' outputs are not this run's ${split.train.length} train nodes (${hint})`);
  }
  if (cache.evalBatches && !sameSet(outs(cache.evalBatches), inferenceOutputs(split))) {
    throw new RunOptionError('batches', `${file}: the cached inference batches' outputs are not this run's val+test nodes (${hint})`);
  }
}

/** A run's loaded data, split, configs and method options (what setUp resolves from RunOptions). */
export interface Setup {
  dataset: Dataset;
  resumed: TrainedModel | null;
  /** where the training loop continues, when resuming */
  resume: LoopResume | null;
  method: MethodName;
  cache: MethodCache | null;
  kind: ModelKind;
  seed: number;
  training: TrainingConfig;
  config: ModelConfig;
  /** the model to train: the resumed one, else a fresh one from (config, seed) */
  model: GNN;
  split: Split;
  data: PreparedData;
  inputs: MethodInputs;
  resolved: ResolvedMethodOptions;
}

/** Everything up to batch construction, shared by runTraining, runPreprocess and runMultiscaleTraining. */
async function setUp(opts: RunOptions): Promise<Setup> {
  const dataset = await datasetOf(opts);
  const resumeFile = opts.resume;
  const resumed = resumeFile === undefined ? null : wrap('resume', () => loadTrainedModel(resumeFile));
  const cache = opts.batches === undefined ? null : wrap('batches', () => loadMethodCache(opts.batches as string, dataset));
  const cachedMethod = cache ? String(cache.meta.method) : undefined;
  const method = await guarded(() => checkMethod(opts.method ?? cachedMethod ?? (resumed ? resumedMethod(resumed) : 'full')));
  if (cache && cachedMethod !== method) throw new RunOptionError('method', `is '${method}' but the batch cache ${opts.batches} holds '${cachedMethod}' batches`);
  const kind = resumed?.config.kind ?? opts.model ?? 'gcn';
  if (!MODEL_KINDS.includes(kind)) throw new RunOptionError('model', `expected one of ${MODEL_KINDS.join(', ')}, got '${String(kind)}'`);
  const seed = opts.seed ?? resumed?.seed ?? 0;
  const picked: Partial<TrainingConfig> = definedOnly({
    epochs: opts.epochs, lr: opts.lr, weightDecay: opts.weightDecay, decayScope: opts.decayScope, patience: opts.patience, minEpochs: opts.minEpochs,
    timeLimitS: opts.timeLimitS,
    optimizer: opts.optimizer, scheduler: opts.scheduler, normalizeFeatures: opts.normalizeFeatures,
    featureLayout: opts.featureLayout, split: opts.split, splitSeed: opts.splitSeed,
  });
  const training: TrainingConfig = {
    ...defaultTrainingConfig(kind, dataset.split !== undefined),
    ...methodTrainingDefaults(method, kind),
    splitSeed: seed,
    ...resumed?.training,
    ...picked,
  };
  if (resumed) checkResumedRun(resumed, resumeFile as string, { method, viaCache: opts.method === undefined && cache !== null, seed, dataset, training });
  let config: ModelConfig;
  let model: GNN;
  if (resumed) {
    checkOverrides(opts.model, opts.modelOverrides ?? {}, resumed.config);
    wrap('resume', () => checkModelFits(resumed.config, dataset, `checkpoint ${opts.resume}`));
    config = resumed.config;
    model = resumed.model;
  } else {
    config = { ...defaultModelConfig(kind, dataset.features.cols, dataset.numClasses), ...definedOnly(opts.modelOverrides ?? {}) };
    model = wrap('model', () => new GNN(config, seed)); // validates the config before any data work
  }
  const split = wrap('split', () => resolveSplit(dataset, training.split, training.splitSeed));
  const data = prepareData(dataset, { normalize: training.normalizeFeatures, featureLayout: training.featureLayout });
  const inputs: MethodInputs = { data, split, seed, layers: config.layers };
  const given = opts.methodOptions ?? {};
  const resolved = await guarded(() => resolveMethodOptions(method, resumed ? resumedMethodOptions(resumed, given, cache !== null) : given, inputs));
  if (cache) {
    const frozen = Object.entries(given).filter(([k, v]) => v !== undefined && k !== 'batchOrder' && k !== 'threads');
    if (frozen.length > 0) throw new RunOptionError(frozen[0][0], `cannot change cached batches (built with ${String(cache.meta.method_options)}); expected no batch construction option with --batches`);
    checkCacheSplit(cache, split, opts.batches as string);
  }
  const resume = resumed ? wrap('resume', () => {
    checkResumedBatches(resumed, batchOptions(method, resolved, cache), opts.batches);
    return continueFrom(resumed, resumeFile as string, training);
  }) : null;
  return { dataset, resumed, resume, method, cache, kind, seed, training, config, model, split, data, inputs, resolved };
}

/** Options of runPreprocess: the dataset, split and method options of runTraining, and the cache file. */
export interface PreprocessOptions extends Pick<RunOptions, 'data' | 'name' | 'loadOptions' | 'split' | 'splitSeed' | 'seed' | 'methodOptions'> {
  method: MethodName;
  out: string;
}

export interface PreprocessResult {
  method: MethodName;
  file: string;
  batches: number;
  evalBatches: number;
  preprocessTimeS: number;
  methodOptions: Record<string, number | string | number[]>;
}

/** Builds a fixed-batch method's training and inference batches once and writes them to a cache file. */
export async function runPreprocess(opts: PreprocessOptions): Promise<PreprocessResult> {
  if (opts.method !== 'ibmb-node' && opts.method !== 'ibmb-batch') {
    throw new RunOptionError('method', `preprocess builds fixed batches: expected ibmb-node or ibmb-batch, got '${String(opts.method)}'`);
  }
  const s = await setUp({ ...opts, batches: undefined });
  const t0 = performance.now();
  const train = await guarded(() => buildTrainBatches(s.method, s.resolved, s.inputs));
  const batches = train.kind === 'fixed' ? train.batches : [];
  const evalBatches = await guarded(() => buildInferenceBatches(s.method, s.resolved, s.inputs));
  const preprocessTimeS = (performance.now() - t0) / 1000;
  wrap('out', () => saveMethodCache(opts.out, s.dataset, cacheMeta(s.method, s.resolved, s.training, s.seed), { batches, evalBatches, preprocessTimeS }));
  return { method: s.method, file: opts.out, batches: batches.length, evalBatches: evalBatches.length, preprocessTimeS, methodOptions: usedOptions(s.method, s.resolved) };
}

/** Times the run's own inference and the other main one (IBMB batched <-> layer-wise) after training. */
async function finalInference(s: Setup, own: InferenceKind, ownEval: Evaluator, ibmb: Batch[] | null, compare: boolean): Promise<InferenceReport> {
  const r: InferenceReport = { method: own, time_ms: NaN, ibmb_ms: null, layerwise_ms: null, ibmb_batches: ibmb?.length ?? null, ibmb_preprocess_s: null, test_acc: {}, note: null };
  const mine = timeWarm(ownEval, s);
  r.time_ms = mine.ms;
  r.test_acc[own] = mine.testAcc;
  if (own === 'ibmb') r.ibmb_ms = mine.ms;
  if (own === 'layerwise') r.layerwise_ms = mine.ms;
  if (!compare) return r;
  if (own !== 'layerwise') addLayerwise(r, s);
  if (own !== 'ibmb') {
    try {
      const t0 = performance.now();
      const batches = ibmb ?? (await buildInferenceBatches(s.method === 'ibmb-batch' ? s.method : 'ibmb-node', s.resolved, s.inputs));
      const ev = batchedEvaluator(cacheBatches(batches, s.data), s.data.ctx.numNodes, s.data.numClasses);
      r.ibmb_preprocess_s = (performance.now() - t0) / 1000;
      r.ibmb_batches = batches.length;
      const ib = timeWarm(ev, s);
      r.ibmb_ms = ib.ms;
      r.test_acc.ibmb = ib.testAcc;
    } catch (e) {
      r.note = `IBMB inference not timed: ${(e as Error).message}`;
    }
  }
  return r;
}

interface Trained extends TrainResult {
  preprocessTimeS: number;
  batchesPerEpoch: number;
  inference: InferenceKind;
  evaluator: Evaluator;
  ibmbBatches: Batch[] | null;
}

type EpochCallback = (m: EpochMetrics & { trainTimeS?: number }) => void;

function trainFull(s: Setup, onEpoch: EpochCallback): Trained {
  const r = trainFullBatch(s.model, s.data, s.split, { ...s.training, resume: s.resume ?? undefined, onEpoch });
  return { ...r, preprocessTimeS: 0, batchesPerEpoch: 1, inference: 'full', evaluator: fullGraphEvaluator(s.data), ibmbBatches: null };
}

async function trainBatched(s: Setup, evalEvery: number, probe: { probeEvery?: number; probeBatches?: number }, inference: InferenceKind, onEpoch: EpochCallback): Promise<Trained> {
  const t0 = performance.now();
  const train = await trainBatchesOf(s);
  let ibmb = s.cache ? s.cache.evalBatches : null;
  if (inference === 'ibmb' && ibmb === null) ibmb = await guarded(() => buildInferenceBatches(s.method, s.resolved, s.inputs));
  const { data } = s;
  const { source, batchesPerEpoch } = batchSourceOf(s, train);
  const evaluator: Evaluator = inference === 'ibmb'
    ? batchedEvaluator(cacheBatches(ibmb!, data), data.ctx.numNodes, data.numClasses)
    : inference === 'layerwise' ? layerwiseEvaluator(data) : fullGraphEvaluator(data);
  const preprocessTimeS = buildSeconds(s, t0);
  const r = trainMiniBatch(s.model, source, evaluator, data.labels, s.split, { ...s.training, evalEvery, ...probe, resume: s.resume ?? undefined, onEpoch });
  return { ...r, preprocessTimeS, batchesPerEpoch, inference, evaluator, ibmbBatches: ibmb };
}

/** Runs one training job and returns its report (also written to `opts.report` if set). */
export async function runTraining(given: RunOptions): Promise<TrainReport> {
  if (given.multiscale !== undefined) {
    if (given.probeEvery !== undefined) throw new RunOptionError('probeEvery', 'applies to mini-batch methods only, not to --multiscale');
    if (given.probeBatches !== undefined) throw new RunOptionError('probeBatches', 'applies to mini-batch methods only, not to --multiscale');
    return runMultiscaleTraining(given, setUp);
  }
  const s = await setUp(given);
  const { dataset, training, config, split, data, method } = s;
  const startEpoch = s.resume?.epoch ?? 0;
  if (startEpoch >= training.epochs) {
    throw new RunOptionError('epochs', `is ${training.epochs} but the checkpoint has already run ${startEpoch} epochs; ask for more to continue`);
  }
  const saved = resumedEvaluation(s.resumed);
  const inference = given.inference ?? saved.inference ?? METHODS[method].inference;
  const evalEvery = given.evalEvery ?? saved.evalEvery ?? 1;
  const opts: RunOptions = { ...given, inference, evalEvery };
  if (method === 'full' && inference !== 'full') throw new RunOptionError('inference', `full-batch training evaluates the whole graph each epoch: expected 'full', got '${inference}'`);
  if (method === 'full' && evalEvery !== 1) throw new RunOptionError('evalEvery', 'applies to mini-batch methods only; full-batch training evaluates every epoch');
  if (method === 'full' && opts.probeEvery !== undefined) throw new RunOptionError('probeEvery', 'applies to mini-batch methods only; full-batch training has one batch an epoch');
  if (opts.probeBatches !== undefined && opts.probeEvery === undefined) throw new RunOptionError('probeBatches', 'limits the probes of --probe-every, which is not set');
  opts.onStart?.({ dataset, split, model: config, training, startEpoch, layout: data.layout, method });

  const log = opts.log === undefined ? null : new MetricsLog(opts.log, { mode: s.resumed ? 'append' : 'truncate' });
  const onEpoch: EpochCallback = (m) => {
    log?.write(epochRecord(m));
    opts.onEpoch?.(m);
  };
  let result: Trained;
  try {
    result = method === 'full' ? trainFull(s, onEpoch) : await trainBatched(s, evalEvery, { probeEvery: opts.probeEvery, probeBatches: opts.probeBatches }, inference, onEpoch);
  } catch (e) {
    throw asRunError(e);
  } finally {
    log?.close();
  }
  // peak memory of training itself, before the comparison inference (layer-wise holds N x hidden at once)
  const peakRss = peakRssMb();
  const inferenceReport = await finalInference(s, result.inference, result.evaluator, result.ibmbBatches, opts.compareInference ?? true);
  if (opts.save !== undefined) {
    const meta = resumeMeta(dataset, batchOptions(method, s.resolved, s.cache), evalEvery, inference);
    saveRunCheckpoint(opts.save, s, result, result.resume.epoch, meta, resumeParts(result.resume));
  }
  return reportRun(opts, s, { ...result, startEpoch, inferenceReport, peakRssMb: peakRss });
}
