// Vectorised float32 e^x (AssemblyScript): range reduction and the Cephes expf polynomial, within 2 ulp of the
// correctly rounded result over the whole float32 range (subnormal results, infinities and NaN included).

/* x = n ln2 + r with n = x log2 e rounded to an integer and |r| <= ln2 / 2, r computed in two steps (ln2 = C1 + C2, C1 with 9
 * significant bits, so n C1 is exact for the n that occur); e^r = 1 + r + r^2 P(r), P of degree 5. 2^n is applied
 * as 2^(n >> 1) 2^(n - (n >> 1)), both normal for n in [-150, 128], so only the last multiply rounds a subnormal
 * result. Arguments are first clamped to [-104, 89] (e^-104 rounds to 0, e^89 to infinity) with pmin / pmax, which
 * pass a NaN argument through (f32x4.min / max would too, at several instructions each in V8). */

const C1: f32 = 0.693359375;
const C2: f32 = -2.12194440e-4;
const MAGIC: f32 = 12582912; // 1.5 * 2^23
const MAGIC_BITS: i32 = 0x4b400000;

/** x log2 e + 1.5 2^23: adding 1.5 2^23 rounds x log2 e to an integer n (to nearest, ties even) held in the low
 *  bits of the sum. */
// @ts-ignore: decorator
@inline function shiftedOf(x: v128): v128 {
  return f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(MAGIC));
}

/** e^r for r = x - n ln2, n from `shifted` (shiftedOf(x)). */
// @ts-ignore: decorator
@inline function expOfRemainder(x: v128, shifted: v128): v128 {
  const n = f32x4.sub(shifted, f32x4.splat(MAGIC));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(C1)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(C2)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  return f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
}

/** y 2^n as 2^(n >> 1) 2^(n - (n >> 1)): both factors normal for n in [-150, 128]. */
// @ts-ignore: decorator
@inline function scaleTwoSteps(y: v128, k: v128): v128 {
  const k1 = i32x4.shr_s(k, 1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(k1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(k, k1), bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

// @ts-ignore: decorator
@inline export function exp4(v: v128): v128 {
  const x = f32x4.pmin(f32x4.pmax(v, f32x4.splat(-104)), f32x4.splat(89));
  const shifted = shiftedOf(x);
  return scaleTwoSteps(expOfRemainder(x, shifted), i32x4.sub(shifted, i32x4.splat(MAGIC_BITS)));
}

/** exp4's bits for arguments <= 0 or NaN (a softmax's x - max), with less work: no upper clamp, and 2^n applied in
 *  one multiply when it is a normal float in every lane (n >= -126): y 2^(n >> 1) is exact, so the one rounding of
 *  y 2^n is the two steps' last. A positive argument gives a wrong result. */
// @ts-ignore: decorator
@inline export function expNonPositive4(v: v128): v128 {
  const x = f32x4.pmax(v, f32x4.splat(-104));
  const shifted = shiftedOf(x);
  const y = expOfRemainder(x, shifted);
  const k = i32x4.sub(shifted, i32x4.splat(MAGIC_BITS));
  if (i32x4.bitmask(i32x4.add(k, i32x4.splat(126))) == 0) return f32x4.mul(y, i32x4.shl(i32x4.add(k, i32x4.splat(127)), 23));
  return scaleTwoSteps(y, k);
}

/** e^x of one value, by the same arithmetic as exp4 (for the kernels' scalar paths). */
// @ts-ignore: decorator
@inline export function exp1(x: f32): f32 {
  return f32x4.extract_lane(exp4(f32x4.splat(x)), 0);
}

/** out[i] = e^(x[i]) for i < n (for tests: the kernels inline exp4). */
export function expInto(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), exp4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), exp1(load<f32>(x + (<usize>i << 2))));
}

/** out[i] = e^(x[i]) by expNonPositive4 for i < n, n a multiple of 4 (for tests). */
export function expNonPositiveInto(x: usize, out: usize, n: i32): void {
  for (let i = 0; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), expNonPositive4(v128.load(x + (<usize>i << 2))));
}
