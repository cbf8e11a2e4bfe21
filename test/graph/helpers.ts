// Helpers of the graph tests: a dense view of a CSR graph (temp directories and shared-data paths: ../helpers/paths.ts).

/** Dense [rows][cols] view of a CSR graph, for small comparisons. */
export function denseOf(g: { rows: number; cols: number; indptr: Int32Array; indices: Int32Array; values?: ArrayLike<number> }): number[][] {
  const out = Array.from({ length: g.rows }, () => new Array<number>(g.cols).fill(0));
  for (let i = 0; i < g.rows; i++) {
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) out[i][g.indices[k]] += g.values ? g.values[k] : 1;
  }
  return out;
}
