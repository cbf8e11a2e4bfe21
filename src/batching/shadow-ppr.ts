// ShaDow-GNN baseline with PPR neighbourhoods (Zeng et al. 2021): every target gets its own subgraph, induced on
// its top-k PPR nodes; a batch is the disjoint (block-diagonal) union of the subgraphs of several targets.

import type { CsrGraph } from '../graph/csr.js';
import { pprTopK } from '../graph/ppr/index.js';
import { Rng } from '../graph/rng.js';
import type { GraphContext } from '../nn/graph-context.js';
import type { Batch } from './batch.js';
import { checkNodeSet } from './full.js';
import { lazyEpochs, type EpochBatches } from './lazy-epoch.js';
import { pprGraphOf, pprOptions } from './ibmb-node.js';

export interface ShadowPprOptions {
  /** PPR teleport probability, in (0, 1); default 0.25 */
  readonly alpha?: number;
  /** push threshold, > 0; default 2e-4 */
  readonly eps?: number;
  /** PPR nodes per target subgraph (the target itself is always added); integer >= 1, default 16 */
  readonly topk?: number;
  /** targets per batch, an integer >= 1 (the last batch of an epoch may hold fewer) */
  readonly batchSize: number;
  /** seeds every epoch's shuffle of the targets */
  readonly seed: number;
  /** worker threads for the PPR push; results do not depend on it */
  readonly threads?: number;
  /** pprTopK's minSourcesPerThread (fewer sources per thread than this are run on fewer threads) */
  readonly minSourcesPerThread?: number;
}

export interface ShadowPprSampler extends EpochBatches {
  readonly batchesPerEpoch: number;
}

/** All targets' subgraphs, concatenated: target t owns nodes[nodePtr[t]..nodePtr[t+1]) (sorted global ids) and
 *  edges[edgePtr[t]..edgePtr[t+1]) of a CSR in local ids whose row pointers are rowPtr[nodePtr[t]..]. */
interface Subgraphs {
  nodes: Int32Array;
  nodePtr: Int32Array;
  /** per local row (indexed like nodes): number of entries */
  rowLen: Int32Array;
  indices: Int32Array;
  edgePtr: Int32Array;
  /** local row of each target within its own subgraph */
  center: Int32Array;
}

/** ShaDow batches with PPR neighbourhoods. Target t's subgraph is the one induced (ctx.graph's structure, values
 *  dropped) on its top-k PPR nodes plus t, in sorted global ids; computed once here. Each epoch shuffles the
 *  targets (Rng(seed).fork(e)) and cuts them into batches of batchSize; a batch is the block-diagonal union of its
 *  targets' subgraphs, so `nodes` may hold a global id several times (one local row per copy; features are
 *  gathered per row), and its outputs are each target's own row, in the shuffled order.
 *  Readout: the target node's own embedding (ShaDow's 'center' readout), not a pooling over the subgraph.
 *  Normalisation: nothing prebuilt, so GraphContext derives 'gcn' on the batch graph, which for a block-diagonal
 *  graph is each subgraph's own D^-1/2 (A_s + I) D^-1/2 (ShaDow runs the GNN on each subgraph as a graph). */
export async function shadowPprBatches(ctx: GraphContext, targets: Int32Array, opts: ShadowPprOptions): Promise<ShadowPprSampler> {
  const what = 'shadowPprBatches';
  if (typeof opts !== 'object' || opts === null) throw new Error(`${what}: options must be an object {batchSize, seed, alpha?, eps?, topk?}`);
  const ppr = pprOptions(opts, what);
  const { batchSize, seed } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${what}: batchSize must be an integer >= 1, got ${String(batchSize)}`);
  if (!Number.isFinite(seed)) throw new Error(`${what}: seed must be a finite number, got ${String(seed)}`);
  checkNodeSet(targets, ctx.numNodes, `${what}: targets`);
  const top = await pprTopK(pprGraphOf(ctx.graph), targets, { ...ppr, threads: opts.threads, minSourcesPerThread: opts.minSourcesPerThread });
  const subs = buildSubgraphs(ctx.graph, targets, top.indptr, top.nodes);
  const root = new Rng(seed);
  const batchesPerEpoch = Math.ceil(targets.length / batchSize);
  function* draw(e: number): Generator<Batch> {
    const order = root.fork(e).shuffle(Int32Array.from({ length: targets.length }, (_, i) => i));
    for (let s = 0; s < targets.length; s += batchSize) yield unionBatch(subs, order.subarray(s, s + batchSize));
  }
  return { batchesPerEpoch, ...lazyEpochs(what, draw) };
}

/** Induced subgraphs of every target's node set (sets given as CSR rows setPtr/setNodes), one scratch map. */
function buildSubgraphs(g: CsrGraph, targets: Int32Array, setPtr: Int32Array, setNodes: Int32Array): Subgraphs {
  const local = new Int32Array(g.rows).fill(-1);
  const m = targets.length;
  const nodePtr = new Int32Array(m + 1);
  const nodes = new Int32Array(setNodes.length + m); // room for a target missing from its own set
  const rowLen = new Int32Array(nodes.length);
  const center = new Int32Array(m);
  const edgePtr = new Int32Array(m + 1);
  let indices: Int32Array = new Int32Array(Math.max(16, setNodes.length * 4));
  let at = 0;
  let ne = 0;
  for (let t = 0; t < m; t++) {
    const set = Array.from(setNodes.subarray(setPtr[t], setPtr[t + 1]));
    if (!set.includes(targets[t])) set.push(targets[t]);
    set.sort((x, y) => x - y);
    set.forEach((v, r) => { local[v] = r; nodes[at + r] = v; });
    center[t] = local[targets[t]];
    for (let r = 0; r < set.length; r++) {
      const v = set[r];
      const before = ne;
      for (let k = g.indptr[v]; k < g.indptr[v + 1]; k++) {
        const l = local[g.indices[k]];
        if (l < 0) continue;
        if (ne === indices.length) indices = grow(indices);
        indices[ne++] = l;
      }
      indices.subarray(before, ne).sort();
      rowLen[at + r] = ne - before;
    }
    for (const v of set) local[v] = -1;
    at += set.length;
    nodePtr[t + 1] = at;
    edgePtr[t + 1] = ne;
  }
  return { nodes: nodes.slice(0, at), nodePtr, rowLen: rowLen.slice(0, at), indices: indices.slice(0, ne), edgePtr, center };
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Block-diagonal batch of the subgraphs of targets `chosen` (target positions), in that order. */
function unionBatch(s: Subgraphs, chosen: Int32Array): Batch {
  let numNodes = 0;
  let numEdges = 0;
  for (const t of chosen) {
    numNodes += s.nodePtr[t + 1] - s.nodePtr[t];
    numEdges += s.edgePtr[t + 1] - s.edgePtr[t];
  }
  const nodes = new Int32Array(numNodes);
  const indptr = new Int32Array(numNodes + 1);
  const indices = new Int32Array(numEdges);
  const outputIndex = new Int32Array(chosen.length);
  let row = 0;
  let e = 0;
  chosen.forEach((t, i) => {
    const lo = s.nodePtr[t];
    const hi = s.nodePtr[t + 1];
    nodes.set(s.nodes.subarray(lo, hi), row);
    outputIndex[i] = row + s.center[t];
    for (let k = s.edgePtr[t]; k < s.edgePtr[t + 1]; k++) indices[e++] = s.indices[k] + row;
    for (let r = lo; r < hi; r++) {
      indptr[row + 1] = indptr[row] + s.rowLen[r];
      row++;
    }
  });
  return { nodes, graph: { rows: numNodes, cols: numNodes, indptr, indices }, outputIndex };
}
