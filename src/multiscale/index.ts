// Multiscale training: coarsening methods, the level hierarchy, coarse-to-fine / sub-to-full schedules, the
// multilevel Monte-Carlo gradient estimator, and cost accounting.

export { COARSEN_METHODS, fullLevel, type CoarseLevel, type CoarsenInput, type CoarsenMethod, type CoarsenOptions } from './level.js';
export { gatherInput } from '../batching/materialize.js';
export {
  averageInput, coarsenLevel, egoNetwork, levelSize, matchRounds, mergedLabels, poweredSubgraph, redrawsEveryEpoch,
  selectRandom, selectSubgraph, selectTopk, subgraphHops, validateCoarsenOptions, DEFAULT_MAX_POWER_EDGES,
} from './coarsen/index.js';
export { buildHierarchy, type Hierarchy, type HierarchyOptions } from './hierarchy.js';
export { coarseToFineEpochs, trainCoarseToFine, trainSubToFull, type CoarseToFineOptions } from './schedules.js';
export {
  mlmcGradient, trainMultiscaleGradient, type MlmcLevelWork, type MlmcOptions, type MlmcStep, type MlmcVariant,
  type MultiscaleGradientOptions,
} from './mlmc.js';
export { CostMeter, forwardFlops, levelTensorBytes, type Flops, type LevelCost, type RunCost, type WorkInput } from './cost.js';
export { COARSE_EVAL_MODES, type CoarseEval, type MultiscaleEpochMetrics, type MultiscaleResult, type MultiscaleTrainOptions } from './session.js';
