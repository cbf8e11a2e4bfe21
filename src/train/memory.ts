// Memory of training: the peak resident memory of this process, and what full-batch training will need.

import type { MemoryPart } from '../graph/memory-estimate.js';
import type { ModelConfig } from '../nn/models.js';
import { Tensor } from '../tensor/tensor.js';
import type { PreparedData } from './prepare.js';

/** Peak RSS in MiB since the process started (getrusage ru_maxrss). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/* A deliberately low estimate of full-batch training in float32, so an error means it certainly cannot fit (measured
 * peaks are ~2.5x it: 100k nodes, 100 features, GCN 3 x 256: estimate 1.1 GiB, peak RSS 3.0 GiB; default GAT: 0.5 vs
 * 1.3 GiB):
 *   features     the input as prepared (dense n x F, or CSR values + indices), plus its dropout copy and mask
 *   graph        the normalised adjacency with self-loops (indices + values); GAT adds, per layer, per-edge logits,
 *                attention, its dropout and its gradient (4 x nnz x heads floats)
 *   activations  per layer of output width w: GEMM output, aggregation, activation / dropout output and two
 *                gradients (5 x n x w floats) plus the dropout mask (n x w bytes) */
const ACTIVATION_COPIES = 5;
const EDGE_COPIES_GAT = 4;

/** Output width of each layer of the model (GAT hidden layers are heads x hidden wide; the last GAT layer counts
 *  its outHeads before they are averaged). */
export function layerWidths(c: ModelConfig): number[] {
  const widths: number[] = [];
  for (let l = 0; l < c.layers; l++) {
    const last = l === c.layers - 1 && !c.linearHead;
    widths.push(last ? c.outDim * (c.kind === 'gat' ? c.outHeads : 1) : c.hidden * (c.kind === 'gat' ? c.heads : 1));
  }
  if (c.linearHead) widths.push(c.outDim);
  return widths;
}

/** The estimated memory of full-batch training of a model with config `c` on `data`, by part. */
export function estimateFullBatchBytes(c: ModelConfig, data: PreparedData): MemoryPart[] {
  const n = data.ctx.numNodes;
  const g = data.ctx.graph;
  const nnz = g.indptr[g.rows] + n;
  const x = data.x;
  const denseInput = x instanceof Tensor ? 4 * x.size : 0;
  const inputBytes = x instanceof Tensor ? denseInput : 8 * x.matrix.indptr[x.matrix.rows];
  const inputDropout = c.inputDropout > 0 ? denseInput * 1.25 : 0;
  const heads = (l: number): number => (l === c.layers - 1 ? c.outHeads : c.heads);
  let attention = 0;
  if (c.kind === 'gat') for (let l = 0; l < c.layers; l++) attention += EDGE_COPIES_GAT * 4 * nnz * heads(l);
  const activations = layerWidths(c).reduce((s, w) => s + (4 * ACTIVATION_COPIES + 1) * n * w, 0);
  return [
    { label: 'features', bytes: inputBytes + inputDropout },
    { label: 'graph', bytes: 8 * nnz + 4 * (n + 1) + attention },
    { label: 'activations', bytes: activations },
  ];
}
