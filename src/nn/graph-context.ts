// The adjacency variants a model needs (GCN-normalised, mean, sum, with self-loops), built once per graph and cached.

import { addSelfLoops, gcnNormalize, rowNormalize } from '../graph/build.js';
import { withSymmetryFlag, type CsrGraph, type CsrMatrix } from '../graph/csr.js';
import { releaseMatrices } from '../kernels/wasm-sparse.js';
import type { DType } from '../tensor/tensor.js';

/** gcn: D^-1/2 (A+I) D^-1/2; mean: row-normalised A (SAGE); sum: A with unit weights (GIN);
 *  loops: A+I with unit weights (GAT's attention pattern). */
export type AdjacencyKind = 'gcn' | 'mean' | 'sum' | 'loops';

/** One graph as seen by a model: row i of every adjacency lists the sources j of edges j -> i. */
export class GraphContext {
  private readonly cache = new Map<AdjacencyKind, CsrMatrix>();
  private readonly rowCache = new Map<AdjacencyKind, WeakMap<Int32Array, CsrMatrix>>();
  /** the row slices built, for release() (rowCache's keys cannot be listed); weak, as rowCache is: a caller asking for
   *  fresh rows every step (the multilevel gradient's samples) must not keep every slice alive */
  private rowSlices: Array<WeakRef<CsrMatrix>> = [];
  private liveSlices = 0;

  /** `prebuilt` supplies variants computed elsewhere, e.g. a mini-batch's slice of the FULL graph's GCN
   *  normalisation (which must not be re-normalised on the subgraph). */
  constructor(
    readonly graph: CsrGraph,
    readonly dtype: DType = 'float32',
    prebuilt: Partial<Record<AdjacencyKind, CsrMatrix>> = {},
  ) {
    if (graph.rows !== graph.cols) throw new Error(`GraphContext: adjacency must be square, got [${graph.rows}, ${graph.cols}]`);
    for (const [k, m] of Object.entries(prebuilt) as Array<[AdjacencyKind, CsrMatrix]>) this.cache.set(k, m);
  }

  get numNodes(): number {
    return this.graph.rows;
  }

  /** Gives back what the kernels hold of this graph's adjacencies (their resident copies in wasm memory): for a graph
   *  no one is expected to use again, such as a multiscale level that was redrawn or a sampled mini-batch after its
   *  step. The adjacencies themselves stay: used again, they are copied in again. */
  release(): void {
    releaseMatrices([...this.cache.values(), ...this.slices()]);
  }

  adjacency(kind: AdjacencyKind): CsrMatrix {
    let m = this.cache.get(kind);
    if (!m) {
      m = this.build(kind);
      this.cache.set(kind, m);
    }
    return m;
  }

  /** The rows `rows` of an adjacency (all columns kept): for computing a layer on output nodes only. */
  adjacencyRows(kind: AdjacencyKind, rows: Int32Array): CsrMatrix {
    let perKind = this.rowCache.get(kind);
    if (!perKind) this.rowCache.set(kind, (perKind = new WeakMap()));
    let m = perKind.get(rows);
    if (!m) {
      m = selectRows(this.adjacency(kind), rows);
      perKind.set(rows, m);
      this.rowSlices.push(new WeakRef(m));
      // drop collected slices' references once they may be half of the list (amortised O(1) per slice)
      if (this.rowSlices.length > 2 * this.liveSlices + 16) {
        this.rowSlices = this.rowSlices.filter((r) => r.deref() !== undefined);
        this.liveSlices = this.rowSlices.length;
      }
    }
    return m;
  }

  private slices(): CsrMatrix[] {
    return this.rowSlices.map((r) => r.deref()).filter((m): m is CsrMatrix => m !== undefined);
  }

  private build(kind: AdjacencyKind): CsrMatrix {
    const g = this.graph;
    // a graph flagged symmetric keeps that through these (the unit structure, one loop per row at its sorted place,
    // weights deg_i^-1/2 deg_j^-1/2): flagged without the check's pass over the entries
    const flag = (m: CsrMatrix): CsrMatrix => (g.symmetric ? { ...m, symmetric: true } : withSymmetryFlag(m));
    switch (kind) {
      case 'gcn': // symmetric for an undirected graph: backward passes then need no transpose
        return flag(gcnNormalize(addSelfLoops(withoutValues(g)), { dtype: this.dtype }));
      case 'mean':
        return rowNormalize(withoutValues(g), { dtype: this.dtype });
      case 'sum':
        return flag(withoutValues(g));
      case 'loops':
        return flag(withoutValues(addSelfLoops(withoutValues(g))));
    }
  }
}

function withoutValues(g: CsrMatrix): CsrMatrix {
  return g.values || g.symmetric ? { rows: g.rows, cols: g.cols, indptr: g.indptr, indices: g.indices } : g;
}

/** Rows `rows` of m, in that order, as a new CSR matrix with m's columns. */
export function selectRows(m: CsrMatrix, rows: Int32Array): CsrMatrix {
  const indptr = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    if (i < 0 || i >= m.rows) throw new Error(`selectRows: row ${i} out of range [0, ${m.rows})`);
    indptr[r + 1] = indptr[r] + m.indptr[i + 1] - m.indptr[i];
  }
  const indices = new Int32Array(indptr[rows.length]);
  const values = m.values ? new (m.values.constructor as Float64ArrayConstructor)(indices.length) : undefined;
  // element loops, not subarray + set: a row holds a handful of entries, and a view per row costs more than its copy
  for (let r = 0; r < rows.length; r++) {
    const hi = m.indptr[rows[r] + 1];
    for (let k = m.indptr[rows[r]], d = indptr[r]; k < hi; k++, d++) indices[d] = m.indices[k];
  }
  if (values && m.values) {
    for (let r = 0; r < rows.length; r++) {
      const hi = m.indptr[rows[r] + 1];
      for (let k = m.indptr[rows[r]], d = indptr[r]; k < hi; k++, d++) values[d] = m.values[k];
    }
  }
  return { rows: rows.length, cols: m.cols, indptr, indices, values };
}
