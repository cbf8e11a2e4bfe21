// Plain-loop reference kernels: the obviously-correct twin that every fast kernel is tested against.

import type { CsrMatrix } from '../graph/csr.js';
import { chunkCount, dropoutChunks } from './dropout-mask.js';
import { checkLayerNorm, checkLayerNormBackward } from './layer-norm.js';
import type { ActivationSpec, FloatArray, GemmArgs, Kernels } from './types.js';

export function referenceGemm(g: GemmArgs): void {
  const { m, n, k, a, b, c, lda, ldb, ldc, alpha, beta, transA, transB } = g;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * lda + i] : a[i * lda + p];
        const bv = transB ? b[j * ldb + p] : b[p * ldb + j];
        s += av * bv;
      }
      // beta = 0 must ignore whatever C held (it may be NaN), as BLAS does
      c[i * ldc + j] = beta === 0 ? alpha * s : alpha * s + beta * c[i * ldc + j];
    }
  }
}

function spmm(a: CsrMatrix, x: FloatArray, f: number, out: FloatArray): void {
  out.fill(0, 0, a.rows * f);
  for (let i = 0; i < a.rows; i++) {
    for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
      const j = a.indices[k];
      const v = a.values ? a.values[k] : 1;
      for (let t = 0; t < f; t++) out[i * f + t] += v * x[j * f + t];
    }
  }
}

function spmmT(a: CsrMatrix, y: FloatArray, f: number, out: FloatArray): void {
  out.fill(0, 0, a.cols * f);
  for (let i = 0; i < a.rows; i++) {
    for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
      const j = a.indices[k];
      const v = a.values ? a.values[k] : 1;
      for (let t = 0; t < f; t++) out[j * f + t] += v * y[i * f + t];
    }
  }
}

function gspmm(a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, f: number, out: FloatArray): void {
  const c = f / heads;
  out.fill(0, 0, a.rows * f);
  for (let i = 0; i < a.rows; i++) {
    for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
      const j = a.indices[k];
      for (let h = 0; h < heads; h++) {
        const wv = w[k * heads + h];
        for (let t = 0; t < c; t++) out[i * f + h * c + t] += wv * x[j * f + h * c + t];
      }
    }
  }
}

function gspmmT(a: CsrMatrix, w: FloatArray, heads: number, y: FloatArray, f: number, out: FloatArray): void {
  const c = f / heads;
  out.fill(0, 0, a.cols * f);
  for (let i = 0; i < a.rows; i++) {
    for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
      const j = a.indices[k];
      for (let h = 0; h < heads; h++) {
        const wv = w[k * heads + h];
        for (let t = 0; t < c; t++) out[j * f + h * c + t] += wv * y[i * f + h * c + t];
      }
    }
  }
}

function sddmmDot(a: CsrMatrix, y: FloatArray, x: FloatArray, heads: number, f: number, out: FloatArray): void {
  const c = f / heads;
  for (let i = 0; i < a.rows; i++) {
    for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
      const j = a.indices[k];
      for (let h = 0; h < heads; h++) {
        let s = 0;
        for (let t = 0; t < c; t++) s += y[i * f + h * c + t] * x[j * f + h * c + t];
        out[k * heads + h] = s;
      }
    }
  }
}

function gspmmBackward(a: CsrMatrix, w: FloatArray, heads: number, x: FloatArray, g: FloatArray, f: number, dw: FloatArray | null, dx: FloatArray | null): void {
  if (dw) sddmmDot(a, g, x, heads, f, dw);
  if (dx) gspmmT(a, w, heads, g, f, dx);
}

function sddmmAdd(a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, out: FloatArray): void {
  for (let i = 0; i < a.rows; i++) {
    for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
      const j = a.indices[k];
      for (let h = 0; h < heads; h++) out[k * heads + h] = u[i * heads + h] + v[j * heads + h];
    }
  }
}

function edgeSoftmax(a: CsrMatrix, e: FloatArray, heads: number, out: FloatArray): void {
  for (let i = 0; i < a.rows; i++) {
    const lo = a.indptr[i];
    const hi = a.indptr[i + 1];
    for (let h = 0; h < heads; h++) {
      let mx = -Infinity;
      for (let k = lo; k < hi; k++) mx = Math.max(mx, e[k * heads + h]);
      let den = 0;
      for (let k = lo; k < hi; k++) {
        const ex = Math.exp(e[k * heads + h] - mx);
        out[k * heads + h] = ex;
        den += ex;
      }
      den += 1e-16;
      for (let k = lo; k < hi; k++) out[k * heads + h] /= den;
    }
  }
}

function edgeSoftmaxBackward(a: CsrMatrix, alpha: FloatArray, g: FloatArray, heads: number, out: FloatArray): void {
  for (let i = 0; i < a.rows; i++) {
    const lo = a.indptr[i];
    const hi = a.indptr[i + 1];
    for (let h = 0; h < heads; h++) {
      let s = 0;
      for (let k = lo; k < hi; k++) s += alpha[k * heads + h] * g[k * heads + h];
      for (let k = lo; k < hi; k++) out[k * heads + h] = alpha[k * heads + h] * (g[k * heads + h] - s);
    }
  }
}

/** The unfused composition: sddmmAdd -> LeakyReLU -> edgeSoftmax. */
function gatAttention(a: CsrMatrix, u: FloatArray, v: FloatArray, heads: number, slope: number, out: FloatArray): void {
  const logits = new Float64Array(out.length);
  sddmmAdd(a, u, v, heads, logits);
  for (let k = 0; k < logits.length; k++) if (!(logits[k] > 0)) logits[k] *= slope;
  edgeSoftmax(a, logits, heads, out);
}

function gatAttentionBackward(
  a: CsrMatrix, u: FloatArray, v: FloatArray, alpha: FloatArray, g: FloatArray, heads: number, slope: number,
  du: FloatArray | null, dv: FloatArray | null,
): void {
  const d = new Float64Array(alpha.length);
  edgeSoftmaxBackward(a, alpha, g, heads, d);
  for (let i = 0; i < a.rows; i++) {
    for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) {
      const j = a.indices[k];
      for (let h = 0; h < heads; h++) {
        const dk = u[i * heads + h] + v[j * heads + h] > 0 ? d[k * heads + h] : d[k * heads + h] * slope;
        if (du) du[i * heads + h] += dk;
        if (dv) dv[j * heads + h] += dk;
      }
    }
  }
}

function gatherRows(x: FloatArray, f: number, idx: Int32Array, out: FloatArray): void {
  for (let r = 0; r < idx.length; r++) {
    for (let t = 0; t < f; t++) out[r * f + t] = x[idx[r] * f + t];
  }
}

function scatterAddRows(x: FloatArray, f: number, idx: Int32Array, out: FloatArray): void {
  for (let r = 0; r < idx.length; r++) {
    for (let t = 0; t < f; t++) out[idx[r] * f + t] += x[r * f + t];
  }
}

function activationValue(act: ActivationSpec, v: number): number {
  if (v > 0) return v;
  if (act.kind === 'relu') return 0;
  return act.kind === 'elu' ? act.alpha * Math.expm1(v) : act.slope * v;
}

function activation(act: ActivationSpec, n: number, x: FloatArray, out: FloatArray): void {
  for (let i = 0; i < n; i++) out[i] = activationValue(act, x[i]);
}

function activationBackward(act: ActivationSpec, n: number, x: FloatArray, y: FloatArray, g: FloatArray, out: FloatArray, scale = 1): void {
  for (let i = 0; i < n; i++) {
    if (x[i] > 0) out[i] = g[i];
    else out[i] = act.kind === 'relu' ? 0 : g[i] * (act.kind === 'elu' ? y[i] + act.alpha : act.slope);
    if (scale !== 1) out[i] *= scale;
  }
}

function applyMask(n: number, mask: Uint8Array, scale: number, g: FloatArray, out: FloatArray): void {
  for (let i = 0; i < n; i++) out[i] = g[i] * (mask[i] ? scale : 0);
}

function addRowVec(m: number, n: number, x: FloatArray, v: FloatArray, out: FloatArray): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = x[i * n + j] + v[j];
}

function columnSums(m: number, n: number, g: FloatArray, out: FloatArray): void {
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += g[i * n + j];
    out[j] = s;
  }
}

function layerNorm(
  m: number, n: number, x: FloatArray, weight: FloatArray, bias: FloatArray, eps: number, out: FloatArray, xhat: FloatArray | null, rstd: FloatArray | null,
): void {
  checkLayerNorm(m, n, x, weight, bias, out, xhat, rstd);
  for (let i = 0, o = 0; i < m; i++, o += n) {
    let mean = 0;
    for (let j = o; j < o + n; j++) mean += x[j];
    mean /= n;
    let v = 0;
    for (let j = o; j < o + n; j++) v += (x[j] - mean) * (x[j] - mean);
    const r = 1 / Math.sqrt(v / n + eps);
    if (rstd) rstd[i] = r;
    for (let j = 0; j < n; j++) {
      const h = (x[o + j] - mean) * r;
      if (xhat) xhat[o + j] = h;
      out[o + j] = h * weight[j] + bias[j];
    }
  }
}

/** with gh = g * weight (the gradient of xhat): dx = rstd (gh - mean(gh) - xhat mean(gh xhat)) per row; dweight =
 *  column sums of g xhat, dbias = column sums of g (float64 sums, one pass over the rows) */
function layerNormBackward(
  m: number, n: number, g: FloatArray, weight: FloatArray, xhat: FloatArray, rstd: FloatArray,
  dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null,
): void {
  checkLayerNormBackward(m, n, g, weight, xhat, rstd, dx, dweight, dbias);
  const sw = new Float64Array(n);
  const sb = new Float64Array(n);
  for (let r = 0, i = 0; r < m; r++, i += n) {
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < n; j++) {
      const gh = g[i + j] * weight[j];
      sg += gh;
      sgx += gh * xhat[i + j];
      sw[j] += g[i + j] * xhat[i + j];
      sb[j] += g[i + j];
    }
    if (!dx) continue;
    sg /= n;
    sgx /= n;
    for (let j = 0; j < n; j++) dx[i + j] = rstd[r] * (g[i + j] * weight[j] - sg - xhat[i + j] * sgx);
  }
  for (let j = 0; j < n; j++) {
    if (dweight) dweight[j] = sw[j];
    if (dbias) dbias[j] = sb[j];
  }
}

/** The unfused composition: spmm -> addRowVec -> activation. */
function spmmBiasActivation(a: CsrMatrix, x: FloatArray, f: number, bias: FloatArray, act: ActivationSpec, out: FloatArray): void {
  spmm(a, x, f, out);
  addRowVec(a.rows, f, out, bias, out);
  activation(act, a.rows * f, out, out);
}

export const referenceKernels: Kernels = {
  name: 'reference',
  gemm: referenceGemm,
  spmm,
  spmmBiasActivation,
  spmmT,
  gspmm,
  gspmmT,
  sddmmDot,
  gspmmBackward,
  sddmmAdd,
  edgeSoftmax,
  edgeSoftmaxBackward,
  gatAttention,
  gatAttentionBackward,
  gatherRows,
  scatterAddRows,
  dropout: (n, p, scale, seed, mask, x, out) => dropoutChunks(n, p, scale, seed, 0, chunkCount(n), mask, x, out),
  applyMask,
  activation,
  activationBackward,
  addRowVec,
  columnSums,
  layerNorm,
  layerNormBackward,
};
