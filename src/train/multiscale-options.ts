// Options of a multiscale training run (schedule, coarsening, levels, A^p, level ratio, MLMC sample size): their
// defaults, and the checks that need the data: a level left with no node or no training node, and an A^p too large
// to hold (estimated before it is built). Every error is a RunOptionError naming the option.

import { totalmem } from 'node:os';
import type { MethodName } from '../batching/methods.js';
import type { CsrGraph } from '../graph/csr.js';
import type { Split } from '../graph/dataset.js';
import { Rng } from '../graph/rng.js';
import { DEFAULT_MAX_POWER_EDGES, halvings, levelSize, selectTopk } from '../multiscale/coarsen/index.js';
import { estimatePoweredEdges, visitBall } from '../multiscale/coarsen/power.js';
import { COARSEN_METHODS, type CoarsenMethod } from '../multiscale/level.js';
import { COARSE_EVAL_MODES, type CoarseEval } from '../multiscale/session.js';
import { RunOptionError } from './run-option-error.js';

export const MULTISCALE_SCHEDULES = ['coarse-to-fine', 'sub-to-full', 'multiscale-grad'] as const;
export type MultiscaleSchedule = (typeof MULTISCALE_SCHEDULES)[number];

/** What a run asks for; unset fields get the defaults of resolveMultiscaleOptions. */
export interface MultiscaleRunOptions {
  schedule: MultiscaleSchedule;
  /** default random (sub-to-full: subgraph, the only method it accepts) */
  coarsen?: CoarsenMethod;
  /** levels including the full graph (level 0); default 2 */
  levels?: number;
  /** connectivity enhancement A^p for selection methods; default 1 */
  power?: number;
  /** kept fraction per level, level l keeps floor(n ratio^l) nodes; default 0.5 (matching: 1/2^k, k rounds per level) */
  levelRatio?: number;
  /** multiscale-grad: sample size b of the finest term (term l samples b 2^l); default 32 */
  mlmcBatch?: number;
  /** full-graph epochs after the schedule; default 0, multiscale-grad ceil(epochs / 10) */
  finalFullEpochs?: number;
  /** refuse A^p when its estimated edge count exceeds this; default: a quarter of the machine's memory at
   *  BYTES_PER_POWER_EDGE, at most the library's 5e8 */
  maxPowerEdges?: number;
  /** evaluation cadence on levels >= 1 (see MultiscaleTrainOptions.coarseEval); default 'scaled' */
  coarseEval?: CoarseEval;
}

export type ResolvedMultiscale = Required<Omit<MultiscaleRunOptions, 'mlmcBatch'>> & { mlmcBatch: number | null };

/** Rough peak bytes per coarse edge while A^p is built and trained on (edge lists as JS arrays, CSR, its
 *  symmetrised copy, GCN values). */
export const BYTES_PER_POWER_EDGE = 64;
/** Refuse a randomly drawn level when the chance that some epoch's draw holds no training node exceeds this. */
const MAX_EMPTY_DRAW_RISK = 0.01;

const isInt = (x: number, min: number): boolean => Number.isInteger(x) && x >= min;

function need(option: string, ok: boolean, message: string): void {
  if (!ok) throw new RunOptionError(option, message);
}

/** Default limit on A^p's edges: a quarter of this machine's memory, at most DEFAULT_MAX_POWER_EDGES. */
export function defaultMaxPowerEdges(): number {
  return Math.min(DEFAULT_MAX_POWER_EDGES, Math.floor(totalmem() / 4 / BYTES_PER_POWER_EDGE));
}

/** The coarsening of a schedule run without one named: ego-network subgraphs for sub-to-full, else random. */
export function defaultCoarsen(schedule: MultiscaleSchedule): CoarsenMethod {
  return schedule === 'sub-to-full' ? 'subgraph' : 'random';
}

/** Defaults filled in and every data-free check done. `epochs` is the run's E (for the final-phase default);
 *  `method` the fine level's mini-batching method. */
export function resolveMultiscaleOptions(o: MultiscaleRunOptions, epochs: number, method: MethodName): ResolvedMultiscale {
  need('multiscale', (MULTISCALE_SCHEDULES as readonly string[]).includes(o.schedule),
    `expected one of ${MULTISCALE_SCHEDULES.join(', ')}, got '${String(o.schedule)}'`);
  const sub = o.schedule === 'sub-to-full';
  if (o.coarsen !== undefined) {
    need('coarsen', COARSEN_METHODS.includes(o.coarsen), `expected one of ${COARSEN_METHODS.join(', ')}, got '${String(o.coarsen)}'`);
    need('coarsen', !sub || o.coarsen === 'subgraph',
      `sub-to-full trains on ego-network subgraphs: expected subgraph (or no --coarsen), got '${o.coarsen}'; use --multiscale coarse-to-fine for other methods`);
  }
  const coarsen: CoarsenMethod = o.coarsen ?? defaultCoarsen(o.schedule);
  const levels = o.levels ?? 2;
  need('levels', isInt(levels, 1), `expected an integer >= 1 (1 = the full graph only), got ${levels}`);
  const power = o.power ?? 1;
  need('power', isInt(power, 1), `expected an integer >= 1, got ${power}`);
  need('power', coarsen !== 'matching' || power === 1,
    `applies to the selection methods (random, topk, subgraph, rns); matching keeps connectivity by merging: expected 1, got ${power}`);
  const levelRatio = o.levelRatio ?? 0.5;
  need('levelRatio', levelRatio > 0 && levelRatio < 1, `expected a number in (0, 1), got ${levelRatio}`);
  need('levelRatio', coarsen !== 'matching' || halvings(levelRatio) !== null,
    `matching halves the graph at most per round, a level being k rounds: expected 1/2^k (0.5, 0.25, 0.125, ...), got ${levelRatio}`);
  const grad = o.schedule === 'multiscale-grad';
  need('mlmcBatch', o.mlmcBatch === undefined || grad, `applies to --multiscale multiscale-grad only, not ${o.schedule}`);
  const mlmcBatch = grad ? o.mlmcBatch ?? 32 : null;
  need('mlmcBatch', mlmcBatch === null || isInt(mlmcBatch, 1), `expected an integer >= 1, got ${String(mlmcBatch)}`);
  const finalFullEpochs = o.finalFullEpochs ?? (grad ? Math.ceil(epochs / 10) : 0);
  need('finalFullEpochs', isInt(finalFullEpochs, 0), `expected an integer >= 0, got ${finalFullEpochs}`);
  const coarseEval = o.coarseEval ?? 'scaled';
  need('coarseEval', COARSE_EVAL_MODES.includes(coarseEval), `expected one of ${COARSE_EVAL_MODES.join(', ')}, got '${String(coarseEval)}'`);
  const maxPowerEdges = o.maxPowerEdges ?? defaultMaxPowerEdges();
  need('maxPowerEdges', maxPowerEdges > 0, `expected a number > 0, got ${maxPowerEdges}`);
  need('method', !grad || method === 'full',
    `is '${method}', but the multiscale gradient evaluates the full graph at level 0 in every step; mini-batching the fine level ` +
    'works with --multiscale coarse-to-fine and sub-to-full');
  return { schedule: o.schedule, coarsen, levels, power, levelRatio, mlmcBatch, finalFullEpochs, maxPowerEdges, coarseEval };
}

/** How many times level l is drawn afresh in a run of E epochs (0 for methods that build it once). */
function drawsOf(r: ResolvedMultiscale, level: number, epochs: number): number {
  if (r.coarsen !== 'random' && r.coarsen !== 'rns') return 0;
  const perLevel = r.schedule === 'multiscale-grad' ? epochs : epochs * 2 ** level;
  return r.coarsen === 'rns' ? Math.ceil(perLevel / 2) : perLevel;
}

/** Probability that m nodes drawn uniformly without replacement from n miss all t training nodes. */
export function missAllProbability(n: number, m: number, t: number): number {
  if (m > n - t) return 0;
  let log = 0;
  for (let i = 0; i < m; i++) log += Math.log((n - t - i) / (n - i));
  return Math.exp(log);
}

/** Throws (naming --level-ratio) when a coarse level would keep no node, or no training node: always for topk,
 *  with a chance of at least 1% over the run's draws for random / rns. Subgraph levels are seeded at a training
 *  node and matching levels keep every training node's merged node, so neither can lose them all. */
export function checkLevelSizes(r: ResolvedMultiscale, graph: CsrGraph, split: Split, epochs: number): void {
  if (r.coarsen === 'matching') return;
  const n = graph.rows;
  const t = split.train.length;
  const sizes = [n];
  for (let l = 1; l < r.levels; l++) {
    try {
      sizes.push(levelSize(n, l, r.levelRatio));
    } catch {
      throw new RunOptionError('levelRatio', `${r.levelRatio} leaves level ${l} of ${r.levels} with floor(${n} * ${r.levelRatio}^${l}) = 0 nodes; ` +
        'expected at least 1 (use fewer --levels or a larger --level-ratio)');
    }
  }
  // coarsest first: the smallest level is the one most likely to lose every training node
  for (let l = r.levels - 1; l >= 1; l--) {
    const m = sizes[l];
    if (r.coarsen === 'topk') {
      const kept = new Uint8Array(n);
      for (const v of selectTopk(graph, m)) kept[v] = 1;
      const hits = split.train.reduce((s, v) => s + kept[v], 0);
      need('levelRatio', hits > 0, `${r.levelRatio} leaves level ${l} with the ${m} highest-degree nodes, none of them one of the ${t} ` +
        'training nodes; expected at least one (use fewer --levels or a larger --level-ratio)');
    }
    const draws = drawsOf(r, l, epochs);
    if (draws > 0) {
      const p = missAllProbability(n, m, t);
      const risk = 1 - (1 - p) ** draws;
      need('levelRatio', risk < MAX_EMPTY_DRAW_RISK, `${r.levelRatio} leaves level ${l} with ${m} of ${n} nodes drawn at random; a draw holds none ` +
        `of the ${t} training nodes with probability ${p.toExponential(2)}, so ${(100 * risk).toFixed(1)}% over its ${draws} draws in this run; ` +
        'expected under 1% (use fewer --levels or a larger --level-ratio)');
    }
  }
}

/** Nodes within `hops` of `start` (start excluded) that `count` accepts. */
function ballCount(graph: CsrGraph, start: number, hops: number, stamp: number, seen: Int32Array, queue: Int32Array, count: (v: number) => number): number {
  let reached = 0;
  visitBall(graph, start, hops, stamp, seen, queue, (v) => { reached += count(v); });
  return reached;
}

/** Estimated edges of the largest coarse graph (level 1, m kept nodes) on A^power, before it is built: the mean
 *  number of kept nodes within `power` hops of up to 64 probed nodes, times m. random / rns: any node, the ball
 *  thinned by m / n; topk: the top-m nodes themselves, counting top-m nodes reached; subgraph: an ego network is
 *  compact, so the whole ball (at most m - 1) counts. */
export function estimatePowerEdges(graph: CsrGraph, method: CoarsenMethod, m: number, power: number, seed: number): number {
  const n = graph.rows;
  if (m < 2) return 0;
  const seen = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const probes = Math.min(64, n);
  const rng = new Rng(seed).fork(0x9a7e);
  let total = 0;
  if (method === 'topk') {
    const kept = selectTopk(graph, m);
    const local = new Int32Array(n).fill(-1);
    kept.forEach((v, r) => (local[v] = r));
    return estimatePoweredEdges(graph, kept, local, power, seen, queue);
  }
  for (let i = 0; i < probes; i++) {
    const ball = ballCount(graph, rng.nextInt(n), power, i, seen, queue, () => 1);
    total += method === 'subgraph' ? Math.min(m - 1, ball) : Math.min(m - 1, (ball * (m - 1)) / Math.max(1, n - 1));
  }
  return (total / probes) * m;
}

/** Throws (naming --power) when the estimated A^p coarse graph exceeds r.maxPowerEdges. */
export function checkPowerFits(r: ResolvedMultiscale, graph: CsrGraph, seed: number): void {
  if (r.power === 1 || r.levels < 2 || r.coarsen === 'matching') return;
  const m = levelSize(graph.rows, 1, r.levelRatio);
  const estimate = estimatePowerEdges(graph, r.coarsen, m, r.power, seed);
  if (estimate > r.maxPowerEdges) {
    const mib = (estimate * BYTES_PER_POWER_EDGE) / 2 ** 20;
    const size = mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${mib.toFixed(1)} MiB`;
    throw new RunOptionError('power', `A^${r.power} would link about ${estimate.toExponential(2)} node pairs among the ${m} nodes of level 1 ` +
      `(~${size} at ${BYTES_PER_POWER_EDGE} bytes per edge), more than the limit ` +
      `${r.maxPowerEdges.toExponential(2)} (--max-power-edges; default a quarter of this machine's memory, at most ` +
      `${DEFAULT_MAX_POWER_EDGES.toExponential(0)}); expected a smaller --power or --level-ratio`);
  }
}
