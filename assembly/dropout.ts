// WebAssembly SIMD dropout (AssemblyScript): the keep mask of src/kernels/dropout-mask.ts, chunk by chunk from the
// same seeded xoshiro128** streams, and out = x * (keep ? scale : 0), with the bits of the TypeScript loops.

/* Byte addresses as in sparse.ts; the mask is one byte per value (1 = keep). Chunk c covers values
 * [c * CHUNK, (c + 1) * CHUNK); its stream is seeded from the four seed words and c exactly as dropoutChunks seeds it,
 * and each 32-bit draw gives 32 / bits decisions, lowest field first. With bits = 1 and p = 1/2 the 32 decisions of a
 * draw are spread into 32 mask bytes by SIMD (each lane tests its own bit); other cases decide value by value. The product
 * is the float64 x * factor rounded to float32, as JavaScript computes x[i] * factor[mask[i]] (so x * 0 keeps x's
 * sign, and a NaN or infinite x gives NaN where dropped). */

const CHUNK: i32 = 1 << 16;

// @ts-ignore: decorator
@inline function splitmix(s: i32): i32 {
  let z = s + 0x9e3779b9;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

/** The mask of values [lo, hi) of chunk `chunk` (lo its first value). */
// @ts-ignore: decorator
@inline function chunkMask(chunk: i32, lo: i32, hi: i32, bits: i32, threshold: i32, s0: i32, s1: i32, s2: i32, s3: i32, mask: usize): void {
  const mixed = (chunk + 1) * 0x9e3779b1;
  let a = splitmix(s0 ^ mixed);
  let b = splitmix(s1 ^ mixed);
  let c = splitmix(s2 ^ mixed);
  let d = splitmix(s3 ^ mixed);
  if ((a | b | c | d) == 0) a = 1;
  const per = 32 / bits;
  const field = (1 << bits) - 1;
  const one = i8x16.splat(1);
  // lane k of group q tests bit 4q + k
  const g0 = i32x4(1, 2, 4, 8);
  const g1 = i32x4(16, 32, 64, 128);
  for (let i = lo; i < hi; i += per) {
    const sb = b * 5;
    const r = rotl<i32>(sb, 7) * 9;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<i32>(d, 11);
    const at = mask + <usize>i;
    if (bits == 1 && threshold == 1 && i + 32 <= hi) {
      // bytes 8q .. 8q + 7 test bits 8q .. 8q + 7: the draw's byte q splatted, tested lane by lane
      for (let h = 0; h < 2; h++) {
        const v0 = i32x4.splat((r >>> (16 * h)) & 0xff);
        const v1 = i32x4.splat((r >>> (16 * h + 8)) & 0xff);
        const w0 = i16x8.narrow_i32x4_s(i32x4.ne(v128.and(v0, g0), i32x4.splat(0)), i32x4.ne(v128.and(v0, g1), i32x4.splat(0)));
        const w1 = i16x8.narrow_i32x4_s(i32x4.ne(v128.and(v1, g0), i32x4.splat(0)), i32x4.ne(v128.and(v1, g1), i32x4.splat(0)));
        v128.store(at + <usize>(16 * h), v128.and(i8x16.narrow_i16x8_s(w0, w1), one));
      }
      continue;
    }
    const end = min(hi, i + per);
    for (let j = i, sh = 0; j < end; j++, sh += bits) store<u8>(mask + <usize>j, ((r >>> sh) & field) >= threshold ? 1 : 0);
  }
}

/** out[i] = float32(x[i] * (mask[i] ? scale : 0)) in float64, for i in [lo, hi). */
// @ts-ignore: decorator
@inline function maskRange(lo: i32, hi: i32, scale: f64, mask: usize, x: usize, out: usize): void {
  const keep = f64x2.splat(scale);
  const drop = f64x2.splat(0);
  let i = lo;
  for (; i + 4 <= hi; i += 4) {
    const at = <usize>i << 2;
    // four mask bytes widened to 32-bit lanes, then to two 64-bit selectors
    const m = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(mask + <usize>i))), i32x4.splat(0));
    const xv = v128.load(x + at);
    const f0 = v128.bitselect(keep, drop, i64x2.extend_low_i32x4_s(m));
    const f1 = v128.bitselect(keep, drop, i64x2.extend_high_i32x4_s(m));
    const p0 = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(xv), f0));
    const p1 = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(xv, xv, 2, 3, 0, 1)), f1));
    v128.store(out + at, v128.shuffle<f32>(p0, p1, 0, 1, 4, 5));
  }
  for (; i < hi; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, <f32>(<f64>load<f32>(x + at) * (load<u8>(mask + <usize>i) != 0 ? scale : 0)));
  }
}

/** Chunks [c0, c1) of n values: the mask (bits per decision, keep when the field >= threshold), and with x != 0
 *  also out = x * mask * scale. */
export function dropoutChunks(
  c0: i32, c1: i32, n: i32, bits: i32, threshold: i32, scale: f64, s0: i32, s1: i32, s2: i32, s3: i32, mask: usize, x: usize, out: usize,
): void {
  for (let chunk = c0; chunk < c1; chunk++) {
    const lo = chunk * CHUNK;
    const hi = min(n, lo + CHUNK);
    chunkMask(chunk, lo, hi, bits, threshold, s0, s1, s2, s3, mask);
    if (x != 0) maskRange(lo, hi, scale, mask, x, out);
  }
}

/** out[i] = g[i] * (mask[i] ? scale : 0) for i in [lo, hi) (dropout's backward). */
export function applyMask(lo: i32, hi: i32, scale: f64, mask: usize, g: usize, out: usize): void {
  maskRange(lo, hi, scale, mask, g, out);
}
