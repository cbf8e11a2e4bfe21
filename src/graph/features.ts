// Node-feature helpers: dense conversion, PyG NormalizeFeatures and the finiteness check of the loaders.

import type { FeatureMatrix } from './dataset.js';

/** Dense row-major Float32Array copy (or the data itself when already dense). */
export function toDense(features: FeatureMatrix): Float32Array {
  if (features.kind === 'dense') return features.data;
  const out = new Float32Array(features.rows * features.cols);
  for (let r = 0; r < features.rows; r++) {
    for (let k = features.indptr[r]; k < features.indptr[r + 1]; k++) {
      out[r * features.cols + features.indices[k]] += features.values ? features.values[k] : 1;
    }
  }
  return out;
}

/** PyG T.NormalizeFeatures: x - x.min(), then each row divided by its sum clamped to >= 1. Stays CSR when
 *  the matrix is CSR and its minimum is 0 (implicit zeros then stay zero); otherwise returns dense. */
export function normalizeFeatures(features: FeatureMatrix): FeatureMatrix {
  const rows = features.rows;
  const cols = features.cols;
  if (features.kind === 'csr') {
    let min = features.indptr[rows] < rows * cols ? 0 : Infinity;
    const nz = features.indptr[rows];
    for (let k = 0; k < nz; k++) min = Math.min(min, features.values ? features.values[k] : 1);
    if (min === 0 || (rows * cols === 0)) {
      const values = new Float32Array(nz);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let k = features.indptr[r]; k < features.indptr[r + 1]; k++) sum += features.values ? features.values[k] : 1;
        const d = Math.max(1, sum);
        for (let k = features.indptr[r]; k < features.indptr[r + 1]; k++) {
          values[k] = (features.values ? features.values[k] : 1) / d;
        }
      }
      return { kind: 'csr', rows, cols, indptr: features.indptr, indices: features.indices, values };
    }
  }
  const x = features.kind === 'dense' ? features.data : toDense(features);
  let min = Infinity;
  for (let k = 0; k < x.length; k++) if (x[k] < min) min = x[k];
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.fround(x[r * cols + c] - min);
    const d = Math.max(1, sum);
    for (let c = 0; c < cols; c++) out[r * cols + c] = Math.fround(x[r * cols + c] - min) / d;
  }
  return { kind: 'dense', rows, cols, data: out };
}

/** Throws if any feature value is NaN or infinite, naming `what`, the row and the column. */
export function checkFiniteFeatures(features: FeatureMatrix, what: string): void {
  if (features.kind === 'dense') {
    const x = features.data;
    for (let k = 0; k < x.length; k++) {
      if (!Number.isFinite(x[k])) {
        throw new Error(`${what}: feature [${Math.floor(k / features.cols)}, ${k % features.cols}] is ${x[k]}; expected a finite number`);
      }
    }
    return;
  }
  if (!features.values) return;
  for (let r = 0; r < features.rows; r++) {
    for (let k = features.indptr[r]; k < features.indptr[r + 1]; k++) {
      if (!Number.isFinite(features.values[k])) {
        throw new Error(`${what}: feature [${r}, ${features.indices[k]}] is ${features.values[k]}; expected a finite number`);
      }
    }
  }
}
