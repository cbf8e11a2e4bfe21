// GraphSAINT random-walk sampler (Zeng et al. 2020, as PyG's GraphSAINTRandomWalkSampler): induced subgraphs of
// random-walk node sets, with the paper's aggregator (edge) and loss (node) normalisation estimated by presampling.
// A normalised batch's 'gcn' adjacency is what the authors' code (graphsaint/minibatch.py) trains with: the induced
// subgraph of A+I with each entry (v, u) valued alpha = C_v / C_(u,v), then every row divided by its sum, so each
// row is a weighted mean (entries in (0, 1], row sums 1). Multiplying alpha into the symmetric GCN normalisation
// instead (as before) gives a hub v and a leaf neighbour u a weight ~ sqrt(d_v / d_u), tens on a power-law graph,
// and the activations blow up through the layers.

import { inducedSubgraph } from '../graph/build.js';
import type { CsrGraph, CsrMatrix } from '../graph/csr.js';
import type { Rng } from '../graph/rng.js';
import type { GraphContext } from '../nn/graph-context.js';
import { inducedScratch, type Batch } from './batch.js';
import { checkNodeSet } from './full.js';
import { lazyEpochs, type EpochBatches } from './lazy-epoch.js';

export interface SaintRandomWalkOptions {
  /** random walks (one per root) per batch; an integer >= 1 (PyG batch_size) */
  readonly roots: number;
  /** steps per walk, so a walk visits up to walkLength + 1 nodes; integer >= 1, default 2 */
  readonly walkLength?: number;
  /** batches per epoch (PyG num_steps); default ceil(root candidates / roots), so an epoch draws about as many
   *  roots as there are candidates */
  readonly numSteps?: number;
  /** PyG sample_coverage: presample rounds of numSteps subgraphs until the sampled node total reaches
   *  sampleCoverage * N; 0 turns the normalisation off (plain slice of the full GCN adjacency, unit loss
   *  weights). Default 50. */
  readonly sampleCoverage?: number;
  /** where roots are drawn (uniformly, with replacement) from: the train nodes (default) or all nodes (PyG) */
  readonly rootsFrom?: 'train' | 'all';
}

/** GraphSAINT normalisation, mirroring PyG GraphSAINTSampler.__compute_norm__ (see prepareSaintNorm). */
export interface SaintNorm {
  /** per node v: numSamples / C_v / N, with C_v = 0 taken as 0.1 */
  readonly nodeNorm: Float64Array;
  /** per entry (row v, column u) of the full 'gcn' adjacency, i.e. per edge u -> v with self-loops:
   *  C_v / C_(u,v) clamped to [0, 1e4]; 0/0 -> 0.1 */
  readonly edgeNorm: Float64Array;
  /** number of presampled subgraphs (a multiple of numSteps) */
  readonly numSamples: number;
  /** A+I (the pattern of the full graph's 'gcn' adjacency) with values edgeNorm, NOT row-normalised: a batch
   *  slices it and divides each of its rows by the row's sum */
  readonly adjacency: CsrMatrix;
}

export interface SaintSampler extends EpochBatches {
  /** null when sampleCoverage is 0 */
  readonly norm: SaintNorm | null;
  readonly batchesPerEpoch: number;
}

interface Resolved {
  roots: number;
  walkLength: number;
  numSteps: number;
  sampleCoverage: number;
  candidates: Int32Array;
  trainMask: Uint8Array;
}

function positiveInt(x: number, name: string): number {
  if (!Number.isInteger(x) || x < 1) throw new Error(`saintRandomWalk: ${name} must be an integer >= 1, got ${String(x)}`);
  return x;
}

function resolve(ctx: GraphContext, trainNodes: Int32Array, o: SaintRandomWalkOptions): Resolved {
  const n = ctx.numNodes;
  const trainMask = checkNodeSet(trainNodes, n, 'saintRandomWalk: trainNodes');
  const from = o.rootsFrom ?? 'train';
  if (from !== 'train' && from !== 'all') throw new Error(`saintRandomWalk: rootsFrom must be 'train' or 'all', got '${String(from)}'`);
  const candidates = from === 'train' ? trainNodes : Int32Array.from({ length: n }, (_, i) => i);
  const roots = positiveInt(o.roots, 'roots');
  const walkLength = positiveInt(o.walkLength ?? 2, 'walkLength');
  const numSteps = positiveInt(o.numSteps ?? Math.ceil(candidates.length / roots), 'numSteps');
  const sampleCoverage = o.sampleCoverage ?? 50;
  if (!Number.isFinite(sampleCoverage) || sampleCoverage < 0) {
    throw new Error(`saintRandomWalk: sampleCoverage must be a finite number >= 0, got ${sampleCoverage}`);
  }
  return { roots, walkLength, numSteps, sampleCoverage, candidates, trainMask };
}

/** Draws one node set: `roots` uniform roots from `candidates`, each walked `walkLength` uniform steps along
 *  row v's entries (in-neighbours; a node without any stays put, as torch_cluster's random_walk). Returns the
 *  distinct visited nodes, sorted (PyG's torch.unique order). `mark`/`stamp`: scratch, mark.length = N. */
function walkNodes(g: CsrGraph, r: Resolved, rng: Rng, mark: Int32Array, stamp: number): Int32Array {
  const buf = new Int32Array(r.roots * (r.walkLength + 1));
  let count = 0;
  for (let w = 0; w < r.roots; w++) {
    let v = r.candidates[rng.nextInt(r.candidates.length)];
    for (let s = 0; ; s++) {
      if (mark[v] !== stamp) {
        mark[v] = stamp;
        buf[count++] = v;
      }
      if (s === r.walkLength) break;
      const deg = g.indptr[v + 1] - g.indptr[v];
      if (deg > 0) v = g.indices[g.indptr[v] + rng.nextInt(deg)];
    }
  }
  return buf.slice(0, count).sort();
}

/** Estimates GraphSAINT's normalisation like PyG's __compute_norm__: rounds of numSteps subgraphs until the
 *  sampled node total reaches sampleCoverage * N; C_v counts the subgraphs holding v and C_(u,v) those holding
 *  both ends of u -> v. Edge norm C_v / C_(u,v) uses the count of the AGGREGATING node v (the row), as the paper's
 *  alpha_(u,v) = p_(u,v) / p_v and the authors' code do (PyG's port indexes the source instead; the two agree
 *  only when C_u = C_v). Edges never sampled get 1e4 (the clamp) or 0.1 (0/0), as in PyG. */
export function prepareSaintNorm(ctx: GraphContext, trainNodes: Int32Array, opts: SaintRandomWalkOptions, rng: Rng): SaintNorm {
  const r = resolve(ctx, trainNodes, opts);
  if (r.sampleCoverage === 0) throw new Error('prepareSaintNorm: sampleCoverage is 0; expected > 0 to estimate the normalisation');
  return computeNorm(ctx, r, rng);
}

function computeNorm(ctx: GraphContext, r: Resolved, rng: Rng): SaintNorm {
  const n = ctx.numNodes;
  const g = ctx.graph;
  const a = ctx.adjacency('gcn');
  const nodeCount = new Float64Array(n);
  const edgeCount = new Float64Array(a.indptr[n]);
  const mark = new Int32Array(n).fill(-1);
  const target = n * r.sampleCoverage;
  let total = 0;
  let numSamples = 0;
  let stamp = 0;
  while (total < target) {
    for (let s = 0; s < r.numSteps; s++, stamp++) {
      const nodes = walkNodes(g, r, rng, mark, stamp);
      total += nodes.length;
      for (const v of nodes) {
        nodeCount[v]++;
        for (let k = a.indptr[v]; k < a.indptr[v + 1]; k++) if (mark[a.indices[k]] === stamp) edgeCount[k]++;
      }
    }
    numSamples += r.numSteps;
  }
  const edgeNorm = new Float64Array(edgeCount.length);
  for (let v = 0; v < n; v++) {
    for (let k = a.indptr[v]; k < a.indptr[v + 1]; k++) {
      const q = nodeCount[v] / edgeCount[k];
      edgeNorm[k] = Number.isNaN(q) ? 0.1 : Math.min(1e4, q);
    }
  }
  const nodeNorm = Float64Array.from(nodeCount, (c) => numSamples / (c === 0 ? 0.1 : c) / n);
  return { nodeNorm, edgeNorm, numSamples, adjacency: { rows: a.rows, cols: a.cols, indptr: a.indptr, indices: a.indices, values: edgeNorm } };
}

/** m with each row divided by its sum (the authors' adj_norm_diag: D^-1 of the weighted degrees), values in a
 *  Float64Array if `f64` else a Float32Array. A row summing to 0 (none here: every row holds its self-loop,
 *  valued 1 or 0.1) is left all zero. */
function rowNormalised(m: CsrMatrix, f64: boolean): CsrMatrix {
  const src = m.values!;
  const values = f64 ? new Float64Array(src.length) : new Float32Array(src.length);
  for (let r = 0; r < m.rows; r++) {
    let sum = 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) sum += src[k];
    const inv = sum > 0 ? 1 / sum : 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) values[k] = src[k] * inv;
  }
  return { rows: m.rows, cols: m.cols, indptr: m.indptr, indices: m.indices, values };
}

/** GraphSAINT random-walk batches. Each batch = the subgraph induced by the nodes of `roots` random walks; its
 *  outputs are its train nodes, with loss weights w_i = nodeNorm_i * (number of outputs), so that our mean
 *  weighted loss equals PyG's (nll * node_norm).sum(); its 'gcn' adjacency is the induced subgraph of A+I valued
 *  edgeNorm and row-normalised (row v: alpha_(u,v) / sum over v's batch entries of alpha, as the authors' code),
 *  or without normalisation (sampleCoverage 0) the slice of the full graph's GCN normalisation, as before (other
 *  adjacency kinds are derived from the batch graph, unnormalised).
 *  A batch without train nodes (possible only with rootsFrom 'all') is left out of its epoch: its loss would
 *  be zero. The normalisation is presampled once here from rng.fork(0); epoch e draws from rng.fork(1).fork(e). */
export function saintRandomWalkBatches(ctx: GraphContext, trainNodes: Int32Array, opts: SaintRandomWalkOptions, rng: Rng): SaintSampler {
  const r = resolve(ctx, trainNodes, opts);
  const norm = r.sampleCoverage > 0 ? computeNorm(ctx, r, rng.fork(0)) : null;
  const gcn = ctx.adjacency('gcn');
  const f64 = gcn.values instanceof Float64Array;
  const epochRoot = rng.fork(1);
  const mark = new Int32Array(ctx.numNodes).fill(-1);
  const scratch = inducedScratch(ctx.numNodes);
  let stamp = 0;
  function* draw(e: number): Generator<Batch> {
    const er = epochRoot.fork(e);
    for (let s = 0; s < r.numSteps; s++) {
      const nodes = walkNodes(ctx.graph, r, er, mark, stamp++);
      const outputIndex = Int32Array.from(nodes.keys()).filter((i) => r.trainMask[nodes[i]] === 1);
      if (outputIndex.length === 0) continue;
      const batch: Batch = {
        nodes,
        graph: inducedSubgraph(ctx.graph, nodes, scratch).graph,
        adjacency: {
          gcn: norm ? rowNormalised(inducedSubgraph(norm.adjacency, nodes, scratch).graph, f64) : inducedSubgraph(gcn, nodes, scratch).graph,
        },
        outputIndex,
        lossWeights: norm ? Float32Array.from(outputIndex, (i) => norm.nodeNorm[nodes[i]] * outputIndex.length) : undefined,
      };
      yield batch;
    }
  }
  return { norm, batchesPerEpoch: r.numSteps, ...lazyEpochs('saintRandomWalk', draw) };
}
