// WebAssembly SIMD row gather and scatter-add (AssemblyScript): out[r] = x[idx[r]] and out[idx[r]] += x[r] for rows
// of f float32 values, on arrays that live in the module's memory.

/* Byte addresses as in sparse.ts; idx is int32 and already checked against the row counts by the caller. Rows are
 * moved 16 values at a time (four f32x4s: one 64-byte line), then 4, then one, with no call per row: each row's
 * loads are independent of the previous row's stores, so several random rows are in flight at once. The
 * scatter-add runs per thread over a range of output rows [j0, j1) and reads every idx, adding each row's values
 * in idx order (the order of the TypeScript loop: the same bits for any split). */

/** out rows [r0, r1) = x rows idx[r]. */
export function gatherRows(r0: i32, r1: i32, f: i32, idx: usize, x: usize, out: usize): void {
  const fb = <usize>f << 2;
  for (let r = r0; r < r1; r++) {
    const src = x + <usize>load<i32>(idx + (<usize>r << 2)) * fb;
    const dst = out + <usize>r * fb;
    let b: usize = 0;
    for (; b + 64 <= fb; b += 64) {
      const a0 = v128.load(src + b);
      const a1 = v128.load(src + b, 16);
      const a2 = v128.load(src + b, 32);
      const a3 = v128.load(src + b, 48);
      v128.store(dst + b, a0);
      v128.store(dst + b, a1, 16);
      v128.store(dst + b, a2, 32);
      v128.store(dst + b, a3, 48);
    }
    for (; b + 16 <= fb; b += 16) v128.store(dst + b, v128.load(src + b));
    for (; b < fb; b += 4) store<f32>(dst + b, load<f32>(src + b));
  }
}

/** out rows j in [j0, j1) += x rows r with idx[r] = j, for r < n in order. */
export function scatterAddRows(j0: i32, j1: i32, n: i32, f: i32, idx: usize, x: usize, out: usize): void {
  const fb = <usize>f << 2;
  for (let r = 0; r < n; r++) {
    const j = load<i32>(idx + (<usize>r << 2));
    if (j < j0 || j >= j1) continue;
    const src = x + <usize>r * fb;
    const dst = out + <usize>j * fb;
    let b: usize = 0;
    for (; b + 64 <= fb; b += 64) {
      v128.store(dst + b, f32x4.add(v128.load(dst + b), v128.load(src + b)));
      v128.store(dst + b, f32x4.add(v128.load(dst + b, 16), v128.load(src + b, 16)), 16);
      v128.store(dst + b, f32x4.add(v128.load(dst + b, 32), v128.load(src + b, 32)), 32);
      v128.store(dst + b, f32x4.add(v128.load(dst + b, 48), v128.load(src + b, 48)), 48);
    }
    for (; b + 16 <= fb; b += 16) v128.store(dst + b, f32x4.add(v128.load(dst + b), v128.load(src + b)));
    for (; b < fb; b += 4) store<f32>(dst + b, load<f32>(dst + b) + load<f32>(src + b));
  }
}
