// The coarse-level type every coarsening method returns, and the helpers that restrict data to kept nodes.

import { gatherInput } from '../batching/materialize.js';
import type { CsrGraph } from '../graph/csr.js';
import type { Split } from '../graph/dataset.js';
import { GraphContext } from '../nn/graph-context.js';
import type { PreparedData } from '../train/prepare.js';

export const COARSEN_METHODS = ['random', 'topk', 'subgraph', 'rns', 'matching'] as const;
export type CoarsenMethod = (typeof COARSEN_METHODS)[number];

/** What coarsening reads: the full graph's prepared data (features, graph, labels) and its split. */
export interface CoarsenInput {
  readonly data: PreparedData;
  readonly split: Split;
}

export interface CoarsenOptions {
  /** nodes kept per level: level l keeps m = floor(n * ratio^l); default 0.5 */
  readonly ratio?: number;
  /** connectivity enhancement: link kept nodes within `power` hops of each other (A^p); default 1 */
  readonly power?: number;
  /** refuse A^p when the estimated coarse edge count exceeds this; default 5e8 */
  readonly maxPowerEdges?: number;
}

/** One level of the hierarchy. Selection methods: P (n x m) has one 1 per column, column r picks full node
 *  nodes[r]; merging: column c of P averages the members of coarse node c (P^T X = mean of members' rows). */
export interface CoarseLevel {
  readonly level: number;
  readonly method: CoarsenMethod | 'full';
  /** full-graph id of each coarse node for selection methods (sorted ascending for random/topk, BFS order for
   *  subgraph); null for merging, where a coarse node has several members */
  readonly nodes: Int32Array | null;
  /** length n (full graph): the coarse node that represents each full node, -1 when it was not kept */
  readonly coarseOf: Int32Array;
  /** the level's prepared data: features X_c = P^T X, graph (symmetric, no self loops), labels y_c */
  readonly data: PreparedData;
  /** the split restricted to the level, in coarse ids */
  readonly split: Split;
  /** seconds spent building this level */
  readonly buildS: number;
}

/** Level 0: the full graph itself, identity map. */
export function fullLevel(input: CoarsenInput): CoarseLevel {
  const n = input.data.ctx.numNodes;
  const id = Int32Array.from({ length: n }, (_, i) => i);
  return { level: 0, method: 'full', nodes: id, coarseOf: id, data: input.data, split: input.split, buildS: 0 };
}

/** Split nodes that are kept, renumbered to coarse ids (ascending). */
export function restrictNodes(ids: Int32Array, coarseOf: Int32Array): Int32Array {
  const out: number[] = [];
  for (const v of ids) if (coarseOf[v] >= 0) out.push(coarseOf[v]);
  return Int32Array.from(out).sort();
}

/** Builds the level of a selection method from its kept nodes and coarse graph; dense feature rows are gathered into
 *  `into` when it is given (and long enough: a spare buffer of an earlier draw). */
export function selectionLevel(
  input: CoarsenInput, level: number, method: CoarsenMethod, nodes: Int32Array, graph: CsrGraph, buildS: number,
  into?: Float32Array | Float64Array,
): CoarseLevel {
  const n = input.data.ctx.numNodes;
  const coarseOf = new Int32Array(n).fill(-1);
  nodes.forEach((v, r) => (coarseOf[v] = r));
  const split: Split = {
    train: restrictNodes(input.split.train, coarseOf),
    val: restrictNodes(input.split.val, coarseOf),
    test: restrictNodes(input.split.test, coarseOf),
  };
  const d = input.data;
  const data: PreparedData = {
    x: gatherInput(d.x, nodes, into && into.length >= nodes.length * d.x.cols ? into : undefined),
    ctx: new GraphContext(graph, d.ctx.dtype),
    labels: Int32Array.from(nodes, (v) => d.labels[v]),
    numClasses: d.numClasses,
    layout: d.layout,
  };
  return { level, method, nodes, coarseOf, data, split, buildS };
}

/** Throws when a level has no training node (its loss would be undefined). */
export function requireTrainNodes(lv: CoarseLevel, what: string): void {
  if (lv.split.train.length === 0) {
    throw new Error(`${what}: level ${lv.level} keeps ${lv.data.ctx.numNodes} nodes but no training node; ` +
      'expected at least one (use a larger ratio or fewer levels)');
  }
}
