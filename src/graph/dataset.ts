// The in-memory dataset every loader returns: graph structure, node features, labels and optional splits.

import type { CsrGraph, CsrMatrix } from './csr.js';

/** Node features: dense row-major [rows, cols], or sparse CSR (bag-of-words features are mostly zeros). */
export type FeatureMatrix =
  | { readonly kind: 'dense'; readonly rows: number; readonly cols: number; readonly data: Float32Array }
  | ({ readonly kind: 'csr' } & CsrMatrix);

export interface Split {
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly test: Int32Array;
}

export interface Dataset {
  readonly name: string;
  /** Directed adjacency as stored in the source (row i = in-neighbours of i), no self-loops, no duplicate edges.
   *  Loaders of undirected formats return it symmetrised. */
  readonly graph: CsrGraph;
  readonly features: FeatureMatrix;
  /** class id per node in [0, numClasses); -1 marks an unlabelled node (never inside a split) */
  readonly labels: Int32Array;
  readonly numClasses: number;
  /** the dataset's own split, where the format has one */
  readonly split?: Split;
  /** where the data came from, for reports */
  readonly source?: string;
}
