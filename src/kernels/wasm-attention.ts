// Plans of the multi-head and attention kernels on the wasm module (assembly/heads.ts, assembly/softmax.ts): GSpMM,
// its transpose and backward, SDDMM, edge softmax and GAT attention with their backward passes.

import { transposeStructure, type CsrMatrix } from '../graph/csr.js';
import { MIN_ENTRIES_PER_COLUMN } from './gat-attention.js';
import { splitRows } from './split.js';
import type { FloatArray } from './types.js';
import type { WasmRange, WasmPhase } from './wasm-job.js';
import type { Placement } from './wasm-layout.js';
import { copy, csrPlacements, float32, gatherPlan, room, structure, wasmJob, type WasmSparse } from './wasm-sparse.js';

/* Every plan returns null (copying nothing) for anything but float32 arrays, and for a width that does not split
 * into the heads: the TypeScript kernels then run, and throw where they must. Outputs per entry are copied out by
 * rows (their entries); dX of GSpMM is computed by rows of the transpose, whose entries keep the original order
 * within each row: the same sums as a scatter, split by output rows. dv of GAT attention is scattered by fixed row
 * parts into partials (gatAttentionBackwardPlan). */

/** When the kernels touch the lines they read at random ahead of the passes that use them: GSpMM, its transpose and
 *  backward (touchEntries in assembly/heads.ts) when the gathered rows and the per-entry values read through a
 *  permutation come to more than `gatherBytes`, the GAT attention backward (TOUCH_ENTRIES in assembly/gat-backward.ts)
 *  when v has more than `attentionBytes`. Beyond the last-level cache a random gather otherwise waits on memory once
 *  per pass; within it the touching only costs (gspmm 1.1-1.4x slower with 15 MB of source rows, 32 MB L3; measured
 *  on 15k-200k-node graphs). Settings, so that tests can run either path on any size. */
export const touchAhead = { gatherBytes: 24 << 20, attentionBytes: 4 << 20 };

/** The gather kernel, touching or not, for `values` float32 values read at random. */
const gatherKernel = (name: string, values: number): string => (4 * values > touchAhead.gatherBytes ? `${name}Touching` : name);

const validHeads = (heads: number): boolean => Number.isInteger(heads) && heads >= 1;
const fits = (f: number, heads: number): boolean => validHeads(heads) && f > 0 && f % heads === 0;

const perEntry = (at: number, array: FloatArray, width: number, indptr: number, e0: number): WasmRange =>
  ({ at, array, width, entries: { indptr, e0 } });

/** The transpose's indptr, row numbers and entry permutation. */
function transposePlacements(a: CsrMatrix): { t: ReturnType<typeof transposeStructure>; places: Placement[] } {
  const t = transposeStructure(a);
  return { t, places: [structure(a, t.indptr, 0, a.cols + 1), structure(a, t.indices, 0, t.indices.length), structure(a, t.perm, 0, t.perm.length)] };
}

export function gspmmPlan(s: WasmSparse, a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, f: number, out: FloatArray): WasmPhase[] | null {
  if (heads === 1) return gatherPlan(s, a, w, x, f, out, undefined, true);
  if (!float32(w, x, out) || !fits(f, heads) || x.length < a.cols * f) return null;
  const [e0, e1] = [a.indptr[0], a.indptr[a.rows]];
  const at = s.layout.place([...csrPlacements(a), copy(w, e0 * heads, e1 * heads), copy(x, 0, a.cols * f), room(out, 0, a.rows * f)]);
  if (!at) return null;
  const [indptr, indices, wAt, xAt, outAt] = at;
  const kernel = gatherKernel('gspmm', a.cols * f);
  const job = wasmJob(s, kernel, [f, heads, e0, indptr, indices, 0, 0, wAt, xAt, outAt], [{ at: outAt, array: out, width: f }]);
  return [{ job, units: a.rows, balance: a.indptr }];
}

/** dw = sddmmDot(a, g, x) by rows of A, then dx = A(w)^T g by rows of the transpose; either may be null. Both, with
 *  dw in the heap and widths the fused kernel takes: one pass over the transpose (gspmmBackwardFused in assembly/heads.ts). */
export function gspmmBackwardPlan(
  s: WasmSparse, a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, g: FloatArray, f: number, dw: FloatArray | null, dx: FloatArray | null,
): WasmPhase[] | null {
  if (!float32(w, x, g, dw, dx) || !fits(f, heads)) return null;
  if (dw && dx && f % 16 === 0 && (f / heads) % 4 === 0 && s.heap?.holds(dw)) {
    const fused = fusedBackwardPlan(s, a, w, heads, x, g, f, dw, dx);
    if (fused) return fused;
  }
  const [e0, e1] = [a.indptr[0], a.indptr[a.rows]];
  const transpose = dx ? transposePlacements(a) : null;
  const at = s.layout.place([
    ...csrPlacements(a), copy(g, 0, a.rows * f),
    ...(dw ? [copy(x, 0, a.cols * f), room(dw, e0 * heads, e1 * heads)] : [undefined, undefined]),
    ...(transpose ? [...transpose.places, copy(w, e0 * heads, e1 * heads), room(dx as FloatArray, 0, a.cols * f)] : []),
  ]);
  if (!at) return null;
  const [indptr, indices, gAt, xAt, dwAt, tIndptr, tIndices, perm, wAt, dxAt] = at;
  const phases: WasmPhase[] = [];
  if (dw) {
    const job = wasmJob(s, 'sddmmDot', [f, heads, e0, indptr, indices, gAt, xAt, dwAt], [perEntry(dwAt, dw, heads, indptr, e0)]);
    phases.push({ job, units: a.rows, balance: a.indptr });
  }
  if (dx && transpose) {
    const kernel = gatherKernel('gspmm', a.rows * f + (e1 - e0) * heads);
    const job = wasmJob(s, kernel, [f, heads, 0, tIndptr, tIndices, perm, e0, wAt, gAt, dxAt], [{ at: dxAt, array: dx, width: f }]);
    phases.push({ job, units: a.cols, balance: transpose.t.indptr });
  }
  return phases;
}

/** The one-pass form; null when dw would not be used in place (its entries are written by rows of the transpose,
 *  so no thread could copy out a range of them). */
function fusedBackwardPlan(
  s: WasmSparse, a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, g: FloatArray, f: number, dw: FloatArray, dx: FloatArray,
): WasmPhase[] | null {
  const [e0, e1] = [a.indptr[0], a.indptr[a.rows]];
  const transpose = transposePlacements(a);
  const at = s.layout.place([
    ...transpose.places, copy(w, e0 * heads, e1 * heads), copy(x, 0, a.cols * f), copy(g, 0, a.rows * f), room(dw, e0 * heads, e1 * heads),
    room(dx, 0, a.cols * f),
  ]);
  if (!at) return null;
  const [tIndptr, tIndices, perm, wAt, xAt, gAt, dwAt, dxAt] = at;
  if (dwAt !== dw.byteOffset + 4 * e0 * heads) return null;
  const kernel = gatherKernel('gspmmBackwardFused', a.rows * f + 2 * (e1 - e0) * heads);
  const job = wasmJob(s, kernel, [f, heads, tIndptr, tIndices, perm, e0, wAt, xAt, gAt, dwAt, dxAt], [{ at: dxAt, array: dx, width: f }]);
  return [{ job, units: a.cols, balance: transpose.t.indptr }];
}

export function gspmmTPlan(s: WasmSparse, a: CsrMatrix, w: FloatArray, heads: number, y: FloatArray, f: number, out: FloatArray): WasmPhase[] | null {
  return gspmmBackwardPlan(s, a, w, heads, new Float32Array(0), y, f, null, out);
}

export function sddmmDotPlan(s: WasmSparse, a: CsrMatrix, y: FloatArray, x: FloatArray, heads: number, f: number, out: FloatArray): WasmPhase[] | null {
  return gspmmBackwardPlan(s, a, new Float32Array(0), heads, x, y, f, out, null);
}

/** Per-entry kernels over the rows of A: the export, its arguments before the arrays, the per-node inputs (copied in
 *  whole) and per-entry ones (each thread copies its rows' entries), and whether it reads the column indices. */
function entryPlan(
  s: WasmSparse, a: CsrMatrix, kernel: string, lead: number[], nodes: Array<[FloatArray, number]>, perEntries: FloatArray[], withIndices: boolean,
  heads: number, out: FloatArray,
): WasmPhase[] | null {
  const [e0, e1] = [a.indptr[0], a.indptr[a.rows]];
  if (!float32(out, ...nodes.map(([x]) => x), ...perEntries) || !validHeads(heads) || perEntries.some((x) => x.length < e1 * heads)) return null;
  const [indptrPlace, indicesPlace] = csrPlacements(a);
  const entries = (x: FloatArray): Placement => room(x, e0 * heads, e1 * heads);
  const at = s.layout.place([indptrPlace, withIndices ? indicesPlace : undefined, ...nodes.map(([x, n]) => copy(x, 0, n)), ...perEntries.map(entries), entries(out)]);
  if (!at) return null;
  const [indptr, indices, ...rest] = at;
  const outAt = rest[rest.length - 1];
  const inputs = perEntries.map((x, i) => perEntry(rest[nodes.length + i], x, heads, indptr, e0));
  const args = [heads, ...lead, e0, indptr, ...(withIndices ? [indices] : []), ...rest];
  return [{ job: wasmJob(s, kernel, args, [perEntry(outAt, out, heads, indptr, e0)], inputs), units: a.rows, balance: a.indptr }];
}

export function sddmmAddPlan(s: WasmSparse, a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, out: FloatArray): WasmPhase[] | null {
  return entryPlan(s, a, 'sddmmAdd', [], [[u, a.rows * heads], [v, a.cols * heads]], [], true, heads, out);
}

export function edgeSoftmaxPlan(s: WasmSparse, a: CsrMatrix, e: FloatArray, heads: number, out: FloatArray): WasmPhase[] | null {
  return entryPlan(s, a, 'edgeSoftmax', [], [], [e], false, heads, out);
}

export function edgeSoftmaxBackwardPlan(s: WasmSparse, a: CsrMatrix, alpha: FloatArray, g: FloatArray, heads: number, out: FloatArray): WasmPhase[] | null {
  return entryPlan(s, a, 'edgeSoftmaxBackward', [], [], [alpha, g], false, heads, out);
}

/** By the shifted form (assembly/gat-shifted.ts: source factors by columns, then rows) where the fused TypeScript
 *  kernel would use it and the heads fill f32x4s; else exactly, as edgeSoftmax of the logits. */
export function gatAttentionPlan(s: WasmSparse, a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, slope: number, out: FloatArray): WasmPhase[] | null {
  const [e0, e1] = [a.indptr[0], a.indptr[a.rows]];
  if (!(slope >= 0 && slope <= 1 && heads % 4 === 0 && e1 - e0 >= MIN_ENTRIES_PER_COLUMN * a.cols)) {
    return entryPlan(s, a, 'gatAttention', [slope], [[u, a.rows * heads], [v, a.cols * heads]], [], true, heads, out);
  }
  if (!float32(u, v, out)) return null;
  const at = s.layout.place([
    ...csrPlacements(a), copy(u, 0, a.rows * heads), copy(v, 0, a.cols * heads), { bytes: 4 * heads }, { bytes: 8 * a.cols * heads },
    room(out, e0 * heads, e1 * heads),
  ]);
  if (!at) return null;
  const [indptr, indices, uAt, vAt, top, pq, outAt] = at;
  return [
    { job: wasmJob(s, 'gatSources', [heads, slope, a.cols, vAt, top, pq], []), units: a.cols },
    {
      job: wasmJob(s, 'gatAttentionShifted', [heads, slope, e0, indptr, indices, uAt, vAt, top, pq, outAt], [perEntry(outAt, out, heads, indptr, e0)]),
      units: a.rows, balance: a.indptr,
    },
  ];
}

/** Row parts of the attention backward's dv: each part scatters into a partial of its own, and the partials are then
 *  added to dv in part order (assembly/gat-backward.ts). The parts are fixed, not one per thread, so dv has the same
 *  bits for any thread count (more threads than parts would leave the extra ones idle in the scatter phase). */
export const GAT_DV_PARTS = 4;

/** du by rows of A; dv by GAT_DV_PARTS row parts, threads taking whole parts, each part's terms scattered into its
 *  own zeroed partial, then the partials added to dv by rows of dv. Both accumulate into what du and dv hold. */
export function gatAttentionBackwardPlan(
  s: WasmSparse, a: CsrMatrix, u: FloatArray, v: FloatArray, alpha: FloatArray, g: FloatArray, heads: number, slope: number,
  du: FloatArray | null, dv: FloatArray | null,
): WasmPhase[] | null {
  const [e0, e1] = [a.indptr[0], a.indptr[a.rows]];
  if (!float32(u, v, alpha, g, du, dv) || !validHeads(heads) || Math.min(alpha.length, g.length) < e1 * heads) return null;
  const partRows = Int32Array.from(splitRows(a.indptr, a.rows, GAT_DV_PARTS));
  const partBytes = 4 * a.cols * heads;
  const at = s.layout.place([
    ...csrPlacements(a), copy(u, 0, a.rows * heads), copy(v, 0, a.cols * heads), room(alpha, e0 * heads, e1 * heads), room(g, e0 * heads, e1 * heads),
    du ? room(du, 0, a.rows * heads) : undefined, dv ? room(dv, 0, a.cols * heads) : undefined,
    copy(partRows, 0, partRows.length), dv ? { bytes: GAT_DV_PARTS * partBytes } : undefined,
  ]);
  if (!at) return null;
  const [indptr, indices, uAt, vAt, alphaAt, gAt, duAt, dvAt, partRowsAt, partials] = at;
  // du accumulates: copied in and out by the rows of each thread's parts; dv by the rows each thread adds up
  const rowsOfDu: WasmRange[] = du ? [{ at: duAt, array: du, width: heads }] : [];
  const inputs = [perEntry(alphaAt, alpha, heads, indptr, e0), perEntry(gAt, g, heads, indptr, e0), ...rowsOfDu];
  const touch = 4 * a.cols * heads > touchAhead.attentionBytes ? 1 : 0;
  const args = [GAT_DV_PARTS, partRowsAt, partBytes, heads, slope, e0, indptr, indices, uAt, vAt, alphaAt, gAt, duAt, partials, touch];
  const phases: WasmPhase[] = [
    { job: wasmJob(s, 'gatAttentionBackwardParts', args, rowsOfDu, inputs), units: a.rows, balance: a.indptr, splitAt: partRows },
  ];
  if (dv) {
    const dvRange: WasmRange[] = [{ at: dvAt, array: dv, width: heads }];
    phases.push({ job: wasmJob(s, 'sumPartials', [heads, GAT_DV_PARTS, partials, partBytes, dvAt], dvRange, dvRange), units: a.cols });
  }
  return phases;
}
