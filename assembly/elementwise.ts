// WebAssembly SIMD elementwise kernels (AssemblyScript) on arrays in the module's memory: bias add, relu and column
// sums, with the bits of the TypeScript loops in src/kernels/elementwise.ts.

/* Byte addresses as in sparse.ts. relu keeps a value's bits where it is > 0 and clears them elsewhere (NaN and -0
 * give +0, as the TypeScript mask does). Column sums run per block of COLUMN_SUM_ROWS rows in float64, each column
 * down the block's rows in order from 0 (as the TypeScript loop adds them), then the blocks' partial sums in block
 * order: the same bits for any thread split. */

/** out rows [r0, r1) = x rows + v, rows of n values. */
export function addRowVec(r0: i32, r1: i32, n: i32, x: usize, v: usize, out: usize): void {
  const nb = <usize>n << 2;
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * nb;
    let b: usize = 0;
    for (; b + 16 <= nb; b += 16) v128.store(out + o + b, f32x4.add(v128.load(x + o + b), v128.load(v + b)));
    for (; b < nb; b += 4) store<f32>(out + o + b, load<f32>(x + o + b) + load<f32>(v + b));
  }
}

/** out[i] = x[i] > 0 ? x[i] : +0 for i in [lo, hi). */
export function relu(lo: i32, hi: i32, x: usize, out: usize): void {
  let i = lo;
  const zero = f32x4.splat(0);
  for (; i + 4 <= hi; i += 4) {
    const at = <usize>i << 2;
    const v = v128.load(x + at);
    v128.store(out + at, v128.and(v, f32x4.gt(v, zero)));
  }
  for (; i < hi; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), v > 0 ? v : 0);
  }
}

/** out[i] = g[i] where x[i] > 0, else +0 (scale 1: relu's gradient, bits kept); with another scale,
 *  (g[i] * (x[i] > 0 ? 1 : 0)) * scale in float64 rounded to float32, as JavaScript computes it (a NaN or infinite
 *  g then gives NaN where x <= 0, as there). For i in [lo, hi). */
export function reluBackward(lo: i32, hi: i32, scale: f64, x: usize, g: usize, out: usize): void {
  let i = lo;
  const zero = f32x4.splat(0);
  if (scale == 1) {
    for (; i + 4 <= hi; i += 4) {
      const at = <usize>i << 2;
      v128.store(out + at, v128.and(v128.load(g + at), f32x4.gt(v128.load(x + at), zero)));
    }
    for (; i < hi; i++) {
      const at = <usize>i << 2;
      store<f32>(out + at, load<f32>(x + at) > 0 ? load<f32>(g + at) : 0);
    }
    return;
  }
  const one = f32x4.splat(1);
  const s = f64x2.splat(scale);
  for (; i + 4 <= hi; i += 4) {
    const at = <usize>i << 2;
    const keep = v128.and(f32x4.gt(v128.load(x + at), zero), one);
    const gv = v128.load(g + at);
    const lo2 = f64x2.mul(f64x2.mul(f64x2.promote_low_f32x4(gv), f64x2.promote_low_f32x4(keep)), s);
    const hi2 = f64x2.mul(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(gv, gv, 2, 3, 0, 1)),
      f64x2.promote_low_f32x4(v128.shuffle<f32>(keep, keep, 2, 3, 0, 1))), s);
    v128.store(out + at, v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo2), f32x4.demote_f64x2_zero(hi2), 0, 1, 4, 5));
  }
  for (; i < hi; i++) {
    const at = <usize>i << 2;
    const keep: f64 = load<f32>(x + at) > 0 ? 1 : 0;
    store<f32>(out + at, <f32>(<f64>load<f32>(g + at) * keep * scale));
  }
}

/** partials[b, :] (float64) = the column sums of rows [b rows, (b + 1) rows) of g [m, n], blocks [b0, b1). */
export function columnSumBlocks(b0: i32, b1: i32, rows: i32, m: i32, n: i32, g: usize, partials: usize): void {
  const nb = <usize>n << 2;
  for (let blk = b0; blk < b1; blk++) {
    const p = partials + (<usize>blk * <usize>n << 3);
    const start = <usize>blk * <usize>rows;
    const end = <usize>min(m, (blk + 1) * rows);
    let t: usize = 0;
    for (; t + 8 <= <usize>n; t += 8) {
      let a0 = f64x2.splat(0);
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      for (let i = start; i < end; i++) {
        const at = g + i * nb + (t << 2);
        const lo4 = v128.load(at);
        const hi4 = v128.load(at, 16);
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(lo4));
        a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(lo4, lo4, 2, 3, 0, 1)));
        a2 = f64x2.add(a2, f64x2.promote_low_f32x4(hi4));
        a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<f32>(hi4, hi4, 2, 3, 0, 1)));
      }
      const q = p + (t << 3);
      v128.store(q, a0);
      v128.store(q, a1, 16);
      v128.store(q, a2, 32);
      v128.store(q, a3, 48);
    }
    for (; t < <usize>n; t++) {
      let a: f64 = 0;
      for (let i = start; i < end; i++) a += <f64>load<f32>(g + i * nb + (t << 2));
      store<f64>(p + (t << 3), a);
    }
  }
}

/** out[j] = the sum of partials[b, j] over the blocks in order, for columns [j0, j1). */
export function combineColumnSums(j0: i32, j1: i32, blocks: i32, n: i32, partials: usize, out: usize): void {
  for (let j = j0; j < j1; j++) {
    let s: f64 = 0;
    for (let b = 0; b < blocks; b++) s += load<f64>(partials + ((<usize>b * <usize>n + <usize>j) << 3));
    store<f32>(out + (<usize>j << 2), <f32>s);
  }
}
