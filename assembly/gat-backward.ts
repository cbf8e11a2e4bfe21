// WebAssembly SIMD backward pass of GAT attention (AssemblyScript): per entry d = alpha (g - s) leakyRelu'(u_i + v_j),
// summed into du by rows and scattered into dv by a fixed number of row parts, each into its own partial dv.

import { rowStart } from './rows';

/* Conventions as in softmax.ts. Two head groups (8 heads) per pass over a row's entries, as in gat-shifted.ts: one
 * gathered v row serves both. dv: the rows fall into a fixed number of parts (wasm-attention.ts, GAT_DV_PARTS), each
 * part scatters its terms in entry order into its own zeroed partial, and sumPartials adds the partials to dv in part
 * order: threads take whole parts, so the sums are the same bits for any thread count (and differ from one scatter
 * over all rows only by float32 rounding). */

/** Entries of a row whose v and dv lines the pass for the row sums loads (and drops) ahead of the pass that uses
 *  them: a loop of few instructions, so many of these random lines are in flight at once (the backward 1.3-1.9x
 *  faster on one thread on a 200k-node graph, 8 heads); a row's first 256 entries, two lines each, fit the L1 cache. */
const TOUCH_ENTRIES = 256;

/** d of the four heads at byte offset `at` of the per-entry arrays, with s their row sums and z = u_i + v_j. */
// @ts-ignore: decorator
@inline function term(alpha: usize, g: usize, at: usize, s: v128, z: v128, slope: f32): v128 {
  const factor = v128.bitselect(f32x4.splat(1), f32x4.splat(slope), f32x4.gt(z, f32x4.splat(0)));
  return f32x4.mul(f32x4.mul(v128.load(alpha + at), f32x4.sub(v128.load(g + at), s)), factor);
}

/** Adds d to dv at dvj (when dv is wanted). */
// @ts-ignore: decorator
@inline function emit(d: v128, dvj: usize, scatter: bool): void {
  if (scatter) v128.store(dvj, f32x4.add(v128.load(dvj), d));
}

/** Rows [r0, r1): du[i] += the row's sum of d (du != 0); dv[j] += d (dv != 0); with `touch`, the v and dv lines
 *  touched ahead (TOUCH_ENTRIES). */
// @ts-ignore: decorator
@inline function backwardRows(
  touch: bool, r0: i32, r1: i32, heads: i32, slope: f32, e0: i32, indptr: usize, indices: usize, u: usize, v: usize, alpha: usize,
  g: usize, du: usize, dv: usize,
): void {
  const hb = <usize>heads << 2;
  const scatter = dv != 0;
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
        if (touch && k - lo < TOUCH_ENTRIES) {
          const jb = <usize>load<i32>(indices + (<usize>k << 2)) * hb + b;
          v128.load(v + jb);
          if (scatter) v128.load(dv + jb);
        }
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
        emit(d0, dv + jb, scatter);
        if (pair) {
          const d1 = term(alpha, g, at + 16, s1, f32x4.add(u1, v128.load(v + jb, 16)), slope);
          t1 = f32x4.add(t1, d1);
          emit(d1, dv + jb + 16, scatter);
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
      }
      if (du != 0) store<f32>(du + <usize>i * hb + b, load<f32>(du + <usize>i * hb + b) + rowSum);
    }
  }
}

/** backwardRows without touching. */
export function gatAttentionBackward(
  r0: i32, r1: i32, heads: i32, slope: f32, e0: i32, indptr: usize, indices: usize, u: usize, v: usize, alpha: usize, g: usize,
  du: usize, dv: usize,
): void {
  backwardRows(false, r0, r1, heads, slope, e0, indptr, indices, u, v, alpha, g, du, dv);
}

/** The rows of the parts that lie in [r0, r1) (a thread's range starts and ends at part bounds): part p, rows
 *  partRows[p] .. partRows[p + 1], scatters into its partial at partials + p * partBytes, zeroed first (partials = 0:
 *  du only); `touch` as in backwardRows. */
export function gatAttentionBackwardParts(
  r0: i32, r1: i32, parts: i32, partRows: usize, partBytes: usize, heads: i32, slope: f32, e0: i32, indptr: usize, indices: usize,
  u: usize, v: usize, alpha: usize, g: usize, du: usize, partials: usize, touch: bool,
): void {
  for (let p = 0; p < parts; p++) {
    const lo = load<i32>(partRows + (<usize>p << 2));
    const hi = load<i32>(partRows + (<usize>(p + 1) << 2));
    if (lo < r0 || hi > r1) continue;
    const dv = partials == 0 ? 0 : partials + <usize>p * partBytes; // 0: no dv wanted
    if (dv != 0) memory.fill(dv, 0, partBytes);
    if (touch) backwardRows(true, lo, hi, heads, slope, e0, indptr, indices, u, v, alpha, g, du, dv);
    else backwardRows(false, lo, hi, heads, slope, e0, indptr, indices, u, v, alpha, g, du, dv);
  }
}

/** Rows [r0, r1) (of `width` floats) of out += the sum of the `parts` partials in part order. */
export function sumPartials(r0: i32, r1: i32, width: i32, parts: i32, partials: usize, partBytes: usize, out: usize): void {
  const from = <usize>r0 * (<usize>width << 2);
  const to = <usize>r1 * (<usize>width << 2);
  let b = from;
  for (; b + 16 <= to; b += 16) {
    let s = v128.load(partials + b);
    for (let p = 1; p < parts; p++) s = f32x4.add(s, v128.load(partials + <usize>p * partBytes + b));
    v128.store(out + b, f32x4.add(v128.load(out + b), s));
  }
  for (; b < to; b += 4) {
    let s = load<f32>(partials + b);
    for (let p = 1; p < parts; p++) s += load<f32>(partials + <usize>p * partBytes + b);
    store<f32>(out + b, load<f32>(out + b) + s);
  }
}
