// Shifted GAT attention (AssemblyScript): the edge softmax of leakyRelu(u_i + v_j) with no exp per entry, for slopes
// in [0, 1] and heads a multiple of 4 (the derivation is in src/kernels/gat-attention.ts, which does the same in
// float64).

import { exp4 } from './expf';
import { rowStart } from './rows';
import { scaleGroup, softmaxGroupCall } from './softmax';

/* With V = max_j v_j per head and t = u_i + V, c_i = leakyRelu(t) bounds row i's logits, and
 *   exp(leakyRelu(u_i + v_j) - c_i) = max(A_i P_j, B_i Q_j),  P_j = e^(v_j - V), Q_j = e^(slope (v_j - V)),
 *   A_i = e^min(0, (1 - slope) t), B_i = e^min(0, (slope - 1) t),
 * all <= 1: two exps per source node and two per row instead of one per entry. A head group of a row takes the exact
 * path (softmax.ts: its own maximum subtracted) when t is not finite (also when any v of that head is: V is then
 * NaN) or when its sum is below 2^-60, where terms that matter may have underflowed; a term that underflows beside
 * a sum above that is below 2^-66 of it. The sum has no + 1e-16, which only matters for sums below 1e-9. */

const MIN_SUM: f32 = 8.673617379884035e-19; // 2^-60

/** Columns [c0, c1) of the source factors: pq[j] holds P_j (heads values), then Q_j. Every part computes V over all
 *  columns (a maximum: the same bits whatever the order); the part with c0 = 0 writes it to top. */
export function gatSources(c0: i32, c1: i32, heads: i32, slope: f32, cols: i32, v: usize, top: usize, pq: usize): void {
  const hb = <usize>heads << 2;
  for (let b: usize = 0; b < hb; b += 16) {
    let m = f32x4.splat(-Infinity);
    let bad = f32x4.splat(0); // NaN in the lanes of a head with a non-finite v
    for (let j = 0; j < cols; j++) {
      const x = v128.load(v + <usize>j * hb + b);
      m = f32x4.pmax(m, x);
      bad = f32x4.add(bad, f32x4.sub(x, x));
    }
    m = f32x4.add(m, bad);
    if (c0 == 0) v128.store(top + b, m);
    for (let j = c0; j < c1; j++) {
      const d = f32x4.sub(v128.load(v + <usize>j * hb + b), m);
      const at = pq + <usize>j * 2 * hb + b;
      v128.store(at, exp4(d));
      v128.store(at + hb, exp4(f32x4.mul(d, f32x4.splat(slope))));
    }
  }
}

/** A row factor A_i (factor 1 - slope) or B_i (slope - 1) of four heads. A call, not inlined: the exp's constants
 *  then stay out of the entry loop's registers (inlined, V8 spilled the loop's values). */
function rowFactor(t: v128, factor: f32): v128 {
  return exp4(f32x4.pmin(f32x4.mul(t, f32x4.splat(factor)), f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline function finite(t: v128): bool {
  return i32x4.all_true(f32x4.eq(f32x4.sub(t, t), f32x4.splat(0)));
}

/** Rows [r0, r1) of GAT attention by the shifted form (top and pq from gatSources), exactly where it must be. Two
 *  head groups (8 heads) per pass over a row's entries: one gathered line of pq serves both, and the row's random
 *  reads come in one burst. */
export function gatAttentionShifted(
  r0: i32, r1: i32, heads: i32, slope: f32, e0: i32, indptr: usize, indices: usize, u: usize, v: usize, top: usize, pq: usize, out: usize,
): void {
  const hb = <usize>heads << 2;
  const zero = f32x4.splat(0);
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const ui = u + <usize>i * hb;
    for (let b: usize = 0; b < hb; b += 32) {
      const pair = b + 16 < hb; // a second group at b + 16
      const t0 = f32x4.add(v128.load(ui + b), v128.load(top + b));
      const t1 = pair ? f32x4.add(v128.load(ui + b, 16), v128.load(top + b, 16)) : zero;
      let shifted = finite(t0) && finite(t1);
      if (shifted) {
        const a0 = rowFactor(t0, 1 - slope);
        const c0 = rowFactor(t0, slope - 1);
        const a1 = rowFactor(t1, 1 - slope);
        const c1 = rowFactor(t1, slope - 1);
        let sum0 = zero;
        let sum1 = zero;
        for (let k = lo; k < hi; k++) {
          const at = pq + <usize>load<i32>(indices + (<usize>k << 2)) * 2 * hb + b;
          const o = out + <usize>k * hb + b;
          const w0 = f32x4.pmax(f32x4.mul(a0, v128.load(at)), f32x4.mul(c0, v128.load(at + hb)));
          v128.store(o, w0);
          sum0 = f32x4.add(sum0, w0);
          if (pair) {
            const w1 = f32x4.pmax(f32x4.mul(a1, v128.load(at, 16)), f32x4.mul(c1, v128.load(at + hb, 16)));
            v128.store(o, w1, 16);
            sum1 = f32x4.add(sum1, w1);
          }
        }
        const least = f32x4.splat(MIN_SUM);
        shifted = i32x4.all_true(f32x4.ge(sum0, least)) && (!pair || i32x4.all_true(f32x4.ge(sum1, least)));
        if (shifted) {
          scaleGroup(lo, hi, hb, b, f32x4.div(f32x4.splat(1), sum0), out);
          if (pair) scaleGroup(lo, hi, hb, b + 16, f32x4.div(f32x4.splat(1), sum1), out);
        }
      }
      if (!shifted) {
        softmaxGroupCall(lo, hi, hb, b, 0, ui, v, indices, slope, out);
        if (pair) softmaxGroupCall(lo, hi, hb, b + 16, 0, ui, v, indices, slope, out);
      }
    }
  }
}
