// The `multiscale` section of a training report: the schedule and hierarchy a run used, the epochs it spent per
// level, and its cost accounting (dense and sparse FLOPs, nodes and edges touched, wall time, memory) per level and
// in total.

import type { MethodName } from '../batching/methods.js';
import type { LevelCost, RunCost } from '../multiscale/cost.js';
import type { CoarseLevel, CoarsenMethod } from '../multiscale/level.js';
import type { CoarseEval, MultiscaleResult } from '../multiscale/session.js';
import type { MultiscaleSchedule, ResolvedMultiscale } from './multiscale-options.js';

const MIB = 2 ** 20;

/** The cost of one level (or of the full-graph evaluations: level -1). */
export interface LevelCostReport {
  level: number;
  /** nodes and stored edges of the level's graph (the last draw for redrawn levels; the last batch for a
   *  mini-batched level 0) */
  nodes: number;
  edges: number;
  /** training steps (forward + backward + optimiser step); evaluation: forward passes */
  steps: number;
  /** estimated floating-point operations: flops = dense_flops + sparse_flops */
  flops: number;
  /** dense GEMMs (feature transforms) and elementwise work (bias, activation, norm, dropout) */
  dense_flops: number;
  /** kernels over stored entries: SpMM propagation, products with sparse features, GAT attention over edges */
  sparse_flops: number;
  nodes_touched: number;
  edges_touched: number;
  wall_s: number;
  /** estimated MiB of the level's tensors (features, adjacency, one forward's activations), the largest seen */
  tensor_mb: number;
  /** the largest resident memory of the process sampled right after this level's steps, MiB (process-wide) */
  rss_mb: number;
}

export interface MultiscaleReport {
  schedule: MultiscaleSchedule;
  coarsen: CoarsenMethod;
  levels: number;
  power: number;
  level_ratio: number;
  /** multiscale-grad's finest sample size b; null for the other schedules */
  mlmc_batch: number | null;
  final_full_epochs: number;
  max_power_edges: number;
  /** evaluation cadence on levels >= 1: 'scaled' (every eval_every * 2^l epochs at level l) or 'every' */
  coarse_eval: CoarseEval;
  /** how level 0 was trained: 'full' (full-graph steps) or the mini-batching method */
  fine_level: MethodName;
  /** whether the coarse levels are drawn afresh every epoch (random, subgraph, rns) */
  redraws: boolean;
  /** coarse-to-fine's epoch budget per level, E * 2^l (index = level); multiscale-grad: [] */
  planned_epochs_per_level: number[];
  /** epochs run per level (the final full-graph epochs count under level 0) and multiscale-gradient epochs */
  epochs_per_level: number[];
  mlmc_epochs: number;
  /** 'full-graph', 'mini-batch' (a mini-batched level 0) or 'multiscale-grad': what the last epochs trained on, so a
   *  reader knows whether the run's peak memory includes full-graph training */
  last_phase: 'full-graph' | 'mini-batch' | 'multiscale-grad';
  last_phase_full_graph: boolean;
  /** the levels of epoch 0: nodes, stored edges, training nodes */
  level_sizes: LevelSize[];
  /** seconds to build the hierarchy's fixed levels and epoch 0's draws (part of preprocess_time_s) */
  hierarchy_build_s: number;
  /** the schedule's wall time, evaluation and redraws included */
  wall_s: number;
  cost: {
    levels: LevelCostReport[];
    evaluation: LevelCostReport;
    /** training and evaluation together (flops = dense_flops + sparse_flops); train_flops: training steps only */
    total: {
      flops: number; dense_flops: number; sparse_flops: number; train_flops: number; nodes_touched: number; edges_touched: number;
      wall_s: number; steps: number;
    };
    /** the largest tensor_mb among the levels trained on */
    max_level_tensor_mb: number;
    /** peak resident memory of the process at the end of training, MiB */
    peak_rss_mb: number;
  };
}

function levelCost(c: LevelCost): LevelCostReport {
  return {
    level: c.level, nodes: c.nodes, edges: c.edges, steps: c.steps, flops: c.flops, dense_flops: c.denseFlops, sparse_flops: c.sparseFlops,
    nodes_touched: c.nodesTouched, edges_touched: c.edgesTouched, wall_s: c.wallS, tensor_mb: c.tensorBytes / MIB, rss_mb: c.rssMb,
  };
}

function costReport(cost: RunCost): MultiscaleReport['cost'] {
  const levels = cost.levels.map(levelCost);
  return {
    levels,
    evaluation: levelCost(cost.evaluation),
    total: {
      flops: cost.total.flops, dense_flops: cost.total.denseFlops, sparse_flops: cost.total.sparseFlops,
      train_flops: levels.reduce((s, l) => s + l.flops, 0), nodes_touched: cost.total.nodesTouched, edges_touched: cost.total.edgesTouched,
      wall_s: cost.total.wallS, steps: cost.total.steps,
    },
    max_level_tensor_mb: Math.max(0, ...levels.map((l) => l.tensor_mb)),
    peak_rss_mb: cost.peakRssMb,
  };
}

/** The last phase of a run: final full-graph epochs if any ran, else the schedule's own last level. */
function lastPhase(r: ResolvedMultiscale, fine: MethodName): MultiscaleReport['last_phase'] {
  if (r.finalFullEpochs > 0) return 'full-graph';
  if (r.schedule === 'multiscale-grad') return 'multiscale-grad';
  return fine === 'full' ? 'full-graph' : 'mini-batch';
}

export interface LevelSize { level: number; nodes: number; edges: number; train_nodes: number }

/** The sizes of `levels` for the report (taken before training, so the report holds no level's arrays). */
export function levelSizesOf(levels: readonly CoarseLevel[]): LevelSize[] {
  return levels.map((lv) => ({
    level: lv.level, nodes: lv.data.ctx.numNodes, edges: lv.data.ctx.graph.indptr[lv.data.ctx.numNodes], train_nodes: lv.split.train.length,
  }));
}

export interface MultiscaleRunFacts {
  options: ResolvedMultiscale;
  fine: MethodName;
  redraws: boolean;
  plannedEpochsPerLevel: number[];
  /** the sizes of epoch 0's levels */
  levelSizes: LevelSize[];
  buildS: number;
}

export function multiscaleReport(f: MultiscaleRunFacts, result: MultiscaleResult): MultiscaleReport {
  const o = f.options;
  const last = lastPhase(o, f.fine);
  return {
    schedule: o.schedule, coarsen: o.coarsen, levels: o.levels, power: o.power, level_ratio: o.levelRatio, mlmc_batch: o.mlmcBatch,
    final_full_epochs: o.finalFullEpochs, max_power_edges: o.maxPowerEdges, coarse_eval: o.coarseEval, fine_level: f.fine, redraws: f.redraws,
    planned_epochs_per_level: f.plannedEpochsPerLevel, epochs_per_level: result.epochsPerLevel, mlmc_epochs: result.mlmcEpochs,
    last_phase: last, last_phase_full_graph: last === 'full-graph',
    level_sizes: f.levelSizes,
    hierarchy_build_s: f.buildS, wall_s: result.wallS, cost: costReport(result.cost),
  };
}
