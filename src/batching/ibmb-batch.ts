// Batch-wise influence-based mini-batching (IBMB): outputs grouped by a graph partition, each batch's auxiliary
// nodes chosen by topic-sensitive PPR from the batch's outputs; the subgraphs are fixed for the whole run.

import { partitionGraph } from '../graph/partition/index.js';
import { topicPpr, topKPerColumn } from '../graph/ppr/index.js';
import type { GraphContext } from '../nn/graph-context.js';
import { inducedBatch, inducedScratch, type Batch } from './batch.js';
import { checkNodeSet } from './full.js';
import { pprGraphOf } from './ibmb-node.js';

export interface IbmbBatchOptions {
  /** parts of the graph partition, an integer in [1, number of nodes]; each part with outputs becomes a batch */
  readonly numParts: number;
  /** PPR teleport probability, in (0, 1); default 0.25 */
  readonly alpha?: number;
  /** power iterations of the topic-sensitive PPR, integer >= 0; default 50 */
  readonly iterations?: number;
  /** auxiliary nodes per batch K = ceil(ratio * N / numParts); > 0, default 1 */
  readonly ratio?: number;
  /** partition seed */
  readonly seed: number;
  /** partition balance bound (partitionGraph's imbalance, >= 1); default partitionGraph's */
  readonly imbalance?: number;
  /** bytes the dense N x b PPR block may use (3 float32 copies of it live at once); batches are iterated in
   *  blocks of as many columns as fit, at least one. Default 512 MiB */
  readonly memoryBudgetBytes?: number;
}

interface Resolved { numParts: number; alpha: number; iterations: number; ratio: number; budget: number }

function resolve(n: number, o: IbmbBatchOptions): Resolved {
  const what = 'ibmbBatchBatches';
  if (typeof o !== 'object' || o === null) throw new Error(`${what}: options must be an object {numParts, seed, alpha?, iterations?, ratio?}`);
  const r = { numParts: o.numParts, alpha: o.alpha ?? 0.25, iterations: o.iterations ?? 50, ratio: o.ratio ?? 1, budget: o.memoryBudgetBytes ?? 512 * 2 ** 20 };
  if (!Number.isInteger(r.numParts) || r.numParts < 1 || r.numParts > n) {
    throw new Error(`${what}: numParts must be an integer in [1, ${n}] (the number of nodes), got ${String(r.numParts)}`);
  }
  if (!(typeof r.alpha === 'number' && r.alpha > 0 && r.alpha < 1)) throw new Error(`${what}: alpha must be a number in (0, 1), got ${String(r.alpha)}`);
  if (!Number.isInteger(r.iterations) || r.iterations < 0) throw new Error(`${what}: iterations must be an integer >= 0, got ${String(r.iterations)}`);
  if (!(typeof r.ratio === 'number' && r.ratio > 0 && Number.isFinite(r.ratio))) throw new Error(`${what}: ratio must be a finite number > 0, got ${String(r.ratio)}`);
  if (!(typeof r.budget === 'number' && r.budget > 0)) throw new Error(`${what}: memoryBudgetBytes must be a number > 0, got ${String(r.budget)}`);
  if (!Number.isFinite(o.seed)) throw new Error(`${what}: seed must be a finite number, got ${String(o.seed)}`);
  return r;
}

/** Outputs of each part, sorted by id, parts in id order; parts without outputs are left out. */
export function outputsByPart(part: Int32Array, outputs: Int32Array, numParts: number): Int32Array[] {
  const count = new Int32Array(numParts);
  for (const v of outputs) count[part[v]]++;
  const groups = Array.from(count, (c) => new Int32Array(c));
  count.fill(0);
  for (const v of Int32Array.from(outputs).sort()) groups[part[v]][count[part[v]]++] = v;
  return groups.filter((g) => g.length > 0);
}

/** Batch-wise IBMB batches for `outputs` (distinct global ids):
 *  1. partition the whole graph into numParts (partitionGraph, seeded); the outputs of each part form one batch
 *     (parts without outputs are skipped, so there may be fewer batches than parts);
 *  2. topic-sensitive PPR per batch (teleport uniform on its outputs, `iterations` power steps) on the symmetrised
 *     graph with self-loops, many batches at once as a dense N x b block;
 *  3. auxiliary nodes = the outputs + the top K = ceil(ratio * N / numParts) OTHER nodes by score (score > 0, ties
 *     by id), so |nodes| <= |outputs| + K (the reference takes the top K including the outputs, which then count
 *     twice; excluding them gives every batch its full K auxiliary nodes);
 *  4. batch = inducedBatch on the sorted node ids (the full graph's GCN normalisation sliced), outputs by id.
 *  Batches are ordered by part id. */
export function ibmbBatchBatches(ctx: GraphContext, outputs: Int32Array, opts: IbmbBatchOptions): Batch[] {
  const n = ctx.numNodes;
  checkNodeSet(outputs, n, 'ibmbBatchBatches: outputs');
  const r = resolve(n, opts);
  const part = partitionGraph(ctx.graph, { parts: r.numParts, seed: opts.seed, imbalance: opts.imbalance });
  const groups = outputsByPart(part, outputs, r.numParts);
  const k = Math.ceil((r.ratio * n) / r.numParts);
  const pg = pprGraphOf(ctx.graph);
  const block = Math.max(1, Math.floor(r.budget / (3 * 4 * n)));
  const scratch = inducedScratch(n);
  const batches: Batch[] = [];
  for (let start = 0; start < groups.length; start += block) {
    const sets = groups.slice(start, start + block);
    const x = topicPpr(pg, sets, { alpha: r.alpha, iterations: r.iterations });
    const aux = topKPerColumn(x, n, sets.length, k, sets);
    sets.forEach((out, c) => {
      const nodes = new Int32Array(out.length + aux[c].length);
      nodes.set(out);
      nodes.set(aux[c], out.length);
      batches.push(inducedBatch(ctx, nodes.sort(), out, scratch));
    });
  }
  return batches;
}
