// GATConv (Velickovic et al.): multi-head attention over incoming edges plus self-loops, PyG semantics.

import type { Rng } from '../../graph/rng.js';
import { headMeanMatrix, type NodeInput } from '../../tensor/compose.js';
import { addRowVec, dropout, gatAttention, gatScores, gspmm, matmul, reshape } from '../../tensor/ops.js';
import type { DType, Tensor } from '../../tensor/tensor.js';
import { constant, glorot } from '../init.js';
import type { GraphContext } from '../graph-context.js';
import { GraphConv } from './conv.js';
import { Linear } from './linear.js';

export interface GATOptions {
  heads: number;
  /** concatenate the heads (width heads * out) or average them (width out) */
  concat?: boolean;
  negativeSlope?: number;
  /** dropout on the attention coefficients while training */
  attentionDropout?: number;
  rng: Rng;
  dtype?: DType;
}

/** What GATConv.aggregate needs from every node: h = x W and the source and destination scores (see gatScores). */
interface GATTransformed {
  h: Tensor;
  scores: Tensor;
}

export class GATConv extends GraphConv<GATTransformed> {
  readonly outDim: number;
  readonly lin: Linear;
  readonly attSrc: Tensor;
  readonly attDst: Tensor;
  readonly bias: Tensor;
  private readonly heads: number;
  private readonly concat: boolean;
  private readonly slope: number;
  private readonly attnDrop: number;
  /** the attention dropout's random stream (GNN.randomStreams lists it for checkpoints) */
  readonly dropRng: Rng;
  private readonly headMean: Tensor;

  constructor(readonly inDim: number, readonly channels: number, opts: GATOptions) {
    super();
    const { heads } = opts;
    if (!Number.isInteger(heads) || heads < 1) throw new Error(`GATConv: heads must be a positive integer, got ${heads}`);
    const dtype = opts.dtype ?? 'float32';
    this.heads = heads;
    this.concat = opts.concat ?? true;
    this.slope = opts.negativeSlope ?? 0.2;
    this.attnDrop = opts.attentionDropout ?? 0;
    this.dropRng = opts.rng.fork(7);
    this.outDim = this.concat ? heads * channels : channels;
    this.lin = this.registerModule('lin', new Linear(inDim, heads * channels, { bias: false, init: 'glorot', rng: opts.rng, dtype }));
    this.attSrc = this.registerParameter('att_src', glorot([1, heads, channels], heads, channels, opts.rng, dtype));
    this.attDst = this.registerParameter('att_dst', glorot([1, heads, channels], heads, channels, opts.rng, dtype));
    this.bias = this.registerParameter('bias', constant([this.outDim], 0, dtype));
    this.headMean = headMeanMatrix(heads, channels, dtype);
  }

  transform(x: NodeInput): GATTransformed {
    const h = this.lin.forward(x); // [N, H*C], column = head * C + channel
    const flat = (att: Tensor): Tensor => reshape(att, [att.size]);
    return { h, scores: gatScores(h, flat(this.attSrc), flat(this.attDst), this.heads) };
  }

  aggregate({ h, scores }: GATTransformed, ctx: GraphContext, rows?: Int32Array): Tensor {
    const H = this.heads;
    const a = rows ? ctx.adjacencyRows('loops', rows) : ctx.adjacency('loops');
    let alpha = gatAttention(a, scores, H, this.slope, rows);
    if (this.training && this.attnDrop > 0) alpha = dropout(alpha, this.attnDrop, this.dropRng);
    const out = gspmm(a, alpha, h, H);
    // averaging one head is the identity: skip its product
    return addRowVec(this.concat || this.heads === 1 ? out : matmul(out, this.headMean), this.bias);
  }
}
