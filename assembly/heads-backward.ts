// WebAssembly SIMD GSpMM backward in one pass (AssemblyScript): over the rows of A's transpose, each entry's source
// row of g gathered once serves both dw (its dot with the row of x) and dx (its weighted sum).

import { addToHead, entryOf, headByte, laneSums4 } from './heads';
import { rowStart } from './rows';

/* Conventions as in heads.ts. Row j of the transpose holds the entries (i -> j) of A; entry k's per-entry values
 * (w and dw) sit at entryOf(perm, p0, k). dx[j] sums w g[i] over the row's entries in order, as gspmm over the
 * transpose does; dw of each entry is the dot of x[j] and g[i] per head, 16 columns at a time with each f32x4 of
 * products summed pairwise and added to its head in column order, as sddmmDot does (a product x g has the bits of
 * g x). So both outputs have the bits of the two-pass form, for any split of the rows. Widths: f a multiple of 16 and
 * c = f / heads a multiple of 4 (the caller uses the two-pass form otherwise). */

/** Columns [t, t + 16) of row j: dx's sums into o, each entry's dots into dw. `wmode`: the weights' layout as in
 *  gspmmBlock (4: c = 4, 8: c = 8, 16: c a multiple of 16, 1: another multiple of 4); `dmode`: the dots' as in
 *  dotBlock (4, 8, else 0). */
// @ts-ignore: decorator
@inline function fusedBlock(
  wmode: i32, dmode: i32, lo: i32, hi: i32, t: i32, c: i32, fb: usize, wb: usize, indices: usize, perm: usize, p0: i32,
  w: usize, xj: usize, g: usize, o: usize, dw: usize,
): void {
  const tb = <usize>t << 2;
  const y0 = v128.load(xj + tb);
  const y1 = v128.load(xj + tb, 16);
  const y2 = v128.load(xj + tb, 32);
  const y3 = v128.load(xj + tb, 48);
  const h0 = headByte(t, c);
  const h1 = headByte(t + 4, c);
  const h2 = headByte(t + 8, c);
  const h3 = headByte(t + 12, c);
  const f0 = t % c == 0;
  const f1 = (t + 4) % c == 0;
  const f2 = (t + 8) % c == 0;
  const f3 = (t + 12) % c == 0;
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  for (let k = lo; k < hi; k++) {
    const e = entryOf(perm, p0, k);
    const wk = w + e * wb;
    let w0 = f32x4.splat(0);
    let w1 = w0;
    let w2 = w0;
    let w3 = w0;
    if (wmode == 4) {
      const v = v128.load(wk + h0);
      w0 = f32x4.shuffle(v, v, 0, 0, 0, 0);
      w1 = f32x4.shuffle(v, v, 1, 1, 1, 1);
      w2 = f32x4.shuffle(v, v, 2, 2, 2, 2);
      w3 = f32x4.shuffle(v, v, 3, 3, 3, 3);
    } else if (wmode == 8) {
      const v = v128.load64_zero(wk + h0);
      w0 = w1 = f32x4.shuffle(v, v, 0, 0, 0, 0);
      w2 = w3 = f32x4.shuffle(v, v, 1, 1, 1, 1);
    } else if (wmode == 16) {
      w0 = w1 = w2 = w3 = v128.load32_splat(wk + h0);
    } else {
      w0 = v128.load32_splat(wk + h0);
      w1 = v128.load32_splat(wk + h1);
      w2 = v128.load32_splat(wk + h2);
      w3 = v128.load32_splat(wk + h3);
    }
    const p = g + <usize>load<i32>(indices + (<usize>k << 2)) * fb + tb;
    const g0 = v128.load(p);
    const g1 = v128.load(p, 16);
    const g2 = v128.load(p, 32);
    const g3 = v128.load(p, 48);
    a0 = f32x4.add(a0, f32x4.mul(w0, g0));
    a1 = f32x4.add(a1, f32x4.mul(w1, g1));
    a2 = f32x4.add(a2, f32x4.mul(w2, g2));
    a3 = f32x4.add(a3, f32x4.mul(w3, g3));
    const s = laneSums4(f32x4.mul(y0, g0), f32x4.mul(y1, g1), f32x4.mul(y2, g2), f32x4.mul(y3, g3));
    const d = dw + e * wb;
    if (dmode == 4) v128.store(d + h0, s);
    else if (dmode == 8) v128.store64_lane(d + h0, f32x4.add(f32x4.shuffle(s, s, 0, 2, 0, 2), f32x4.shuffle(s, s, 1, 3, 1, 3)), 0);
    else {
      addToHead(d, h0, f0, f32x4.extract_lane(s, 0));
      addToHead(d, h1, f1, f32x4.extract_lane(s, 1));
      addToHead(d, h2, f2, f32x4.extract_lane(s, 2));
      addToHead(d, h3, f3, f32x4.extract_lane(s, 3));
    }
  }
  const ot = o + tb;
  v128.store(ot, a0);
  v128.store(ot, a1, 16);
  v128.store(ot, a2, 32);
  v128.store(ot, a3, 48);
}

/** Rows [r0, r1) of the transpose: dx[j] = sum of w g[i] and dw of each entry = x[j] . g[i] per head. */
export function gspmmBackwardFused(
  r0: i32, r1: i32, f: i32, heads: i32, indptr: usize, indices: usize, perm: usize, p0: i32, w: usize, x: usize, g: usize, dw: usize, dx: usize,
): void {
  const c = f / heads;
  const fb = <usize>f << 2;
  const wb = <usize>heads << 2;
  for (let j = r0; j < r1; j++) {
    const lo = rowStart(indptr, j, 0);
    const hi = rowStart(indptr, j + 1, 0);
    const xj = x + <usize>j * fb;
    const o = dx + <usize>j * fb;
    for (let t = 0; t < f; t += 16) {
      if (c == 4) fusedBlock(4, 4, lo, hi, t, c, fb, wb, indices, perm, p0, w, xj, g, o, dw);
      else if (c == 8) fusedBlock(8, 8, lo, hi, t, c, fb, wb, indices, perm, p0, w, xj, g, o, dw);
      else if (c % 16 == 0) fusedBlock(16, 0, lo, hi, t, c, fb, wb, indices, perm, p0, w, xj, g, o, dw);
      else fusedBlock(1, 0, lo, hi, t, c, fb, wb, indices, perm, p0, w, xj, g, o, dw);
    }
  }
}
