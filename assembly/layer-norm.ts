// WebAssembly SIMD LayerNorm and its backward (AssemblyScript) on float32 rows in the module's memory, with the bits of
// the TypeScript loops in src/kernels/layer-norm.ts.

/* Byte addresses as in sparse.ts; rows hold n float32 values, the weight (and the bias after it) n float64 values,
 * promoted once per call by the plan. Every value is computed in float64 as JavaScript computes it (a float32 product
 * is exact there; f64x2 operations round as the scalar ones do) and rounded to float32 only by the stores. A row's
 * sums run in eight lanes, four f64x2 accumulators ([0, 1] [2, 3] [4, 5] [6, 7]), in the order of the TypeScript
 * loops: lane k starts with value t + k of the row's tail [t, n), t = n - n % 8, or with -0 (which adds nothing, not
 * even to -0), then adds values k, k + 8, ... of [0, t); the lanes are combined as ((s0 + s4) + (s2 + s6)) + ((s1 +
 * s5) + (s3 + s7)). The backward's column sums go per block of rows into float64 partials, zeroed and then added to
 * row by row in order, as the TypeScript loop adds them; combineColumnSums (elementwise.ts) then adds the blocks. A row's
 * stores come after its loads at the same positions, so out may be x and dx may be g (in place). */

/** What a row sum adds for value j (rows p and q float32, w float64). */
const VALUE = 0; // p[j]
const SQUARE = 1; // (p[j] - c)^2
const WEIGHTED = 2; // p[j] * w[j]
const WEIGHTED_XHAT = 3; // p[j] * w[j] * q[j]

// @ts-ignore: decorator
@inline function low(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** Four float32 values from two f64x2 (lanes 0, 1 from lo). */
// @ts-ignore: decorator
@inline function narrow(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline function term(kind: i32, j: i32, p: usize, q: usize, w: usize, c: f64): f64 {
  const v = <f64>load<f32>(p + (<usize>j << 2));
  if (kind == VALUE) return v;
  if (kind == SQUARE) return (v - c) * (v - c);
  const h = v * load<f64>(w + (<usize>j << 3));
  return kind == WEIGHTED ? h : h * <f64>load<f32>(q + (<usize>j << 2));
}

/** Lanes k and k + 1 of a row sum's start: the terms of tail values t + k and t + k + 1 where they are below n, else -0. */
// @ts-ignore: decorator
@inline function start(kind: i32, k: i32, t: i32, n: i32, p: usize, q: usize, w: usize, c: f64): v128 {
  const a = t + k < n ? term(kind, t + k, p, q, w, c) : -0.0;
  const b = t + k + 1 < n ? term(kind, t + k + 1, p, q, w, c) : -0.0;
  return f64x2.replace_lane(f64x2.splat(a), 1, b);
}

/** ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)) of the lanes [s0, s1] [s2, s3] [s4, s5] [s6, s7]. */
// @ts-ignore: decorator
@inline function total(a0: v128, a1: v128, a2: v128, a3: v128): f64 {
  const s = f64x2.add(f64x2.add(a0, a2), f64x2.add(a1, a3));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

// @ts-ignore: decorator
@inline function squared(v: v128, c: v128, square: bool): v128 {
  if (!square) return v;
  const d = f64x2.sub(v, c);
  return f64x2.mul(d, d);
}

/** The sum of the n values of row x (square false) or of their (x[j] - c)^2, in the lane order. */
// @ts-ignore: decorator
@inline function rowSum(x: usize, n: i32, c: f64, square: bool): f64 {
  const kind = square ? SQUARE : VALUE;
  const t = n & ~7;
  let a0 = start(kind, 0, t, n, x, 0, 0, c);
  let a1 = start(kind, 2, t, n, x, 0, 0, c);
  let a2 = start(kind, 4, t, n, x, 0, 0, c);
  let a3 = start(kind, 6, t, n, x, 0, 0, c);
  const cv = f64x2.splat(c);
  for (let j = 0; j < t; j += 8) {
    const at = x + (<usize>j << 2);
    const u = v128.load(at);
    const v = v128.load(at, 16);
    a0 = f64x2.add(a0, squared(low(u), cv, square));
    a1 = f64x2.add(a1, squared(high(u), cv, square));
    a2 = f64x2.add(a2, squared(low(v), cv, square));
    a3 = f64x2.add(a3, squared(high(v), cv, square));
  }
  return total(a0, a1, a2, a3);
}

/** out = (x - mean) * r * weight + bias over a row, and xhat = (x - mean) * r when xhat != 0. */
function normalise(x: usize, n: i32, mean: f64, r: f64, affine: usize, out: usize, xhat: usize): void {
  const bias = affine + (<usize>n << 3);
  const m = f64x2.splat(mean);
  const rv = f64x2.splat(r);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const at = <usize>j << 2;
    const wt = <usize>j << 3;
    const u = v128.load(x + at);
    const h0 = f64x2.mul(f64x2.sub(low(u), m), rv);
    const h1 = f64x2.mul(f64x2.sub(high(u), m), rv);
    if (xhat != 0) v128.store(xhat + at, narrow(h0, h1));
    const o0 = f64x2.add(f64x2.mul(h0, v128.load(affine + wt)), v128.load(bias + wt));
    const o1 = f64x2.add(f64x2.mul(h1, v128.load(affine + wt, 16)), v128.load(bias + wt, 16));
    v128.store(out + at, narrow(o0, o1));
  }
  for (; j < n; j++) {
    const at = <usize>j << 2;
    const wt = <usize>j << 3;
    const h = (<f64>load<f32>(x + at) - mean) * r;
    if (xhat != 0) store<f32>(xhat + at, <f32>h);
    store<f32>(out + at, <f32>(h * load<f64>(affine + wt) + load<f64>(bias + wt)));
  }
}

/** Rows [r0, r1) of LayerNorm on rows of n values: out = (x - mean) * rstd * weight + bias with rstd = 1 / sqrt(var +
 *  eps); xhat (xhat != 0) and rstd (rstd != 0) are stored too. `affine` holds the weight, then the bias. */
export function layerNorm(r0: i32, r1: i32, n: i32, eps: f64, x: usize, affine: usize, out: usize, xhat: usize, rstd: usize): void {
  const nb = <usize>n << 2;
  for (let i = r0; i < r1; i++) {
    const o = <usize>i * nb;
    const mean = rowSum(x + o, n, 0, false) / <f64>n;
    const r = 1 / Math.sqrt(rowSum(x + o, n, mean, true) / <f64>n + eps);
    if (rstd != 0) store<f32>(rstd + (<usize>i << 2), <f32>r);
    normalise(x + o, n, mean, r, affine, out + o, xhat == 0 ? 0 : xhat + o);
  }
}

/** p[j] += g[j] * xhat[j] and q[j] += g[j] (float64 partials) over a row. */
function addColumnTerms(g: usize, xhat: usize, n: i32, p: usize, q: usize): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const at = <usize>j << 2;
    const st = <usize>j << 3;
    const u = v128.load(g + at);
    const v = v128.load(xhat + at);
    const g0 = low(u);
    const g1 = high(u);
    v128.store(p + st, f64x2.add(v128.load(p + st), f64x2.mul(g0, low(v))));
    v128.store(p + st, f64x2.add(v128.load(p + st, 16), f64x2.mul(g1, high(v))), 16);
    v128.store(q + st, f64x2.add(v128.load(q + st), g0));
    v128.store(q + st, f64x2.add(v128.load(q + st, 16), g1), 16);
  }
  for (; j < n; j++) {
    const gj = <f64>load<f32>(g + (<usize>j << 2));
    const st = <usize>j << 3;
    store<f64>(p + st, load<f64>(p + st) + gj * <f64>load<f32>(xhat + (<usize>j << 2)));
    store<f64>(q + st, load<f64>(q + st) + gj);
  }
}

/** dx = rs * (gh - mean(gh) - xhat * mean(gh * xhat)) over a row, gh = g * w. */
function rowGradient(g: usize, w: usize, xhat: usize, rs: f64, n: i32, dx: usize): void {
  const t = n & ~7;
  let a0 = start(WEIGHTED, 0, t, n, g, xhat, w, 0);
  let a1 = start(WEIGHTED, 2, t, n, g, xhat, w, 0);
  let a2 = start(WEIGHTED, 4, t, n, g, xhat, w, 0);
  let a3 = start(WEIGHTED, 6, t, n, g, xhat, w, 0);
  let c0 = start(WEIGHTED_XHAT, 0, t, n, g, xhat, w, 0);
  let c1 = start(WEIGHTED_XHAT, 2, t, n, g, xhat, w, 0);
  let c2 = start(WEIGHTED_XHAT, 4, t, n, g, xhat, w, 0);
  let c3 = start(WEIGHTED_XHAT, 6, t, n, g, xhat, w, 0);
  for (let j = 0; j < t; j += 8) {
    const at = <usize>j << 2;
    const wt = w + (<usize>j << 3);
    const u = v128.load(g + at);
    const v = v128.load(g + at, 16);
    const p = v128.load(xhat + at);
    const q = v128.load(xhat + at, 16);
    const h0 = f64x2.mul(low(u), v128.load(wt));
    const h1 = f64x2.mul(high(u), v128.load(wt, 16));
    const h2 = f64x2.mul(low(v), v128.load(wt, 32));
    const h3 = f64x2.mul(high(v), v128.load(wt, 48));
    a0 = f64x2.add(a0, h0);
    a1 = f64x2.add(a1, h1);
    a2 = f64x2.add(a2, h2);
    a3 = f64x2.add(a3, h3);
    c0 = f64x2.add(c0, f64x2.mul(h0, low(p)));
    c1 = f64x2.add(c1, f64x2.mul(h1, high(p)));
    c2 = f64x2.add(c2, f64x2.mul(h2, low(q)));
    c3 = f64x2.add(c3, f64x2.mul(h3, high(q)));
  }
  const mg = total(a0, a1, a2, a3) / <f64>n;
  const mgx = total(c0, c1, c2, c3) / <f64>n;
  const mgv = f64x2.splat(mg);
  const mgxv = f64x2.splat(mgx);
  const rsv = f64x2.splat(rs);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const at = <usize>j << 2;
    const wt = w + (<usize>j << 3);
    const u = v128.load(g + at);
    const p = v128.load(xhat + at);
    const d0 = f64x2.sub(f64x2.sub(f64x2.mul(low(u), v128.load(wt)), mgv), f64x2.mul(low(p), mgxv));
    const d1 = f64x2.sub(f64x2.sub(f64x2.mul(high(u), v128.load(wt, 16)), mgv), f64x2.mul(high(p), mgxv));
    v128.store(dx + at, narrow(f64x2.mul(rsv, d0), f64x2.mul(rsv, d1)));
  }
  for (; j < n; j++) {
    const at = <usize>j << 2;
    const h = <f64>load<f32>(g + at) * load<f64>(w + (<usize>j << 3));
    store<f32>(dx + at, <f32>(rs * (h - mg - <f64>load<f32>(xhat + at) * mgx)));
  }
}

/** Rows [r0, r1) of LayerNorm's backward on rows of n values, r0 a multiple of `rows` (a block) and r1 one too or
 *  the last row: dx (dx != 0) = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)) per row with gh = g * w (w: n float64
 *  values), and with p != 0 each block b's column sums (float64) of g * xhat in row b of p and of g in row b of q
 *  (rows of n values, block b holding rows [b rows, (b + 1) rows)). */
export function layerNormBackwardRows(
  r0: i32, r1: i32, rows: i32, n: i32, g: usize, w: usize, xhat: usize, rstd: usize, dx: usize, p: usize, q: usize,
): void {
  const nb = <usize>n << 2;
  const sumBytes = <usize>n << 3;
  for (let b0 = r0; b0 < r1; b0 += rows) {
    const b = <usize>(b0 / rows);
    const pb = p + b * sumBytes;
    const qb = q + b * sumBytes;
    if (p != 0) {
      memory.fill(pb, 0, sumBytes);
      memory.fill(qb, 0, sumBytes);
    }
    const end = min(r1, b0 + rows);
    for (let i = b0; i < end; i++) {
      const o = <usize>i * nb;
      if (p != 0) addColumnTerms(g + o, xhat + o, n, pb, qb);
      if (dx != 0) rowGradient(g + o, w, xhat + o, <f64>load<f32>(rstd + (<usize>i << 2)), n, dx + o);
    }
  }
}
