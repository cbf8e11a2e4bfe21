// Building and transforming CSR graphs: edge lists -> CSR, symmetrise, self-loops, GCN / mean normalisation,
// induced subgraphs. Row i of every graph lists the in-neighbours j of the edges j -> i.

import { nnz, transposeCsr, type CsrGraph, type CsrMatrix } from './csr.js';

export type Dedupe = 'sum' | 'first' | 'error' | 'keep';

export interface EdgeListInput {
  readonly numNodes: number;
  /** source j of each edge j -> i */
  readonly src: Int32Array;
  /** target i of each edge (the CSR row) */
  readonly dst: Int32Array;
  readonly weights?: Float32Array | Float64Array;
  /** What to do with repeated (dst, src) pairs. 'sum' (default) adds their weights, 'first' keeps the weight of
   *  the first occurrence in input order, 'error' throws, 'keep' stores every copy. Without weights 'sum' and
   *  'first' both just drop the repeats (the graph stays unweighted). */
  readonly dedupe?: Dedupe;
  /** names the data in error messages, e.g. a file name */
  readonly what?: string;
}

/** Edge list -> CSR graph (row = dst, columns sorted ascending within each row). O(E + N): two stable
 *  counting-sort passes (by src, then by dst), no per-edge objects. */
export function fromEdgeList(input: EdgeListInput): CsrGraph {
  const { numNodes: n, src, dst, weights } = input;
  const what = input.what ?? 'edge list';
  const dedupe = input.dedupe ?? 'sum';
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what}: numNodes must be a non-negative integer, got ${n}`);
  if (src.length !== dst.length) {
    throw new Error(`${what}: src has ${src.length} entries but dst has ${dst.length}; expected equal lengths`);
  }
  if (weights && weights.length !== src.length) {
    throw new Error(`${what}: weights has ${weights.length} entries, expected one per edge (${src.length})`);
  }
  const m = src.length;
  for (let e = 0; e < m; e++) {
    const s = src[e];
    const d = dst[e];
    if (s < 0 || s >= n || d < 0 || d >= n) {
      throw new Error(`${what}: edge ${e} (${s} -> ${d}) has a node id out of range [0, ${n})`);
    }
    if (weights && !Number.isFinite(weights[e])) throw new Error(`${what}: weight of edge ${e} is ${weights[e]}`);
  }
  // pass 1: edge ids ordered by src (stable)
  const cnt = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) cnt[src[e] + 1]++;
  for (let i = 0; i < n; i++) cnt[i + 1] += cnt[i];
  const bySrc = new Int32Array(m);
  for (let e = 0; e < m; e++) bySrc[cnt[src[e]]++] = e;
  // pass 2: stable by dst -> rows sorted by column, ties in input order
  const indptr = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) indptr[dst[e] + 1]++;
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  const fill = cnt; // reuse
  fill.set(indptr);
  const indices = new Int32Array(m);
  const perm = weights ? new Int32Array(m) : undefined;
  for (let k = 0; k < m; k++) {
    const e = bySrc[k];
    const p = fill[dst[e]]++;
    indices[p] = src[e];
    if (perm) perm[p] = e;
  }
  let values: Float32Array | Float64Array | undefined;
  if (weights && perm) {
    values = new (weights instanceof Float64Array ? Float64Array : Float32Array)(m);
    for (let p = 0; p < m; p++) values[p] = weights[perm[p]];
  }
  const g: CsrGraph = { rows: n, cols: n, indptr, indices, values };
  if (dedupe === 'keep') return g;
  return coalesceSorted(g, dedupe, what);
}

/** Removes repeated columns within each (already sorted) row. Works in place on fresh arrays, then trims. */
function coalesceSorted(g: CsrGraph, mode: 'sum' | 'first' | 'error', what: string): CsrGraph {
  const { indptr, indices } = g;
  const values = g.values;
  const outPtr = new Int32Array(g.rows + 1);
  let w = 0;
  for (let i = 0; i < g.rows; i++) {
    const start = indptr[i];
    const end = indptr[i + 1];
    let last = -1;
    for (let k = start; k < end; k++) {
      const c = indices[k];
      if (c === last) {
        if (mode === 'error') throw new Error(`${what}: duplicate edge ${c} -> ${i}`);
        if (mode === 'sum' && values) values[w - 1] += values[k];
        continue;
      }
      indices[w] = c;
      if (values) values[w] = values[k];
      w++;
      last = c;
    }
    outPtr[i + 1] = w;
  }
  if (w === indices.length) return g;
  return {
    rows: g.rows,
    cols: g.cols,
    indptr: outPtr,
    indices: indices.slice(0, w),
    values: values ? values.slice(0, w) : undefined,
  };
}

/** Union of A and A^T, one entry per (i, j). Where both A[i,j] and A[j,i] exist the value is their max
 *  ('max', default: leaves an already-symmetric weighted graph unchanged) or sum ('sum', PyG to_undirected). */
export function symmetrize(g: CsrGraph, opts: { reduce?: 'max' | 'sum' } = {}): CsrGraph {
  if (g.rows !== g.cols) throw new Error(`symmetrize: graph must be square, got [${g.rows}, ${g.cols}]`);
  const reduce = opts.reduce ?? 'max';
  const a = sortedRows(g);
  const t = transposeCsr(a);
  const n = g.rows;
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let p = a.indptr[i];
    let q = t.indptr[i];
    const pe = a.indptr[i + 1];
    const qe = t.indptr[i + 1];
    let c = 0;
    while (p < pe || q < qe) {
      const x = p < pe ? a.indices[p] : n;
      const y = q < qe ? t.indices[q] : n;
      if (x <= y) p++;
      if (y <= x) q++;
      c++;
    }
    indptr[i + 1] = indptr[i] + c;
  }
  const indices = new Int32Array(indptr[n]);
  const values = a.values && t.values ? new (a.values.constructor as Float64ArrayConstructor)(indptr[n]) : undefined;
  for (let i = 0; i < n; i++) {
    let p = a.indptr[i];
    let q = t.indptr[i];
    const pe = a.indptr[i + 1];
    const qe = t.indptr[i + 1];
    let w = indptr[i];
    while (p < pe || q < qe) {
      const x = p < pe ? a.indices[p] : n;
      const y = q < qe ? t.indices[q] : n;
      if (values && a.values && t.values) {
        let v: number;
        if (x === y) v = reduce === 'max' ? Math.max(a.values[p], t.values[q]) : a.values[p] + t.values[q];
        else v = x < y ? a.values[p] : t.values[q];
        values[w] = v;
      }
      indices[w++] = Math.min(x, y);
      if (x <= y) p++;
      if (y <= x) q++;
    }
  }
  return { rows: n, cols: n, indptr, indices, values };
}

/** Returns g itself if every row's columns are strictly increasing, else a copy with rows sorted (stable). */
export function sortedRows(g: CsrMatrix): CsrMatrix {
  for (let i = 0; i < g.rows; i++) {
    for (let k = g.indptr[i] + 1; k < g.indptr[i + 1]; k++) {
      if (g.indices[k] <= g.indices[k - 1]) return transposeCsr(transposeCsr(g));
    }
  }
  return g;
}

/** Copy of g without its diagonal entries. */
export function removeSelfLoops(g: CsrGraph): CsrGraph {
  const n = g.rows;
  const indptr = new Int32Array(n + 1);
  let loops = 0;
  for (let i = 0; i < n; i++) {
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) if (g.indices[k] === i) loops++;
    indptr[i + 1] = g.indptr[i + 1] - loops;
  }
  const indices = new Int32Array(nnz(g) - loops);
  const values = g.values ? new (g.values.constructor as Float64ArrayConstructor)(indices.length) : undefined;
  let w = 0;
  for (let i = 0; i < n; i++) {
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) {
      if (g.indices[k] === i) continue;
      if (values && g.values) values[w] = g.values[k];
      indices[w++] = g.indices[k];
    }
  }
  return { rows: g.rows, cols: g.cols, indptr, indices, values };
}

/** PyG add_remaining_self_loops: existing loops are dropped and exactly one loop per node is inserted (at its
 *  sorted position). A node that already had a loop in a weighted graph keeps that loop's weight (the last
 *  copy, as PyG's scatter-assign does); every other loop gets `weight`. An unweighted graph stays unweighted
 *  when weight is 1. */
export function addSelfLoops(g: CsrGraph, weight = 1): CsrGraph {
  if (g.rows !== g.cols) throw new Error(`addSelfLoops: graph must be square, got [${g.rows}, ${g.cols}]`);
  if (!Number.isFinite(weight)) throw new Error(`addSelfLoops: weight must be finite, got ${weight}`);
  const n = g.rows;
  const weighted = g.values !== undefined || weight !== 1;
  const loopW = new Float64Array(n).fill(weight);
  let loops = 0;
  for (let i = 0; i < n; i++) {
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) {
      if (g.indices[k] === i) {
        loops++;
        if (g.values) loopW[i] = g.values[k];
      }
    }
  }
  const total = nnz(g) - loops + n;
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(total);
  const values = weighted
    ? new (g.values instanceof Float64Array ? Float64Array : Float32Array)(total)
    : undefined;
  let w = 0;
  for (let i = 0; i < n; i++) {
    let placed = false;
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) {
      const c = g.indices[k];
      if (c === i) continue;
      if (!placed && c > i) {
        if (values) values[w] = loopW[i];
        indices[w++] = i;
        placed = true;
      }
      if (values) values[w] = g.values ? g.values[k] : 1;
      indices[w++] = c;
    }
    if (!placed) {
      if (values) values[w] = loopW[i];
      indices[w++] = i;
    }
    indptr[i + 1] = w;
  }
  return { rows: n, cols: n, indptr, indices, values };
}

export interface NormalizeOptions {
  readonly dtype?: 'float32' | 'float64';
}

/** GCN normalisation of a graph that ALREADY contains its self-loops (see addSelfLoops):
 *  value(i, j) = deg_j^-1/2 * w_ij * deg_i^-1/2, deg_i = sum of the weights in row i (in-degree incl. the loop),
 *  deg^-1/2 of 0 taken as 0. Computed in float64; stored as float32 unless dtype 'float64'. */
export function gcnNormalize(g: CsrGraph, opts: NormalizeOptions = {}): CsrMatrix {
  if (g.rows !== g.cols) throw new Error(`gcnNormalize: graph must be square, got [${g.rows}, ${g.cols}]`);
  const n = g.rows;
  const dis = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) d += g.values ? g.values[k] : 1;
    dis[i] = d === 0 ? 0 : 1 / Math.sqrt(d);
  }
  const count = nnz(g);
  const values = opts.dtype === 'float64' ? new Float64Array(count) : new Float32Array(count);
  for (let i = 0; i < n; i++) {
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) {
      const w = g.values ? g.values[k] : 1;
      const v = dis[g.indices[k]] * w * dis[i];
      values[k] = Number.isFinite(v) ? v : 0; // deg^-1/2 = inf only when deg = 0, mapped to 0 above
    }
  }
  return { rows: n, cols: n, indptr: g.indptr, indices: g.indices, values };
}

/** Mean-aggregation matrix (SAGE): value(i, j) = w_ij / max(1, number of entries in row i); w = 1 when the
 *  graph is unweighted. */
export function rowNormalize(g: CsrMatrix, opts: NormalizeOptions = {}): CsrMatrix {
  const count = nnz(g);
  const values = opts.dtype === 'float64' ? new Float64Array(count) : new Float32Array(count);
  for (let i = 0; i < g.rows; i++) {
    const s = g.indptr[i];
    const e = g.indptr[i + 1];
    const inv = 1 / Math.max(1, e - s);
    for (let k = s; k < e; k++) values[k] = (g.values ? g.values[k] : 1) * inv;
  }
  return { rows: g.rows, cols: g.cols, indptr: g.indptr, indices: g.indices, values };
}

/** The subgraph induced by `nodes`: local id r is global node nodes[r]; keeps values; rows come out sorted.
 *  Throws on a duplicate or out-of-range node id. `scratch` (length >= g.rows, all -1) spares callers that
 *  induce every batch an O(N) allocation; it is all -1 again on return, also when this throws. */
export function inducedSubgraph(g: CsrGraph, nodes: Int32Array, scratch?: Int32Array): { graph: CsrGraph; nodes: Int32Array } {
  const n = g.rows;
  if (scratch && scratch.length < n) throw new Error(`inducedSubgraph: scratch has ${scratch.length} entries, expected >= ${n}`);
  const local = scratch ?? new Int32Array(n).fill(-1);
  let marked = 0;
  try {
    for (; marked < nodes.length; marked++) {
      const v = nodes[marked];
      if (!Number.isInteger(v) || v < 0 || v >= n) {
        throw new Error(`inducedSubgraph: nodes[${marked}] = ${v} is out of range [0, ${n})`);
      }
      if (local[v] !== -1) throw new Error(`inducedSubgraph: node ${v} appears twice (nodes[${local[v]}] and nodes[${marked}])`);
      local[v] = marked;
    }
    return induce(g, nodes, local);
  } finally {
    if (scratch) for (let r = 0; r < marked; r++) scratch[nodes[r]] = -1;
  }
}

/** inducedSubgraph's body once local[v] holds v's local id (-1 outside `nodes`): one pass over the kept rows into
 *  arrays sized by their entry count, then trimmed (a redrawn multiscale level induces one every epoch, and the
 *  lookups local[column] are most of the work: counting first, then filling, did them twice). */
function induce(g: CsrGraph, nodes: Int32Array, local: Int32Array): { graph: CsrGraph; nodes: Int32Array } {
  const m = nodes.length;
  const indptr = new Int32Array(m + 1);
  let capacity = 0;
  for (let r = 0; r < m; r++) capacity += g.indptr[nodes[r] + 1] - g.indptr[nodes[r]];
  let indices = new Int32Array(capacity);
  let values = g.values ? new (g.values.constructor as Float64ArrayConstructor)(capacity) : undefined;
  let w = 0;
  for (let r = 0; r < m; r++) {
    const v = nodes[r];
    const start = w;
    for (let k = g.indptr[v]; k < g.indptr[v + 1]; k++) {
      const l = local[g.indices[k]];
      if (l < 0) continue;
      indices[w] = l;
      if (values && g.values) values[w] = g.values[k];
      w++;
    }
    indptr[r + 1] = w;
    sortRowSegment(indices, values, start, w);
  }
  if (w < capacity) {
    indices = indices.slice(0, w);
    values = values?.slice(0, w);
  }
  return { graph: { rows: m, cols: m, indptr, indices, values }, nodes };
}

/** Sorts indices[s, e) ascending, carrying values along (stable). Renumbering can reorder a row's columns. */
function sortRowSegment(indices: Int32Array, values: Float32Array | Float64Array | undefined, s: number, e: number): void {
  let sorted = true;
  for (let k = s + 1; k < e; k++) if (indices[k] < indices[k - 1]) { sorted = false; break; }
  if (sorted) return;
  if (!values) {
    indices.subarray(s, e).sort();
    return;
  }
  const order = Array.from({ length: e - s }, (_, t) => t);
  const cols = indices.slice(s, e);
  const vals = values.slice(s, e);
  order.sort((x, y) => cols[x] - cols[y] || x - y);
  for (let t = 0; t < order.length; t++) {
    indices[s + t] = cols[order[t]];
    values[s + t] = vals[order[t]];
  }
}
