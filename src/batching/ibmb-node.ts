// Node-wise influence-based mini-batching (IBMB, Gasteiger et al. 2022): outputs grouped by PPR overlap, each
// batch the subgraph induced on the union of its outputs' top-k PPR neighbourhoods, fixed for the whole run.

import type { CsrGraph } from '../graph/csr.js';
import { prepareForPpr, pprTopK, type PprTopK } from '../graph/ppr/index.js';
import { checkPprOptions } from '../graph/ppr/push.js';
import type { GraphContext } from '../nn/graph-context.js';
import { inducedBatch, inducedScratch, type Batch } from './batch.js';
import { checkNodeSet } from './full.js';
import { groupByScore, symmetricPairs, type PairScores } from './union-find.js';

export interface IbmbNodeOptions {
  /** PPR teleport probability, in (0, 1); default 0.25 */
  readonly alpha?: number;
  /** push threshold, > 0; default 2e-4 */
  readonly eps?: number;
  /** PPR neighbours kept per output node (the node itself is always added); integer >= 1, default 16 */
  readonly topk?: number;
  /** target number of output nodes per batch; integer >= 1 (batches hold at most
   *  M = ceil(n_out / ceil(n_out / outputsPerBatch)) outputs) */
  readonly outputsPerBatch: number;
  /** worker threads for the PPR push (default: all cores, capped by pprTopK); results do not depend on it */
  readonly threads?: number;
  /** pprTopK's minSourcesPerThread (fewer sources per thread than this are run on fewer threads) */
  readonly minSourcesPerThread?: number;
}

/** The PPR-ready version (symmetric, one self-loop per node) of each graph, built once per graph object. */
const pprGraphs = new WeakMap<CsrGraph, CsrGraph>();

/** prepareForPpr(g), cached per graph object (graphs are immutable in fastgnn). */
export function pprGraphOf(g: CsrGraph): CsrGraph {
  let p = pprGraphs.get(g);
  if (!p) {
    p = prepareForPpr(g);
    pprGraphs.set(g, p);
  }
  return p;
}

/** Resolved PPR options of node-wise IBMB and ShaDow-PPR, checked; `what` names the caller in errors. */
export function pprOptions(o: { alpha?: number; eps?: number; topk?: number }, what: string): { alpha: number; eps: number; topk: number } {
  const r = { alpha: o.alpha ?? 0.25, eps: o.eps ?? 2e-4, topk: o.topk ?? 16 };
  checkPprOptions(r, what);
  return r;
}

/** Largest batch M = ceil(n / ceil(n / perBatch)): as many batches as perBatch asks for, sizes as even as possible. */
export function evenBatchSize(n: number, perBatch: number): number {
  return Math.ceil(n / Math.ceil(n / perBatch));
}

/** Node-wise IBMB batches for `outputs` (distinct global ids, any order):
 *  1. top-k PPR neighbourhood of every output by the push method on the symmetrised graph with self-loops
 *     (the output itself always included);
 *  2. PPR scores restricted to output x output pairs, S = P + P^T, grouped by groupByScore into groups of at most
 *     M = ceil(n_out / ceil(n_out / outputsPerBatch)) outputs (pair ties broken by (lower id, higher id));
 *  3. batch = the subgraph induced on the union of its outputs' neighbourhoods (sorted global ids), with the FULL
 *     graph's GCN normalisation sliced (ctx.adjacency('gcn'), not re-normalised), outputs sorted by id.
 *  Batches are ordered by their lowest output id. The result depends only on the output SET, the graph and the
 *  options (not on `threads` or the order of `outputs`). The GCN normalisation is ctx's own: pass a symmetric
 *  graph (as the spec's "make the graph undirected") for the symmetric D^-1/2 (A+I) D^-1/2. */
export async function ibmbNodeBatches(ctx: GraphContext, outputs: Int32Array, opts: IbmbNodeOptions): Promise<Batch[]> {
  const what = 'ibmbNodeBatches';
  if (typeof opts !== 'object' || opts === null) throw new Error(`${what}: options must be an object {outputsPerBatch, alpha?, eps?, topk?, threads?}`);
  const ppr = pprOptions(opts, what);
  const perBatch = opts.outputsPerBatch;
  if (!Number.isInteger(perBatch) || perBatch < 1) throw new Error(`${what}: outputsPerBatch must be an integer >= 1, got ${String(perBatch)}`);
  checkNodeSet(outputs, ctx.numNodes, `${what}: outputs`);
  const sorted = Int32Array.from(outputs).sort();
  const top = await pprTopK(pprGraphOf(ctx.graph), sorted, { ...ppr, threads: opts.threads, minSourcesPerThread: opts.minSourcesPerThread });
  const groups = groupByScore(sorted.length, outputPairs(top, sorted, ctx.numNodes), evenBatchSize(sorted.length, perBatch));
  return batchesFromGroups(ctx, groups, sorted, top);
}

/** The top-k scores between outputs as symmetric pairs of output positions (positions in `sorted`). */
function outputPairs(top: PprTopK, sorted: Int32Array, numNodes: number): PairScores {
  const pos = new Int32Array(numNodes).fill(-1);
  sorted.forEach((v, i) => { pos[v] = i; });
  const rows: number[] = [];
  const cols: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let k = top.indptr[i]; k < top.indptr[i + 1]; k++) {
      const j = pos[top.nodes[k]];
      if (j < 0 || j === i) continue;
      rows.push(i);
      cols.push(j);
      scores.push(top.scores[k]);
    }
  }
  return symmetricPairs(Int32Array.from(rows), Int32Array.from(cols), scores);
}

/** One induced batch per group of output positions. */
function batchesFromGroups(ctx: GraphContext, groups: readonly Int32Array[], sorted: Int32Array, top: PprTopK): Batch[] {
  const mark = new Int32Array(ctx.numNodes).fill(-1);
  const scratch = inducedScratch(ctx.numNodes);
  return groups.map((g, gi) => {
    const aux: number[] = [];
    for (const i of g) {
      if (mark[sorted[i]] !== gi) { mark[sorted[i]] = gi; aux.push(sorted[i]); } // pprTopK includes it; be sure
      for (let k = top.indptr[i]; k < top.indptr[i + 1]; k++) {
        const v = top.nodes[k];
        if (mark[v] === gi) continue;
        mark[v] = gi;
        aux.push(v);
      }
    }
    const nodes = Int32Array.from(aux).sort();
    return inducedBatch(ctx, nodes, Int32Array.from(g, (i) => sorted[i]), scratch);
  });
}
