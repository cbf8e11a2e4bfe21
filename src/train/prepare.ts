// Turns a Dataset into what a model consumes: node inputs (sparse or dense), a graph context, labels, split.

import type { Dataset, FeatureMatrix } from '../graph/dataset.js';
import { normalizeFeatures, toDense } from '../graph/features.js';
import { GraphContext } from '../nn/graph-context.js';
import { SparseInput, type NodeInput } from '../tensor/compose.js';
import { newArray, Tensor, type DType } from '../tensor/tensor.js';

export type FeatureLayout = 'auto' | 'dense' | 'sparse';

export interface PrepareOptions {
  dtype?: DType;
  /** 'auto': sparse when under 10% of the values are non-zero (as the PyTorch baselines do) */
  featureLayout?: FeatureLayout;
  /** row-normalise features (PyG NormalizeFeatures) */
  normalize?: boolean;
}

export interface PreparedData {
  x: NodeInput;
  ctx: GraphContext;
  labels: Int32Array;
  numClasses: number;
  /** the feature layout actually used */
  layout: 'dense' | 'sparse';
}

export function featureDensity(f: FeatureMatrix): number {
  const total = f.rows * f.cols;
  if (total === 0) return 0;
  if (f.kind === 'csr') return f.indptr[f.rows] / total;
  let nz = 0;
  for (let i = 0; i < f.data.length; i++) if (f.data[i] !== 0) nz++;
  return nz / total;
}

export function prepareData(d: Dataset, opts: PrepareOptions = {}): PreparedData {
  const dtype = opts.dtype ?? 'float32';
  const features = opts.normalize ? normalizeFeatures(d.features) : d.features;
  const want = opts.featureLayout ?? 'auto';
  const sparse = want === 'sparse' || (want === 'auto' && featureDensity(features) < 0.1);
  return {
    x: sparse ? new SparseInput(toCsr(features, dtype)) : denseTensor(features, dtype),
    ctx: new GraphContext(d.graph, dtype),
    labels: d.labels,
    numClasses: d.numClasses,
    layout: sparse ? 'sparse' : 'dense',
  };
}

function denseTensor(f: FeatureMatrix, dtype: DType): Tensor {
  // copied into fastgnn's allocator: large inputs then sit in shared memory, where worker threads can read them
  const data = newArray(dtype, f.rows * f.cols);
  data.set(toDense(f));
  return new Tensor(data, [f.rows, f.cols]);
}

function toCsr(f: FeatureMatrix, dtype: DType): SparseInput['matrix'] {
  if (f.kind === 'csr') {
    const values = f.values ?? new Float32Array(f.indptr[f.rows]).fill(1);
    return { rows: f.rows, cols: f.cols, indptr: f.indptr, indices: f.indices, values: dtype === 'float64' ? Float64Array.from(values) : values };
  }
  let count = 0;
  for (let i = 0; i < f.data.length; i++) if (f.data[i] !== 0) count++;
  const indptr = new Int32Array(f.rows + 1);
  const indices = new Int32Array(count);
  const values = dtype === 'float64' ? new Float64Array(count) : new Float32Array(count);
  let k = 0;
  for (let r = 0; r < f.rows; r++) {
    for (let c = 0; c < f.cols; c++) {
      const v = f.data[r * f.cols + c];
      if (v !== 0) {
        indices[k] = c;
        values[k++] = v;
      }
    }
    indptr[r + 1] = k;
  }
  return { rows: f.rows, cols: f.cols, indptr, indices, values };
}

/** Targets of the given nodes, with a clear error for an unlabelled one. */
export function targetsOf(labels: Int32Array, nodes: Int32Array, splitName: string): Int32Array {
  const t = new Int32Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const y = labels[nodes[i]];
    if (y < 0) throw new Error(`${splitName} split: node ${nodes[i]} has no label`);
    t[i] = y;
  }
  return t;
}
