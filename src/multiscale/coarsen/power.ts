// Connectivity enhancement: the subgraph induced by kept nodes on A^p, by bounded BFS (A^p is never formed).

import { fromEdgeList, inducedSubgraph, removeSelfLoops, symmetrize } from '../../graph/build.js';
import { isSortedSymmetric, type CsrGraph } from '../../graph/csr.js';

/** Default refusal threshold for the estimated coarse edge count (about 4 GB of int32 edge arrays). */
export const DEFAULT_MAX_POWER_EDGES = 5e8;

/** Coarse graph on `nodes` (coarse id r = nodes[r]): r and s are linked when nodes[s] is within `power` hops of
 *  nodes[r] in the full graph (paths may pass through dropped nodes). Unit weights, symmetric, no self loops.
 *  power = 1 is the induced subgraph. Before the BFS, the edge count is estimated from up to 64 sampled kept
 *  nodes; an estimate above maxEdges throws (naming the estimate) instead of running out of memory. */
export function poweredSubgraph(graph: CsrGraph, nodes: Int32Array, power: number, maxEdges = DEFAULT_MAX_POWER_EDGES): CsrGraph {
  if (!Number.isInteger(power) || power < 1) throw new Error(`coarsen: power must be an integer >= 1, got ${power}`);
  const n = graph.rows;
  const m = nodes.length;
  if (power === 1) {
    // an induced subgraph of a symmetric loop-free graph is symmetric and loop-free (its rows come out sorted): only
    // its weights need dropping, and it is flagged so that no one checks its symmetry again (a redrawn level, every epoch)
    const sub = inducedSubgraph(graph, nodes).graph;
    return isSymmetricLoopFree(graph) ? { rows: sub.rows, cols: sub.cols, indptr: sub.indptr, indices: sub.indices, symmetric: true } : unitSymmetric(sub);
  }
  const local = new Int32Array(n).fill(-1);
  nodes.forEach((v, r) => (local[v] = r));
  const seen = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const estimate = estimatePoweredEdges(graph, nodes, local, power, seen, queue);
  if (estimate > maxEdges) {
    throw new Error(`coarsen: power ${power} would link about ${estimate.toExponential(2)} node pairs among ${m} kept nodes, ` +
      `more than the limit ${maxEdges.toExponential(2)} (maxPowerEdges); expected a smaller power or fewer kept nodes`);
  }
  seen.fill(-1);
  const src: number[] = [];
  const dst: number[] = [];
  for (let r = 0; r < m; r++) ball(graph, nodes[r], power, r, seen, queue, local, (s) => { src.push(s); dst.push(r); });
  const g = fromEdgeList({ numNodes: m, src: Int32Array.from(src), dst: Int32Array.from(dst), what: 'A^p coarse graph' });
  return unitSymmetric(g);
}

/** Estimated edge count of the coarse graph on `nodes` (local[v]: v's coarse id, -1 if dropped) over A^power, before
 *  it is built: the mean number of kept nodes within `power` hops of up to 64 evenly spaced kept nodes, times m.
 *  `seen` (all -1) and `queue` are scratch of length graph.rows. */
export function estimatePoweredEdges(
  graph: CsrGraph, nodes: Int32Array, local: Int32Array, power: number, seen: Int32Array, queue: Int32Array,
): number {
  const m = nodes.length;
  const probe = Math.min(m, 64);
  let hits = 0;
  for (let t = 0; t < probe; t++) hits += ball(graph, nodes[Math.floor((t * m) / probe)], power, t, seen, queue, local, null);
  return probe === 0 ? 0 : (hits / probe) * m;
}

/** Bounded BFS: calls visit(v) for every node v within `hops` of `start` (start excluded), marking visits in
 *  `seen` with `stamp` (so one `seen` array serves many balls); `queue` holds at least graph.rows entries. */
export function visitBall(
  graph: CsrGraph, start: number, hops: number, stamp: number, seen: Int32Array, queue: Int32Array, visit: (v: number) => void,
): void {
  let head = 0;
  let tail = 0;
  queue[tail++] = start;
  seen[start] = stamp;
  for (let h = 0; h < hops && head < tail; h++) {
    const end = tail;
    for (; head < end; head++) {
      const u = queue[head];
      for (let k = graph.indptr[u]; k < graph.indptr[u + 1]; k++) {
        const v = graph.indices[k];
        if (seen[v] === stamp) continue;
        seen[v] = stamp;
        queue[tail++] = v;
        visit(v);
      }
    }
  }
}

/** visitBall counting the kept nodes reached (local id >= 0), calling onKept(local id) for each. */
function ball(
  graph: CsrGraph, start: number, hops: number, stamp: number, seen: Int32Array, queue: Int32Array, local: Int32Array,
  onKept: ((s: number) => void) | null,
): number {
  let count = 0;
  visitBall(graph, start, hops, stamp, seen, queue, (v) => {
    if (local[v] >= 0) {
      count++;
      onKept?.(local[v]);
    }
  });
  return count;
}

const symmetricLoopFree = new WeakMap<CsrGraph, boolean>();

/** Whether every row's columns are strictly increasing. */
function rowsSorted(g: CsrGraph): boolean {
  for (let i = 0; i < g.rows; i++) for (let k = g.indptr[i] + 1; k < g.indptr[i + 1]; k++) if (g.indices[k] <= g.indices[k - 1]) return false;
  return true;
}

/** Whether no entry of `g` is on the diagonal. */
function loopFree(g: CsrGraph): boolean {
  for (let i = 0; i < g.rows; i++) for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) if (g.indices[k] === i) return false;
  return true;
}

/** Whether every edge (i, j) has its reverse (j, i), for rows in any order: a search of row j per edge. */
function everyEdgeMirrored(g: CsrGraph): boolean {
  for (let i = 0; i < g.rows; i++) {
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) {
      const j = g.indices[k];
      if (!g.indices.subarray(g.indptr[j], g.indptr[j + 1]).includes(i)) return false;
    }
  }
  return true;
}

/** Whether every edge (i, j) of `g` has its reverse (j, i) and none is a self loop. Checked once per graph: redrawn
 *  levels induce a subgraph of the same graph every epoch, and such a subgraph then needs no symmetrising. Sorted
 *  rows (the loaders' graphs) take isSortedSymmetric's one pass instead of a search per edge (1M-node graph, topk
 *  levels: the hierarchy_build_s of a multiscale report 3.1 -> 1.4 s with the counting sort in select.ts). */
export function isSymmetricLoopFree(g: CsrGraph): boolean {
  let known = symmetricLoopFree.get(g);
  if (known === undefined) {
    // isSortedSymmetric is false for unsorted rows too: only those are searched entry by entry
    const structure = { rows: g.rows, cols: g.cols, indptr: g.indptr, indices: g.indices };
    known = loopFree(g) && (isSortedSymmetric(structure) || (!rowsSorted(g) && everyEdgeMirrored(g)));
    symmetricLoopFree.set(g, known);
  }
  return known;
}

/** Unit weights, symmetrised, self loops removed. */
export function unitSymmetric(g: CsrGraph): CsrGraph {
  const plain: CsrGraph = { rows: g.rows, cols: g.cols, indptr: g.indptr, indices: g.indices };
  return removeSelfLoops(symmetrize(plain));
}
