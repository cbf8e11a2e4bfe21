// Average local clustering coefficient, exact on small graphs and estimated from a seeded node sample on large ones:
// how much of a node's neighbourhood is closed into triangles, i.e. how local the graph's structure is (PPR top-k
// neighbourhoods hold more of a node's receptive field on clustered graphs).

import type { CsrGraph } from './csr.js';
import { Rng } from './rng.js';

export interface ClusteringEstimate {
  /** mean over the measured nodes of triangles(u) / (d(u) (d(u) - 1) / 2), 0 for d(u) < 2 (networkx's convention);
   *  d(u) counts distinct neighbours other than u, in either direction of a stored entry (rows are neighbour lists) */
  readonly average: number;
  /** nodes measured: all of them, or a uniform sample drawn with `seed` */
  readonly nodes: number;
  readonly sampled: boolean;
}

/** Local clustering of the first `sample` nodes of a seeded random order (all nodes when the graph has at most
 *  `sample`). Cost: the sum over sampled nodes of their neighbours' degrees. */
export function averageClustering(g: CsrGraph, sample = 10000, seed = 0): ClusteringEstimate {
  if (!Number.isInteger(sample) || sample < 1) throw new Error(`clustering: sample must be a positive integer, got ${sample}`);
  const n = g.rows;
  if (n === 0) return { average: 0, nodes: 0, sampled: false };
  const sampled = n > sample;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (sampled) new Rng(seed).shuffle(order);
  const count = Math.min(n, sample);
  const mark = new Int32Array(n).fill(-1);
  const seen = new Int32Array(n).fill(-1); // per (u, v) visit: skips repeated entries of v's row
  let visit = 0;
  let sum = 0;
  for (let s = 0; s < count; s++) {
    const u = order[s];
    let d = 0;
    for (let k = g.indptr[u]; k < g.indptr[u + 1]; k++) {
      const v = g.indices[k];
      if (v !== u && mark[v] !== u) { mark[v] = u; d++; }
    }
    if (d < 2) continue;
    // each triangle (u, v, w) is seen from v and from w; a neighbour's repeated entries are skipped by a second mark
    let closed = 0;
    for (let k = g.indptr[u]; k < g.indptr[u + 1]; k++) {
      const v = g.indices[k];
      if (v === u || mark[v] !== u) continue;
      mark[v] = -2 - u; // visited: v's row is counted once even if (u, v) is stored twice
      visit++;
      for (let q = g.indptr[v]; q < g.indptr[v + 1]; q++) {
        const w = g.indices[q];
        if (w === v || seen[w] === visit) continue;
        seen[w] = visit;
        if (mark[w] === u || mark[w] === -2 - u) closed++;
      }
    }
    sum += closed / (d * (d - 1));
  }
  return { average: sum / count, nodes: count, sampled };
}
