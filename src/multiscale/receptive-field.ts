// The part of a level that a forward pass for a few output rows needs: the rows' receptive field (their K-hop ball
// for a K-layer model) as an induced subgraph, used by the multiscale gradient instead of the whole level.

import { inducedBatch } from '../batching/batch.js';
import { materialize } from '../batching/materialize.js';
import type { CsrGraph } from '../graph/csr.js';
import type { CoarseLevel } from './level.js';
import type { WorkInput } from './cost.js';

/** The whole level is used when the ball holds more than this fraction of its nodes (the subgraph would save
 *  little and cost its construction). */
export const MAX_FIELD_FRACTION = 0.5;

/** Nodes within `hops` of `rows` over in-neighbour rows (rows included), ascending; null as soon as there are more
 *  than `limit` of them. */
export function ballOf(graph: CsrGraph, rows: Int32Array, hops: number, limit: number): Int32Array | null {
  const seen = new Uint8Array(graph.rows);
  const out: number[] = [];
  for (const r of rows) if (!seen[r]) { seen[r] = 1; out.push(r); }
  let head = 0;
  for (let h = 0; h < hops && head < out.length; h++) {
    const end = out.length;
    for (; head < end; head++) {
      const u = out[head];
      for (let k = graph.indptr[u]; k < graph.indptr[u + 1]; k++) {
        const v = graph.indices[k];
        if (seen[v]) continue;
        seen[v] = 1;
        out.push(v);
      }
      if (out.length > limit) return null;
    }
  }
  return Int32Array.from(out).sort();
}

export interface Field extends WorkInput {
  /** the output rows, in the field's own ids */
  readonly rows: Int32Array;
}

/** What a `layers`-layer model needs to compute `rows` (level ids) of level `lv`: the subgraph induced on the rows'
 *  `layers`-hop ball, with the level's GCN normalisation sliced (not re-normalised), or the level itself when the
 *  ball holds more than MAX_FIELD_FRACTION of its nodes. The outputs at the rows are the same either way for every
 *  architecture: a node within layers - 1 hops keeps all its in-neighbours, and so its in-degree (mean, softmax)
 *  and each layer's values; only nodes at the ball's rim see a truncated neighbourhood, and no output depends on
 *  them. (Training-mode BatchNorm is the exception: its statistics are then over the ball, as in mini-batching.) */
export function receptiveField(lv: CoarseLevel, rows: Int32Array, layers: number): Field {
  const { data } = lv;
  const ball = ballOf(data.ctx.graph, rows, layers, MAX_FIELD_FRACTION * data.ctx.numNodes);
  if (ball === null) return { x: data.x, ctx: data.ctx, rows };
  const mb = materialize(inducedBatch(data.ctx, ball, rows), data);
  return { x: mb.x, ctx: mb.ctx, rows: mb.outputIndex };
}
