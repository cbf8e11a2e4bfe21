// fastgnn's one public entry point: datasets and splits, models and layers, tensors, optimisers, training, checkpoints.

// data: in-memory types, loaders, the binary format, splits, statistics, the synthetic generator
export type { CsrGraph, CsrMatrix } from './graph/csr.js';
export type { Dataset, FeatureMatrix, Split } from './graph/dataset.js';
export { loadDataset, detectFormat, SUPPORTED_FORMATS, type DatasetFormat, type LoadOptions } from './graph/io/index.js';
export { loadNpz } from './graph/io/npz.js';
export { loadPlanetoid } from './graph/io/planetoid.js';
export { loadOgb, type OgbOptions } from './graph/io/ogb.js';
export { loadSaint, type SaintOptions } from './graph/io/saint.js';
export { loadEdgeList, type EdgeListOptions } from './graph/io/edgelist.js';
export { loadBinary, saveBinary, type LoadBinaryOptions } from './graph/io/binary.js';
export { fromEdgeList, symmetrize, addSelfLoops, removeSelfLoops, gcnNormalize, inducedSubgraph, type EdgeListInput } from './graph/build.js';
export { normalizeFeatures, toDense } from './graph/features.js';
export { parseSplitSpec, resolveSplit, stratifiedSplit, validateSplit, type SplitSizes, type SplitSpec } from './graph/split.js';
export { graphStats, type DegreeStats, type GraphStats } from './graph/stats.js';
export { hopProfile, type HopProfile } from './graph/hop-profile.js';
export { generateSynthetic, type SyntheticOptions } from './graph/generate.js';
export { Rng, type RngState } from './graph/rng.js';

// graph algorithms: personalised PageRank, partitioning, heavy-edge matching
export { prepareForPpr, pprTopK, pprTopKSync, topicPpr, topKPerColumn, type PprTopK, type PprTopKOptions, type PprParallelOptions } from './graph/ppr/index.js';
export { partitionGraph, edgeCut, imbalance, partitionQuality, type PartitionOptions } from './graph/partition/index.js';
export { heavyEdgeMatching, contract } from './graph/coarsen/matching.js';

// mini-batching: the Batch type, every method, batch orders, the batch cache
export { inducedBatch, validateBatch, outputNodes, type Batch } from './batching/batch.js';
export { materialize, cacheBatches, type MaterializedBatch } from './batching/materialize.js';
export { fullBatch } from './batching/full.js';
export { ibmbNodeBatches, type IbmbNodeOptions } from './batching/ibmb-node.js';
export { ibmbBatchBatches, type IbmbBatchOptions } from './batching/ibmb-batch.js';
export { clusterGcnBatches, type ClusterGcnOptions } from './batching/cluster-gcn.js';
export { saintRandomWalkBatches, prepareSaintNorm, type SaintRandomWalkOptions } from './batching/saint-rw.js';
export { neighborSamplingBatches, type NeighborSamplingOptions } from './batching/neighbor.js';
export { shadowPprBatches, type ShadowPprOptions } from './batching/shadow-ppr.js';
export { batchOrder, labelHistograms, symmetricKL, type BatchOrderKind } from './batching/order.js';
export { fixedBatchSource, sampledBatchSource } from './batching/sources.js';
export { saveBatchCache, loadBatchCache, checkCacheMatches, type BatchCache } from './batching/cache-file.js';

// multiscale training
export * as multiscale from './multiscale/index.js';

// tensors and autograd
export { Tensor, parameter, backward, noGrad, SparseInput, crossEntropy, type DType, type NodeInput } from './tensor/index.js';

// models and layers
export { GNN, MODEL_KINDS, defaultModelConfig, validateModelConfig, type ModelConfig, type ModelKind, type NormKind, type Activation } from './nn/models.js';
export { Module } from './nn/module.js';
export { GraphContext } from './nn/graph-context.js';
export { GraphConv } from './nn/layers/conv.js';
export { GCNConv } from './nn/layers/gcn-conv.js';
export { SAGEConv } from './nn/layers/sage-conv.js';
export { GATConv, type GATOptions } from './nn/layers/gat-conv.js';
export { GINConv, type GINOptions } from './nn/layers/gin-conv.js';
export { Linear, type LinearOptions } from './nn/layers/linear.js';
export { LayerNorm, BatchNorm } from './nn/layers/norm.js';

// optimisers and learning-rate schedules
export { Optimizer, Adam, AdamW, SGD, type AdamOptions, type SGDOptions, type OptimizerState } from './nn/optim/index.js';
export { StepLR, CosineAnnealingLR, ReduceLROnPlateau, type LrScheduler, type SchedulerState } from './nn/schedulers.js';

// training, evaluation, reports
export { prepareData, featureDensity, type PrepareOptions, type PreparedData, type FeatureLayout } from './train/prepare.js';
export { trainFullBatch, evaluate, median, type FullBatchOptions, type EpochMetrics, type TrainResult } from './train/full-batch.js';
export { trainMiniBatch, trainStep, type BatchSource, type Evaluator, type MiniBatchOptions, type MiniBatchResult, type NodeLogits } from './train/minibatch.js';
export { fullGraphEvaluator, batchedEvaluator, layerwiseEvaluator } from './train/evaluators.js';
export { accuracy } from './train/evaluate.js';
export { EarlyStopping, type EarlyStoppingOptions, type EarlyStoppingState, type WeightCopies } from './train/early-stopping.js';
export type { LoopOptions, LoopResume, LoopState, ResumePoint, StopReason } from './train/loop-state.js';
export { MetricsLog } from './train/metrics-log.js';
export { makeOptimizer, makeScheduler, type OptimizerName, type SchedulerName, type OptimizerSpec } from './train/optimizer-factory.js';
export {
  runTraining, loadTrainedModel, predictClasses, accuracyOf, defaultTrainingConfig, RunOptionError,
  type RunOptions, type RunStart, type ModelOverrides, type TrainedModel,
} from './train/run.js';
export { writeReport, fastgnnVersion, type TrainReport, type TrainingConfig } from './train/report.js';
export { MULTISCALE_SCHEDULES, type MultiscaleRunOptions, type MultiscaleSchedule } from './train/multiscale-options.js';
export type { MultiscaleReport, LevelCostReport } from './train/multiscale-report.js';
export { peakRssMb } from './train/memory.js';

// checkpoints (safetensors)
export {
  saveCheckpoint, loadCheckpoint, restoreModel, restoreOptimizer, restoreScheduler, checkpointWeights, optimizerState,
  type Checkpoint, type CheckpointMeta, type CheckpointParts,
} from './train/checkpoint.js';
export { readSafetensors, writeSafetensors } from './train/safetensors.js';

// compute backend
export { describeBackend, useReferenceKernels, useFastKernels, type BackendInfo } from './kernels/backend.js';
