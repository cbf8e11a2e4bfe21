// Merging coarsening: heavy-edge matching repeated l times; averaged features, summed edge weights, and
// labels taken from training members only (so no validation or test label leaks into training).

import { contract, heavyEdgeMatching } from '../../graph/coarsen/matching.js';
import type { CsrGraph } from '../../graph/csr.js';
import type { Split } from '../../graph/dataset.js';
import { Rng } from '../../graph/rng.js';
import { GraphContext } from '../../nn/graph-context.js';
import { SparseInput, type NodeInput } from '../../tensor/compose.js';
import { newArray, Tensor } from '../../tensor/tensor.js';
import type { PreparedData } from '../../train/prepare.js';
import type { CoarseLevel, CoarsenInput } from '../level.js';
import { restrictNodes } from '../level.js';

interface MatchRound {
  /** full node -> coarse node after this round */
  coarseOf: Int32Array;
  numCoarse: number;
  /** the coarse graph, with summed edge weights, and its node weights (full nodes merged into each) */
  graph: CsrGraph;
  nodeWeights: Float64Array | undefined;
}

/** The rounds computed so far per graph and seed: level l of a matching hierarchy continues level l - 1's rounds
 *  instead of repeating them. */
const matchChains = new WeakMap<CsrGraph, Map<number, MatchRound[]>>();

/** Full node -> coarse node after `rounds` rounds of heavy-edge matching (with METIS's 2-hop pass so power-law
 *  graphs keep shrinking), plus the coarse graph with summed edge weights. Round r uses rng stream r. Rounds are
 *  cached per (graph, seed): the returned arrays are shared, read-only. */
export function matchRounds(graph: CsrGraph, rounds: number, seed: number): { coarseOf: Int32Array; numCoarse: number; graph: CsrGraph } {
  let bySeed = matchChains.get(graph);
  if (!bySeed) matchChains.set(graph, (bySeed = new Map()));
  let chain = bySeed.get(seed);
  if (!chain) bySeed.set(seed, (chain = []));
  const base = new Rng(seed);
  const identity = (): MatchRound => ({ coarseOf: Int32Array.from({ length: graph.rows }, (_, i) => i), numCoarse: graph.rows, graph, nodeWeights: undefined });
  for (let r = chain.length; r < rounds; r++) {
    const prev = chain[r - 1] ?? identity();
    const mt = heavyEdgeMatching(prev.graph, { rng: base.fork(r), nodeWeights: prev.nodeWeights, twoHop: true });
    const c = contract(prev.graph, mt.coarseOf, mt.numCoarse, prev.nodeWeights);
    chain.push({ coarseOf: Int32Array.from(prev.coarseOf, (v) => mt.coarseOf[v]), numCoarse: mt.numCoarse, graph: c.graph, nodeWeights: c.nodeWeights });
  }
  const { coarseOf, numCoarse, graph: g } = rounds === 0 ? identity() : chain[rounds - 1];
  return { coarseOf, numCoarse, graph: g };
}

/** Mean of the members' feature rows per coarse node (P^T X with P's columns normalised to sum 1). */
export function averageInput(x: NodeInput, coarseOf: Int32Array, numCoarse: number): NodeInput {
  const count = new Float64Array(numCoarse);
  for (const c of coarseOf) count[c]++;
  const f = x.cols;
  if (!(x instanceof SparseInput)) {
    const out = newArray(x.dtype, numCoarse * f); // shared memory when large, as the full graph's features
    for (let v = 0; v < coarseOf.length; v++) {
      const o = coarseOf[v] * f;
      const inv = 1 / count[coarseOf[v]];
      for (let j = 0; j < f; j++) out[o + j] += x.data[v * f + j] * inv;
    }
    return new Tensor(out, [numCoarse, f]);
  }
  // sparse: gather member rows into a dense accumulator per coarse row, touching only the stored columns
  const a = x.matrix;
  const members = groupMembers(coarseOf, numCoarse);
  const acc = new Float64Array(f);
  const mark = new Int32Array(f).fill(-1);
  const indptr = new Int32Array(numCoarse + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let c = 0; c < numCoarse; c++) {
    const start = cols.length;
    for (let t = members.start[c]; t < members.start[c + 1]; t++) {
      const v = members.list[t];
      for (let k = a.indptr[v]; k < a.indptr[v + 1]; k++) {
        const j = a.indices[k];
        if (mark[j] !== c) { mark[j] = c; acc[j] = 0; cols.push(j); }
        acc[j] += a.values ? a.values[k] : 1;
      }
    }
    const row = cols.slice(start).sort((p, q) => p - q);
    for (let t = 0; t < row.length; t++) { cols[start + t] = row[t]; vals.push(acc[row[t]] / count[c]); }
    indptr[c + 1] = cols.length;
  }
  const values = a.values instanceof Float64Array ? Float64Array.from(vals) : Float32Array.from(vals);
  return new SparseInput({ rows: numCoarse, cols: f, indptr, indices: Int32Array.from(cols), values });
}

function groupMembers(coarseOf: Int32Array, numCoarse: number): { start: Int32Array; list: Int32Array } {
  const start = new Int32Array(numCoarse + 1);
  for (const c of coarseOf) start[c + 1]++;
  for (let c = 0; c < numCoarse; c++) start[c + 1] += start[c];
  const fill = start.slice(0, numCoarse);
  const list = new Int32Array(coarseOf.length);
  coarseOf.forEach((c, v) => (list[fill[c]++] = v));
  return { start, list };
}

/** Coarse labels: the majority label of a coarse node's TRAINING members (ties: the smaller class id); a coarse
 *  node without training members takes the majority of its validation members; otherwise -1. Test labels are
 *  never read. */
export function mergedLabels(labels: Int32Array, split: Split, coarseOf: Int32Array, numCoarse: number, numClasses: number): Int32Array {
  const out = new Int32Array(numCoarse).fill(-1);
  const vote = (ids: Int32Array): void => {
    const counts = new Map<number, Int32Array>();
    for (const v of ids) {
      const c = coarseOf[v];
      if (out[c] >= 0) continue; // already labelled by a higher-priority split
      let h = counts.get(c);
      if (!h) counts.set(c, (h = new Int32Array(numClasses)));
      h[labels[v]]++;
    }
    for (const [c, h] of counts) {
      let best = 0;
      for (let k = 1; k < numClasses; k++) if (h[k] > h[best]) best = k;
      out[c] = best;
    }
  };
  vote(split.train);
  vote(split.val);
  return out;
}

/** Level l of the matching hierarchy: l * roundsPerLevel rounds of matching from the full graph (so level l+1
 *  merges level l's coarse nodes: the hierarchy is nested). Train mask: coarse nodes with a training member; val likewise among
 *  the rest; test: coarse nodes with a test member and no train/val member (never used for training). */
export function matchingLevel(input: CoarsenInput, level: number, roundsPerLevel: number, seed: number): CoarseLevel {
  const t0 = performance.now();
  const d = input.data;
  const { coarseOf, numCoarse, graph } = matchRounds(d.ctx.graph, level * roundsPerLevel, seed);
  const train = restrictNodes(input.split.train, coarseOf);
  const uniq = (a: Int32Array): Int32Array => Int32Array.from(new Set(a));
  const trainSet = new Set(train);
  const val = uniq(restrictNodes(input.split.val, coarseOf)).filter((c) => !trainSet.has(c));
  const valSet = new Set(val);
  const test = uniq(restrictNodes(input.split.test, coarseOf)).filter((c) => !trainSet.has(c) && !valSet.has(c));
  const data: PreparedData = {
    x: averageInput(d.x, coarseOf, numCoarse),
    ctx: new GraphContext(graph, d.ctx.dtype),
    labels: mergedLabels(d.labels, input.split, coarseOf, numCoarse, d.numClasses),
    numClasses: d.numClasses,
    layout: d.layout,
  };
  return {
    level, method: 'matching', nodes: null, coarseOf, data, split: { train: uniq(train), val, test },
    buildS: (performance.now() - t0) / 1000,
  };
}
