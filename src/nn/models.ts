// Model builders: GCN / GraphSAGE / GAT / GIN stacks with configurable depth, width, heads, norm and dropout.

import type { CsrMatrix } from '../graph/csr.js';
import { Rng } from '../graph/rng.js';
import type { ActivationSpec } from '../kernels/types.js';
import { SparseInput, type NodeInput } from '../tensor/compose.js';
import { activation, dropout, keepMask } from '../tensor/ops.js';
import type { DType, Tensor } from '../tensor/tensor.js';
import type { GraphContext } from './graph-context.js';
import type { GraphConv } from './layers/conv.js';
import { GATConv } from './layers/gat-conv.js';
import { GCNConv } from './layers/gcn-conv.js';
import { GINConv } from './layers/gin-conv.js';
import { Linear } from './layers/linear.js';
import { BatchNorm, LayerNorm } from './layers/norm.js';
import { SAGEConv } from './layers/sage-conv.js';
import { Module } from './module.js';

export const MODEL_KINDS = ['gcn', 'sage', 'gat', 'gin'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
export type NormKind = 'none' | 'layer' | 'batch';
export type Activation = 'relu' | 'elu';

export interface ModelConfig {
  kind: ModelKind;
  inDim: number;
  /** number of classes */
  outDim: number;
  /** graph convolution layers (>= 1) */
  layers: number;
  /** hidden width; for GAT the channels PER HEAD (hidden layers are heads * hidden wide), as in PyG */
  hidden: number;
  /** GAT attention heads of the hidden layers (the last layer has outHeads, averaged) */
  heads: number;
  outHeads: number;
  /** dropout after every hidden layer */
  dropout: number;
  /** dropout on the input features */
  inputDropout: number;
  /** GAT: dropout on attention coefficients */
  attentionDropout: number;
  norm: NormKind;
  activation: Activation;
  /** end with a Linear classifier after the last convolution (the IBMB paper's models) instead of a
   *  convolution that outputs the classes */
  linearHead: boolean;
  /** GIN: train eps */
  trainEps: boolean;
}

/** Defaults per architecture, chosen to give a good result without tuning (PyG example settings). */
export function defaultModelConfig(kind: ModelKind, inDim: number, outDim: number): ModelConfig {
  const base: ModelConfig = {
    kind, inDim, outDim, layers: 2, hidden: 64, heads: 8, outHeads: 1, dropout: 0.5, inputDropout: 0.5,
    attentionDropout: 0, norm: 'none', activation: 'relu', linearHead: false, trainEps: false,
  };
  if (kind === 'gat') return { ...base, hidden: 8, dropout: 0.6, inputDropout: 0.6, attentionDropout: 0.6, activation: 'elu' };
  return base;
}

export function validateModelConfig(c: ModelConfig): void {
  const positive = (name: keyof ModelConfig) => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`model config: ${name} must be a positive integer, got ${String(v)}`);
  };
  if (!MODEL_KINDS.includes(c.kind)) throw new Error(`model config: kind must be one of ${MODEL_KINDS.join(', ')}, got '${c.kind}'`);
  (['inDim', 'outDim', 'layers', 'hidden', 'heads', 'outHeads'] as const).forEach(positive);
  for (const name of ['dropout', 'inputDropout', 'attentionDropout'] as const) {
    if (!(c[name] >= 0 && c[name] < 1)) throw new Error(`model config: ${name} must be in [0, 1), got ${c[name]}`);
  }
  if (!['none', 'layer', 'batch'].includes(c.norm)) throw new Error(`model config: norm must be none, layer or batch, got '${c.norm}'`);
  if (!['relu', 'elu'].includes(c.activation)) throw new Error(`model config: activation must be relu or elu, got '${c.activation}'`);
}

type Norm = LayerNorm | BatchNorm;

/** A stack of graph convolutions with norm, activation and dropout between them. */
export class GNN extends Module {
  readonly convs: GraphConv[] = [];
  readonly norms: Norm[] = [];
  readonly head: Linear | null;
  private readonly dropRng: Rng;

  constructor(readonly config: ModelConfig, seed: number, readonly dtype: DType = 'float32') {
    super();
    validateModelConfig(config);
    const rng = new Rng(seed);
    this.dropRng = rng.fork(1);
    const c = config;
    let width = c.inDim;
    for (let l = 0; l < c.layers; l++) {
      const last = l === c.layers - 1 && !c.linearHead;
      const conv = this.makeConv(width, last ? c.outDim : c.hidden, last, rng.fork(100 + l));
      this.registerModule(`convs.${l}`, conv);
      this.convs.push(conv);
      width = conv.outDim;
      if (!last && c.norm !== 'none') {
        const norm = c.norm === 'layer' ? new LayerNorm(width, 1e-5, dtype) : new BatchNorm(width, 1e-5, 0.1, dtype);
        this.norms.push(this.registerModule(`norms.${l}`, norm));
      }
    }
    this.head = c.linearHead ? this.registerModule('head', new Linear(width, c.outDim, { init: 'glorot', rng: rng.fork(99), dtype })) : null;
  }

  private makeConv(inDim: number, outDim: number, last: boolean, rng: Rng): GraphConv {
    const c = this.config;
    const dtype = this.dtype;
    switch (c.kind) {
      case 'gcn':
        return new GCNConv(inDim, outDim, { rng, dtype });
      case 'sage':
        return new SAGEConv(inDim, outDim, { rng, dtype });
      case 'gin':
        return new GINConv(inDim, outDim, { hidden: Math.max(outDim, c.hidden), trainEps: c.trainEps, rng, dtype });
      case 'gat':
        return new GATConv(inDim, outDim, {
          heads: last ? c.outHeads : c.heads, concat: !last, attentionDropout: c.attentionDropout, rng, dtype,
        });
    }
  }

  /** Logits for every node, or for `outputRows` only (the last layer is then computed for those rows only). */
  forward(x: NodeInput, ctx: GraphContext, outputRows?: Int32Array): Tensor {
    let h: NodeInput = this.drop(x, this.config.inputDropout);
    for (let l = 0; l < this.convs.length; l++) h = this.layer(l, h, ctx, l === this.convs.length - 1 ? outputRows : undefined);
    return this.head ? this.head.forward(h) : (h as Tensor);
  }

  /** Graph layer l alone: convolution (for `rows` only, when given), then norm, activation and dropout unless it is
   *  the last convolution of a model without a linear head. */
  layer(l: number, h: NodeInput, ctx: GraphContext, rows?: Int32Array): Tensor {
    return this.aggregateLayer(l, this.convs[l].transform(h, ctx, rows), ctx, rows);
  }

  /** Graph layer l from its convolution's transform of the layer input (see GraphConv.transform): aggregation for
   *  `rows` only, when given, then what layer() does after the convolution. Layer-wise inference transforms once
   *  per layer and calls this chunk by chunk. */
  aggregateLayer(l: number, transformed: unknown, ctx: GraphContext, rows?: Int32Array): Tensor {
    const c = this.config;
    const conv = this.convs[l];
    if (l === this.convs.length - 1 && !this.head) return conv.aggregate(transformed, ctx, rows);
    const act: ActivationSpec = c.activation === 'elu' ? { kind: 'elu', alpha: 1 } : { kind: 'relu' };
    const norm = this.norms[l];
    // with nothing between the convolution and the activation, the convolution may fuse the two (GCNConv does)
    if (norm) return this.drop(activation(norm.forward(conv.aggregate(transformed, ctx, rows)), act), c.dropout) as Tensor;
    const drop = this.training && c.dropout !== 0 ? { p: c.dropout, rng: this.dropRng } : undefined;
    return conv.aggregateActivated(transformed, ctx, act, rows, drop);
  }

  private drop(x: NodeInput, p: number): NodeInput {
    if (!this.training || p === 0) return x;
    if (x instanceof SparseInput) return new SparseInput(dropSparseValues(x.matrix, p, this.dropRng));
    return dropout(x, p, this.dropRng);
  }

  /** Every random stream training draws from (input and hidden dropout, then each GAT layer's attention dropout), in
   *  a fixed order: saving and restoring their states lets a resumed run draw the masks an uninterrupted one would. */
  randomStreams(): Rng[] {
    return [this.dropRng, ...this.convs.flatMap((c) => (c instanceof GATConv ? [c.dropRng] : []))];
  }

  /** Parameter groups for the optimiser: weight decay on all parameters, or on the first layer only (the PyG
   *  GCN example's setting, which the PyTorch baselines use). */
  parameterGroups(weightDecay: number, scope: 'all' | 'first'): Array<{ params: Tensor[]; weightDecay: number }> {
    if (scope === 'all') return [{ params: this.parameters(), weightDecay }];
    const first = new Set(this.convs[0].parameters());
    return [
      { params: [...first], weightDecay },
      { params: this.parameters().filter((p) => !first.has(p)), weightDecay: 0 },
    ];
  }
}

/** Dropout on the stored values of a constant sparse input (a dropped zero is zero either way). */
function dropSparseValues(m: CsrMatrix, p: number, rng: Rng): CsrMatrix {
  const nnz = m.indptr[m.rows];
  const values = m.values instanceof Float64Array ? new Float64Array(nnz) : new Float32Array(nnz);
  const factor = Float64Array.of(0, 1 / (1 - p)); // indexed by the mask: no branch on a random keep decision
  const mask = keepMask(nnz, p, rng);
  if (m.values) for (let k = 0; k < nnz; k++) values[k] = m.values[k] * factor[mask[k]];
  else for (let k = 0; k < nnz; k++) values[k] = factor[mask[k]];
  return { ...m, values };
}
