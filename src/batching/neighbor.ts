// Neighbour sampling (GraphSAGE; PyG NeighborLoader semantics): per-layer fanouts of in-neighbours sampled without
// replacement around a chunk of seed nodes; the batch graph holds the sampled edges only.

import { fromEdgeList } from '../graph/build.js';
import type { CsrGraph } from '../graph/csr.js';
import type { Rng } from '../graph/rng.js';
import type { GraphContext } from '../nn/graph-context.js';
import type { Batch } from './batch.js';
import { checkNodeSet } from './full.js';
import { lazyEpochs, type EpochBatches } from './lazy-epoch.js';

export interface NeighborSamplingOptions {
  /** seed (output) nodes per batch; an integer >= 1 (the last batch of an epoch may hold fewer) */
  readonly batchSize: number;
  /** in-neighbours sampled per node at hop 1, 2, ... (one entry per GNN layer): an integer >= 1, or -1 for all */
  readonly fanouts: readonly number[];
}

export interface NeighborSampler extends EpochBatches {
  readonly batchesPerEpoch: number;
}

/** Throws unless every fanout is an integer >= 1 or -1, and there is at least one. */
export function checkFanouts(fanouts: readonly number[], what = 'neighborSampling'): void {
  if (!Array.isArray(fanouts) || fanouts.length === 0) throw new Error(`${what}: fanouts must list at least one hop, got [${String(fanouts)}]`);
  fanouts.forEach((k, l) => {
    if (!Number.isInteger(k) || (k < 1 && k !== -1)) {
      throw new Error(`${what}: fanouts[${l}] must be an integer >= 1 or -1 (all neighbours), got ${k}`);
    }
  });
}

/** Reusable per-sampler scratch: global id -> local id (-1 when absent). */
function scratchFor(numNodes: number): Int32Array {
  return new Int32Array(numNodes).fill(-1);
}

/** Samples one batch around `seeds` (distinct global ids). Hop l samples, for every node first reached at hop
 *  l - 1 (the seeds at hop 0), up to fanouts[l - 1] of its in-neighbours (row entries) uniformly without
 *  replacement, all of them when it has fewer or the fanout is -1. Every sampled edge is kept, even into an
 *  already reached node (as PyG's NeighborSampler). Local ids: the seeds first (outputIndex = 0..seeds-1), then
 *  nodes in the order they were reached. No adjacency is prebuilt: the 'gcn' kind is then derived from the batch
 *  graph, i.e. D^-1/2 (A_s + I) D^-1/2 renormalised on the SAMPLED subgraph, which is what PyG's GCNConv computes
 *  on a NeighborLoader batch (the full graph's normalisation would not match the sampled degrees). */
export function sampleNeighborhood(g: CsrGraph, seeds: Int32Array, fanouts: readonly number[], rng: Rng, local?: Int32Array): Batch {
  checkFanouts(fanouts);
  if (seeds.length === 0) throw new Error('sampleNeighborhood: seeds is empty; expected at least one seed node');
  const map = local ?? scratchFor(g.rows);
  const nodes: number[] = [];
  const src: number[] = [];
  const dst: number[] = [];
  const reach = (u: number): number => {
    if (map[u] < 0) {
      map[u] = nodes.length;
      nodes.push(u);
    }
    return map[u];
  };
  try {
    for (let i = 0; i < seeds.length; i++) {
      const v = seeds[i];
      if (!Number.isInteger(v) || v < 0 || v >= g.rows) throw new Error(`sampleNeighborhood: seeds[${i}] = ${v} is out of range [0, ${g.rows})`);
      if (map[v] >= 0) throw new Error(`sampleNeighborhood: seed ${v} appears twice; expected distinct seeds`);
      reach(v);
    }
    let start = 0;
    let end = nodes.length;
    const swaps = new Map<number, number>();
    for (const k of fanouts) {
      for (let f = start; f < end; f++) {
        const v = nodes[f];
        const lo = g.indptr[v];
        const deg = g.indptr[v + 1] - lo;
        if (k === -1 || deg <= k) {
          for (let p = 0; p < deg; p++) { src.push(reach(g.indices[lo + p])); dst.push(f); }
          continue;
        }
        // partial Fisher-Yates over positions 0..deg-1, touched positions kept in a map: O(k), not O(deg)
        swaps.clear();
        for (let i = 0; i < k; i++) {
          const j = i + rng.nextInt(deg - i);
          const pick = swaps.get(j) ?? j;
          swaps.set(j, swaps.get(i) ?? i);
          src.push(reach(g.indices[lo + pick]));
          dst.push(f);
        }
      }
      start = end;
      end = nodes.length;
    }
  } finally {
    for (const u of nodes) map[u] = -1;
  }
  const n = nodes.length;
  const graph = fromEdgeList({ numNodes: n, src: Int32Array.from(src), dst: Int32Array.from(dst), what: 'sampled neighbourhood' });
  return { nodes: Int32Array.from(nodes), graph, outputIndex: Int32Array.from({ length: seeds.length }, (_, i) => i) };
}

/** Neighbour-sampling batches: each epoch shuffles `trainNodes` (with rng.fork(epoch)) and cuts them into
 *  chunks of batchSize seeds, so every train node is an output exactly once per epoch. */
export function neighborSamplingBatches(ctx: GraphContext, trainNodes: Int32Array, opts: NeighborSamplingOptions, rng: Rng): NeighborSampler {
  checkNodeSet(trainNodes, ctx.numNodes, 'neighborSampling: trainNodes');
  const { batchSize, fanouts } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`neighborSampling: batchSize must be an integer >= 1, got ${batchSize}`);
  checkFanouts(fanouts);
  const hops = [...fanouts];
  const local = scratchFor(ctx.numNodes);
  const batchesPerEpoch = Math.ceil(trainNodes.length / batchSize);
  function* draw(e: number): Generator<Batch> {
    const er = rng.fork(e);
    const perm = er.shuffle(Int32Array.from(trainNodes));
    for (let b = 0; b < batchesPerEpoch; b++) {
      yield sampleNeighborhood(ctx.graph, perm.subarray(b * batchSize, (b + 1) * batchSize), hops, er, local);
    }
  }
  return { batchesPerEpoch, ...lazyEpochs('neighborSampling', draw) };
}
