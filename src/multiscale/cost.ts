// Cost accounting of a training run, per level and in total: estimated FLOPs, nodes and edges touched, wall
// time, estimated tensor bytes per level, and the process's peak resident memory.

import type { ModelConfig } from '../nn/models.js';
import { SparseInput } from '../tensor/compose.js';
import { peakRssMb } from '../train/memory.js';
import type { PreparedData } from '../train/prepare.js';

/** What a cost estimate reads of a graph and its inputs (prepared data, a level's data or a mini-batch). */
export type WorkInput = Pick<PreparedData, 'x' | 'ctx'>;

/** Elementwise work per hidden value per forward pass (bias, norm, activation, dropout), a rough count. */
const ELEMENTWISE_FLOPS = 10;
/** A training step (forward + backward) costs about this many forward passes. */
const TRAIN_STEP_FORWARDS = 3;

export interface LevelCost {
  /** level index, or -1 for full-graph evaluation passes */
  level: number;
  /** nodes and stored edges of the level's graph (last seen; redrawn levels vary) */
  nodes: number;
  edges: number;
  /** training steps (forward + backward) run on this level */
  steps: number;
  /** estimated floating-point operations of those steps */
  flops: number;
  /** sum over steps of the level's node and edge counts */
  nodesTouched: number;
  edgesTouched: number;
  wallS: number;
  /** estimated bytes of the level's tensors: features, adjacency, activations of one forward */
  tensorBytes: number;
}

export interface RunCost {
  levels: LevelCost[];
  evaluation: LevelCost;
  total: { flops: number; nodesTouched: number; edgesTouched: number; wallS: number; steps: number };
  /** peak resident memory of the whole PROCESS so far (getrusage maxRSS), in MiB: includes everything the process
   *  did before this run, so compare runs in separate processes */
  peakRssMb: number;
}

function bytesPerValue(data: WorkInput): number {
  return data.ctx.dtype === 'float64' ? 8 : 4;
}

/** Widths of the layer outputs of a model config (hidden layers then the output). */
function layerWidths(c: ModelConfig): number[] {
  const hiddenW = c.kind === 'gat' ? c.hidden * c.heads : c.hidden;
  const out: number[] = [];
  for (let l = 0; l < c.layers; l++) out.push(l === c.layers - 1 && !c.linearHead ? c.outDim : hiddenW);
  if (c.linearHead) out.push(c.outDim);
  return out;
}

/** Estimated FLOPs of one forward pass. Dense GEMM m x k by k x n: 2mkn; sparse features: 2 * nnz(X) * out;
 *  propagation SpMM: 2 * (edges + nodes, the self loops) * width; elementwise ~10 per hidden value. SAGE counts
 *  two GEMMs per layer, GIN a two-layer MLP, GAT adds ~6 flops per edge and head for attention. The last layer
 *  on `outputRows` rows only (when given) scales its propagation and output work by outputRows / nodes. */
export function forwardFlops(c: ModelConfig, data: WorkInput, outputRows?: number): number {
  const n = data.ctx.numNodes;
  const e = data.ctx.graph.indptr[n];
  const sparseNnz = data.x instanceof SparseInput ? data.x.matrix.indptr[data.x.rows] : null;
  const widths = layerWidths(c);
  let flops = 0;
  let inW = c.inDim;
  for (let l = 0; l < widths.length; l++) {
    const out = widths[l];
    const isHead = c.linearHead && l === widths.length - 1;
    const last = l === widths.length - 1;
    const frac = last && outputRows !== undefined ? outputRows / Math.max(1, n) : 1;
    const gemm = l === 0 && sparseNnz !== null ? 2 * sparseNnz * out : 2 * n * inW * out;
    if (isHead) {
      flops += 2 * n * frac * inW * out;
    } else {
      const mult = c.kind === 'sage' ? 2 : c.kind === 'gin' ? 2 : 1;
      flops += gemm * mult + 2 * (e + n) * frac * (c.kind === 'gin' || c.kind === 'sage' ? inW : out);
      if (c.kind === 'gat') flops += 6 * (e + n) * frac * (last ? c.outHeads : c.heads);
    }
    flops += ELEMENTWISE_FLOPS * n * frac * out;
    inW = out;
  }
  return flops;
}

/** Estimated bytes of a level's tensors: features (dense values, or CSR arrays), adjacency with self loops and
 *  GCN values, and one forward pass's activations (about 3 arrays per hidden layer: output, norm, mask). */
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

/** Accumulates per-level costs while a schedule runs. */
export class CostMeter {
  private readonly perLevel = new Map<number, LevelCost>();
  private readonly evalCost: LevelCost = emptyCost(-1);

  constructor(readonly config: ModelConfig) {}

  /** One training step (forward + backward) on `data` at level `level`; the last layer on `outputRows` rows. */
  step(level: number, data: WorkInput, wallS: number, outputRows?: number): void {
    let c = this.perLevel.get(level);
    if (!c) this.perLevel.set(level, (c = emptyCost(level)));
    this.add(c, data, wallS, TRAIN_STEP_FORWARDS * forwardFlops(this.config, data, outputRows));
  }

  /** One evaluation forward pass on `data` (the full graph). */
  evaluation(data: WorkInput, wallS: number): void {
    this.add(this.evalCost, data, wallS, forwardFlops(this.config, data));
  }

  private add(c: LevelCost, data: WorkInput, wallS: number, flops: number): void {
    const n = data.ctx.numNodes;
    c.nodes = n;
    c.edges = data.ctx.graph.indptr[n];
    c.steps++;
    c.flops += flops;
    c.nodesTouched += n;
    c.edgesTouched += c.edges;
    c.wallS += wallS;
    c.tensorBytes = Math.max(c.tensorBytes, levelTensorBytes(this.config, data));
  }

  result(): RunCost {
    const levels = [...this.perLevel.values()].sort((a, b) => a.level - b.level).map((c) => ({ ...c }));
    const all = [...levels, this.evalCost];
    return {
      levels,
      evaluation: { ...this.evalCost },
      total: {
        flops: all.reduce((s, c) => s + c.flops, 0),
        nodesTouched: all.reduce((s, c) => s + c.nodesTouched, 0),
        edgesTouched: all.reduce((s, c) => s + c.edgesTouched, 0),
        wallS: all.reduce((s, c) => s + c.wallS, 0),
        steps: levels.reduce((s, c) => s + c.steps, 0),
      },
      peakRssMb: peakRssMb(),
    };
  }
}

function emptyCost(level: number): LevelCost {
  return { level, nodes: 0, edges: 0, steps: 0, flops: 0, nodesTouched: 0, edgesTouched: 0, wallS: 0, tensorBytes: 0 };
}
