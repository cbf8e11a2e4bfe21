// WebAssembly SIMD multi-head sparse products (AssemblyScript): GSpMM out = A(w) x per head (also over a transpose,
// through its entry permutation), SDDMM dot and add per head, and per-entry values summed into rows.

/* Conventions as in sparse.ts (byte addresses; int32 structure, float32 values; entry k of a matrix sliced from
 * e0 = indptr[0] at index k - e0). A row of width f holds `heads` blocks of c = f / heads channels; per-entry
 * arrays hold `heads` values per entry. With perm != 0 the matrix is a transpose and entry k's per-entry values
 * are those of the original's entry perm[k] (stored from the original's first entry p0). Every sum runs in entry
 * order in float32 (a multiply, then an add), one output row or entry per thread: bitwise the same for any split. */

// @ts-ignore: decorator
@inline function rowStart(indptr: usize, i: i32, e0: i32): i32 {
  return load<i32>(indptr + (<usize>i << 2)) - e0;
}

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

// @ts-ignore: decorator
@inline function weights(wk: usize, t: i32, c: i32, lanes: v128): v128 {
  return i8x16.swizzle(v128.load(wk + headByte(t, c)), lanes);
}

/** Rows [r0, r1) of out = A(w) x: out[i, t] = sum over row i's entries k of w[k', t / c] x[j_k, t], k' = entryOf(k).
 *  Columns 16 at a time in four f32x4 accumulators (as sparse.ts gathers), then 4, then one. */
export function gspmm(
  r0: i32, r1: i32, f: i32, heads: i32, e0: i32, indptr: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize, out: usize,
): void {
  const c = f / heads;
  const fb = <usize>f << 2;
  const wb = <usize>heads << 2;
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const o = out + <usize>i * fb;
    let t = 0;
    for (; t + 16 <= f; t += 16) {
      const l0 = headLanes(t, c);
      const l1 = headLanes(t + 4, c);
      const l2 = headLanes(t + 8, c);
      const l3 = headLanes(t + 12, c);
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      for (let k = lo; k < hi; k++) {
        const wk = w + entryOf(perm, p0, k) * wb;
        const p = x + <usize>load<i32>(indices + (<usize>k << 2)) * fb + (<usize>t << 2);
        a0 = f32x4.add(a0, f32x4.mul(weights(wk, t, c, l0), v128.load(p)));
        a1 = f32x4.add(a1, f32x4.mul(weights(wk, t + 4, c, l1), v128.load(p, 16)));
        a2 = f32x4.add(a2, f32x4.mul(weights(wk, t + 8, c, l2), v128.load(p, 32)));
        a3 = f32x4.add(a3, f32x4.mul(weights(wk, t + 12, c, l3), v128.load(p, 48)));
      }
      const ot = o + (<usize>t << 2);
      v128.store(ot, a0);
      v128.store(ot, a1, 16);
      v128.store(ot, a2, 32);
      v128.store(ot, a3, 48);
    }
    for (; t + 4 <= f; t += 4) {
      const l0 = headLanes(t, c);
      let a0 = f32x4.splat(0);
      for (let k = lo; k < hi; k++) {
        const wk = w + entryOf(perm, p0, k) * wb;
        const p = x + <usize>load<i32>(indices + (<usize>k << 2)) * fb + (<usize>t << 2);
        a0 = f32x4.add(a0, f32x4.mul(weights(wk, t, c, l0), v128.load(p)));
      }
      v128.store(o + (<usize>t << 2), a0);
    }
    for (; t < f; t++) {
      let a: f32 = 0;
      for (let k = lo; k < hi; k++) {
        const wv = load<f32>(w + entryOf(perm, p0, k) * wb + headByte(t, c));
        a += wv * load<f32>(x + <usize>load<i32>(indices + (<usize>k << 2)) * fb + (<usize>t << 2));
      }
      store<f32>(o + (<usize>t << 2), a);
    }
  }
}

/** [sum of a's lanes, of b's, of c's, of d's] (pairwise within each). */
// @ts-ignore: decorator
@inline function laneSums4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(f32x4.shuffle(a, b, 0, 1, 4, 5), f32x4.shuffle(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(f32x4.shuffle(c, d, 0, 1, 4, 5), f32x4.shuffle(c, d, 2, 3, 6, 7));
  return f32x4.add(f32x4.shuffle(ab, cd, 0, 2, 4, 6), f32x4.shuffle(ab, cd, 1, 3, 5, 7));
}

/** Head h's dot product of the rows at p and q (c channels from byte hb = 4 h c), vector part: lanes summed later. */
// @ts-ignore: decorator
@inline function headDot(p: usize, q: usize, hb: usize, c: i32): v128 {
  let s = f32x4.mul(v128.load(p + hb), v128.load(q + hb));
  for (let t = 4; t < c; t += 4) s = f32x4.add(s, f32x4.mul(v128.load(p + hb + (<usize>t << 2)), v128.load(q + hb + (<usize>t << 2))));
  return s;
}

/** out[k, h] = sum_t y[i, h c + t] x[j_k, h c + t] for the entries of rows [r0, r1). Heads of a multiple of 4
 *  channels: each head's products in one f32x4, four heads' lanes summed together; other widths: in order. */
export function sddmmDot(r0: i32, r1: i32, f: i32, heads: i32, e0: i32, indptr: usize, indices: usize, y: usize, x: usize, out: usize): void {
  const c = f / heads;
  const fb = <usize>f << 2;
  const cb = <usize>c << 2;
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const yi = y + <usize>i * fb;
    for (let k = lo; k < hi; k++) {
      const xj = x + <usize>load<i32>(indices + (<usize>k << 2)) * fb;
      const o = out + <usize>k * heads * 4;
      let h = 0;
      if (c % 4 == 0) {
        for (; h + 4 <= heads; h += 4) {
          const hb = <usize>h * cb;
          const d = laneSums4(headDot(yi, xj, hb, c), headDot(yi, xj, hb + cb, c), headDot(yi, xj, hb + 2 * cb, c), headDot(yi, xj, hb + 3 * cb, c));
          v128.store(o + (<usize>h << 2), d);
        }
        for (; h < heads; h++) {
          const s = headDot(yi, xj, <usize>h * cb, c);
          store<f32>(o + (<usize>h << 2), f32x4.extract_lane(laneSums4(s, s, s, s), 0));
        }
      }
      for (; h < heads; h++) {
        let s: f32 = 0;
        const hb = <usize>h * cb;
        for (let t = 0; t < c; t++) s += load<f32>(yi + hb + (<usize>t << 2)) * load<f32>(xj + hb + (<usize>t << 2));
        store<f32>(o + (<usize>h << 2), s);
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

/** Rows [r0, r1) of out += the per-entry values d summed over each row's entries (in entry order): with a
 *  transpose's indptr and perm, the column sums of d over the original matrix (a scatter's sums, split by output
 *  rows). */
export function sumEntries(r0: i32, r1: i32, heads: i32, indptr: usize, perm: usize, p0: i32, d: usize, out: usize): void {
  const hb = <usize>heads << 2;
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, 0);
    const hi = rowStart(indptr, i + 1, 0);
    const o = out + <usize>i * hb;
    let b: usize = 0;
    for (; b + 16 <= hb; b += 16) {
      let s = v128.load(o + b);
      for (let k = lo; k < hi; k++) s = f32x4.add(s, v128.load(d + entryOf(perm, p0, k) * hb + b));
      v128.store(o + b, s);
    }
    for (; b < hb; b += 4) {
      let s = load<f32>(o + b);
      for (let k = lo; k < hi; k++) s += load<f32>(d + entryOf(perm, p0, k) * hb + b);
      store<f32>(o + b, s);
    }
  }
}
