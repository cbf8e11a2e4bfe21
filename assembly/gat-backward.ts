// WebAssembly SIMD backward pass of GAT attention (AssemblyScript): per entry d = alpha (g - s) leakyRelu'(u_i + v_j),
// summed into du by rows, and into dv by a scatter or (split over threads) stored for sums over the transpose.

import { rowStart } from './rows';

/* Conventions as in softmax.ts. Two head groups (8 heads) per pass over a row's entries, as in gat-shifted.ts: one
 * gathered v row serves both. Each dv value gets its terms in entry order either way: the scatter on one thread and
 * heads.ts' sumEntries over the transpose (with the terms stored to dOut) give the same bits. */

/** d of the four heads at byte offset `at` of the per-entry arrays, with s their row sums and z = u_i + v_j. */
// @ts-ignore: decorator
@inline function term(alpha: usize, g: usize, at: usize, s: v128, z: v128, slope: f32): v128 {
  const factor = v128.bitselect(f32x4.splat(1), f32x4.splat(slope), f32x4.gt(z, f32x4.splat(0)));
  return f32x4.mul(f32x4.mul(v128.load(alpha + at), f32x4.sub(v128.load(g + at), s)), factor);
}

/** Adds d to dv at dvj (scatter), or stores it at dOutAt (keep). */
// @ts-ignore: decorator
@inline function emit(d: v128, dvj: usize, dOutAt: usize, scatter: bool, keep: bool): void {
  if (scatter) v128.store(dvj, f32x4.add(v128.load(dvj), d));
  else if (keep) v128.store(dOutAt, d);
}

/** Rows [r0, r1): du[i] += the row's sum of d (du != 0); d goes to dv[j] (scatter: one thread only) or to dOut
 *  (dOut != 0). */
export function gatAttentionBackward(
  r0: i32, r1: i32, heads: i32, slope: f32, e0: i32, indptr: usize, indices: usize, u: usize, v: usize, alpha: usize, g: usize,
  du: usize, dv: usize, scatter: bool, dOut: usize,
): void {
  const hb = <usize>heads << 2;
  const keep = dOut != 0;
  const zero = f32x4.splat(0);
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const ui = u + <usize>i * hb;
    let b: usize = 0;
    for (; heads % 4 == 0 && b < hb; b += 32) {
      const pair = b + 16 < hb; // a second group at b + 16
      let s0 = zero;
      let s1 = zero;
      for (let k = lo; k < hi; k++) {
        const at = <usize>k * hb + b;
        s0 = f32x4.add(s0, f32x4.mul(v128.load(alpha + at), v128.load(g + at)));
        if (pair) s1 = f32x4.add(s1, f32x4.mul(v128.load(alpha + at, 16), v128.load(g + at, 16)));
      }
      const u0 = v128.load(ui + b);
      const u1 = pair ? v128.load(ui + b, 16) : zero;
      let t0 = zero;
      let t1 = zero;
      for (let k = lo; k < hi; k++) {
        const at = <usize>k * hb + b;
        const jb = <usize>load<i32>(indices + (<usize>k << 2)) * hb + b;
        const d0 = term(alpha, g, at, s0, f32x4.add(u0, v128.load(v + jb)), slope);
        t0 = f32x4.add(t0, d0);
        emit(d0, dv + jb, dOut + at, scatter, keep);
        if (pair) {
          const d1 = term(alpha, g, at + 16, s1, f32x4.add(u1, v128.load(v + jb, 16)), slope);
          t1 = f32x4.add(t1, d1);
          emit(d1, dv + jb + 16, dOut + at + 16, scatter, keep);
        }
      }
      if (du != 0) {
        const di = du + <usize>i * hb + b;
        v128.store(di, f32x4.add(v128.load(di), t0));
        if (pair) v128.store(di, f32x4.add(v128.load(di, 16), t1), 16);
      }
    }
    for (; b < hb; b += 4) {
      let s: f32 = 0;
      for (let k = lo; k < hi; k++) s += load<f32>(alpha + <usize>k * hb + b) * load<f32>(g + <usize>k * hb + b);
      let rowSum: f32 = 0;
      for (let k = lo; k < hi; k++) {
        const at = <usize>k * hb + b;
        const jb = <usize>load<i32>(indices + (<usize>k << 2)) * hb + b;
        const d = load<f32>(alpha + at) * (load<f32>(g + at) - s) * (load<f32>(ui + b) + load<f32>(v + jb) > 0 ? 1 : slope);
        rowSum += d;
        if (scatter) store<f32>(dv + jb, load<f32>(dv + jb) + d);
        else if (keep) store<f32>(dOut + at, d);
      }
      if (du != 0) store<f32>(du + <usize>i * hb + b, load<f32>(du + <usize>i * hb + b) + rowSum);
    }
  }
}
