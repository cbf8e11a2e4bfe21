// The one Batch type every mini-batching method produces: a subgraph, its node ids, and which rows are outputs.

import { inducedSubgraph } from '../graph/build.js';
import type { CsrGraph, CsrMatrix } from '../graph/csr.js';
import type { AdjacencyKind, GraphContext } from '../nn/graph-context.js';

export interface Batch {
  /** global id of each local node: local row r is global node nodes[r] */
  readonly nodes: Int32Array;
  /** subgraph structure in local ids (row i = in-neighbours of i), no self loops */
  readonly graph: CsrGraph;
  /** adjacency variants computed elsewhere, e.g. the slice of the FULL graph's GCN normalisation (IBMB),
   *  or a sampler's normalised weights (GraphSAINT); missing kinds are derived from `graph` */
  readonly adjacency?: Partial<Record<AdjacencyKind, CsrMatrix>>;
  /** local rows whose outputs the loss (or the evaluation) uses, in order */
  readonly outputIndex: Int32Array;
  /** per output row, a loss weight (GraphSAINT's normalisation); uniform when absent */
  readonly lossWeights?: Float32Array;
}

/** Global ids of a batch's output nodes. */
export function outputNodes(b: Batch): Int32Array {
  return Int32Array.from(b.outputIndex, (r) => b.nodes[r]);
}

/** The subgraph induced on `nodes` with the full graph's GCN normalisation sliced (not re-normalised), and
 *  outputs given as global ids (each must be among `nodes`). `scratch`: see inducedSubgraph; pass one
 *  (inducedScratch) when building many batches. */
export function inducedBatch(full: GraphContext, nodes: Int32Array, outputs: Int32Array, scratch = inducedScratch(full.numNodes)): Batch {
  const graph = inducedSubgraph(full.graph, nodes, scratch).graph;
  const fullGcn = full.adjacency('gcn');
  const sliced = inducedSubgraph(fullGcn, nodes, scratch).graph;
  // a symmetric matrix's submatrix on ascending nodes keeps ascending rows and mirrored values
  const gcn = fullGcn.symmetric && ascending(nodes) ? { ...sliced, symmetric: true } : sliced;
  return { nodes, graph, adjacency: { gcn }, outputIndex: localIndex(nodes, outputs) };
}

function ascending(nodes: Int32Array): boolean {
  for (let r = 1; r < nodes.length; r++) if (nodes[r] <= nodes[r - 1]) return false;
  return true;
}

/** Reusable global -> local scratch for inducedSubgraph / inducedBatch: all -1, one entry per node. */
export function inducedScratch(numNodes: number): Int32Array {
  return new Int32Array(numNodes).fill(-1);
}

/** Local positions of `outputs` inside `nodes`; throws if one is missing. */
export function localIndex(nodes: Int32Array, outputs: Int32Array): Int32Array {
  const pos = new Map<number, number>();
  nodes.forEach((v, r) => pos.set(v, r));
  return Int32Array.from(outputs, (v) => {
    const r = pos.get(v);
    if (r === undefined) throw new Error(`batch: output node ${v} is not among the batch's nodes`);
    return r;
  });
}

/** Checks a batch's internal consistency; names the broken field. */
export function validateBatch(b: Batch, numNodes: number, what = 'batch'): void {
  if (b.graph.rows !== b.nodes.length || b.graph.cols !== b.nodes.length) {
    throw new Error(`${what}: graph is [${b.graph.rows}, ${b.graph.cols}] but the batch has ${b.nodes.length} nodes`);
  }
  for (const v of b.nodes) if (v < 0 || v >= numNodes) throw new Error(`${what}: node id ${v} out of range [0, ${numNodes})`);
  if (b.outputIndex.length === 0) throw new Error(`${what}: no output nodes`);
  for (const r of b.outputIndex) if (r < 0 || r >= b.nodes.length) throw new Error(`${what}: output row ${r} out of range [0, ${b.nodes.length})`);
  if (b.lossWeights && b.lossWeights.length !== b.outputIndex.length) {
    throw new Error(`${what}: ${b.lossWeights.length} loss weights for ${b.outputIndex.length} outputs`);
  }
}
