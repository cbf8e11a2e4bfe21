// coarsenLevel: one level of any coarsening method, a pure function of (input, level, options, seed, epoch).

import { Rng } from '../../graph/rng.js';
import { COARSEN_METHODS, selectionLevel, requireTrainNodes, type CoarseLevel, type CoarsenInput, type CoarsenMethod, type CoarsenOptions } from '../level.js';
import { matchingLevel } from './merge.js';
import { DEFAULT_MAX_POWER_EDGES, poweredSubgraph } from './power.js';
import { selectRandom, selectSubgraph, selectTopk } from './select.js';

export { egoNetwork, selectRandom, selectSubgraph, selectTopk, subgraphHops } from './select.js';
export { averageInput, matchRounds, mergedLabels } from './merge.js';
export { poweredSubgraph, DEFAULT_MAX_POWER_EDGES } from './power.js';

/** Whether a method draws a new level every epoch (random, subgraph, rns) or keeps one (topk, matching). */
export function redrawsEveryEpoch(method: CoarsenMethod): boolean {
  return method === 'random' || method === 'subgraph' || method === 'rns';
}

/** m = floor(n * ratio^level), with a clear error when it is below 1. */
export function levelSize(n: number, level: number, ratio: number): number {
  const m = Math.floor(n * ratio ** level);
  if (m < 1) {
    throw new Error(`coarsen: level ${level} with ratio ${ratio} keeps floor(${n} * ${ratio}^${level}) = ${m} nodes; ` +
      'expected at least 1 (use fewer levels or a larger ratio)');
  }
  return m;
}

export function validateCoarsenOptions(method: CoarsenMethod, level: number, opts: CoarsenOptions): void {
  if (!COARSEN_METHODS.includes(method)) {
    throw new Error(`coarsen: method must be one of ${COARSEN_METHODS.join(', ')}, got '${String(method)}'`);
  }
  if (!Number.isInteger(level) || level < 1) throw new Error(`coarsen: level must be an integer >= 1, got ${level}`);
  const ratio = opts.ratio ?? 0.5;
  if (!(ratio > 0 && ratio < 1)) throw new Error(`coarsen: ratio must be in (0, 1), got ${ratio}`);
  const p = opts.power ?? 1;
  if (!Number.isInteger(p) || p < 1) throw new Error(`coarsen: power must be an integer >= 1, got ${p}`);
  if (method === 'matching' && p !== 1) {
    throw new Error('coarsen: power applies to selection methods (random, topk, subgraph, rns); matching keeps ' +
      `connectivity by merging, expected power 1, got ${p}`);
  }
  if (method === 'matching') matchingRoundsPerLevel(opts.ratio ?? 0.5);
}

/** k when ratio = 1/2^k for an integer k in [1, 30], else null. */
export function halvings(ratio: number): number | null {
  const k = Math.round(-Math.log2(ratio));
  return k >= 1 && k <= 30 && Math.abs(ratio - 0.5 ** k) <= 1e-12 * ratio ? k : null;
}

/** Rounds of heavy-edge matching per level for a matching hierarchy of kept fraction `ratio`: a round halves the
 *  graph at most, so the ratio must be 1/2^k (0.5, 0.25, 0.125, ...) and a level is k rounds. */
export function matchingRoundsPerLevel(ratio: number): number {
  const k = halvings(ratio);
  if (k === null) {
    throw new Error(`coarsen: matching halves the graph at most per round, so a level is k rounds: expected ratio 1/2^k ` +
      `(0.5, 0.25, 0.125, ...), got ${ratio}`);
  }
  return k;
}

/** Level `level` (>= 1) of `method`. Selection methods keep m = floor(n * ratio^level) nodes (subgraph: at most
 *  m) drawn from the FULL graph, the coarse graph being the induced subgraph on A^power with unit weights; matching
 *  runs level * log2(1 / ratio) rounds of heavy-edge matching. `epoch` only matters for methods that redraw (rns:
 *  random on even epochs, subgraph on odd). Same arguments -> the same level. `spare`: a buffer the dense feature
 *  rows of a selection level may be gathered into (see Hierarchy). Throws when the level would be empty or hold no
 *  training node. */
export function coarsenLevel(
  input: CoarsenInput, method: CoarsenMethod, level: number, opts: CoarsenOptions, seed: number, epoch = 0, spare?: Float32Array | Float64Array,
): CoarseLevel {
  validateCoarsenOptions(method, level, opts);
  const t0 = performance.now();
  const n = input.data.ctx.numNodes;
  const g = input.data.ctx.graph;
  const m = levelSize(n, level, opts.ratio ?? 0.5);
  const rng = new Rng(seed).fork(level).fork(redrawsEveryEpoch(method) ? epoch : 0);
  let lv: CoarseLevel;
  if (method === 'matching') {
    lv = matchingLevel(input, level, matchingRoundsPerLevel(opts.ratio ?? 0.5), new Rng(seed).fork(1000).seed);
  } else {
    const kind = method === 'rns' ? (epoch % 2 === 0 ? 'random' : 'subgraph') : method;
    const nodes = kind === 'random' ? selectRandom(n, m, rng)
      : kind === 'topk' ? selectTopk(g, m)
        : selectSubgraph(g, input.split.train, level, m, rng);
    const graph = poweredSubgraph(g, nodes, opts.power ?? 1, opts.maxPowerEdges ?? DEFAULT_MAX_POWER_EDGES);
    lv = selectionLevel(input, level, method, nodes, graph, (performance.now() - t0) / 1000, spare);
  }
  requireTrainNodes(lv, `coarsen ${method}`);
  return lv;
}
