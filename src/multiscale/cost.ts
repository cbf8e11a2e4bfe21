// Cost accounting of a training run, per level and in total: estimated FLOPs of dense and of sparse kernels, nodes
// and edges touched, wall time, estimated tensor bytes and sampled resident memory per level, and the process's peak.

import { rowEntries } from '../graph/csr.js';
import { gcnAggregatesFirst } from '../nn/layers/gcn-conv.js';
import type { ModelConfig } from '../nn/models.js';
import { SparseInput, type NodeInput } from '../tensor/compose.js';
import { layerWidths, peakRssMb } from '../train/memory.js';
import type { PreparedData } from '../train/prepare.js';

/** What a cost estimate reads of a graph and its inputs (prepared data, a level's data or a mini-batch). */
export type WorkInput = Pick<PreparedData, 'x' | 'ctx'>;

/** Estimated floating-point operations, split by the kind of kernel that does them. */
export interface Flops {
  /** GEMMs of dense operands (feature transforms, GIN's second map, GAT head scores and head averaging) and
   *  elementwise work (bias, activation, norm, dropout) */
  dense: number;
  /** kernels over stored entries: propagation SpMM over the adjacency, products with sparse (CSR) features, GAT
   *  attention (per-edge scores, LeakyReLU and softmax: SDDMM-like; attention dropout) */
  sparse: number;
}

/* Elementwise FLOPs per value, rough counts: bias add and activation 1 each; dropout 2 (compare, scale); batch or
 * layer norm 6 (mean and variance accumulation, normalise, scale and shift); GAT attention 7 per edge and head
 * (score sum, LeakyReLU, max, subtract and exp, sum, divide). A training step (forward + backward: gradients for
 * inputs and weights) costs TRAIN_STEP_FORWARDS forward passes, for both kinds. */
const BIAS_FLOPS = 1;
const ACTIVATION_FLOPS = 1;
const DROPOUT_FLOPS = 2;
const NORM_FLOPS = 6;
const ATTENTION_FLOPS = 7;
const TRAIN_STEP_FORWARDS = 3;

export interface LevelCost {
  /** level index, or -1 for full-graph evaluation passes */
  level: number;
  /** nodes and stored edges of the level's graph (last seen; redrawn levels vary) */
  nodes: number;
  edges: number;
  /** training steps (forward + backward) run on this level */
  steps: number;
  /** estimated floating-point operations of those steps: flops = denseFlops + sparseFlops */
  flops: number;
  denseFlops: number;
  sparseFlops: number;
  /** sum over steps of the level's node and edge counts */
  nodesTouched: number;
  edgesTouched: number;
  wallS: number;
  /** estimated bytes of the level's tensors: features, adjacency, activations of one forward */
  tensorBytes: number;
  /** the largest resident memory of the process sampled right after this level's steps, in MiB (process-wide: it
   *  includes the full graph's data and what earlier levels left; a sample, so at most the true peak) */
  rssMb: number;
}

export interface RunCost {
  levels: LevelCost[];
  evaluation: LevelCost;
  total: { flops: number; denseFlops: number; sparseFlops: number; nodesTouched: number; edgesTouched: number; wallS: number; steps: number };
  /** peak resident memory of the whole PROCESS so far (getrusage maxRSS), in MiB: includes everything the process
   *  did before this run, so compare runs in separate processes */
  peakRssMb: number;
}

function bytesPerValue(data: WorkInput): number {
  return data.ctx.dtype === 'float64' ? 8 : 4;
}

/** Stored entries of the rows `rows` (all rows when undefined) of a CSR matrix, plus one per row with self loops. */
function entriesOf(m: { rows: number; indptr: Int32Array }, rows: Int32Array | undefined, selfLoops: boolean): number {
  return rowEntries(m, rows) + (selfLoops ? (rows?.length ?? m.rows) : 0);
}

/** A feature transform times an [inW, out] weight on all n rows, or on `rows`: an SpMM when `x` is the model's
 *  sparse input, else a dense GEMM (x = null: a dense hidden representation). */
function addTransform(f: Flops, x: NodeInput | null, n: number, inW: number, out: number, rows?: Int32Array): void {
  if (x instanceof SparseInput) f.sparse += 2 * entriesOf(x.matrix, rows, false) * out;
  else f.dense += 2 * (rows?.length ?? n) * inW * out;
}

/** Estimated FLOPs of one forward pass of a model with config `c` on `data`, the last convolution (and a linear
 *  head) on `outputRows` only when given, as GNN.forward computes it; `training` adds the dropouts. Dense: every
 *  GEMM 2 * rows * in * out, plus elementwise work per value (constants above). Sparse: a product with CSR features
 *  2 * nnz(rows) * out; propagation 2 * entries * width over the adjacency rows computed (GCN and GAT add a self
 *  loop per row, SAGE and GIN do not); GAT attention per entry and head. Per architecture:
 *  GCN  x W (all nodes), then A (x W) on the rows, + bias; or (A x) W on the rows where GCNConv aggregates first;
 *  SAGE x W_l (all nodes), A (x W_l) + bias on the rows, plus x_rows W_r;
 *  GIN  x W_1 (all nodes; again for the rows' own term when rows are given), (1 + eps) scale, A (x W_1), sum, bias
 *       and ReLU at width max(out, hidden), then W_2 + bias on the rows;
 *  GAT  x W (all nodes, heads * channels), head scores (all nodes and the rows), attention and propagation per
 *       head, the last layer's heads averaged (a GEMM), + bias;
 *  then activation, norm and dropout after every convolution but a last one without a linear head. */
export function forwardFlops(c: ModelConfig, data: WorkInput, outputRows?: Int32Array, training = false): Flops {
  const f: Flops = { dense: 0, sparse: 0 };
  const n = data.ctx.numNodes;
  const g = data.ctx.graph;
  const x = data.x;
  if (training && c.inputDropout > 0) f.dense += DROPOUT_FLOPS * (x instanceof SparseInput ? x.matrix.indptr[x.rows] : x.rows * x.cols);
  let input: NodeInput | null = x; // null after the first layer: a dense hidden representation of width inW
  let inW = x.cols;
  for (let l = 0; l < c.layers; l++) {
    const lastConv = l === c.layers - 1;
    const lastLayer = lastConv && !c.linearHead;
    const rows = lastConv ? outputRows : undefined;
    const r = rows?.length ?? n;
    const withLoops = entriesOf(g, rows, true); // entries of the rows of A + I
    let out: number;
    if (c.kind === 'gat') {
      const heads = lastLayer ? c.outHeads : c.heads;
      const ch = lastLayer ? c.outDim : c.hidden;
      const hc = heads * ch;
      out = lastLayer ? ch : hc;
      addTransform(f, input, n, inW, hc);
      f.dense += 2 * n * hc + 2 * r * hc; // source and destination head scores
      f.sparse += (ATTENTION_FLOPS + (training && c.attentionDropout > 0 ? DROPOUT_FLOPS : 0)) * withLoops * heads + 2 * withLoops * hc;
      if (lastLayer && heads > 1) f.dense += 2 * r * hc * ch;
      f.dense += BIAS_FLOPS * r * out;
    } else if (c.kind === 'gin') {
      out = lastLayer ? c.outDim : c.hidden;
      const hid = Math.max(out, c.hidden);
      addTransform(f, input, n, inW, hid);
      if (rows) addTransform(f, input, n, inW, hid, rows);
      f.sparse += 2 * entriesOf(g, rows, false) * hid;
      // (1 + eps) scale, sum with the aggregate, bias, ReLU; then the second map and its bias
      f.dense += (2 + BIAS_FLOPS + ACTIVATION_FLOPS) * r * hid + 2 * r * hid * out + BIAS_FLOPS * r * out;
    } else if (c.kind === 'gcn' && !(input instanceof SparseInput) && gcnAggregatesFirst(n, r, withLoops, inW, lastLayer ? c.outDim : c.hidden)) {
      out = lastLayer ? c.outDim : c.hidden;
      f.sparse += 2 * withLoops * inW;
      f.dense += 2 * r * inW * out + BIAS_FLOPS * r * out;
    } else {
      out = lastLayer ? c.outDim : c.hidden;
      addTransform(f, input, n, inW, out);
      f.sparse += 2 * entriesOf(g, rows, c.kind === 'gcn') * out;
      f.dense += BIAS_FLOPS * r * out;
      if (c.kind === 'sage') {
        addTransform(f, input, n, inW, out, rows);
        f.dense += r * out; // the sum of the neighbour and root parts
      }
    }
    if (!lastLayer) f.dense += (ACTIVATION_FLOPS + (c.norm === 'none' ? 0 : NORM_FLOPS) + (training && c.dropout > 0 ? DROPOUT_FLOPS : 0)) * r * out;
    input = null;
    inW = out;
  }
  if (c.linearHead) {
    const r = outputRows?.length ?? n;
    f.dense += 2 * r * inW * c.outDim + BIAS_FLOPS * r * c.outDim;
  }
  return f;
}

/** Estimated bytes of a level's tensors: features (dense values, or CSR arrays), adjacency with self loops and
 *  GCN values, and one forward pass's activations (about 3 arrays per layer output: output, norm, mask). */
export function levelTensorBytes(c: ModelConfig, data: WorkInput): number {
  const b = bytesPerValue(data);
  const n = data.ctx.numNodes;
  const e = data.ctx.graph.indptr[n] + n;
  const x = data.x instanceof SparseInput
    ? (data.x.rows + 1) * 4 + data.x.matrix.indptr[data.x.rows] * (4 + b)
    : data.x.rows * data.x.cols * b;
  const adj = (n + 1) * 4 + e * (4 + b);
  const act = layerWidths(c).reduce((s, w) => s + 3 * n * w * b, 0);
  return x + adj + act;
}

const RSS_EVERY_MS = 20;

/** Resident memory of the process now, in MiB. */
function rssMb(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}

/** Accumulates per-level costs while a schedule runs. */
export class CostMeter {
  private readonly perLevel = new Map<number, LevelCost>();
  private readonly evalCost: LevelCost = emptyCost(-1);
  private lastRssAt = -Infinity;

  constructor(readonly config: ModelConfig) {}

  /** One training step (forward + backward) on `data` at level `level`; the last layer on `outputRows` only. */
  step(level: number, data: WorkInput, wallS: number, outputRows?: Int32Array): void {
    let c = this.perLevel.get(level);
    if (!c) this.perLevel.set(level, (c = emptyCost(level)));
    const f = forwardFlops(this.config, data, outputRows, true);
    this.add(c, data, wallS, { dense: TRAIN_STEP_FORWARDS * f.dense, sparse: TRAIN_STEP_FORWARDS * f.sparse });
  }

  /** One evaluation forward pass on `data` (the full graph). */
  evaluation(data: WorkInput, wallS: number): void {
    this.add(this.evalCost, data, wallS, forwardFlops(this.config, data));
  }

  private add(c: LevelCost, data: WorkInput, wallS: number, f: Flops): void {
    const n = data.ctx.numNodes;
    c.nodes = n;
    c.edges = data.ctx.graph.indptr[n];
    c.steps++;
    c.denseFlops += f.dense;
    c.sparseFlops += f.sparse;
    c.flops = c.denseFlops + c.sparseFlops;
    c.nodesTouched += n;
    c.edgesTouched += c.edges;
    c.wallS += wallS;
    c.tensorBytes = Math.max(c.tensorBytes, levelTensorBytes(this.config, data));
    // reading RSS costs a system call: at most every RSS_EVERY_MS, and always on a level's first step
    const now = performance.now();
    if (c.steps === 1 || now - this.lastRssAt >= RSS_EVERY_MS) {
      this.lastRssAt = now;
      c.rssMb = Math.max(c.rssMb, rssMb());
    }
  }

  result(): RunCost {
    const levels = [...this.perLevel.values()].sort((a, b) => a.level - b.level).map((c) => ({ ...c }));
    const all = [...levels, this.evalCost];
    const sum = (key: 'flops' | 'denseFlops' | 'sparseFlops' | 'nodesTouched' | 'edgesTouched' | 'wallS'): number => all.reduce((s, c) => s + c[key], 0);
    return {
      levels,
      evaluation: { ...this.evalCost },
      total: {
        flops: sum('flops'), denseFlops: sum('denseFlops'), sparseFlops: sum('sparseFlops'), nodesTouched: sum('nodesTouched'),
        edgesTouched: sum('edgesTouched'), wallS: sum('wallS'), steps: levels.reduce((s, c) => s + c.steps, 0),
      },
      peakRssMb: peakRssMb(),
    };
  }
}

function emptyCost(level: number): LevelCost {
  return {
    level, nodes: 0, edges: 0, steps: 0, flops: 0, denseFlops: 0, sparseFlops: 0, nodesTouched: 0, edgesTouched: 0, wallS: 0, tensorBytes: 0,
    rssMb: 0,
  };
}
