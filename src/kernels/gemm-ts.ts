// Pure-TypeScript GEMM (cache-blocked, packed, 4x4 register tiles): the fallback when no native BLAS loads.

import type { FloatArray, GemmArgs } from './types.js';

/* Goto-style blocking. Every block of op(B) (KC x NC) and of op(A) (MC x KC) is copied ("packed") into a
 * reused Float64Array so that the micro-kernel reads two contiguous streams of doubles whatever the input
 * type, strides or transposition; panels are zero-padded to whole MR / NR tiles so the micro-kernel has no
 * edge cases in its inner loop. Sums are accumulated in float64 (JS numbers) and stored once per KC block;
 * the first block applies beta as it stores, so C is read at most once per block and never when beta = 0.
 * MR x NR = 4 x 4 keeps the 16 accumulators + 8 operands close to x64's 16 XMM registers; wider tiles
 * (4x8, 8x4) measured slower in V8 because the extra accumulators spill. */
const MR = 4;
const NR = 4;
const KC = 256; // a KC x NR panel of B (8 KiB) stays in L1 while the micro-kernel sweeps an A block
const MC = 96; // an MC x KC block of A (192 KiB) stays in L2
const NC = 2048; // a KC x NC block of B (4 MiB) lives in L3

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(0);

/** Throws a RangeError naming the argument when a GemmArgs does not describe in-bounds matrices
 *  (shared with the native path, where an out-of-bounds read would crash the process). */
export function checkGemmArgs(g: GemmArgs): void {
  const { m, n, k, lda, ldb, ldc } = g;
  for (const [name, v] of [['m', m], ['n', n], ['k', k], ['lda', lda], ['ldb', ldb], ['ldc', ldc]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new RangeError(`gemm: ${name} must be a non-negative 32-bit integer, got ${v}`);
    }
  }
  checkOperand('a', g.a, g.transA ? k : m, g.transA ? m : k, lda, 'lda');
  checkOperand('b', g.b, g.transB ? n : k, g.transB ? k : n, ldb, 'ldb');
  checkOperand('c', g.c, m, n, ldc, 'ldc');
}

function checkOperand(name: string, x: FloatArray, rows: number, cols: number, ld: number, ldName: string): void {
  if (ld < cols) throw new RangeError(`gemm: ${ldName} = ${ld} is smaller than the ${cols} columns of ${name}`);
  if (rows === 0 || cols === 0) return;
  const need = (rows - 1) * ld + cols;
  if (x.length < need) {
    throw new RangeError(`gemm: ${name} has length ${x.length}, needs ${need} for ${rows} x ${cols} with ${ldName} = ${ld}`);
  }
}

/** C = alpha * op(A) @ op(B) + beta * C on row-major buffers (any mix of Float32Array / Float64Array). */
export function gemmTs(g: GemmArgs): void {
  checkGemmArgs(g);
  const { m, n, k, alpha, beta, c, ldc } = g;
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) return scaleC(c, m, n, ldc, beta);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const bt = pc === 0 ? beta : 1; // the first k-block applies beta as it stores; later ones accumulate
      const pb = packPanelsB(g, pc, kc, jc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        const pa = packPanelsA(g, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const ob = (jr / NR) * kc * NR;
          for (let ir = 0; ir < mc; ir += MR) {
            const oc = (ic + ir) * ldc + jc + jr;
            micro4x4(kc, pa, (ir / MR) * kc * MR, pb, ob, c, oc, ldc, alpha, bt, Math.min(MR, mc - ir), nr);
          }
        }
      }
    }
  }
}

/** C = beta * C; beta = 0 writes zeros so that NaN / Inf previously in C do not leak (BLAS semantics). */
export function scaleC(c: FloatArray, m: number, n: number, ldc: number, beta: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const o = i * ldc;
    if (beta === 0) c.fill(0, o, o + n);
    else for (let j = o; j < o + n; j++) c[j] *= beta;
  }
}

/** Packs op(B)[pc : pc+kc, jc : jc+nc] as ceil(nc / NR) panels, each kc rows of NR contiguous values. */
function packPanelsB(g: GemmArgs, pc: number, kc: number, jc: number, nc: number): Float64Array {
  const size = Math.ceil(nc / NR) * kc * NR;
  if (packB.length < size) packB = new Float64Array(Math.max(size, Math.min(KC, g.k) * Math.min(NC, g.n + NR)));
  packPanels(g.b, g.ldb, !g.transB, pc, kc, jc, nc, packB);
  return packB;
}

/** Packs op(A)[ic : ic+mc, pc : pc+kc] as ceil(mc / MR) panels, each kc columns of MR contiguous values. */
function packPanelsA(g: GemmArgs, ic: number, mc: number, pc: number, kc: number): Float64Array {
  const size = Math.ceil(mc / MR) * kc * MR;
  if (packA.length < size) packA = new Float64Array(size);
  packPanels(g.a, g.lda, g.transA, pc, kc, ic, mc, packA);
  return packA;
}

/** Packs the kc x count block of x whose value (p, r) is at (p0 + p) * ld + (r0 + r) when `contiguous`, else at
 *  (r0 + r) * ld + (p0 + p), as ceil(count / MR) panels of kc rows of MR values, zero-padded (MR = NR, so op(A) by rows and op(B) by
 *  columns pack the same way). */
function packPanels(x: FloatArray, ld: number, contiguous: boolean, p0: number, kc: number, r0: number, count: number, dst: Float64Array): void {
  const panels = Math.ceil(count / MR);
  for (let q = 0; q < panels; q++) {
    const c0 = r0 + q * MR;
    const w = Math.min(MR, r0 + count - c0);
    const o = q * kc * MR;
    if (contiguous) {
      for (let p = 0; p < kc; p++) {
        const s = (p0 + p) * ld + c0;
        const d = o + p * MR;
        if (w === MR) {
          dst[d] = x[s]; dst[d + 1] = x[s + 1]; dst[d + 2] = x[s + 2]; dst[d + 3] = x[s + 3];
        } else {
          for (let r = 0; r < MR; r++) dst[d + r] = r < w ? x[s + r] : 0;
        }
      }
    } else {
      for (let r = 0; r < MR; r++) {
        if (r >= w) {
          for (let p = 0; p < kc; p++) dst[o + p * MR + r] = 0;
          continue;
        }
        const s = (c0 + r) * ld + p0;
        for (let p = 0; p < kc; p++) dst[o + p * MR + r] = x[s + p];
      }
    }
  }
}

/** C[tile] = alpha * (4 x kc panel of A) @ (kc x 4 panel of B) + beta * C[tile] for the top-left h x w tile;
 *  beta = 0 overwrites (C may hold NaN), beta = 1 accumulates. */
function micro4x4(
  kc: number, pa: Float64Array, ia: number, pb: Float64Array, ib: number,
  c: FloatArray, oc: number, ldc: number, alpha: number, beta: number, h: number, w: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = ia + kc * MR;
  for (; ia < end; ia += MR, ib += NR) {
    const a0 = pa[ia], a1 = pa[ia + 1], a2 = pa[ia + 2], a3 = pa[ia + 3];
    const b0 = pb[ib], b1 = pb[ib + 1], b2 = pb[ib + 2], b3 = pb[ib + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (h === MR && w === NR && beta === 0) {
    let o = oc;
    c[o] = alpha * c00; c[o + 1] = alpha * c01; c[o + 2] = alpha * c02; c[o + 3] = alpha * c03;
    o += ldc;
    c[o] = alpha * c10; c[o + 1] = alpha * c11; c[o + 2] = alpha * c12; c[o + 3] = alpha * c13;
    o += ldc;
    c[o] = alpha * c20; c[o + 1] = alpha * c21; c[o + 2] = alpha * c22; c[o + 3] = alpha * c23;
    o += ldc;
    c[o] = alpha * c30; c[o + 1] = alpha * c31; c[o + 2] = alpha * c32; c[o + 3] = alpha * c33;
    return;
  }
  if (h === MR && w === NR && beta === 1) {
    let o = oc;
    c[o] += alpha * c00; c[o + 1] += alpha * c01; c[o + 2] += alpha * c02; c[o + 3] += alpha * c03;
    o += ldc;
    c[o] += alpha * c10; c[o + 1] += alpha * c11; c[o + 2] += alpha * c12; c[o + 3] += alpha * c13;
    o += ldc;
    c[o] += alpha * c20; c[o + 1] += alpha * c21; c[o + 2] += alpha * c22; c[o + 3] += alpha * c23;
    o += ldc;
    c[o] += alpha * c30; c[o + 1] += alpha * c31; c[o + 2] += alpha * c32; c[o + 3] += alpha * c33;
    return;
  }
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < h; r++) {
    for (let t = 0; t < w; t++) {
      const o = oc + r * ldc + t;
      c[o] = beta === 0 ? alpha * acc[r * NR + t] : alpha * acc[r * NR + t] + beta * c[o];
    }
  }
}
