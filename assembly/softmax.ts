// WebAssembly SIMD edge softmax (AssemblyScript): per row and head, softmax over the row's entries of given logits
// or of GAT's leakyRelu(u[i] + v[j]) (exactly: the row maximum subtracted), and the softmax's backward pass.

import { exp1, expNonPositive4 } from './expf';
import { rowStart } from './rows';

/* Conventions as in heads.ts. Per-entry arrays hold `heads` values per entry; four heads go in one f32x4 when heads
 * is a multiple of 4, else one head at a time in scalars (with exp4's arithmetic, lane 0). A row's maximum is taken
 * with pmax, which skips a NaN logit; the NaN still turns the row NaN through its exp, as in the reference. The
 * denominator is the float32 sum in entry order + 1e-16, and each value is multiplied by its reciprocal. */

/** The logits of entry k's heads at byte b: e's, or leakyRelu(u_i + v_j) when e = 0. */
// @ts-ignore: decorator
@inline function logit4(e: usize, k: i32, hb: usize, b: usize, ui: usize, v: usize, indices: usize, slope: f32): v128 {
  if (e != 0) return v128.load(e + <usize>k * hb + b);
  const s = f32x4.add(v128.load(ui + b), v128.load(v + <usize>load<i32>(indices + (<usize>k << 2)) * hb + b));
  return v128.bitselect(s, f32x4.mul(s, f32x4.splat(slope)), f32x4.gt(s, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline function logit1(e: usize, k: i32, hb: usize, b: usize, ui: usize, v: usize, indices: usize, slope: f32): f32 {
  if (e != 0) return load<f32>(e + <usize>k * hb + b);
  const s = load<f32>(ui + b) + load<f32>(v + <usize>load<i32>(indices + (<usize>k << 2)) * hb + b);
  return s > 0 ? s : s * slope;
}

/** Heads [b / 4, b / 4 + 4) of row ui's softmax over entries [lo, hi), and with `pair` heads [b / 4 + 4, b / 4 + 8)
 *  too, in the same passes (two exps' long dependency chains overlap; the same operations lane by lane, so the same
 *  bits): the row maximum of the logits (GAT's are stored in out on the way), then their exps less the maximum into
 *  out, then the quotients. */
// @ts-ignore: decorator
@inline function softmaxGroup(
  pair: bool, lo: i32, hi: i32, hb: usize, b: usize, e: usize, ui: usize, v: usize, indices: usize, slope: f32, out: usize,
): void {
  let m0 = f32x4.splat(-Infinity);
  let m1 = m0;
  for (let k = lo; k < hi; k++) {
    const l0 = logit4(e, k, hb, b, ui, v, indices, slope);
    const l1 = pair ? logit4(e, k, hb, b + 16, ui, v, indices, slope) : l0;
    if (e == 0) {
      v128.store(out + <usize>k * hb + b, l0);
      if (pair) v128.store(out + <usize>k * hb + b, l1, 16);
    }
    m0 = f32x4.pmax(m0, l0);
    if (pair) m1 = f32x4.pmax(m1, l1);
  }
  // given logits are read again where they are; GAT's, computed from a gather, were stored in out
  const src = e != 0 ? e : out;
  let d0 = f32x4.splat(0);
  let d1 = d0;
  for (let k = lo; k < hi; k++) {
    const at = <usize>k * hb + b;
    const x0 = expNonPositive4(f32x4.sub(v128.load(src + at), m0));
    v128.store(out + at, x0);
    d0 = f32x4.add(d0, x0);
    if (pair) {
      const x1 = expNonPositive4(f32x4.sub(v128.load(src + at, 16), m1));
      v128.store(out + at, x1, 16);
      d1 = f32x4.add(d1, x1);
    }
  }
  const inv0 = f32x4.div(f32x4.splat(1), f32x4.add(d0, f32x4.splat(1e-16)));
  const inv1 = f32x4.div(f32x4.splat(1), f32x4.add(d1, f32x4.splat(1e-16)));
  for (let k = lo; k < hi; k++) {
    const at = out + <usize>k * hb + b;
    v128.store(at, f32x4.mul(v128.load(at), inv0));
    if (pair) v128.store(at, f32x4.mul(v128.load(at, 16), inv1), 16);
  }
}

/** softmaxGroup as a call (for gat-shifted.ts' rare exact rows: inlined there, the exp's constants crowd out the
 *  registers of its entry loop). */
export function softmaxGroupCall(lo: i32, hi: i32, hb: usize, b: usize, e: usize, ui: usize, v: usize, indices: usize, slope: f32, out: usize): void {
  softmaxGroup(false, lo, hi, hb, b, e, ui, v, indices, slope, out);
}

/** out[k, b / 4 + (0 .. 4)] *= inv for the entries [lo, hi). */
// @ts-ignore: decorator
@inline export function scaleGroup(lo: i32, hi: i32, hb: usize, b: usize, inv: v128, out: usize): void {
  for (let k = lo; k < hi; k++) {
    const at = out + <usize>k * hb + b;
    v128.store(at, f32x4.mul(v128.load(at), inv));
  }
}

/** Rows [r0, r1) of the softmax of e's logits, or of GAT's when e = 0. */
function softmaxRows(r0: i32, r1: i32, heads: i32, e0: i32, indptr: usize, indices: usize, u: usize, v: usize, slope: f32, e: usize, out: usize): void {
  const hb = <usize>heads << 2;
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const ui = u + <usize>i * hb;
    let b: usize = 0;
    for (; heads % 8 == 0 && b < hb; b += 32) softmaxGroup(true, lo, hi, hb, b, e, ui, v, indices, slope, out);
    for (; heads % 4 == 0 && b < hb; b += 16) softmaxGroup(false, lo, hi, hb, b, e, ui, v, indices, slope, out);
    for (; b < hb; b += 4) {
      let mx: f32 = -Infinity;
      for (let k = lo; k < hi; k++) {
        const l = logit1(e, k, hb, b, ui, v, indices, slope);
        if (e == 0) store<f32>(out + <usize>k * hb + b, l);
        if (l > mx) mx = l;
      }
      const src = e != 0 ? e : out;
      let den: f32 = 0;
      for (let k = lo; k < hi; k++) {
        const at = <usize>k * hb + b;
        const x = exp1(load<f32>(src + at) - mx);
        store<f32>(out + at, x);
        den += x;
      }
      const inv: f32 = 1 / (den + 1e-16);
      for (let k = lo; k < hi; k++) store<f32>(out + <usize>k * hb + b, load<f32>(out + <usize>k * hb + b) * inv);
    }
  }
}

/** Rows [r0, r1) of out = edge softmax of the logits e. */
export function edgeSoftmax(r0: i32, r1: i32, heads: i32, e0: i32, indptr: usize, e: usize, out: usize): void {
  softmaxRows(r0, r1, heads, e0, indptr, 0, 0, 0, 0, e, out);
}

/** Rows [r0, r1) of out = edge softmax of leakyRelu(u[i] + v[j], slope) (GAT attention). */
export function gatAttention(r0: i32, r1: i32, heads: i32, slope: f32, e0: i32, indptr: usize, indices: usize, u: usize, v: usize, out: usize): void {
  softmaxRows(r0, r1, heads, e0, indptr, indices, u, v, slope, 0, out);
}

/** Rows [r0, r1) of out = alpha (g - s), s = the row's sum of alpha g (per head). */
export function edgeSoftmaxBackward(r0: i32, r1: i32, heads: i32, e0: i32, indptr: usize, alpha: usize, g: usize, out: usize): void {
  const hb = <usize>heads << 2;
  for (let i = r0; i < r1; i++) {
    const lo = <usize>rowStart(indptr, i, e0) * hb;
    const hi = <usize>rowStart(indptr, i + 1, e0) * hb;
    let b: usize = 0;
    for (; heads % 4 == 0 && b < hb; b += 16) {
      let s = f32x4.splat(0);
      for (let at = lo + b; at < hi; at += hb) s = f32x4.add(s, f32x4.mul(v128.load(alpha + at), v128.load(g + at)));
      for (let at = lo + b; at < hi; at += hb) {
        const a = v128.load(alpha + at);
        v128.store(out + at, f32x4.mul(a, f32x4.sub(v128.load(g + at), s)));
      }
    }
    for (; b < hb; b += 4) {
      let s: f32 = 0;
      for (let at = lo + b; at < hi; at += hb) s += load<f32>(alpha + at) * load<f32>(g + at);
      for (let at = lo + b; at < hi; at += hb) store<f32>(out + at, load<f32>(alpha + at) * (load<f32>(g + at) - s));
    }
  }
}
