// WebAssembly SIMD float32 GEMM (AssemblyScript): rows [m0, m1) of C = alpha * op(A) @ op(B) + beta * C.

/* Built into dist/wasm/gemm.wasm by `npm run build:wasm` and driven by src/kernels/wasm-gemm.ts, which places
 * the operands in the shared memory and gives every thread its own rows of C and its own work area (pointers
 * are byte offsets, leading dimensions count elements, all matrices row-major).
 *
 * Goto-style blocking, as in gemm-ts.ts: a KC x NC block of op(B) and an MC x KC block of op(A) are packed
 * into the work area as NR-wide / MR-tall panels (alpha folded into A), zero-padded, so the micro-kernel has
 * no edge cases. The micro-kernel keeps a 4 x 8 tile of C in eight f32x4 accumulators. Why 4 x 8: V8 issues
 * all of a step's loads before its arithmetic, so a step holds MR * NR/4 accumulators + NR/4 B vectors + MR
 * broadcast A values + a product, and 4 x 8 needs exactly the 15 vector registers V8 gives wasm on x64; 5 x 8
 * and 6 x 8 spill and measured at about half the speed, 3 x 16 slower too. It multiplies and adds (no
 * relaxed_madd): relaxed SIMD is behind a flag in Node 20, and fused or not would make results differ between
 * machines. Each C element is summed in the same k order whichever rows a thread gets, so results are bitwise
 * the same for any thread count. */

const MR = 4;
const NR = 8;
const KC = 256; // a KC x NR panel of B (8 KiB) stays in L1 while the micro-kernel sweeps an A block
const MC = 128; // an MC x KC block of A (128 KiB) stays in L2
const NC = 2048; // a KC x NC block of B (2 MiB) lives in L3

const PACK_A_BYTES: usize = MC * KC * 4;
const PACK_B_BYTES: usize = KC * NC * 4;
const TILE_BYTES: usize = MR * NR * 4;
const ONES = f32x4.splat(1);

/** Bytes of work area one thread needs (packed A block, packed B block, one edge tile). */
export function workBytes(): usize {
  return PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;
}

/** Rows [m0, m1) of C = alpha * op(A) @ op(B) + beta * C, op(A) [m, k], op(B) [k, n]; beta = 0 ignores C. */
export function gemm(
  transA: bool, transB: bool, m0: i32, m1: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, work: usize,
): void {
  if (beta != 0 && beta != 1) scaleRows(c, ldc, m0, m1, n, beta);
  const pa = work;
  const pb = work + PACK_A_BYTES;
  const tile = pb + PACK_B_BYTES;
  const ldcBytes = <usize>ldc << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const accumulate = pc > 0 || beta != 0; // the first k-block overwrites C when beta = 0 (C may hold NaN)
      packB(transB, b, ldb, pc, kc, jc, nc, pb);
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = min(MC, m1 - ic);
        packA(transA, a, lda, alpha, ic, mc, pc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const w = min(NR, nc - jr);
          const panelB = pb + ((<usize>jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const h = min(MR, mc - ir);
            const panelA = pa + ((<usize>ir * kc) << 2);
            const ct = c + ((<usize>(ic + ir) * ldc + jc + jr) << 2);
            micro(kc, panelA, panelB, tile);
            if (h == MR && w == NR) storeTile(tile, ct, ldcBytes, accumulate);
            else mergeTile(tile, ct, ldc, h, w, accumulate);
          }
        }
      }
    }
  }
}

/** C[m0 : m1, 0 : n] *= beta. */
function scaleRows(c: usize, ldc: i32, m0: i32, m1: i32, n: i32, beta: f32): void {
  const betas = f32x4.splat(beta);
  for (let i = m0; i < m1; i++) {
    const row = c + ((<usize>i * ldc) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const p = row + (<usize>j << 2);
      v128.store(p, f32x4.mul(v128.load(p), betas));
    }
    for (; j < n; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, load<f32>(p) * beta);
    }
  }
}

/** Writes scale * [r0[t], r1[t], r2[t], r3[t]] to dst + t * dstStride for t < 4, where r_i is the vector at
 *  src + i * stride. */
// @ts-ignore: decorator
@inline function transpose4(src: usize, stride: usize, dst: usize, dstStride: usize, scale: v128): void {
  const r0 = f32x4.mul(v128.load(src), scale);
  const r1 = f32x4.mul(v128.load(src + stride), scale);
  const r2 = f32x4.mul(v128.load(src + 2 * stride), scale);
  const r3 = f32x4.mul(v128.load(src + 3 * stride), scale);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + dstStride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/** Packs op(B)[pc : pc+kc, jc : jc+nc] as ceil(nc / NR) panels, each kc rows of NR contiguous values. */
function packB(transB: bool, b: usize, ldb: i32, pc: i32, kc: i32, jc: i32, nc: i32, pb: usize): void {
  const ld = <usize>ldb << 2;
  for (let j0 = jc; j0 < jc + nc; j0 += NR) {
    const w = min(NR, jc + nc - j0);
    if (!transB) {
      let src = b + ((<usize>pc * ldb + j0) << 2);
      for (let p = 0; p < kc; p++, src += ld, pb += NR * 4) {
        if (w == NR) {
          v128.store(pb, v128.load(src));
          v128.store(pb, v128.load(src, 16), 16);
        } else {
          for (let t = 0; t < NR; t++) store<f32>(pb + (<usize>t << 2), t < w ? load<f32>(src + (<usize>t << 2)) : 0);
        }
      }
      continue;
    }
    // op(B)[p, j] = B[j, p]: rows of the stored B become columns of the panel
    const src = b + ((<usize>j0 * ldb + pc) << 2);
    let p = 0;
    if (w == NR) {
      for (; p + 4 <= kc; p += 4) {
        const s = src + (<usize>p << 2);
        const d = pb + (<usize>p * NR << 2);
        transpose4(s, ld, d, NR * 4, ONES);
        transpose4(s + 4 * ld, ld, d + 16, NR * 4, ONES);
      }
    }
    for (; p < kc; p++) {
      const d = pb + (<usize>p * NR << 2);
      for (let t = 0; t < NR; t++) {
        store<f32>(d + (<usize>t << 2), t < w ? load<f32>(src + <usize>t * ld + (<usize>p << 2)) : 0);
      }
    }
    pb += <usize>kc * NR << 2;
  }
}

/** Packs alpha * op(A)[ic : ic+mc, pc : pc+kc] as ceil(mc / MR) panels, each kc columns of MR contiguous values
 *  (alpha here, not in the micro-kernel, where it would take a vector register from the accumulators). */
function packA(transA: bool, a: usize, lda: i32, alpha: f32, ic: i32, mc: i32, pc: i32, kc: i32, pa: usize): void {
  const ld = <usize>lda << 2;
  const alphas = f32x4.splat(alpha);
  for (let i0 = ic; i0 < ic + mc; i0 += MR, pa += <usize>kc * MR << 2) {
    const h = min(MR, ic + mc - i0);
    if (transA) {
      // op(A)[i, p] = A[p, i]: MR consecutive values of a stored row per step
      let src = a + ((<usize>pc * lda + i0) << 2);
      for (let p = 0; p < kc; p++, src += ld) {
        const d = pa + (<usize>p * MR << 2);
        if (h == MR) {
          v128.store(d, f32x4.mul(v128.load(src), alphas));
        } else {
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < h ? alpha * load<f32>(src + (<usize>r << 2)) : 0);
        }
      }
      continue;
    }
    const src = a + ((<usize>i0 * lda + pc) << 2);
    let p = 0;
    if (h == MR) {
      for (; p + 4 <= kc; p += 4) transpose4(src + (<usize>p << 2), ld, pa + (<usize>p * MR << 2), MR * 4, alphas);
    }
    for (; p < kc; p++) {
      const d = pa + (<usize>p * MR << 2);
      for (let r = 0; r < MR; r++) {
        store<f32>(d + (<usize>r << 2), r < h ? alpha * load<f32>(src + <usize>r * ld + (<usize>p << 2)) : 0);
      }
    }
  }
}

/** The MR x NR tile at `tile` (dense) = (MR x kc panel at pa) @ (kc x NR panel at pb). It only computes and
 *  stores; the merge into C is the caller's: with it in here, V8 neither inlined nor unrolled this loop, and
 *  the whole GEMM ran about 15% slower. */
function micro(kc: i32, pa: usize, pb: usize, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    pa += MR * 4;
    pb += NR * 4;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
}

/** A whole MR x NR tile into C (row stride ldcBytes): stored, or added to C when `accumulate`. */
function storeTile(tile: usize, c: usize, ldcBytes: usize, accumulate: bool): void {
  for (let r = 0; r < MR; r++, tile += NR * 4, c += ldcBytes) {
    let y0 = v128.load(tile);
    let y1 = v128.load(tile, 16);
    if (accumulate) {
      y0 = f32x4.add(y0, v128.load(c));
      y1 = f32x4.add(y1, v128.load(c, 16));
    }
    v128.store(c, y0);
    v128.store(c, y1, 16);
  }
}

/** The top-left h x w corner of a tile into C, with the same arithmetic as storeTile. */
function mergeTile(tile: usize, c: usize, ldc: i32, h: i32, w: i32, accumulate: bool): void {
  for (let r = 0; r < h; r++) {
    const row = c + ((<usize>r * ldc) << 2);
    for (let t = 0; t < w; t++) {
      const v = load<f32>(tile + ((<usize>(r * NR + t)) << 2));
      const p = row + (<usize>t << 2);
      store<f32>(p, accumulate ? v + load<f32>(p) : v);
    }
  }
}
