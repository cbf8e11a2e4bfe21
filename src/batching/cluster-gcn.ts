// Cluster-GCN baseline (Chiang et al. 2019): the graph partitioned once; each epoch a random merge of several parts
// per batch (the paper's "stochastic multiple partitions"), with the edges between the merged parts kept.

import { inducedSubgraph } from '../graph/build.js';
import { partitionGraph } from '../graph/partition/index.js';
import { Rng } from '../graph/rng.js';
import type { GraphContext } from '../nn/graph-context.js';
import { inducedScratch, type Batch } from './batch.js';
import { checkNodeSet } from './full.js';
import { lazyEpochs, type EpochBatches } from './lazy-epoch.js';

export interface ClusterGcnOptions {
  /** parts of the partition, an integer in [1, number of nodes] */
  readonly numParts: number;
  /** parts merged into one batch, an integer in [1, numParts] */
  readonly partsPerBatch: number;
  /** seeds the partition and every epoch's grouping */
  readonly seed: number;
  /** partition balance bound (>= 1); default partitionGraph's */
  readonly imbalance?: number;
}

export interface ClusterGcnSampler extends EpochBatches {
  /** part id of every node */
  readonly parts: Int32Array;
  /** ceil(numParts / partsPerBatch): batches of an epoch, at most (merges without train nodes are left out) */
  readonly batchesPerEpoch: number;
}

/** Cluster-GCN batches. The graph is partitioned once (partitionGraph, seeded by `seed`). Epoch e shuffles the
 *  part ids (Rng(seed).fork(1).fork(e)) and cuts them into runs of partsPerBatch; a batch is the subgraph induced
 *  on the union of its parts (sorted global ids), so edges BETWEEN the merged parts are kept, and its outputs are
 *  its train nodes (a batch without any is left out).
 *  Normalisation: no adjacency is prebuilt, so GraphContext derives 'gcn' from the batch graph, i.e.
 *  D^-1/2 (A_s + I) D^-1/2 renormalised on the merged subgraph, as Cluster-GCN does (it trains on the subgraph
 *  as if it were the whole graph; the paper's diagonal enhancement variants are not implemented). */
export function clusterGcnBatches(ctx: GraphContext, trainNodes: Int32Array, opts: ClusterGcnOptions): ClusterGcnSampler {
  const what = 'clusterGcnBatches';
  const n = ctx.numNodes;
  if (typeof opts !== 'object' || opts === null) throw new Error(`${what}: options must be an object {numParts, partsPerBatch, seed}`);
  const trainMask = checkNodeSet(trainNodes, n, `${what}: trainNodes`);
  const { numParts, partsPerBatch, seed } = opts;
  if (!Number.isInteger(numParts) || numParts < 1 || numParts > n) {
    throw new Error(`${what}: numParts must be an integer in [1, ${n}] (the number of nodes), got ${String(numParts)}`);
  }
  if (!Number.isInteger(partsPerBatch) || partsPerBatch < 1 || partsPerBatch > numParts) {
    throw new Error(`${what}: partsPerBatch must be an integer in [1, numParts = ${numParts}], got ${String(partsPerBatch)}`);
  }
  if (!Number.isFinite(seed)) throw new Error(`${what}: seed must be a finite number, got ${String(seed)}`);
  const parts = partitionGraph(ctx.graph, { parts: numParts, seed, imbalance: opts.imbalance });
  const members = nodesByPart(parts, numParts);
  const epochRoot = new Rng(seed).fork(1);
  const batchesPerEpoch = Math.ceil(numParts / partsPerBatch);
  const scratch = inducedScratch(n);
  function* draw(e: number): Generator<Batch> {
    const order = epochRoot.fork(e).shuffle(Int32Array.from({ length: numParts }, (_, i) => i));
    for (let s = 0; s < numParts; s += partsPerBatch) {
      const chosen = order.subarray(s, s + partsPerBatch);
      const size = chosen.reduce((acc, p) => acc + members[p].length, 0);
      const nodes = new Int32Array(size);
      let at = 0;
      for (const p of chosen) {
        nodes.set(members[p], at);
        at += members[p].length;
      }
      nodes.sort();
      const outputIndex = Int32Array.from(nodes.keys()).filter((i) => trainMask[nodes[i]] === 1);
      if (outputIndex.length === 0) continue;
      yield { nodes, graph: inducedSubgraph(ctx.graph, nodes, scratch).graph, outputIndex };
    }
  }
  return { parts, batchesPerEpoch, ...lazyEpochs(what, draw) };
}

/** Node ids of every part, ascending. */
function nodesByPart(parts: Int32Array, numParts: number): Int32Array[] {
  const count = new Int32Array(numParts);
  for (const p of parts) count[p]++;
  const members = Array.from(count, (c) => new Int32Array(c));
  count.fill(0);
  parts.forEach((p, v) => { members[p][count[p]++] = v; });
  return members;
}
