// Heavy-edge matching and graph contraction: the coarsening step shared by the multilevel partitioner and by
// multiscale training (merge matched node pairs into one coarse node, sum the edge weights between them).

import { sortedRows } from '../build.js';
import type { CsrGraph } from '../csr.js';
import type { Rng } from '../rng.js';

export interface MatchingOptions {
  /** decides the order in which nodes pick a partner */
  readonly rng: Rng;
  /** no pair may weigh more than this together (such pairs stay unmatched); default Infinity */
  readonly maxNodeWeight?: number;
  /** weight of each node, length = graph.rows; default 1 each */
  readonly nodeWeights?: ArrayLike<number>;
  /** After the edge matching, also pair still-unmatched nodes of degree <= twoHopMaxDegree that share a
   *  neighbour, and unmatched isolated nodes with each other (METIS's "2-hop" matching: on power-law graphs the
   *  many leaves of one hub cannot all match the hub, and coarsening would stall). Such pairs are NOT adjacent.
   *  Default false: every pair is an edge. */
  readonly twoHop?: boolean;
  /** the 2-hop phase runs only when more than this fraction of the nodes is unmatched after the edge phase;
   *  default 0.1 (as METIS) */
  readonly twoHopMinUnmatched?: number;
  /** only nodes of at most this degree are paired by the 2-hop phase; default 64 */
  readonly twoHopMaxDegree?: number;
  /** when given (one id per node), only nodes with the same id are paired, e.g. the parts of an existing
   *  partition, so that contraction keeps it representable on the coarse graph */
  readonly groups?: Int32Array;
}

export interface Matching {
  /** partner of each node, or the node itself when unmatched; match[match[i]] === i */
  readonly match: Int32Array;
  /** coarse node of each fine node; coarse ids follow the smallest fine id of each pair */
  readonly coarseOf: Int32Array;
  readonly numCoarse: number;
}

export interface Contracted {
  /** the coarse graph: entry (a, b) = summed weight of the fine edges between a's and b's members, a != b */
  readonly graph: CsrGraph;
  /** summed weight of each coarse node's members */
  readonly nodeWeights: Float64Array;
}

export interface ContractOptions {
  /** sort the columns of every coarse row (sortedRows); default true. The partitioner skips it. */
  readonly sortRows?: boolean;
}

function checkNodeWeights(w: ArrayLike<number> | undefined, n: number, fn: string): void {
  if (w === undefined) return;
  if (w.length !== n) throw new Error(`${fn}: nodeWeights has length ${w.length}, expected one per node (${n})`);
  for (let i = 0; i < n; i++) {
    if (!(w[i] >= 0) || !Number.isFinite(w[i])) {
      throw new Error(`${fn}: nodeWeights[${i}] is ${w[i]}, expected a finite non-negative number`);
    }
  }
}

/** Heavy-edge matching of a symmetric graph (self loops ignored, missing values = weight 1). Nodes are visited
 *  in a random order from `rng`; each still-unmatched node is matched with its unmatched neighbour of heaviest
 *  edge weight (ties: the lighter neighbour, then the first in row order) whose combined weight stays within
 *  maxNodeWeight. O(E). Deterministic for the generator's state. */
export function heavyEdgeMatching(graph: CsrGraph, opts: MatchingOptions): Matching {
  const fn = 'heavyEdgeMatching';
  if (graph.rows !== graph.cols) throw new Error(`${fn}: graph must be square, got [${graph.rows}, ${graph.cols}]`);
  const n = graph.rows;
  const maxW = opts.maxNodeWeight ?? Infinity;
  if (!(maxW > 0)) throw new Error(`${fn}: maxNodeWeight must be a positive number, got ${opts.maxNodeWeight}`);
  const maxDeg2 = opts.twoHopMaxDegree ?? 64;
  if (!Number.isInteger(maxDeg2) || maxDeg2 < 1) {
    throw new Error(`${fn}: twoHopMaxDegree must be a positive integer, got ${opts.twoHopMaxDegree}`);
  }
  checkNodeWeights(opts.nodeWeights, n, fn);
  const groups = opts.groups;
  if (groups && groups.length !== n) throw new Error(`${fn}: groups has length ${groups.length}, expected ${n}`);
  const vw = opts.nodeWeights;
  const wt = (i: number): number => (vw ? vw[i] : 1);
  const { indptr, indices, values } = graph;

  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  opts.rng.shuffle(perm);
  const match = new Int32Array(n).fill(-1);
  for (let t = 0; t < n; t++) {
    const u = perm[t];
    if (match[u] !== -1) continue;
    const wu = wt(u);
    let best = -1;
    let bestW = -Infinity;
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      const v = indices[k];
      if (v === u || match[v] !== -1 || wu + wt(v) > maxW || (groups && groups[v] !== groups[u])) continue;
      const w = values ? values[k] : 1;
      if (w > bestW || (w === bestW && wt(v) < wt(best))) {
        best = v;
        bestW = w;
      }
    }
    if (best >= 0) {
      match[u] = best;
      match[best] = u;
    }
  }
  if (opts.twoHop) {
    let unmatched = 0;
    for (let i = 0; i < n; i++) if (match[i] === -1) unmatched++;
    if (unmatched > (opts.twoHopMinUnmatched ?? 0.1) * n) matchTwoHop(graph, perm, match, wt, maxW, maxDeg2, groups);
  }
  for (let i = 0; i < n; i++) if (match[i] === -1) match[i] = i;

  const coarseOf = new Int32Array(n);
  let numCoarse = 0;
  for (let i = 0; i < n; i++) {
    const j = match[i];
    if (j >= i) {
      coarseOf[i] = numCoarse;
      coarseOf[j] = numCoarse;
      numCoarse++;
    }
  }
  return { match, coarseOf, numCoarse };
}

/** Pairs unmatched low-degree nodes that share a neighbour h (scanning each h's row once: O(E)), then unmatched
 *  isolated nodes with each other. */
function matchTwoHop(
  graph: CsrGraph, perm: Int32Array, match: Int32Array, wt: (i: number) => number, maxW: number, maxDeg: number,
  groups: Int32Array | undefined,
): void {
  const fits = (a: number, b: number): boolean => wt(a) + wt(b) <= maxW && (!groups || groups[a] === groups[b]);
  const { indptr, indices } = graph;
  const n = graph.rows;
  const deg = (i: number): number => indptr[i + 1] - indptr[i];
  // matches v with the node held back so far if they fit together; returns the node now held back (-1: none)
  const pairOrHold = (pending: number, v: number): number => {
    if (pending >= 0 && fits(pending, v)) {
      match[pending] = v;
      match[v] = pending;
      return -1;
    }
    return v;
  };
  for (let t = 0; t < n; t++) {
    const h = perm[t];
    let pending = -1;
    for (let k = indptr[h]; k < indptr[h + 1]; k++) {
      const v = indices[k];
      if (v === h || match[v] !== -1 || deg(v) > maxDeg) continue;
      pending = pairOrHold(pending, v);
    }
  }
  let pending = -1;
  for (let t = 0; t < n; t++) {
    const v = perm[t];
    if (match[v] !== -1 || deg(v) !== 0) continue;
    pending = pairOrHold(pending, v);
  }
}

/** Contracts a graph along any fine -> coarse map: coarse edge weights are summed fine edge weights, edges inside
 *  one coarse node are dropped, node weights are summed (nodeWeights default: 1 each). The coarse graph is
 *  always weighted (Float64Array values). O(E). */
export function contract(
  graph: CsrGraph, coarseOf: Int32Array, numCoarse: number, nodeWeights?: ArrayLike<number>, opts: ContractOptions = {},
): Contracted {
  const fn = 'contract';
  const n = graph.rows;
  if (graph.rows !== graph.cols) throw new Error(`${fn}: graph must be square, got [${graph.rows}, ${graph.cols}]`);
  if (coarseOf.length !== n) throw new Error(`${fn}: coarseOf has length ${coarseOf.length}, expected ${n}`);
  if (!Number.isInteger(numCoarse) || numCoarse < 0) {
    throw new Error(`${fn}: numCoarse must be a non-negative integer, got ${numCoarse}`);
  }
  checkNodeWeights(nodeWeights, n, fn);
  const cw = new Float64Array(numCoarse);
  const start = new Int32Array(numCoarse + 1);
  for (let i = 0; i < n; i++) {
    const c = coarseOf[i];
    if (!(c >= 0 && c < numCoarse)) throw new Error(`${fn}: coarseOf[${i}] = ${c} is out of range [0, ${numCoarse})`);
    cw[c] += nodeWeights ? nodeWeights[i] : 1;
    start[c + 1]++;
  }
  for (let c = 0; c < numCoarse; c++) start[c + 1] += start[c];
  const members = new Int32Array(n);
  const fill = start.slice(0, numCoarse);
  for (let i = 0; i < n; i++) members[fill[coarseOf[i]]++] = i;

  const { indptr, indices, values } = graph;
  const total = indptr[n];
  const outPtr = new Int32Array(numCoarse + 1);
  const outIdx = new Int32Array(total);
  const outVal = new Float64Array(total);
  const slot = new Int32Array(numCoarse).fill(-1); // position of coarse column in the current row, if >= rowStart
  let w = 0;
  for (let c = 0; c < numCoarse; c++) {
    const rowStart = w;
    for (let m = start[c]; m < start[c + 1]; m++) {
      const u = members[m];
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const d = coarseOf[indices[k]];
        if (d === c) continue;
        const ew = values ? values[k] : 1;
        const p = slot[d];
        if (p >= rowStart) {
          outVal[p] += ew;
        } else {
          slot[d] = w;
          outIdx[w] = d;
          outVal[w] = ew;
          w++;
        }
      }
    }
    outPtr[c + 1] = w;
  }
  let coarse: CsrGraph = {
    rows: numCoarse, cols: numCoarse, indptr: outPtr, indices: outIdx.slice(0, w), values: outVal.slice(0, w),
  };
  if (opts.sortRows ?? true) coarse = sortedRows(coarse);
  return { graph: coarse, nodeWeights: cw };
}
