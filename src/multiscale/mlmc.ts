// Multiscale gradient: the multilevel Monte-Carlo (telescoping) estimate of the full-graph training-loss
// gradient for node classification, and the training loop that steps the optimiser with it.
//
// WHAT IT IS UNBIASED FOR. Every level maps full-graph nodes to its own nodes (CoarseLevel.coarseOf: a kept
// node for selection methods, -1 when dropped; the merged node containing it for matching). A training node v of
// the FULL graph is "present" at level l when coarseOf_l[v] >= 0; T_l is the set of present training nodes
// (T_0 = all of them; T_l = all of them for matching). Its loss at level l is
//     ell_l(v) = CE(f_theta(level l)[coarseOf_l[v]], y_v)      (v's OWN label, also for merged nodes)
// and the level's loss is Q_l = mean over T_l of ell_l (for selection methods exactly the level's training loss;
// for matching a soft-label version of it). The telescoping identity
//     Q_0 = sum_{l < L-1} (Q_l - Q_{l+1}) + Q_{L-1}
// is estimated term by term with independent samples:
//   - term l < L-1: B_l uniform without replacement from U_l = T_l ∪ T_{l+1}, |B_l| = min(b 2^l, |U_l|);
//         D_l = (1/|B_l|) sum_{v in B_l} [ w_f 1{v in T_l} ell_l(v) - w_c 1{v in T_{l+1}} ell_{l+1}(v) ],
//     with w_f = |U_l| / |T_l|, w_c = |U_l| / |T_{l+1}|. Fine and coarse are evaluated on the SAME sample (the
//     same full-graph nodes, each at its own level), and E[D_l] = Q_l - Q_{l+1} exactly.
//   - last term: B_{L-1} uniform from T_{L-1}, |B_{L-1}| = min(b 2^{L-1}, |T_{L-1}|), mean of ell_{L-1}.
// So E[sum of gradients] = grad Q_0 = the gradient of the full-graph mean cross-entropy over ALL training nodes,
// exactly, for fixed coarse levels and a deterministic forward pass (no dropout; BatchNorm in eval mode or none);
// with dropout it is unbiased for the expected (dropout-averaged) loss gradient. Levels redrawn every epoch keep
// it unbiased: Q_0 does not depend on the coarse draws. (For nested selections such as topk, U_l = T_l and
// w_f = 1; w_c = |T_l| / |T_{l+1}| re-weights the coarse nodes to stand for the whole fine population.)
// Sampling only among nodes present at every level would be unbiased for the full-graph loss restricted to
// those nodes only, which is why the weights above are used instead.
//
// The reference code (GraphMultiscale) backpropagates |l_fine - l_coarse| + l_coarsest. That is NOT the MLMC
// estimator: the gradient of |a - b| is sign(a - b) (grad a - grad b), so whenever the coarse loss exceeds the
// fine one the correction's sign flips and the expectation is no longer grad Q_0. It is kept here only as the
// variant 'reference-abs', for comparison (the unbiasedness test shows its bias).
//
// Cost: each level runs ONE forward and backward per step over its union of sampled rows (a middle level serves
// as the coarse side of term l-1 and the fine side of term l with signed per-row weights), on the rows' receptive
// field (their K-hop ball for K graph layers, see receptive-field.ts) when that is under half of the level, else on
// the whole level; the last layer runs over the sampled rows only. The logits at the rows are the same either way.

import { Rng } from '../graph/rng.js';
import type { GNN } from '../nn/models.js';
import { backward } from '../tensor/autograd.js';
import { crossEntropy } from '../tensor/compose.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Hierarchy } from './hierarchy.js';
import type { CoarseLevel } from './level.js';
import { receptiveField, type Field } from './receptive-field.js';
import { checkOptions, Session, type MultiscaleResult, type MultiscaleTrainOptions } from './session.js';

export type MlmcVariant = 'mlmc' | 'reference-abs';

export interface MlmcOptions {
  /** b: sample size of the finest term; term l samples b * 2^l nodes (capped at its population) */
  readonly batchSize: number;
  readonly rng: Rng;
  /** 'mlmc' (default): the true signed difference; 'reference-abs': the reference code's biased |difference| */
  readonly variant?: MlmcVariant;
}

export interface MlmcLevelWork {
  readonly level: number;
  /** distinct level rows whose logits the step needed (empty when the level had no sampled row) */
  readonly outputRows: Int32Array;
  /** what the level's forward ran on (the rows' receptive field, or the whole level) and the rows in it; null when
   *  the level had no sampled row */
  readonly field: Field | null;
  readonly seconds: number;
}

export interface MlmcStep {
  /** the estimate of Q_0 (the sum of the terms' values; for 'reference-abs' with absolute differences) */
  readonly estimate: number;
  /** value of each term: D_l for l < L-1, then the coarsest mean */
  readonly terms: number[];
  readonly work: MlmcLevelWork[];
}

interface Entry { row: number; target: number; weight: number; term: number }

/** Uniform sample of k of `pool` without replacement (partial Fisher-Yates on a copy). */
function sample(pool: Int32Array, k: number, rng: Rng): Int32Array {
  const a = pool.slice();
  for (let i = 0; i < k; i++) {
    const j = i + rng.nextInt(a.length - i);
    const t = a[i]; a[i] = a[j]; a[j] = t;
  }
  return a.subarray(0, k);
}

/** Accumulates the multiscale gradient estimate into the parameters' .grad (call optimizer.zeroGrad() before
 *  and optimizer.step() after). `levels[0]` must be the full graph; `train` are full-graph training node ids and
 *  `labels` full-graph labels. Sets nothing about train/eval mode: the caller chooses. */
export function mlmcGradient(model: GNN, levels: readonly CoarseLevel[], train: Int32Array, labels: Int32Array, opts: MlmcOptions): MlmcStep {
  const b = opts.batchSize;
  if (!Number.isInteger(b) || b < 1) throw new Error(`mlmcGradient: batchSize must be a positive integer, got ${b}`);
  const variant = opts.variant ?? 'mlmc';
  if (variant !== 'mlmc' && variant !== 'reference-abs') throw new Error(`mlmcGradient: variant must be 'mlmc' or 'reference-abs', got '${String(variant)}'`);
  if (levels.length === 0 || levels[0].level !== 0) throw new Error('mlmcGradient: levels[0] must be the full graph (level 0)');
  if (train.length === 0) throw new Error('mlmcGradient: no training nodes');
  const L = levels.length;
  const present = levels.map((lv) => train.filter((v) => lv.coarseOf[v] >= 0));
  present.forEach((t, l) => {
    if (t.length === 0) throw new Error(`mlmcGradient: level ${l} represents none of the ${train.length} training nodes`);
  });
  const entries: Entry[][] = levels.map(() => []);
  for (let l = 0; l < L; l++) {
    const lastTerm = l === L - 1;
    const inFine = new Uint8Array(labels.length);
    const inCoarse = new Uint8Array(labels.length);
    for (const v of present[l]) inFine[v] = 1;
    if (!lastTerm) for (const v of present[l + 1]) inCoarse[v] = 1;
    const pool = lastTerm ? present[l] : train.filter((v) => inFine[v] || inCoarse[v]);
    const k = Math.min(b * 2 ** l, pool.length);
    const wf = pool.length / present[l].length / k;
    const wc = lastTerm ? 0 : pool.length / present[l + 1].length / k;
    for (const v of sample(pool, k, opts.rng)) {
      if (inFine[v]) entries[l].push({ row: levels[l].coarseOf[v], target: labels[v], weight: wf, term: l });
      if (inCoarse[v]) entries[l + 1].push({ row: levels[l + 1].coarseOf[v], target: labels[v], weight: -wc, term: l });
    }
  }
  // forward every level over its distinct rows; term values from the logits (needed for the abs variant's sign)
  const terms = new Array<number>(L).fill(0);
  const fine = new Array<number>(L).fill(0);
  const coarse = new Array<number>(L).fill(0);
  const seconds = new Array<number>(L).fill(0);
  const outs: Array<{ logits: Tensor; local: Int32Array; rows: Int32Array; field: Field } | null> = levels.map((lv, l) => {
    const es = entries[l];
    if (es.length === 0) return null;
    const t = performance.now();
    const pos = new Map<number, number>();
    for (const e of es) if (!pos.has(e.row)) pos.set(e.row, pos.size);
    const rows = Int32Array.from(pos.keys());
    const field = receptiveField(lv, rows, model.convs.length);
    const logits = model.forward(field.x, field.ctx, field.rows);
    const local = Int32Array.from(es, (e) => pos.get(e.row) ?? -1);
    const c = logits.cols;
    es.forEach((e, i) => {
      const o = local[i] * c;
      let mx = -Infinity;
      for (let j = 0; j < c; j++) mx = Math.max(mx, logits.data[o + j]);
      let z = 0;
      for (let j = 0; j < c; j++) z += Math.exp(logits.data[o + j] - mx);
      const ce = mx + Math.log(z) - logits.data[o + e.target];
      if (e.weight >= 0) fine[e.term] += e.weight * ce;
      else coarse[e.term] -= e.weight * ce;
    });
    seconds[l] += (performance.now() - t) / 1000;
    return { logits, local, rows, field };
  });
  const sign = terms.map((_, l) => (variant === 'reference-abs' && fine[l] < coarse[l] ? -1 : 1));
  for (let l = 0; l < L; l++) terms[l] = sign[l] * (fine[l] - coarse[l]);
  levels.forEach((_, l) => {
    const o = outs[l];
    if (!o) return;
    const t = performance.now();
    const es = entries[l];
    // crossEntropy averages over its rows, so per-row weights carry the factor es.length
    const w = Float64Array.from(es, (e) => e.weight * sign[e.term] * es.length);
    backward(crossEntropy(o.logits, o.local, Int32Array.from(es, (e) => e.target), w));
    seconds[l] += (performance.now() - t) / 1000;
  });
  return {
    estimate: terms.reduce((s, x) => s + x, 0),
    terms,
    work: levels.map((lv, l) => ({ level: lv.level, outputRows: outs[l]?.rows ?? new Int32Array(0), field: outs[l]?.field ?? null, seconds: seconds[l] })),
  };
}

export interface MultiscaleGradientOptions extends MultiscaleTrainOptions {
  /** b: finest sample size; term l samples b * 2^l training nodes */
  batchSize: number;
  /** optimiser steps per epoch (default 1); `epochs` counts epochs of multiscale-gradient steps */
  stepsPerEpoch?: number;
  variant?: MlmcVariant;
  /** seed of the node samples (default 0) */
  sampleSeed?: number;
}

/** (c) + (d): `epochs` epochs of multiscale-gradient steps (levels of each epoch from the hierarchy, redrawn when
 *  the method redraws), evaluated on the full graph, then `finalFullEpochs` full-graph epochs. */
export function trainMultiscaleGradient(model: GNN, hierarchy: Hierarchy, opts: MultiscaleGradientOptions): MultiscaleResult {
  checkOptions(opts, 'trainMultiscaleGradient');
  const steps = opts.stepsPerEpoch ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`trainMultiscaleGradient: stepsPerEpoch must be a positive integer, got ${steps}`);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new Error(`trainMultiscaleGradient: batchSize must be a positive integer, got ${opts.batchSize}`);
  }
  const { data, split } = hierarchy.input;
  const s = new Session(model, data, split, opts);
  const rng = new Rng(opts.sampleSeed ?? 0);
  for (let e = 0; e < opts.epochs; e++) {
    const t0 = performance.now();
    const levels = hierarchy.levelsAt(s.epoch); // redrawing methods build new levels here: training time too
    s.addTrainTime((performance.now() - t0) / 1000);
    let est = 0;
    for (let k = 0; k < steps; k++) {
      model.train();
      s.optimizer.zeroGrad();
      const r = s.inTrainArena(() => mlmcGradient(model, levels, split.train, data.labels, { batchSize: opts.batchSize, rng, variant: opts.variant }));
      const t = performance.now();
      s.optimizer.step();
      s.addTrainTime(r.work.reduce((acc, w) => acc + w.seconds, 0) + (performance.now() - t) / 1000);
      for (const w of r.work) if (w.field) s.meter.step(w.level, w.field, w.seconds, w.field.rows);
      est += r.estimate / steps;
    }
    if (s.endEpoch(-1, est, e === opts.epochs - 1)) break;
  }
  s.finalPhase(hierarchy.level(0, 0));
  return s.finish();
}
