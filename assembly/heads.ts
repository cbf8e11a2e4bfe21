// WebAssembly SIMD multi-head sparse products (AssemblyScript): GSpMM out = A(w) x per head (also over a transpose,
// through its entry permutation), SDDMM dot and add per head, and per-entry values summed into rows.

import { rowStart } from './rows';

/* Conventions as in sparse.ts (byte addresses; int32 structure, float32 values; entry k of a matrix sliced from
 * e0 = indptr[0] at index k - e0). A row of width f holds `heads` blocks of c = f / heads channels; per-entry
 * arrays hold `heads` values per entry. With perm != 0 the matrix is a transpose and entry k's per-entry values
 * are those of the original's entry perm[k] (stored from the original's first entry p0). Every sum runs in entry
 * order in float32 (a multiply, then an add), one output row or entry per thread: bitwise the same for any split. */

/** Index of entry k's per-entry values: k itself, or perm[k] - p0 over a transpose. */
// @ts-ignore: decorator
@inline function entryOf(perm: usize, p0: i32, k: i32): usize {
  return <usize>(perm == 0 ? k : load<i32>(perm + (<usize>k << 2)) - p0);
}

/** Byte offset, within an entry's weights, of the head of column t. */
// @ts-ignore: decorator
@inline function headByte(t: i32, c: i32): usize {
  return <usize>(t / c) << 2;
}

/** Swizzle that spreads the weights loaded from headByte(t, c) over columns t .. t+3: lane l takes the weight of
 *  head (t + l) / c, which lies (t + l) / c - t / c <= 3 floats on. */
// @ts-ignore: decorator
@inline function headLanes(t: i32, c: i32): v128 {
  const h = t / c;
  let s = i32x4.splat(0x03020100);
  s = i32x4.replace_lane(s, 1, 0x03020100 + 0x04040404 * ((t + 1) / c - h));
  s = i32x4.replace_lane(s, 2, 0x03020100 + 0x04040404 * ((t + 2) / c - h));
  s = i32x4.replace_lane(s, 3, 0x03020100 + 0x04040404 * ((t + 3) / c - h));
  return s;
}

/** Columns [t, t + 16) of out row o: the sum over entries [lo, hi) of weights times source rows, added to what o
 *  holds unless `first` (a row's later chunks: float32 sums stored and loaded back, the bits of one pass). The weights of
 *  the four f32x4 columns by `mode`: 4 (c = 4: four heads, one load), 8 (c = 8: two heads), 16 (c a multiple of 16:
 *  one head), 1 (another multiple of 4: a broadcast each) or 0 (any c: a swizzle of the 16 bytes from each f32x4's
 *  first head). With `dmode` >= 0 (gspmmBackwardFused), each gathered source row's dots with the same 16 columns
 *  of the fixed row xj also go to that entry's dw, stored as dotBlock stores them (dmode 4, 8 or 0). */
// @ts-ignore: decorator
@inline function gspmmBlock(
  mode: i32, dmode: i32, lo: i32, hi: i32, t: i32, c: i32, fb: usize, wb: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize,
  o: usize, xj: usize, dw: usize, first: bool,
): void {
  const tb = <usize>t << 2;
  const h0 = headByte(t, c);
  const h1 = headByte(t + 4, c);
  const h2 = headByte(t + 8, c);
  const h3 = headByte(t + 12, c);
  const l0 = headLanes(t, c);
  const l1 = headLanes(t + 4, c);
  const l2 = headLanes(t + 8, c);
  const l3 = headLanes(t + 12, c);
  const dots = dmode >= 0;
  const f0 = t % c == 0;
  const f1 = (t + 4) % c == 0;
  const f2 = (t + 8) % c == 0;
  const f3 = (t + 12) % c == 0;
  const y0 = dots ? v128.load(xj + tb) : f32x4.splat(0);
  const y1 = dots ? v128.load(xj + tb, 16) : y0;
  const y2 = dots ? v128.load(xj + tb, 32) : y0;
  const y3 = dots ? v128.load(xj + tb, 48) : y0;
  const ot = o + tb;
  const zero = f32x4.splat(0);
  let a0 = first ? zero : v128.load(ot);
  let a1 = first ? zero : v128.load(ot, 16);
  let a2 = first ? zero : v128.load(ot, 32);
  let a3 = first ? zero : v128.load(ot, 48);
  for (let k = lo; k < hi; k++) {
    const e = entryOf(perm, p0, k);
    const wk = w + e * wb;
    let w0 = f32x4.splat(0);
    let w1 = w0;
    let w2 = w0;
    let w3 = w0;
    if (mode == 4) {
      const v = v128.load(wk + h0);
      w0 = f32x4.shuffle(v, v, 0, 0, 0, 0);
      w1 = f32x4.shuffle(v, v, 1, 1, 1, 1);
      w2 = f32x4.shuffle(v, v, 2, 2, 2, 2);
      w3 = f32x4.shuffle(v, v, 3, 3, 3, 3);
    } else if (mode == 8) {
      const v = v128.load64_zero(wk + h0);
      w0 = w1 = f32x4.shuffle(v, v, 0, 0, 0, 0);
      w2 = w3 = f32x4.shuffle(v, v, 1, 1, 1, 1);
    } else if (mode == 16) {
      w0 = w1 = w2 = w3 = v128.load32_splat(wk + h0);
    } else if (mode == 1) {
      w0 = v128.load32_splat(wk + h0);
      w1 = v128.load32_splat(wk + h1);
      w2 = v128.load32_splat(wk + h2);
      w3 = v128.load32_splat(wk + h3);
    } else {
      w0 = i8x16.swizzle(v128.load(wk + h0), l0);
      w1 = i8x16.swizzle(v128.load(wk + h1), l1);
      w2 = i8x16.swizzle(v128.load(wk + h2), l2);
      w3 = i8x16.swizzle(v128.load(wk + h3), l3);
    }
    const p = x + <usize>load<i32>(indices + (<usize>k << 2)) * fb + tb;
    const x0 = v128.load(p);
    const x1 = v128.load(p, 16);
    const x2 = v128.load(p, 32);
    const x3 = v128.load(p, 48);
    a0 = f32x4.add(a0, f32x4.mul(w0, x0));
    a1 = f32x4.add(a1, f32x4.mul(w1, x1));
    a2 = f32x4.add(a2, f32x4.mul(w2, x2));
    a3 = f32x4.add(a3, f32x4.mul(w3, x3));
    if (dots) {
      const s = laneSums4(f32x4.mul(y0, x0), f32x4.mul(y1, x1), f32x4.mul(y2, x2), f32x4.mul(y3, x3));
      storeDots(dmode, dw + e * wb, s, h0, h1, h2, h3, f0, f1, f2, f3);
    }
  }
  v128.store(ot, a0);
  v128.store(ot, a1, 16);
  v128.store(ot, a2, 32);
  v128.store(ot, a3, 48);
}

/** Bytes of source rows a chunk of a row's entries touches (touchEntries): within the L1 cache. */
const TOUCH_BYTES = 32768;

/** Entries per chunk of a row for rows of fb bytes. */
// @ts-ignore: decorator
@inline function chunkEntries(fb: usize): i32 {
  return max<i32>(1, <i32>(<usize>TOUCH_BYTES / fb));
}

/** Loads (and drops) every line of the source rows of entries [lo, hi), and through perm their per-entry values in
 *  w and dw (when not 0). A loop of few instructions, so many of these random lines are in flight at once; the
 *  passes over the same entries then find them in the cache (a random gather otherwise waits on memory about as
 *  many times as it has passes: gspmm at f = 128 and the GSpMM backward 1.6x faster on one thread, 200k nodes). */
// @ts-ignore: decorator
@inline function touchEntries(lo: i32, hi: i32, fb: usize, wb: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize, dw: usize): void {
  for (let k = lo; k < hi; k++) {
    const p = x + <usize>load<i32>(indices + (<usize>k << 2)) * fb;
    for (let b: usize = 0; b < fb; b += 64) v128.load(p + b);
    if (perm != 0) {
      const e = entryOf(perm, p0, k) * wb;
      v128.load(w + e);
      if (dw != 0) v128.load(dw + e);
    }
  }
}

/** gspmmBlock's dmode for gspmm itself: no dots. */
const NO_DOTS = -1;

/** Entries [lo, hi) of out row o = A(w) x (added to what o holds unless `first`): columns 16 at a time in four f32x4
 *  accumulators (as sparse.ts gathers), then 4, then one. */
// @ts-ignore: decorator
@inline function gspmmRow(
  lo: i32, hi: i32, first: bool, f: i32, c: i32, fb: usize, wb: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize, o: usize,
): void {
  let t = 0;
  for (; t + 16 <= f; t += 16) {
    if (c == 4) gspmmBlock(4, NO_DOTS, lo, hi, t, c, fb, wb, indices, perm, p0, w, x, o, 0, 0, first);
    else if (c == 8) gspmmBlock(8, NO_DOTS, lo, hi, t, c, fb, wb, indices, perm, p0, w, x, o, 0, 0, first);
    else if (c % 16 == 0) gspmmBlock(16, NO_DOTS, lo, hi, t, c, fb, wb, indices, perm, p0, w, x, o, 0, 0, first);
    else if (c % 4 == 0) gspmmBlock(1, NO_DOTS, lo, hi, t, c, fb, wb, indices, perm, p0, w, x, o, 0, 0, first);
    else gspmmBlock(0, NO_DOTS, lo, hi, t, c, fb, wb, indices, perm, p0, w, x, o, 0, 0, first);
  }
  for (; t + 4 <= f; t += 4) {
    const h0 = headByte(t, c);
    const l0 = headLanes(t, c);
    const ot = o + (<usize>t << 2);
    let a0 = first ? f32x4.splat(0) : v128.load(ot);
    for (let k = lo; k < hi; k++) {
      const wk = w + entryOf(perm, p0, k) * wb;
      const p = x + <usize>load<i32>(indices + (<usize>k << 2)) * fb + (<usize>t << 2);
      a0 = f32x4.add(a0, f32x4.mul(i8x16.swizzle(v128.load(wk + h0), l0), v128.load(p)));
    }
    v128.store(ot, a0);
  }
  for (; t < f; t++) {
    const h0 = headByte(t, c);
    const ot = o + (<usize>t << 2);
    let a: f32 = first ? 0 : load<f32>(ot);
    for (let k = lo; k < hi; k++) {
      const wv = load<f32>(w + entryOf(perm, p0, k) * wb + h0);
      a += wv * load<f32>(x + <usize>load<i32>(indices + (<usize>k << 2)) * fb + (<usize>t << 2));
    }
    store<f32>(ot, a);
  }
}

/** Rows [r0, r1) of out = A(w) x: out[i, t] = sum over row i's entries k of w[k', t / c] x[j_k, t], k' = entryOf(k).
 *  With `touch`, a row's entries by chunks (chunkEntries), each touched first (touchEntries). */
// @ts-ignore: decorator
@inline function gspmmRows(
  touch: bool, r0: i32, r1: i32, f: i32, heads: i32, e0: i32, indptr: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize,
  out: usize,
): void {
  const c = f / heads;
  const fb = <usize>f << 2;
  const wb = <usize>heads << 2;
  const chunk = touch ? chunkEntries(fb) : 0;
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const o = out + <usize>i * fb;
    rowByChunks(false, touch, chunk, lo, hi, f, c, fb, wb, indices, perm, p0, w, x, o, 0, 0);
  }
}

/** gspmmRows without touching (for gathered arrays within the cache: the touching pass would only cost). */
export function gspmm(
  r0: i32, r1: i32, f: i32, heads: i32, e0: i32, indptr: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize, out: usize,
): void {
  gspmmRows(false, r0, r1, f, heads, e0, indptr, indices, perm, p0, w, x, out);
}

/** gspmmRows touching each chunk of a row's entries first. */
export function gspmmTouching(
  r0: i32, r1: i32, f: i32, heads: i32, e0: i32, indptr: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize, out: usize,
): void {
  gspmmRows(true, r0, r1, f, heads, e0, indptr, indices, perm, p0, w, x, out);
}

/** [sum of a's lanes, of b's, of c's, of d's] (pairwise within each). */
// @ts-ignore: decorator
@inline function laneSums4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(f32x4.shuffle(a, b, 0, 1, 4, 5), f32x4.shuffle(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(f32x4.shuffle(c, d, 0, 1, 4, 5), f32x4.shuffle(c, d, 2, 3, 6, 7));
  return f32x4.add(f32x4.shuffle(ab, cd, 0, 2, 4, 6), f32x4.shuffle(ab, cd, 1, 3, 5, 7));
}

/** Adds lane sum v of the 4 columns from byte hb of an entry's heads at o: stores it when those columns start
 *  their head (`first`), else adds it to what the head holds. */
// @ts-ignore: decorator
@inline function addToHead(o: usize, hb: usize, first: bool, v: f32): void {
  store<f32>(o + hb, first ? v : load<f32>(o + hb) + v);
}

/** Columns [t, t + 16) of sddmmDot for the entries [lo, hi) of row yi: each f32x4 of products summed pairwise, then
 *  added to its head. c = 4 (`mode` 4) and c = 8 (`mode` 8) store whole heads at once, with the same sums. */
// @ts-ignore: decorator
@inline function dotBlock(mode: i32, lo: i32, hi: i32, t: i32, c: i32, fb: usize, ob: usize, indices: usize, yi: usize, x: usize, out: usize): void {
  const tb = <usize>t << 2;
  const y0 = v128.load(yi + tb);
  const y1 = v128.load(yi + tb, 16);
  const y2 = v128.load(yi + tb, 32);
  const y3 = v128.load(yi + tb, 48);
  const h0 = headByte(t, c);
  const h1 = headByte(t + 4, c);
  const h2 = headByte(t + 8, c);
  const h3 = headByte(t + 12, c);
  const f0 = t % c == 0;
  const f1 = (t + 4) % c == 0;
  const f2 = (t + 8) % c == 0;
  const f3 = (t + 12) % c == 0;
  for (let k = lo; k < hi; k++) {
    const p = x + <usize>load<i32>(indices + (<usize>k << 2)) * fb + tb;
    const s = laneSums4(f32x4.mul(y0, v128.load(p)), f32x4.mul(y1, v128.load(p, 16)), f32x4.mul(y2, v128.load(p, 32)), f32x4.mul(y3, v128.load(p, 48)));
    storeDots(mode, out + <usize>k * ob, s, h0, h1, h2, h3, f0, f1, f2, f3);
  }
}

/** Stores an entry's lane sums s of columns [t, t + 16) at its heads o (h0..h3: the heads' byte offsets of the four
 *  f32x4s, f0..f3: whether each starts its head): c = 4 (`mode` 4) and c = 8 (`mode` 8) as whole heads at once, else
 *  each added to its head in column order (addToHead), with the same sums. */
// @ts-ignore: decorator
@inline function storeDots(
  mode: i32, o: usize, s: v128, h0: usize, h1: usize, h2: usize, h3: usize, f0: bool, f1: bool, f2: bool, f3: bool,
): void {
  if (mode == 4) v128.store(o + h0, s);
  else if (mode == 8) v128.store64_lane(o + h0, f32x4.add(f32x4.shuffle(s, s, 0, 2, 0, 2), f32x4.shuffle(s, s, 1, 3, 1, 3)), 0);
  else {
    addToHead(o, h0, f0, f32x4.extract_lane(s, 0));
    addToHead(o, h1, f1, f32x4.extract_lane(s, 1));
    addToHead(o, h2, f2, f32x4.extract_lane(s, 2));
    addToHead(o, h3, f3, f32x4.extract_lane(s, 3));
  }
}

/** out[k, h] = sum_t y[i, h c + t] x[j_k, h c + t] for the entries of rows [r0, r1). Heads of a multiple of 4
 *  channels go as the gathers do, 16 columns of all of a row's entries at a time (16 channels of y in registers,
 *  one 64-byte line of each source row per entry): the 4 columns of each f32x4 are summed pairwise and added to
 *  their head in column order. Other widths: each head's channels in order. */
export function sddmmDot(r0: i32, r1: i32, f: i32, heads: i32, e0: i32, indptr: usize, indices: usize, y: usize, x: usize, out: usize): void {
  const c = f / heads;
  const fb = <usize>f << 2;
  const ob = <usize>heads << 2;
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const yi = y + <usize>i * fb;
    if (c % 4 != 0) {
      for (let k = lo; k < hi; k++) {
        const xj = x + <usize>load<i32>(indices + (<usize>k << 2)) * fb;
        for (let h = 0; h < heads; h++) {
          let s: f32 = 0;
          for (let t = h * c; t < h * c + c; t++) s += load<f32>(yi + (<usize>t << 2)) * load<f32>(xj + (<usize>t << 2));
          store<f32>(out + <usize>k * ob + (<usize>h << 2), s);
        }
      }
      continue;
    }
    let t = 0;
    for (; t + 16 <= f; t += 16) {
      if (c == 4) dotBlock(4, lo, hi, t, c, fb, ob, indices, yi, x, out);
      else if (c == 8) dotBlock(8, lo, hi, t, c, fb, ob, indices, yi, x, out);
      else dotBlock(0, lo, hi, t, c, fb, ob, indices, yi, x, out);
    }
    for (; t < f; t += 4) {
      const tb = <usize>t << 2;
      const y0 = v128.load(yi + tb);
      const h0 = headByte(t, c);
      const f0 = t % c == 0;
      for (let k = lo; k < hi; k++) {
        const q = f32x4.mul(y0, v128.load(x + <usize>load<i32>(indices + (<usize>k << 2)) * fb + tb));
        addToHead(out + <usize>k * ob, h0, f0, f32x4.extract_lane(laneSums4(q, q, q, q), 0));
      }
    }
  }
}

/** out[k, h] = u[i, h] + v[j_k, h] for the entries of rows [r0, r1). */
export function sddmmAdd(r0: i32, r1: i32, heads: i32, e0: i32, indptr: usize, indices: usize, u: usize, v: usize, out: usize): void {
  const hb = <usize>heads << 2;
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const ui = u + <usize>i * hb;
    for (let k = lo; k < hi; k++) {
      const vj = v + <usize>load<i32>(indices + (<usize>k << 2)) * hb;
      const o = out + <usize>k * hb;
      let b: usize = 0;
      for (; b + 16 <= hb; b += 16) v128.store(o + b, f32x4.add(v128.load(ui + b), v128.load(vj + b)));
      for (; b < hb; b += 4) store<f32>(o + b, load<f32>(ui + b) + load<f32>(vj + b));
    }
  }
}

/** Entries [lo, hi) of gspmmBackwardFused's row: dx row o (added to unless `first`) and the entries' dw. */
// @ts-ignore: decorator
@inline function backwardRow(
  lo: i32, hi: i32, first: bool, f: i32, c: i32, fb: usize, wb: usize, indices: usize, perm: usize, p0: i32, w: usize, g: usize, o: usize,
  xj: usize, dw: usize,
): void {
  for (let t = 0; t < f; t += 16) {
    if (c == 4) gspmmBlock(4, 4, lo, hi, t, c, fb, wb, indices, perm, p0, w, g, o, xj, dw, first);
    else if (c == 8) gspmmBlock(8, 8, lo, hi, t, c, fb, wb, indices, perm, p0, w, g, o, xj, dw, first);
    else if (c % 16 == 0) gspmmBlock(16, 0, lo, hi, t, c, fb, wb, indices, perm, p0, w, g, o, xj, dw, first);
    else gspmmBlock(1, 0, lo, hi, t, c, fb, wb, indices, perm, p0, w, g, o, xj, dw, first);
  }
}

/** Entries [lo, hi) of a row of gspmmRows (fused false: gspmmRow) or of the fused backward (backwardRow, with the
 *  entries' dw); with `touch`, by chunks of `chunk` entries, each touched first (touchEntries), the sums carried
 *  from chunk to chunk in float32. */
// @ts-ignore: decorator
@inline function rowByChunks(
  fused: bool, touch: bool, chunk: i32, lo: i32, hi: i32, f: i32, c: i32, fb: usize, wb: usize, indices: usize, perm: usize, p0: i32,
  w: usize, src: usize, o: usize, xj: usize, dw: usize,
): void {
  let c0 = lo;
  do { // at least once: an empty row's sums are 0
    const c1 = touch && hi - c0 > chunk ? c0 + chunk : hi;
    if (touch) touchEntries(c0, c1, fb, wb, indices, perm, p0, w, src, dw);
    if (fused) backwardRow(c0, c1, c0 == lo, f, c, fb, wb, indices, perm, p0, w, src, o, xj, dw);
    else gspmmRow(c0, c1, c0 == lo, f, c, fb, wb, indices, perm, p0, w, src, o);
    c0 = c1;
  } while (c0 < hi);
}

/** GSpMM's backward in one pass over the rows [r0, r1) of A's transpose (indptr from 0, entry permutation perm,
 *  per-entry values from the original's entry p0): dx[j] = the sum of w g[i] over the row's entries (A(w)^T g, as
 *  gspmm over the transpose sums it) and each entry's dw = x[j] . g[i] per head (as sddmmDot sums it: a product
 *  x g has the bits of g x), so each gathered row of g serves both; the bits of the two-pass form for any split.
 *  With `touch`, by chunks of entries touched first, as gspmmRows.
 *  Widths: f a multiple of 16 and c = f / heads a multiple of 4 (the caller uses the two passes otherwise). */
// @ts-ignore: decorator
@inline function backwardRows(
  touch: bool, r0: i32, r1: i32, f: i32, heads: i32, indptr: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize, g: usize,
  dw: usize, dx: usize,
): void {
  const c = f / heads;
  const fb = <usize>f << 2;
  const wb = <usize>heads << 2;
  const chunk = touch ? chunkEntries(fb) : 0;
  for (let j = r0; j < r1; j++) {
    const lo = rowStart(indptr, j, 0);
    const hi = rowStart(indptr, j + 1, 0);
    const xj = x + <usize>j * fb;
    const o = dx + <usize>j * fb;
    rowByChunks(true, touch, chunk, lo, hi, f, c, fb, wb, indices, perm, p0, w, g, o, xj, dw);
  }
}

/** backwardRows without touching (as gspmm). */
export function gspmmBackwardFused(
  r0: i32, r1: i32, f: i32, heads: i32, indptr: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize, g: usize, dw: usize, dx: usize,
): void {
  backwardRows(false, r0, r1, f, heads, indptr, indices, perm, p0, w, x, g, dw, dx);
}

/** backwardRows touching each chunk of a row's entries first (as gspmmTouching). */
export function gspmmBackwardFusedTouching(
  r0: i32, r1: i32, f: i32, heads: i32, indptr: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize, g: usize, dw: usize, dx: usize,
): void {
  backwardRows(true, r0, r1, f, heads, indptr, indices, perm, p0, w, x, g, dw, dx);
}
