// Compressed sparse row matrices and graphs: the one sparse layout every kernel, loader and sampler shares.

/** Row-major sparse matrix. For a graph, row i lists the SOURCES j of the edges j -> i (its in-neighbours),
 *  so message aggregation out_i = sum_j A[i, j] * x_j is a row-wise SpMM. `values` absent means all ones. Its arrays
 *  must not change once a kernel has seen them: kernels cache copies and transposes of them (by array object). */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  /** length rows + 1, indptr[0] = 0, non-decreasing, indptr[rows] = nnz */
  readonly indptr: Int32Array;
  /** length nnz, column index of each stored entry, in [0, cols) */
  readonly indices: Int32Array;
  /** length nnz, or undefined for an unweighted (all-ones) matrix */
  readonly values?: Float32Array | Float64Array;
  /** set only when A^T = A exactly (structure and values) and every row's columns ascend, so that A's CSR is its
   *  transpose's, entry for entry: transposeCached returns the matrix itself (see isSortedSymmetric) */
  readonly symmetric?: boolean;
}

/** A square CsrMatrix whose rows and columns are nodes. */
export type CsrGraph = CsrMatrix;

export function nnz(m: CsrMatrix): number {
  return m.indptr[m.rows];
}

/** Stored entries of the rows `rows` of m (all of them when undefined). */
export function rowEntries(m: Pick<CsrMatrix, 'rows' | 'indptr'>, rows?: Int32Array): number {
  if (rows === undefined) return m.indptr[m.rows] - m.indptr[0];
  let e = 0;
  for (const r of rows) e += m.indptr[r + 1] - m.indptr[r];
  return e;
}

/** Checks the structural invariants of a CSR matrix and throws an error naming `what` and the broken field. */
export function validateCsr(m: CsrMatrix, what = 'CSR matrix'): void {
  if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 0) {
    throw new Error(`${what}: shape must be non-negative integers, got [${m.rows}, ${m.cols}]`);
  }
  if (m.indptr.length !== m.rows + 1) {
    throw new Error(`${what}: indptr has length ${m.indptr.length}, expected rows + 1 = ${m.rows + 1}`);
  }
  if (m.indptr[0] !== 0) throw new Error(`${what}: indptr[0] is ${m.indptr[0]}, expected 0`);
  for (let i = 0; i < m.rows; i++) {
    if (m.indptr[i + 1] < m.indptr[i]) {
      throw new Error(`${what}: indptr is decreasing at row ${i} (${m.indptr[i]} > ${m.indptr[i + 1]})`);
    }
  }
  const count = m.indptr[m.rows];
  if (m.indices.length !== count) {
    throw new Error(`${what}: indices has length ${m.indices.length}, expected nnz = ${count}`);
  }
  if (m.values && m.values.length !== count) {
    throw new Error(`${what}: values has length ${m.values.length}, expected nnz = ${count}`);
  }
  for (let k = 0; k < count; k++) {
    const c = m.indices[k];
    if (c < 0 || c >= m.cols) {
      throw new Error(`${what}: column index ${c} at entry ${k} is out of range [0, ${m.cols})`);
    }
  }
  if (m.values) {
    for (let k = 0; k < count; k++) {
      if (!Number.isFinite(m.values[k])) throw new Error(`${what}: value at entry ${k} is ${m.values[k]}`);
    }
  }
}

/** Transpose (also: the reverse graph). Entries of each output row come out sorted by column. */
export function transposeCsr(m: CsrMatrix): CsrMatrix {
  const s = transposeStructure(m);
  return { rows: m.cols, cols: m.rows, indptr: s.indptr, indices: s.indices, values: m.values ? permuteEntries(m.values, s.perm) : undefined };
}

/** Whether every row's columns strictly ascend and every entry (i, j, v) has its mirror (j, i) with the same value:
 *  then the transpose's CSR is m's own (its rows list sources in ascending order too). One pass: visiting the rows
 *  in order, the mirrors of row i's entries must be the next unvisited entry of each row j (row j ascends, and its
 *  columns i come up in increasing order), and every row must be used up at the end. */
export function isSortedSymmetric(m: CsrMatrix): boolean {
  if (m.rows !== m.cols) return false;
  const { indptr, indices, values } = m;
  for (let i = 0; i < m.rows; i++) {
    for (let k = indptr[i] + 1; k < indptr[i + 1]; k++) if (indices[k] <= indices[k - 1]) return false;
  }
  const next = indptr.slice(0, m.rows);
  for (let i = 0; i < m.rows; i++) {
    for (let k = indptr[i]; k < indptr[i + 1]; k++) {
      const j = indices[k];
      const mirror = next[j];
      if (mirror >= indptr[j + 1] || indices[mirror] !== i) return false;
      if (values && !Object.is(values[mirror], values[k])) return false;
      next[j] = mirror + 1;
    }
  }
  for (let j = 0; j < m.rows; j++) if (next[j] !== indptr[j + 1]) return false;
  return true;
}

/** m flagged `symmetric` when isSortedSymmetric(m) holds, else m unchanged. */
export function withSymmetryFlag(m: CsrMatrix): CsrMatrix {
  return !m.symmetric && isSortedSymmetric(m) ? { ...m, symmetric: true } : m;
}

/** Row index of every stored entry (the COO "row" array). */
export function rowOfEntry(m: CsrMatrix): Int32Array {
  const out = new Int32Array(nnz(m));
  for (let r = 0; r < m.rows; r++) out.fill(r, m.indptr[r], m.indptr[r + 1]);
  return out;
}

interface TransposeStructure {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  /** perm[k'] = the entry of the original matrix stored at entry k' of the transpose */
  readonly perm: Int32Array;
}

const structureCache = new WeakMap<Int32Array, TransposeStructure & { of: Int32Array; cols: number }>();
const transposeCache = new WeakMap<CsrMatrix, CsrMatrix>();

/** The transpose's structure and entry permutation, computed once per matrix (keyed by `indptr`, checked against
 *  `indices` and the column count). A row slice (indptr[0] > 0) transposes its own entries; perm holds their
 *  absolute entry numbers. */
export function transposeStructure(m: CsrMatrix): TransposeStructure {
  const cached = structureCache.get(m.indptr);
  if (cached && cached.of === m.indices && cached.cols === m.cols) return cached;
  const [e0, e1] = [m.indptr[0], m.indptr[m.rows]];
  const indptr = new Int32Array(m.cols + 1);
  for (let k = e0; k < e1; k++) indptr[m.indices[k] + 1]++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1] += indptr[c];
  const fill = indptr.slice(0, m.cols);
  const indices = new Int32Array(e1 - e0);
  const perm = new Int32Array(e1 - e0);
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
      const dst = fill[m.indices[k]]++;
      indices[dst] = r;
      perm[dst] = k;
    }
  }
  const s = { indptr, indices, perm, of: m.indices, cols: m.cols };
  structureCache.set(m.indptr, s);
  return s;
}

/** Rows of `values` ([nnz, width], row-major) reordered into the transpose's entry order, written into `out` when
 *  given (e.g. an array recycled by the caller). */
export function permuteEntries<T extends Float32Array | Float64Array>(values: T, perm: Int32Array, width = 1, out?: T): T {
  out ??= new (values.constructor as new (n: number) => T)(perm.length * width);
  if (width === 1) for (let k = 0; k < perm.length; k++) out[k] = values[perm[k]];
  else {
    // an indexed copy: measured about twice as fast as a subarray + set per entry for attention-head widths
    for (let k = 0; k < perm.length; k++) {
      const s = perm[k] * width;
      const d = k * width;
      for (let h = 0; h < width; h++) out[d + h] = values[s + h];
    }
  }
  return out;
}

/** m's transpose when it is known without work: m itself when flagged symmetric, else the one transposeCached
 *  built, else null. */
export function knownTranspose(m: CsrMatrix): CsrMatrix | null {
  return m.symmetric ? m : (transposeCache.get(m) ?? null);
}

/** The transpose of m, cached per matrix object: backward passes multiply by A^T every step, and a row-wise
 *  gather over A^T is faster than scattering through A. */
export function transposeCached(m: CsrMatrix): CsrMatrix {
  if (m.symmetric) return m;
  let t = transposeCache.get(m);
  if (!t) {
    t = transposeCsr(m);
    transposeCache.set(m, t);
  }
  return t;
}
