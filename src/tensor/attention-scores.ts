// The two halves of gatScores' output as the GAT attention kernels take them (shared by the op and its backward rule).

import { getKernels } from '../kernels/backend.js';
import type { FloatArray } from '../kernels/types.js';
import { allocate } from './tensor.js';

/** The destination scores u (of `rows` only, when given: a gathered copy) and the source scores v of gatScores'
 *  output for n nodes, as the attention kernels take them. */
export function splitScores(scores: FloatArray, n: number, heads: number, rows: Int32Array | undefined): { u: FloatArray; v: FloatArray } {
  const v = scores.subarray(0, n * heads);
  const dst = scores.subarray(n * heads, 2 * n * heads);
  if (!rows) return { u: dst, v };
  for (let r = 0; r < rows.length; r++) {
    if (!(rows[r] >= 0 && rows[r] < n)) throw new Error(`gatAttention: row ${rows[r]} at ${r} out of range [0, ${n})`);
  }
  const u = allocate(scores instanceof Float64Array ? 'float64' : 'float32', rows.length * heads);
  getKernels().gatherRows(dst, heads, rows, u);
  return { u, v };
}
