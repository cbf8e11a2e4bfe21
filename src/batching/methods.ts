// The mini-batching method registry: per method name, its options (defaults, validation), its training setup
// defaults, and how to build its training batches and (IBMB) its inference batches from prepared data and a split.

import type { Dataset, Split } from '../graph/dataset.js';
import { Rng } from '../graph/rng.js';
import type { PreparedData } from '../train/prepare.js';
import type { Batch } from './batch.js';
import { cacheMetaFor, checkCacheMatches, loadBatchCache, saveBatchCache, type CacheMeta } from './cache-file.js';
import { clusterGcnBatches } from './cluster-gcn.js';
import { fullBatch } from './full.js';
import { ibmbBatchBatches, type IbmbBatchOptions } from './ibmb-batch.js';
import { ibmbNodeBatches, type IbmbNodeOptions } from './ibmb-node.js';
import { neighborSamplingBatches } from './neighbor.js';
import { BATCH_ORDER_KINDS, type BatchOrderKind } from './order.js';
import { saintRandomWalkBatches } from './saint-rw.js';
import { shadowPprBatches } from './shadow-ppr.js';

export const METHOD_NAMES = ['full', 'ibmb-node', 'ibmb-batch', 'cluster-gcn', 'saint-rw', 'neighbor', 'shadow-ppr'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];
export const INFERENCE_KINDS = ['ibmb', 'layerwise', 'full'] as const;
/** ibmb: one pass per cached inference batch (val+test outputs); layerwise: every layer for all nodes, in chunks;
 *  full: one forward pass over the whole graph. */
export type InferenceKind = (typeof INFERENCE_KINDS)[number];

/** Every method option; each method reads only the ones listed in its spec (others given are an error). */
export interface MethodOptions {
  /** PPR: auxiliary nodes kept per output node (ibmb-node, shadow-ppr) */
  topk?: number;
  /** PPR auxiliary nodes per output node of the IBMB inference batches (default: topk where the method has it,
   *  else 16); every method but ibmb-batch takes it, as any method's model can be evaluated with IBMB batches */
  inferenceTopk?: number;
  /** PPR teleport probability, in (0, 1) */
  alpha?: number;
  /** PPR push tolerance, > 0 */
  eps?: number;
  /** ibmb-node: output nodes per training batch (inference batches hold twice as many) */
  outputsPerBatch?: number;
  /** graph parts (ibmb-batch: one batch per part with outputs; cluster-gcn: merged partsPerBatch at a time) */
  numParts?: number;
  partsPerBatch?: number;
  /** ibmb-batch: topic-sensitive PPR power iterations, and auxiliary-set size ratio (K = ceil(ratio N / parts)) */
  iterations?: number;
  ratio?: number;
  /** neighbor: in-neighbours sampled per hop, one entry per layer (-1: all) */
  fanouts?: number[];
  /** neighbor, shadow-ppr: output nodes per batch */
  batchSize?: number;
  /** saint-rw: walk length, walks (roots) per batch, normalisation presampling coverage */
  walkLength?: number;
  roots?: number;
  sampleCoverage?: number;
  /** fixed batches (ibmb-*): rand | order | sample (see batching/order.ts) */
  batchOrder?: BatchOrderKind;
  /** worker threads for PPR (default: the library's choice) */
  threads?: number;
}

export type MethodOptionName = keyof MethodOptions;

/** A bad method option; `option` is the MethodOptions field (or 'method' / 'outputs'). */
export class MethodOptionError extends Error {
  constructor(readonly option: string, readonly detail: string) {
    super(`${option}: ${detail}`);
    this.name = 'MethodOptionError';
  }
}

/** Training defaults a method brings (applied over the global defaults, under the user's own choices). */
export interface MethodTrainingDefaults {
  lr?: number;
  scheduler?: 'none' | 'plateau';
  patience?: number;
  epochs?: number;
  /** by model kind */
  weightDecay?: (model: string) => number;
}

export interface MethodSpec {
  readonly name: MethodName;
  readonly summary: string;
  /** batches built once before training (and cacheable), as opposed to drawn afresh every epoch */
  readonly fixed: boolean;
  readonly options: readonly MethodOptionName[];
  readonly inference: InferenceKind;
  readonly training: MethodTrainingDefaults;
}

/** The IBMB paper's training setup (Adam lr 1e-3, ReduceLROnPlateau, patience 100, <= 800 epochs, decay 1e-4 for
 *  GCN and 0 otherwise). */
const IBMB_TRAINING: MethodTrainingDefaults = {
  lr: 1e-3, scheduler: 'plateau', patience: 100, epochs: 800, weightDecay: (m) => (m === 'gcn' ? 1e-4 : 0),
};

export const METHODS: Readonly<Record<MethodName, MethodSpec>> = {
  full: { name: 'full', summary: 'whole graph every step', fixed: true, options: ['inferenceTopk'], inference: 'full', training: {} },
  'ibmb-node': {
    name: 'ibmb-node', summary: 'node-wise IBMB: PPR top-k auxiliary nodes, outputs grouped by influence overlap', fixed: true,
    options: ['topk', 'alpha', 'eps', 'outputsPerBatch', 'batchOrder', 'threads', 'inferenceTopk'], inference: 'ibmb', training: IBMB_TRAINING,
  },
  'ibmb-batch': {
    name: 'ibmb-batch', summary: 'batch-wise IBMB: graph parts + topic-sensitive PPR auxiliary nodes', fixed: true,
    options: ['numParts', 'alpha', 'iterations', 'ratio', 'batchOrder'], inference: 'ibmb', training: IBMB_TRAINING,
  },
  'cluster-gcn': {
    name: 'cluster-gcn', summary: 'graph parts, several merged per batch, reshuffled every epoch', fixed: false,
    options: ['numParts', 'partsPerBatch', 'inferenceTopk'], inference: 'layerwise', training: {},
  },
  'saint-rw': {
    name: 'saint-rw', summary: 'GraphSAINT random-walk subgraphs with its normalisation', fixed: false,
    options: ['roots', 'walkLength', 'sampleCoverage', 'inferenceTopk'], inference: 'layerwise',
    // its loss weights sum to ~ the train fraction, which makes weight decay ~20x stronger: off by default
    training: { weightDecay: () => 0 },
  },
  neighbor: {
    name: 'neighbor', summary: 'GraphSAGE neighbour sampling with per-layer fanouts', fixed: false,
    options: ['fanouts', 'batchSize', 'inferenceTopk'], inference: 'layerwise', training: {},
  },
  'shadow-ppr': {
    name: 'shadow-ppr', summary: 'ShaDow-KHop: each output node with its PPR top-k neighbourhood', fixed: false,
    options: ['topk', 'alpha', 'eps', 'batchSize', 'threads', 'inferenceTopk'], inference: 'layerwise', training: {},
  },
};

/** Throws unless `name` is a known method. */
export function checkMethod(name: string): MethodName {
  if (!(METHOD_NAMES as readonly string[]).includes(name)) {
    throw new MethodOptionError('method', `expected one of ${METHOD_NAMES.join(', ')}, got '${name}'`);
  }
  return name as MethodName;
}

/** All options with defaults filled in; the ones a method does not use are still present (unused). */
export type ResolvedMethodOptions = Required<Omit<MethodOptions, 'threads'>> & { threads?: number };

export interface MethodInputs {
  data: PreparedData;
  split: Split;
  /** seed of every random choice of batch construction */
  seed: number;
  /** graph layers of the model (neighbour sampling needs one fanout per layer) */
  layers: number;
}

const isInt = (x: number, min: number): boolean => Number.isInteger(x) && x >= min;

function need(option: MethodOptionName, ok: boolean, expected: string, got: unknown): void {
  if (!ok) throw new MethodOptionError(option, `expected ${expected}, got ${Array.isArray(got) ? got.join(',') : String(got)}`);
}

/** Fills in defaults and validates the options `method` uses; an option it does not use is an error. */
export function resolveMethodOptions(method: MethodName, given: MethodOptions, inp: MethodInputs): ResolvedMethodOptions {
  const spec = METHODS[method];
  for (const [k, v] of Object.entries(given)) {
    if (v !== undefined && !spec.options.includes(k as MethodOptionName)) {
      const users = METHOD_NAMES.filter((m) => METHODS[m].options.includes(k as MethodOptionName));
      throw new MethodOptionError(k, `does not apply to method '${method}' (only to ${users.join(', ') || 'no method'})`);
    }
  }
  const n = inp.data.ctx.numNodes;
  const nTrain = inp.split.train.length;
  if (method !== 'full' && nTrain === 0) throw new MethodOptionError('outputs', 'the train split is empty; expected at least one output node');
  const base = [6, 5, 5];
  const r: ResolvedMethodOptions = {
    topk: given.topk ?? 16,
    inferenceTopk: given.inferenceTopk ?? given.topk ?? 16,
    alpha: given.alpha ?? 0.25,
    eps: given.eps ?? 2e-4,
    outputsPerBatch: given.outputsPerBatch ?? 9000,
    numParts: given.numParts ?? (method === 'ibmb-batch' ? Math.max(1, Math.ceil(nTrain / 9000)) : Math.min(32, n)),
    partsPerBatch: given.partsPerBatch ?? 4,
    iterations: given.iterations ?? 50,
    ratio: given.ratio ?? 1,
    fanouts: given.fanouts ?? Array.from({ length: inp.layers }, (_, l) => base[Math.min(l, 2)]),
    batchSize: given.batchSize ?? 512,
    walkLength: given.walkLength ?? 2,
    roots: given.roots ?? 3000,
    sampleCoverage: given.sampleCoverage ?? 50,
    batchOrder: given.batchOrder ?? (spec.fixed && method !== 'full' ? 'order' : 'none'),
    threads: given.threads,
  };
  const uses = (o: MethodOptionName): boolean => spec.options.includes(o);
  if (uses('topk')) need('topk', isInt(r.topk, 1), 'an integer >= 1', r.topk);
  if (uses('inferenceTopk')) need('inferenceTopk', isInt(r.inferenceTopk, 1), 'an integer >= 1', r.inferenceTopk);
  if (uses('alpha')) need('alpha', r.alpha > 0 && r.alpha < 1, 'a number in (0, 1)', r.alpha);
  if (uses('eps')) need('eps', r.eps > 0 && Number.isFinite(r.eps), 'a number > 0', r.eps);
  if (uses('outputsPerBatch')) need('outputsPerBatch', isInt(r.outputsPerBatch, 1), 'an integer >= 1', r.outputsPerBatch);
  if (uses('numParts')) need('numParts', isInt(r.numParts, 1) && r.numParts <= n, `an integer in [1, ${n}] (the graph has ${n} nodes)`, r.numParts);
  if (uses('partsPerBatch')) need('partsPerBatch', isInt(r.partsPerBatch, 1) && r.partsPerBatch <= r.numParts, `an integer in [1, ${r.numParts}] (the number of parts)`, r.partsPerBatch);
  if (uses('iterations')) need('iterations', isInt(r.iterations, 1), 'an integer >= 1', r.iterations);
  if (uses('ratio')) need('ratio', r.ratio > 0 && Number.isFinite(r.ratio), 'a number > 0', r.ratio);
  if (uses('batchSize')) need('batchSize', isInt(r.batchSize, 1), 'an integer >= 1', r.batchSize);
  if (uses('walkLength')) need('walkLength', isInt(r.walkLength, 1), 'an integer >= 1', r.walkLength);
  if (uses('roots')) need('roots', isInt(r.roots, 1), 'an integer >= 1', r.roots);
  if (uses('sampleCoverage')) need('sampleCoverage', r.sampleCoverage >= 0 && Number.isFinite(r.sampleCoverage), 'a number >= 0', r.sampleCoverage);
  if (uses('batchOrder')) need('batchOrder', BATCH_ORDER_KINDS.includes(r.batchOrder), `one of ${BATCH_ORDER_KINDS.join(', ')}`, r.batchOrder);
  if (uses('threads') && r.threads !== undefined) need('threads', isInt(r.threads, 1), 'an integer >= 1', r.threads);
  if (uses('fanouts')) {
    need('fanouts', r.fanouts.length > 0 && r.fanouts.every((k) => Number.isInteger(k) && (k >= 1 || k === -1)), 'integers >= 1 (or -1 for all neighbours)', r.fanouts);
    need('fanouts', r.fanouts.length === inp.layers, `one fanout per graph layer (${inp.layers})`, r.fanouts);
  }
  return r;
}

/** The options a method uses, as plain JSON (for reports and cache metadata). */
export function usedOptions(method: MethodName, r: ResolvedMethodOptions): Record<string, number | string | number[]> {
  const out: Record<string, number | string | number[]> = {};
  for (const k of METHODS[method].options) {
    const v = r[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The training batches of a method: fixed ones (built once) or a per-epoch sampler. */
export type TrainBatches =
  | { kind: 'fixed'; batches: Batch[] }
  | { kind: 'sampled'; batchesPerEpoch: number; epoch: (epoch: number) => Iterable<Batch> };

/** Seed of batch construction, a stream apart from the model's initialisation seed. */
const batchSeed = (seed: number): number => new Rng(seed).fork(0xba7c).nextU32();

/** Builds the training batches of `method` (the expensive part of fixed methods; a sampler's set-up otherwise). */
export async function buildTrainBatches(method: MethodName, r: ResolvedMethodOptions, inp: MethodInputs): Promise<TrainBatches> {
  const { ctx } = inp.data;
  const train = inp.split.train;
  const seed = batchSeed(inp.seed);
  switch (method) {
    case 'full':
      return { kind: 'fixed', batches: [fullBatch(ctx, train)] };
    case 'ibmb-node':
      return { kind: 'fixed', batches: await ibmbNodeBatches(ctx, train, ibmbNodeOptions(r, 1, r.topk)) };
    case 'ibmb-batch':
      return { kind: 'fixed', batches: ibmbBatchBatches(ctx, train, ibmbBatchOptions(r, 1, seed)) };
    case 'cluster-gcn': {
      const s = clusterGcnBatches(ctx, train, { numParts: r.numParts, partsPerBatch: r.partsPerBatch, seed });
      return { kind: 'sampled', batchesPerEpoch: s.batchesPerEpoch, epoch: (e) => s.batches(e) };
    }
    case 'saint-rw': {
      const s = saintRandomWalkBatches(ctx, train, { roots: r.roots, walkLength: r.walkLength, sampleCoverage: r.sampleCoverage }, new Rng(seed));
      return { kind: 'sampled', batchesPerEpoch: s.batchesPerEpoch, epoch: (e) => s.batches(e) };
    }
    case 'neighbor': {
      const s = neighborSamplingBatches(ctx, train, { batchSize: r.batchSize, fanouts: r.fanouts }, new Rng(seed));
      return { kind: 'sampled', batchesPerEpoch: s.batchesPerEpoch, epoch: (e) => s.batches(e) };
    }
    case 'shadow-ppr': {
      const s = await shadowPprBatches(ctx, train, {
        alpha: r.alpha, eps: r.eps, topk: r.topk, batchSize: r.batchSize, seed, threads: r.threads,
      });
      return { kind: 'sampled', batchesPerEpoch: s.batchesPerEpoch, epoch: (e) => s.batches(e) };
    }
  }
}

function ibmbNodeOptions(r: ResolvedMethodOptions, scale: number, topk: number): IbmbNodeOptions {
  return { alpha: r.alpha, eps: r.eps, topk, outputsPerBatch: r.outputsPerBatch * scale, ...(r.threads === undefined ? {} : { threads: r.threads }) };
}

function ibmbBatchOptions(r: ResolvedMethodOptions, scale: number, seed: number): IbmbBatchOptions {
  return { numParts: Math.max(1, Math.ceil(r.numParts / scale)), alpha: r.alpha, iterations: r.iterations, ratio: r.ratio, seed };
}

/** Validation + test nodes (the inference outputs), ascending. */
export function inferenceOutputs(split: Split): Int32Array {
  return Int32Array.from(new Set([...split.val, ...split.test])).sort();
}

/** IBMB inference batches: the same construction with val+test nodes as outputs, twice the outputs per batch and
 *  inferenceTopk auxiliary nodes per output (ibmb-batch: half as many parts). Any other method gets node-wise IBMB batches with options `r`. */
export async function buildInferenceBatches(method: MethodName, r: ResolvedMethodOptions, inp: MethodInputs): Promise<Batch[]> {
  const outputs = inferenceOutputs(inp.split);
  if (outputs.length === 0) throw new MethodOptionError('outputs', 'the val and test splits are empty; expected at least one output node');
  const { ctx } = inp.data;
  if (method === 'ibmb-batch') return ibmbBatchBatches(ctx, outputs, ibmbBatchOptions(r, 2, batchSeed(inp.seed) + 1));
  return ibmbNodeBatches(ctx, outputs, ibmbNodeOptions(r, 2, r.inferenceTopk));
}

/** What a batch cache file holds (written by `fastgnn preprocess`, read by `train --batches`). */
export interface MethodCache {
  batches: Batch[];
  evalBatches: Batch[] | null;
  meta: CacheMeta;
  preprocessTimeS: number;
}

/** Writes a cache; `extra` (method, options, split) joins the dataset's identity in its metadata. */
export function saveMethodCache(file: string, dataset: Dataset, extra: CacheMeta, c: Omit<MethodCache, 'meta'>): void {
  saveBatchCache(file, { batches: c.batches, ...(c.evalBatches ? { evalBatches: c.evalBatches } : {}), meta: cacheMetaFor(dataset, extra), preprocessTimeS: c.preprocessTimeS });
}

/** Reads a cache and checks it was built for `dataset`'s graph. */
export function loadMethodCache(file: string, dataset: Dataset): MethodCache {
  const c = loadBatchCache(file);
  checkCacheMatches(c.meta, dataset, file);
  return { batches: c.batches, evalBatches: c.evalBatches ?? null, meta: c.meta, preprocessTimeS: c.preprocessTimeS };
}
