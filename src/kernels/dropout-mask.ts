// Dropout keep decisions in fixed-size chunks, each with its own seeded stream, so any split over threads
// produces the same mask.

import type { FloatArray } from './types.js';

/** Values per chunk; chunk c covers [c * DROPOUT_CHUNK, (c + 1) * DROPOUT_CHUNK). */
export const DROPOUT_CHUNK = 1 << 16;

function splitmix(s: number): number {
  let z = (s + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}

export function chunkCount(n: number): number {
  return Math.ceil(n / DROPOUT_CHUNK);
}

/** For chunks [c0, c1) of n values: mask[i] = 1 (keep, probability 1 - p) or 0, from a xoshiro128** stream seeded
 *  by the four seed words and the chunk index; with x and out also out[i] = x[i] * mask[i] * scale. Each 32-bit
 *  draw is cut into 32 / b decisions of b bits, b the fewest bits (1, 2, 4, 8 or 16) in which p is exact; other p
 *  use b = 16 (p rounded to a multiple of 1/65536, keep probability off by at most 7.6e-6). */
export function dropoutChunks(
  n: number, p: number, scale: number, seed: Int32Array, c0: number, c1: number, mask: Uint8Array, x?: FloatArray, out?: FloatArray,
): void {
  const { bits, threshold } = decisionBits(p);
  const per = 32 / bits;
  const field = (1 << bits) - 1;
  // 1 or 2 bits: four decisions (a nibble or a byte of the draw) become a word of the mask through a table, 3x faster
  const words = bits <= 2 && mask.byteOffset % 4 === 0 ? new Int32Array(mask.buffer, mask.byteOffset, mask.length >> 2) : null;
  const table = fourDecisions(bits, field, threshold);
  const quad = (1 << (4 * bits)) - 1;
  for (let chunk = c0; chunk < c1; chunk++) {
    const mixed = Math.imul(chunk + 1, 0x9e3779b1);
    let a = splitmix(seed[0] ^ mixed);
    let b = splitmix(seed[1] ^ mixed);
    let c = splitmix(seed[2] ^ mixed);
    let d = splitmix(seed[3] ^ mixed);
    if ((a | b | c | d) === 0) a = 1;
    const lo = chunk * DROPOUT_CHUNK;
    const hi = Math.min(n, lo + DROPOUT_CHUNK);
    for (let i = lo; i < hi; i += per) {
      const s = Math.imul(b, 5);
      let r = Math.imul((s << 7) | (s >>> 25), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      if (words && i + per <= hi) {
        for (let w = 0; w < per >> 2; w++) words[(i >> 2) + w] = table[(r >>> (4 * bits * w)) & quad];
        continue;
      }
      const end = Math.min(hi, i + per);
      // branch-free keep test: v >= threshold  <=>  the sign bit of (v - threshold) is 0 (both < 2^16)
      for (let j = i, sh = 0; j < end; j++, sh += bits) mask[j] = (((r >>> sh) & field) - threshold) >>> 31 ^ 1;
    }
    if (x && out) applyMask(x, out, mask, scale, lo, hi);
  }
}

/** The bits of a draw each keep decision takes (the fewest of 1, 2, 4, 8, 16 in which p is exact, else 16) and the
 *  field value from which a value is kept (round(p 2^bits)). */
export function decisionBits(p: number): { bits: number; threshold: number } {
  let bits = 1;
  while (bits < 16 && !Number.isInteger(p * 2 ** bits)) bits *= 2;
  return { bits, threshold: Math.round(p * 2 ** bits) };
}

/** The mask word (byte k = decision k, little-endian as Node's machines are) of every value of four `bits`-bit
 *  fields, for bits <= 2 (else empty). */
function fourDecisions(bits: number, field: number, threshold: number): Int32Array {
  const table = new Int32Array(bits <= 2 ? 1 << (4 * bits) : 0);
  for (let v = 0; v < table.length; v++) {
    for (let k = 0; k < 4; k++) if (((v >>> (k * bits)) & field) >= threshold) table[v] |= 1 << (8 * k);
  }
  return table;
}

/** out[i] = x[i] * (mask[i] ? scale : 0) for i in [lo, hi). */
export function applyMask(x: FloatArray, out: FloatArray, mask: Uint8Array, scale: number, lo: number, hi: number): void {
  // multiply by a looked-up factor: measured 2.5x faster here than x * (mask * scale) with a random mask (and a
  // data-dependent branch would mispredict half the time at p = 0.5); the mask is read four bytes at a time where
  // they are aligned (30% faster again; byte k of a word is bits 8k.. on the little-endian machines Node runs on).
  // The unaligned ends are a function of their own: as loops here that rarely ran they lacked type feedback, and
  // V8 deoptimised the whole kernel on reaching them, then ran it 2.3x slower.
  const factor = Float64Array.of(0, scale);
  const head = Math.min(hi, lo + ((4 - ((mask.byteOffset + lo) & 3)) & 3));
  const words = (hi - head) >> 2;
  maskValues(x, out, mask, factor, lo, head);
  if (words > 0) maskWords(x, out, new Int32Array(mask.buffer, mask.byteOffset + head, words), factor, head);
  maskValues(x, out, mask, factor, head + 4 * words, hi);
}

function maskValues(x: FloatArray, out: FloatArray, mask: Uint8Array, factor: Float64Array, lo: number, hi: number): void {
  for (let i = lo; i < hi; i++) out[i] = x[i] * factor[mask[i]];
}

/** out[i .. i + 4 words.length) from the mask bytes read as words, i = lo (4-aligned in the mask). */
function maskWords(x: FloatArray, out: FloatArray, words: Int32Array, factor: Float64Array, lo: number): void {
  for (let w = 0, i = lo; w < words.length; w++, i += 4) {
    const m = words[w];
    out[i] = x[i] * factor[m & 1];
    out[i + 1] = x[i + 1] * factor[(m >>> 8) & 1];
    out[i + 2] = x[i + 2] * factor[(m >>> 16) & 1];
    out[i + 3] = x[i + 3] * factor[m >>> 24];
  }
}
