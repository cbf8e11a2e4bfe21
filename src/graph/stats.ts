// Degree statistics of a graph, for `fastgnn info` and reports.

import { sortedRows } from './build.js';
import { averageClustering, type ClusteringEstimate } from './clustering.js';
import { nnz, type CsrGraph } from './csr.js';

export interface DegreeStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly median: number;
}

export interface GraphStats {
  readonly nodes: number;
  /** stored (directed) entries, self-loops included */
  readonly edges: number;
  /** in-degree = entries per row */
  readonly inDegree: DegreeStats;
  readonly outDegree: DegreeStats;
  /** nodes with no in- and no out-edges other than self-loops */
  readonly isolated: number;
  readonly selfLoops: number;
  /** A[i, j] stored exactly when A[j, i] is (values not compared) */
  readonly symmetric: boolean;
  /** average local clustering coefficient (sampled on graphs of more than 10,000 nodes, seed 0) */
  readonly clustering: ClusteringEstimate;
}

function degreeStats(deg: Int32Array): DegreeStats {
  const n = deg.length;
  if (n === 0) return { min: 0, max: 0, mean: 0, median: 0 };
  let min = Infinity;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = deg[i];
    if (d < min) min = d;
    if (d > max) max = d;
    sum += d;
  }
  // median by counting (degrees are bounded by max), O(n + max)
  const hist = new Int32Array(max + 1);
  for (let i = 0; i < n; i++) hist[deg[i]]++;
  const lo = Math.floor((n - 1) / 2);
  const hi = Math.floor(n / 2);
  let seen = 0;
  let a = -1;
  let b = -1;
  for (let d = 0; d <= max; d++) {
    seen += hist[d];
    if (a < 0 && seen > lo) a = d;
    if (b < 0 && seen > hi) { b = d; break; }
  }
  return { min, max, mean: sum / n, median: (a + b) / 2 };
}

export function graphStats(g: CsrGraph): GraphStats {
  const n = g.rows;
  const inDeg = new Int32Array(n);
  const outDeg = new Int32Array(g.cols);
  const touched = new Uint8Array(n);
  let selfLoops = 0;
  for (let i = 0; i < n; i++) {
    inDeg[i] = g.indptr[i + 1] - g.indptr[i];
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) {
      const j = g.indices[k];
      outDeg[j]++;
      if (j === i) selfLoops++;
      else { touched[i] = 1; touched[j] = 1; }
    }
  }
  let isolated = 0;
  for (let i = 0; i < n; i++) if (!touched[i]) isolated++;
  return {
    nodes: n,
    edges: nnz(g),
    inDegree: degreeStats(inDeg),
    outDegree: degreeStats(outDeg),
    isolated,
    selfLoops,
    symmetric: isSymmetric(g),
    clustering: averageClustering(g),
  };
}

/** True when the sparsity pattern is symmetric (multiplicities included). O(E) on row-sorted graphs. */
export function isSymmetric(graph: CsrGraph): boolean {
  if (graph.rows !== graph.cols) return false;
  const n = graph.rows;
  const g = sortedRows(graph);
  // entries (i, j) visited in order of i; row j must list the matching i's in the same order: walk row cursors
  const cursor = g.indptr.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) {
      const j = g.indices[k];
      const p = cursor[j]++;
      if (p >= g.indptr[j + 1] || g.indices[p] !== i) return false;
    }
  }
  for (let j = 0; j < n; j++) if (cursor[j] !== g.indptr[j + 1]) return false;
  return true;
}
