// The stages of bench:scale, each run in its own child process (so its peak RSS is its own): generate + save, raw
// read, .fgnn load, IBMB preprocessing, training (thread count from the environment), IBMB and layer-wise inference.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { cacheBatches } from '../../src/batching/materialize.js';
import { loadMethodCache } from '../../src/batching/methods.js';
import { generateSynthetic } from '../../src/graph/generate.js';
import { loadBinary, saveBinary } from '../../src/graph/io/binary.js';
import { describeBackend } from '../../src/kernels/backend.js';
import { batchedEvaluator, layerwiseEvaluator } from '../../src/train/evaluators.js';
import { peakRssMb } from '../../src/train/memory.js';
import { logitsAccuracy, type Evaluator } from '../../src/train/minibatch.js';
import { prepareData } from '../../src/train/prepare.js';
import { loadTrainedModel, runPreprocess, runTraining } from '../../src/train/run.js';
import { median, round } from './measure.js';

/** Everything the stages share: sizes, where files go, the method and model settings. */
export interface ScaleConfig {
  nodes: number;
  /** generateSynthetic's avgDegree (entries per row before repeated pairs are merged) */
  avgDegree: number;
  features: number;
  classes: number;
  /** per-class split sizes of the generated graph's own split (the runs use split 'public') */
  trainPerClass: number;
  valPerClass: number;
  testPerClass: number;
  epochs: number;
  hidden: number;
  layers: number;
  outputsPerBatch: number;
  topk: number;
  /** output rows per step of layer-wise inference (fastgnn's default 16384; see infer) */
  layerwiseChunk: number;
  dir: string;
}

/** What a stage reports: its own figures plus the process's peak RSS. */
export type StageResult = Record<string, number | string | boolean | number[] | Record<string, unknown>> & { peakMiB: number };

export const files = (c: ScaleConfig): { data: string; cache: string; checkpoint: string } => ({
  data: path.join(c.dir, 'graph.fgnn'), cache: path.join(c.dir, 'ibmb-node.cache'), checkpoint: path.join(c.dir, 'model.safetensors'),
});

const seconds = (t0: number): number => round((performance.now() - t0) / 1000, 3);
const mbPerS = (bytes: number, s: number): number => round(bytes / 1e6 / s, 1);

function generate(c: ScaleConfig): StageResult {
  const t0 = performance.now();
  const d = generateSynthetic({
    nodes: c.nodes, avgDegree: c.avgDegree, classes: c.classes, features: c.features, seed: 0,
    split: { train: c.trainPerClass, val: c.valPerClass, test: c.testPerClass },
  });
  const generateS = seconds(t0);
  const t1 = performance.now();
  saveBinary(d, files(c).data);
  const saveS = seconds(t1);
  const bytes = statSync(files(c).data).size;
  return {
    seconds: generateS + saveS, generateS, saveS, nodes: d.graph.rows, storedEdges: d.graph.indptr[d.graph.rows],
    trainOutputs: d.split!.train.length, valOutputs: d.split!.val.length, testOutputs: d.split!.test.length,
    fileBytes: bytes, saveMBps: mbPerS(bytes, saveS), peakMiB: peakRssMb(),
  };
}

/** The file's bytes with one plain readFileSync: the disk (or page cache) speed the loader is compared with. */
function readRaw(c: ScaleConfig): StageResult {
  const t0 = performance.now();
  const bytes = readFileSync(files(c).data).length;
  const s = seconds(t0);
  return { seconds: s, bytes, MBps: mbPerS(bytes, s), peakMiB: peakRssMb() };
}

function load(c: ScaleConfig): StageResult {
  const bytes = statSync(files(c).data).size;
  const t0 = performance.now();
  const d = loadBinary(files(c).data);
  const s = seconds(t0);
  return { seconds: s, bytes, MBps: mbPerS(bytes, s), nodes: d.graph.rows, peakMiB: peakRssMb() };
}

async function preprocess(c: ScaleConfig): Promise<StageResult> {
  const t0 = performance.now();
  const r = await runPreprocess({
    data: files(c).data, method: 'ibmb-node', split: 'public', seed: 0, out: files(c).cache,
    methodOptions: { outputsPerBatch: c.outputsPerBatch, topk: c.topk },
  });
  return {
    seconds: seconds(t0), batchConstructionS: round(r.preprocessTimeS, 3), batches: r.batches, evalBatches: r.evalBatches,
    methodOptions: r.methodOptions, peakMiB: peakRssMb(),
  };
}

async function train(c: ScaleConfig, save: boolean): Promise<StageResult> {
  const epochMs: number[] = [];
  const t0 = performance.now();
  const r = await runTraining({
    data: files(c).data, method: 'ibmb-node', batches: files(c).cache, split: 'public', seed: 0, model: 'gcn',
    modelOverrides: { hidden: c.hidden, layers: c.layers }, epochs: c.epochs, patience: null, evalEvery: 1,
    compareInference: false, save: save ? files(c).checkpoint : undefined, onEpoch: (m) => { epochMs.push(round(m.epochMs, 1)); },
  });
  // epochMs: forward + backward + optimiser steps only; the rest of `seconds` is loading, feature gathering of the
  // cached batches and the per-epoch IBMB evaluation (onEpoch is called on evaluated epochs, so every epoch is one)
  return {
    seconds: seconds(t0), epochMs, medianEpochMs: round(median(epochMs), 1), trainS: round(r.train_time_s, 3),
    evalMs: round(r.inference_time_ms, 1), batchesPerEpoch: r.batches_per_epoch,
    valAcc: round(r.val_acc, 4), backend: { ...describeBackend() }, peakMiB: peakRssMb(),
  };
}

function timeOnce(ev: Evaluator, model: Parameters<Evaluator>[0]): { ms: number; out: ReturnType<Evaluator> } {
  const t0 = performance.now();
  const out = ev(model);
  return { ms: round(performance.now() - t0, 1), out };
}

/** Inference of the trained model: 'ibmb' over the cached inference batches (val + test outputs, timed warm, as
 *  fastgnn train does), 'layerwise' every layer for all nodes, c.layerwiseChunk rows at a time (one cold run; each
 *  layer's dense transform X @ W is computed once, only the aggregation chunk by chunk). */
async function infer(c: ScaleConfig, kind: 'ibmb' | 'layerwise'): Promise<StageResult> {
  const dataset = loadBinary(files(c).data);
  const { model } = loadTrainedModel(files(c).checkpoint);
  const data = prepareData(dataset);
  const split = dataset.split!;
  let ev: Evaluator;
  let batches = 0;
  if (kind === 'ibmb') {
    const cache = loadMethodCache(files(c).cache, dataset);
    batches = cache.evalBatches?.length ?? 0;
    ev = batchedEvaluator(cacheBatches(cache.evalBatches ?? [], data), data.ctx.numNodes, data.numClasses);
    ev(model);
  } else {
    ev = layerwiseEvaluator(data, c.layerwiseChunk);
  }
  const { ms, out } = timeOnce(ev, model);
  return {
    seconds: round(ms / 1000, 3), ms, batches, chunk: kind === 'layerwise' ? c.layerwiseChunk : 0,
    testAcc: round(logitsAccuracy(out, split.test, data.labels).acc, 4), warm: kind === 'ibmb' ? 1 : 0, peakMiB: peakRssMb(),
  };
}

export const STAGES = ['generate', 'read', 'load', 'preprocess', 'train-1t', 'train-2t', 'infer-ibmb', 'infer-layerwise'] as const;
export type StageName = (typeof STAGES)[number];

/** Thread settings of each stage's child process (the rest run with the defaults: all cores). */
export const STAGE_THREADS: Partial<Record<StageName, number>> = { 'train-1t': 1, 'train-2t': 2 };

export async function runStage(name: StageName, c: ScaleConfig): Promise<StageResult> {
  switch (name) {
    case 'generate': return generate(c);
    case 'read': return readRaw(c);
    case 'load': return load(c);
    case 'preprocess': return preprocess(c);
    case 'train-1t': return train(c, false);
    case 'train-2t': return train(c, true);
    case 'infer-ibmb': return infer(c, 'ibmb');
    case 'infer-layerwise': return infer(c, 'layerwise');
  }
}
