// WebAssembly SIMD float32 sparse products (AssemblyScript): rows of out = A @ x, with A's values or ones; the
// module's entry, which also exports the multi-head and softmax kernels.

export { gspmm, gspmmBackwardFused, gspmmBackwardFusedTouching, gspmmTouching, sddmmAdd, sddmmDot } from './heads';
export { edgeSoftmax, edgeSoftmaxBackward, gatAttention } from './softmax';
export { gatAttentionBackward, gatAttentionBackwardParts, sumPartials } from './gat-backward';
export { gatAttentionShifted, gatSources } from './gat-shifted';
export { expInto, expNonPositiveInto } from './expf';
export { gatherRows, scatterAddRows } from './row-copies';
export { addRowVec, columnSumBlocks, combineColumnSums, relu, reluBackward } from './elementwise';
export { applyMask, dropoutChunks } from './dropout';
export { layerNorm, layerNormBackwardRows } from './layer-norm';

import { rowStart } from './rows';

/* Built into dist/wasm/sparse.wasm by `npm run build:wasm` and driven by src/kernels/wasm-sparse.ts, which places
 * the CSR structure and the dense operand in the shared memory (pointers are byte offsets; indptr and indices
 * int32, values and dense rows float32, rows f wide and row-major; values = 0 means every value is 1; entry k
 * sits at index k - e0 of indices and values, e0 = indptr[0]).
 *
 * Gather: each output row is summed 16 columns at a time in four f32x4 accumulators, so every entry of a pass
 * reads one 64-byte line of its source row; then 4 columns, then one. An optional epilogue adds a bias row (bias != 0)
 * to each sum and then applies relu (relu = 1) before the store: the fused SpMM + bias + activation, with the bits of
 * the unfused ops (a float32 add is correctly rounded here and in JavaScript alike). Four accumulators (not eight) measured
 * faster: each entry's work is short enough for many entries' loads to be in flight at once, which is what a
 * random gather waits on. Sums run in entry order in float32 (a multiply, then an add: no relaxed madd, which is
 * behind a flag in Node 20 and machine-dependent), and a row's sum does not depend on which rows a thread gets:
 * results are bitwise the same for any thread count. A^T y is this gather over the transpose (wasm-sparse.ts). */

// @ts-ignore: decorator
@inline function valueAt(values: usize, at: usize): f32 {
  return values == 0 ? 1 : load<f32>(values + at);
}

// @ts-ignore: decorator
@inline function finish(sum: v128, bias: usize, at: usize, relu: bool): v128 {
  let v = bias == 0 ? sum : f32x4.add(sum, v128.load(bias + at));
  // v > 0 ? v : 0 lane by lane (NaN and -0 give +0, as relu does)
  if (relu) v = v128.and(v, f32x4.gt(v, f32x4.splat(0)));
  return v;
}

/** Rows [r0, r1) of out = A @ x, x [cols, f]; then + bias (bias != 0) and relu (relu = true). */
export function gather(
  r0: i32, r1: i32, f: i32, e0: i32, indptr: usize, indices: usize, values: usize, x: usize, out: usize, bias: usize, relu: bool,
): void {
  const fb = <usize>f << 2;
  for (let i = r0; i < r1; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const o = out + <usize>i * fb;
    let t: usize = 0;
    for (; t + 64 <= fb; t += 64) {
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      for (let k = lo; k < hi; k++) {
        const at = <usize>k << 2;
        const v = f32x4.splat(valueAt(values, at));
        const p = x + <usize>load<i32>(indices + at) * fb + t;
        a0 = f32x4.add(a0, f32x4.mul(v, v128.load(p)));
        a1 = f32x4.add(a1, f32x4.mul(v, v128.load(p, 16)));
        a2 = f32x4.add(a2, f32x4.mul(v, v128.load(p, 32)));
        a3 = f32x4.add(a3, f32x4.mul(v, v128.load(p, 48)));
      }
      v128.store(o + t, finish(a0, bias, t, relu));
      v128.store(o + t, finish(a1, bias, t + 16, relu), 16);
      v128.store(o + t, finish(a2, bias, t + 32, relu), 32);
      v128.store(o + t, finish(a3, bias, t + 48, relu), 48);
    }
    for (; t + 16 <= fb; t += 16) {
      let a0 = f32x4.splat(0);
      for (let k = lo; k < hi; k++) {
        const at = <usize>k << 2;
        const p = x + <usize>load<i32>(indices + at) * fb + t;
        a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(valueAt(values, at)), v128.load(p)));
      }
      v128.store(o + t, finish(a0, bias, t, relu));
    }
    for (; t < fb; t += 4) {
      let a: f32 = 0;
      for (let k = lo; k < hi; k++) {
        const at = <usize>k << 2;
        a += valueAt(values, at) * load<f32>(x + <usize>load<i32>(indices + at) * fb + t);
      }
      if (bias != 0) a += load<f32>(bias + t);
      store<f32>(o + t, relu && !(a > 0) ? 0 : a);
    }
  }
}

/** Rows [j0, j1) of out = A^T y (A's values, or ones), y [rows, f], scattered in entry order: the rows are zeroed,
 *  then every entry (i, j) with j in [j0, j1) adds val * y[i, :] to out[j, :]. Each output value's terms are added in
 *  the order the gather over A's transpose adds them (the transpose lists a column's entries by row), from the
 *  same zero: the same bits, without building the transpose (for a matrix used once). */
export function scatter(
  j0: i32, j1: i32, f: i32, rows: i32, e0: i32, indptr: usize, indices: usize, values: usize, y: usize, out: usize,
): void {
  const fb = <usize>f << 2;
  memory.fill(out + <usize>j0 * fb, 0, <usize>(j1 - j0) * fb);
  for (let i = 0; i < rows; i++) {
    const lo = rowStart(indptr, i, e0);
    const hi = rowStart(indptr, i + 1, e0);
    const yi = y + <usize>i * fb;
    for (let k = lo; k < hi; k++) {
      const at = <usize>k << 2;
      const j = load<i32>(indices + at);
      if (j < j0 || j >= j1) continue;
      const s = valueAt(values, at);
      const v = f32x4.splat(s);
      const o = out + <usize>j * fb;
      let t: usize = 0;
      for (; t + 16 <= fb; t += 16) v128.store(o + t, f32x4.add(v128.load(o + t), f32x4.mul(v, v128.load(yi + t))));
      for (; t < fb; t += 4) store<f32>(o + t, load<f32>(o + t) + s * load<f32>(yi + t));
    }
  }
}
