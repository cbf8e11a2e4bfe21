// Node-selection coarsening (one 1 per column of P): random, top-k degree and capped ego-network subgraphs.

import type { CsrGraph } from '../../graph/csr.js';
import type { Rng } from '../../graph/rng.js';

/** m nodes uniformly at random without replacement (partial Fisher-Yates), sorted ascending. */
export function selectRandom(n: number, m: number, rng: Rng): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.nextInt(n - i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return ascending(perm.subarray(0, m), n);
}

/** Distinct ids in [0, n), ascending: marked and scanned, O(n), where sorting them cost more (a redraw every epoch). */
function ascending(ids: Int32Array, n: number): Int32Array {
  const kept = new Uint8Array(n);
  for (const v of ids) kept[v] = 1;
  const out = new Int32Array(ids.length);
  for (let v = 0, w = 0; v < n; v++) if (kept[v]) out[w++] = v;
  return out;
}

/** Every node by degree, highest first (ties: lower id), per graph: selectTopk runs once per level and per check. */
const degreeOrders = new WeakMap<CsrGraph, Int32Array>();

/** The m nodes of highest degree (entries per row; ties: lower id), sorted ascending. Nested: the top m' of a
 *  smaller m' are among the top m. */
export function selectTopk(graph: CsrGraph, m: number): Int32Array {
  let order = degreeOrders.get(graph);
  if (order === undefined) {
    order = byDegreeDescending(graph);
    degreeOrders.set(graph, order);
  }
  return ascending(order.subarray(0, m), graph.rows);
}

/** Node ids by degree, highest first, ties by lower id: a counting sort (degrees are small integers). */
function byDegreeDescending(graph: CsrGraph): Int32Array {
  const n = graph.rows;
  const { indptr } = graph;
  let maxDeg = 0;
  for (let i = 0; i < n; i++) maxDeg = Math.max(maxDeg, indptr[i + 1] - indptr[i]);
  const start = new Int32Array(maxDeg + 2); // start[maxDeg - d + 1] counts degree d, then becomes its first slot
  for (let i = 0; i < n; i++) start[maxDeg - (indptr[i + 1] - indptr[i]) + 1]++;
  for (let b = 1; b < start.length; b++) start[b] += start[b - 1];
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[start[maxDeg - (indptr[i + 1] - indptr[i])]++] = i;
  return order;
}

/** Hops of the ego network at a level: 6 at level 1, 4 at level 2, 2 beyond (the reference code's choice). */
export function subgraphHops(level: number): number {
  return level <= 1 ? 6 : level === 2 ? 4 : 2;
}

/** Ego network of `seed`: BFS over in-neighbour rows up to `hops`, stopping once `cap` nodes are reached;
 *  nodes in BFS order (seed first). */
export function egoNetwork(graph: CsrGraph, seed: number, hops: number, cap: number): Int32Array {
  const seen = new Uint8Array(graph.rows);
  const out = new Int32Array(Math.min(cap, graph.rows));
  let tail = 0;
  out[tail++] = seed;
  seen[seed] = 1;
  let head = 0;
  for (let h = 0; h < hops && head < tail && tail < cap; h++) {
    const end = tail;
    for (; head < end && tail < cap; head++) {
      const u = out[head];
      for (let k = graph.indptr[u]; k < graph.indptr[u + 1] && tail < cap; k++) {
        const v = graph.indices[k];
        if (seen[v]) continue;
        seen[v] = 1;
        out[tail++] = v;
      }
    }
  }
  return out.slice(0, tail);
}

/** Ego network of a training node chosen uniformly at random (so the level always has a training node),
 *  capped at m nodes. */
export function selectSubgraph(graph: CsrGraph, train: Int32Array, level: number, m: number, rng: Rng): Int32Array {
  if (train.length === 0) throw new Error('coarsen subgraph: the split has no training node to seed the ego network');
  const seed = train[rng.nextInt(train.length)];
  return egoNetwork(graph, seed, subgraphHops(level), m);
}
