// How far from each node its label signal sits: nearest-class-mean accuracy of the features after 0..K rounds of
// GCN propagation (an SGC-style probe, no training). Methods that keep a few influential nodes per output (IBMB's
// PPR neighbourhoods) lose little where the profile saturates within a hop or two, and much where it keeps rising.

import { getKernels } from '../kernels/backend.js';
import { addSelfLoops, gcnNormalize } from './build.js';
import type { Dataset, Split } from './dataset.js';
import { toDense } from './features.js';

export interface HopProfile {
  /** accuracy[k]: test accuracy of the nearest class mean after k propagations (k = 0: the features alone) */
  readonly accuracy: number[];
  /** nodes scored (the split's test nodes) and nodes whose labels gave the class means (its train nodes) */
  readonly evaluated: number;
  readonly fitted: number;
}

/** The most propagations a profile takes (beyond a few the features of a connected graph are smoothed flat). */
export const MAX_HOPS = 16;

/** The profile up to `hops` propagations with D^-1/2 (A + I) D^-1/2 of the full graph. Class means come from the
 *  split's train nodes (classes without one are never predicted); scores are on its test nodes. */
export function hopProfile(d: Dataset, split: Split, hops: number): HopProfile {
  if (!Number.isInteger(hops) || hops < 0 || hops > MAX_HOPS) throw new Error(`hopProfile: hops must be an integer in [0, ${MAX_HOPS}], got ${hops}`);
  if (split.train.length === 0) throw new Error('hopProfile: the split has no train nodes to take class means from');
  if (split.test.length === 0) throw new Error('hopProfile: the split has no test nodes to score');
  const n = d.graph.rows;
  const f = d.features.cols;
  const a = gcnNormalize(addSelfLoops(d.graph));
  let x: Float32Array = toDense(d.features); // the dataset's own array when dense: only read
  // propagations alternate between two buffers (the second only from hop 2 on)
  const buffers: Float32Array[] = [];
  const accuracy = [nearestMeanAccuracy(x, f, d.labels, d.numClasses, split)];
  for (let k = 1; k <= hops; k++) {
    const out = (buffers[k % 2] ??= new Float32Array(n * f));
    getKernels().spmm(a, x, f, out);
    x = out;
    accuracy.push(nearestMeanAccuracy(x, f, d.labels, d.numClasses, split));
  }
  return { accuracy, evaluated: split.test.length, fitted: split.train.length };
}

function nearestMeanAccuracy(x: Float32Array, f: number, labels: Int32Array, classes: number, split: Split): number {
  const mean = new Float64Array(classes * f);
  const count = new Float64Array(classes);
  for (const i of split.train) {
    const c = labels[i];
    count[c]++;
    for (let t = 0; t < f; t++) mean[c * f + t] += x[i * f + t];
  }
  for (let c = 0; c < classes; c++) for (let t = 0; t < f; t++) mean[c * f + t] /= Math.max(1, count[c]);
  let right = 0;
  for (const i of split.test) {
    let best = -1;
    let bestDist = Infinity;
    for (let c = 0; c < classes; c++) {
      if (count[c] === 0) continue;
      let s = 0;
      for (let t = 0; t < f; t++) {
        const v = x[i * f + t] - mean[c * f + t];
        s += v * v;
      }
      if (s < bestDist) { bestDist = s; best = c; }
    }
    if (best === labels[i]) right++;
  }
  return right / split.test.length;
}
