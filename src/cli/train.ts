// `fastgnn train`: parse options (model, training, mini-batching method), run runTraining with a progress display,
// print a short summary. Also the method flags `preprocess` and `bench` share.

import { Command, Option } from 'commander';
import { INFERENCE_KINDS, METHOD_NAMES, type InferenceKind, type MethodName, type MethodOptionName, type MethodOptions } from '../batching/methods.js';
import { MODEL_KINDS, type ModelKind, type NormKind } from '../nn/models.js';
import type { FeatureLayout } from '../train/prepare.js';
import { SCHEDULER_NAMES, type OptimizerName, type SchedulerName } from '../train/optimizer-factory.js';
import type { TrainReport } from '../train/report.js';
import { runTraining, RunOptionError, type RunOptions } from '../train/run.js';
import { addDataOptions, loadOptionsOf, type DataFlags } from './data.js';
import { CliError, reportError } from './errors.js';
import { addMultiscaleOptions, MULTISCALE_FLAG_OF, multiscaleOptionsOf, type MultiscaleFlags } from './multiscale-flags.js';
import { dropoutRate, fanoutList, intAtLeast, nonNegativeNumber, openUnitInterval, positiveNumber, splitSpec } from './options.js';
import { makeProgress } from './progress.js';

/** The method option flags: RunOptions.methodOptions field, flag, argument parser, help. */
export const METHOD_FLAGS: ReadonlyArray<{ key: MethodOptionName; flag: string; parse: (v: string) => number | number[]; help: string }> = [
  { key: 'topk', flag: '--topk <k>', parse: intAtLeast(1), help: 'PPR auxiliary nodes per output node (16)' },
  { key: 'inferenceTopk', flag: '--inference-topk <k>', parse: intAtLeast(1), help: 'PPR auxiliary nodes per output node of IBMB inference batches (--topk, else 16)' },
  { key: 'alpha', flag: '--alpha <a>', parse: openUnitInterval, help: 'PPR teleport probability in (0, 1) (0.25)' },
  { key: 'eps', flag: '--eps <x>', parse: positiveNumber, help: 'PPR push tolerance (2e-4)' },
  { key: 'outputsPerBatch', flag: '--outputs-per-batch <n>', parse: intAtLeast(1), help: 'ibmb-node: output nodes per training batch; inference batches hold 2x (9000)' },
  { key: 'numParts', flag: '--num-parts <n>', parse: intAtLeast(1), help: 'graph parts (ibmb-batch: ceil(train/9000); cluster-gcn: 32)' },
  { key: 'partsPerBatch', flag: '--parts-per-batch <n>', parse: intAtLeast(1), help: 'cluster-gcn: parts merged per batch (4)' },
  { key: 'iterations', flag: '--iterations <n>', parse: intAtLeast(1), help: 'ibmb-batch: topic-sensitive PPR iterations (50)' },
  { key: 'ratio', flag: '--ratio <x>', parse: positiveNumber, help: 'ibmb-batch: auxiliary nodes per batch = ceil(ratio N / parts) (1)' },
  { key: 'fanouts', flag: '--fanouts <list>', parse: fanoutList, help: 'neighbor: sampled in-neighbours per layer, e.g. 6,5,5 (6,5,5,... cut to --layers)' },
  { key: 'batchSize', flag: '--batch-size <n>', parse: intAtLeast(1), help: 'neighbor, shadow-ppr: output nodes per batch (512)' },
  { key: 'walkLength', flag: '--walk-length <n>', parse: intAtLeast(1), help: 'saint-rw: random-walk length (2)' },
  { key: 'roots', flag: '--roots <n>', parse: intAtLeast(1), help: 'saint-rw: walks (roots) per batch (3000)' },
  { key: 'sampleCoverage', flag: '--sample-coverage <x>', parse: nonNegativeNumber, help: 'saint-rw: normalisation presampling coverage, 0 = off (50)' },
  { key: 'threads', flag: '--threads <n>', parse: intAtLeast(1), help: 'PPR worker threads (ibmb-node, shadow-ppr; default: automatic)' },
];

/** CLI flag of each RunOptions / MethodOptions field that errors.ts does not already name. */
const FLAG_OF: Readonly<Record<string, string>> = {
  ...Object.fromEntries(METHOD_FLAGS.map((f) => [f.key, f.flag.split(' ')[0]])),
  method: '--method', batchOrder: '--batch-order', evalEvery: '--eval-every', probeEvery: '--probe-every', probeBatches: '--probe-batches', inference: '--inference', batches: '--batches',
  outputs: '--split', resume: '--resume', timeLimitS: '--time-limit', out: '--out', seed: '--seed', optimizer: '--optimizer',
  scheduler: '--scheduler', decayScope: '--decay-scope', normalizeFeatures: '--normalize-features', featureLayout: '--feature-layout',
  ...MULTISCALE_FLAG_OF,
};

/** A run error about a method option, with the flag that sets it (others pass through to errors.ts). */
export function withFlag(e: unknown): unknown {
  return e instanceof RunOptionError && FLAG_OF[e.option] !== undefined ? new CliError(`${FLAG_OF[e.option]}: ${e.detail}`) : e;
}

/** Adds --method, the method option flags and --batch-order to a command. */
export function addMethodOptions(cmd: Command, methods: readonly string[] = METHOD_NAMES): Command {
  cmd.addOption(new Option('--method <name>', 'mini-batching method (default full; see README: methods)').choices(methods));
  for (const f of METHOD_FLAGS) cmd.option(f.flag, f.help, f.parse);
  return cmd.addOption(new Option('--batch-order <kind>', 'fixed batches (ibmb-*): order per epoch (default order)').choices(['rand', 'order', 'sample']));
}

/** Adds the model and training flags `train` and `bench` share (bench forwards them to every run). */
export function addModelTrainingOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--model <kind>', 'architecture (default gcn)').choices(MODEL_KINDS))
    .option('--layers <n>', 'graph convolution layers (default 2)', intAtLeast(1))
    .option('--hidden <n>', 'hidden width; per head for GAT (default 64, GAT 8)', intAtLeast(1))
    .option('--heads <n>', 'GAT attention heads (default 8)', intAtLeast(1))
    .option('--dropout <p>', 'dropout on inputs and hidden layers, in [0, 1) (default 0.5, GAT 0.6)', dropoutRate)
    .addOption(new Option('--norm <kind>', 'normalisation between layers (default none)').choices(['none', 'layer', 'batch']))
    .option('--lr <x>', 'learning rate (default 0.01, GAT 0.005; ibmb-* 1e-3)', positiveNumber)
    .option('--weight-decay <x>', 'L2 weight decay (default 5e-4; ibmb-* 1e-4 for GCN else 0; saint-rw 0)', nonNegativeNumber)
    .option('--min-epochs <n>', 'early stopping never stops before this many epochs (default 0; the IBMB paper used 300)', intAtLeast(0))
    .option('--time-limit <s>', 'stop after the epoch at which this many seconds of training time have run (default: none)', positiveNumber)
    .option('--split <spec>', "'public' (the dataset's own) or 'random:<train>:<val>' per class (default: public if the dataset has one, else random:20:30)", splitSpec)
    .option('--normalize-features', 'row-normalise the node features (default: off)');
}

/** The method flags as commander parses them: the library's MethodOptions plus the method's name. */
export interface MethodFlags extends MethodOptions {
  method?: MethodName;
}

export function methodOptionsOf(f: MethodFlags): MethodOptions {
  const o: MethodOptions = {};
  for (const { key } of METHOD_FLAGS) if (f[key] !== undefined) (o as Record<string, unknown>)[key] = f[key];
  if (f.batchOrder !== undefined) o.batchOrder = f.batchOrder;
  return o;
}

interface TrainFlags extends DataFlags, MethodFlags, MultiscaleFlags {
  evalEvery?: number;
  probeEvery?: number;
  probeBatches?: number;
  inference?: InferenceKind;
  batches?: string;
  compareInference?: boolean;
  split?: string;
  splitSeed?: number;
  model?: ModelKind;
  layers?: number;
  hidden?: number;
  heads?: number;
  dropout?: number;
  norm?: NormKind;
  lr?: number;
  weightDecay?: number;
  decayScope?: 'all' | 'first';
  epochs?: number;
  patience?: number;
  minEpochs?: number;
  timeLimit?: number;
  seed?: number;
  optimizer?: OptimizerName;
  scheduler?: SchedulerName;
  normalizeFeatures?: boolean;
  featureLayout?: FeatureLayout;
  report?: string;
  log?: string;
  save?: string;
  resume?: string;
  quiet?: boolean;
  logEvery?: number;
}

/** CLI flags -> library run options (unset flags stay undefined so the run picks defaults or checkpoint values). */
export function toRunOptions(f: TrainFlags): RunOptions {
  return {
    data: f.data, name: f.name, loadOptions: loadOptionsOf(f), split: f.split, splitSeed: f.splitSeed, model: f.model, seed: f.seed,
    modelOverrides: { layers: f.layers, hidden: f.hidden, heads: f.heads, dropout: f.dropout, inputDropout: f.dropout, norm: f.norm },
    epochs: f.epochs, lr: f.lr, weightDecay: f.weightDecay, decayScope: f.decayScope, patience: f.patience, minEpochs: f.minEpochs,
    timeLimitS: f.timeLimit, optimizer: f.optimizer, scheduler: f.scheduler, normalizeFeatures: f.normalizeFeatures, featureLayout: f.featureLayout,
    report: f.report, log: f.log, save: f.save, resume: f.resume,
    method: f.method, methodOptions: methodOptionsOf(f), evalEvery: f.evalEvery, probeEvery: f.probeEvery, probeBatches: f.probeBatches, inference: f.inference, batches: f.batches,
    compareInference: f.compareInference, multiscale: multiscaleOptionsOf(f),
  };
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : 'n/a');
const ms = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)} ms`);

/** How many epochs ran in how long; a resumed run's training time counts the runs it continues. */
function epochSpan(r: TrainReport): string {
  const t = r.train_time_s.toFixed(2);
  if (r.start_epoch === 0) return `${r.epochs_run} epochs in ${t} s`;
  return `epochs ${r.start_epoch}-${r.start_epoch + r.epochs_run - 1} after resuming, ${t} s of training since epoch 0`;
}

export function summary(r: TrainReport): string {
  return [
    `${r.model} on ${r.dataset}: test acc ${pct(r.test_acc)}  val acc ${pct(r.val_acc)}  best epoch ${r.best_epoch}  ` +
      `(${epochSpan(r)}${r.stopped_by === 'time-limit' ? ', stopped by the time limit' : ''})`,
    `median epoch ${r.epoch_time_ms.toFixed(2)} ms  inference ${r.inference_time_ms.toFixed(2)} ms  peak RSS ${r.peak_rss_mb.toFixed(0)} MiB  ` +
      `params ${r.params}  gemm ${r.backend.gemm}`,
    `method ${r.method}: ${r.batches_per_epoch} batch${r.batches_per_epoch === 1 ? '' : 'es'}/epoch  preprocess ${r.preprocess_time_s.toFixed(2)} s` +
      `${r.preprocess_source === 'cache' ? ` (from cache ${r.batch_cache})` : ''}  inference (${r.inference.method}) ${ms(r.inference.time_ms)}  ` +
      `ibmb ${ms(r.inference.ibmb_ms)}  layer-wise ${ms(r.inference.layerwise_ms)}`,
    ...(r.multiscale ? [multiscaleSummary(r.multiscale)] : []),
  ].join('\n');
}

/** 'x GFLOP (dense d + sparse s)' of a cost entry. */
function gflop(c: { flops: number; dense_flops: number; sparse_flops: number }): string {
  const g = (x: number): string => (x / 1e9).toFixed(2);
  return `${g(c.flops)} GFLOP (dense ${g(c.dense_flops)} + sparse ${g(c.sparse_flops)})`;
}

function multiscaleSummary(m: NonNullable<TrainReport['multiscale']>): string {
  const levels = m.cost.levels.map((l) => `L${l.level} ${l.steps} steps ${gflop(l)} ${l.wall_s.toFixed(2)} s`).join(', ');
  const ev = m.cost.evaluation;
  return `multiscale ${m.schedule} (${m.coarsen}, ${m.levels} levels, power ${m.power}, ratio ${m.level_ratio}): ${levels}; ` +
    `${ev.steps} evaluations ${ev.wall_s.toFixed(2)} s; total ${gflop(m.cost.total)} with evaluation; last phase ${m.last_phase}`;
}

export function trainCommand(): Command {
  const cmd = addMultiscaleOptions(addMethodOptions(addDataOptions(new Command('train').description('train a GNN on a dataset (full-batch, mini-batch or multiscale) and write a JSON report'))))
    .option('--eval-every <n>', 'mini-batch methods and --multiscale: epochs between evaluations (1)', intAtLeast(1))
    .option('--probe-every <n>', 'mini-batch methods: also measure validation accuracy every n batches inside an epoch, for the time to target only (training unchanged)', intAtLeast(1))
    .option('--probe-batches <n>', 'with --probe-every: probe only within the run\'s first n batches (bounds the probes\' cost)', intAtLeast(1))
    .addOption(new Option('--inference <kind>', 'evaluation: ibmb batches, layerwise full-graph, or full (default: ibmb for ibmb-*, full for full, else layerwise)').choices(INFERENCE_KINDS))
    .option('--batches <file>', 'reuse the batch cache written by `fastgnn preprocess` (skips batch construction)')
    .option('--no-compare-inference', 'do not also time the other inference (IBMB batched vs layer-wise) after training')
    .option('--split-seed <n>', 'seed of a random split (default: --seed)', intAtLeast(0));
  return addModelTrainingOptions(cmd)
    .addOption(new Option('--decay-scope <scope>', 'decay all parameters or the first layer only (default: first for GCN, else all)').choices(['all', 'first']))
    .option('--epochs <n>', 'total epochs (default 200; ibmb-* 800); with --multiscale the budget E: level l runs E * 2^l epochs', intAtLeast(1))
    .option('--patience <n>', 'stop after n evaluations without a better validation accuracy (default: off; ibmb-* 100)', intAtLeast(1))
    .option('--seed <n>', 'seed of initialisation and dropout (default 0)', intAtLeast(0))
    .addOption(new Option('--optimizer <name>', 'optimiser (default adam)').choices(['adam', 'adamw', 'sgd']))
    .addOption(new Option('--scheduler <name>', 'learning-rate schedule (default none; ibmb-* plateau)').choices(SCHEDULER_NAMES))
    .addOption(new Option('--feature-layout <layout>', 'feature storage; auto = sparse below 10% density (default auto)').choices(['auto', 'dense', 'sparse']))
    .option('--report <file>', 'write the JSON report here')
    .option('--log <file>', 'write one JSON line of metrics per epoch here')
    .option('--save <file>', 'save a checkpoint (.safetensors) at the end: best weights (for predict) and everything --resume needs')
    .option('--resume <file>', 'continue the run saved in a checkpoint exactly where it stopped (same data, method and options); --epochs is the new total')
    .option('--log-every <n>', 'epochs between progress lines when not on a terminal', intAtLeast(1))
    .option('--quiet', 'no progress output')
    .action(async (flags: TrainFlags) => {
      const progress = makeProgress({ tty: process.stdout.isTTY === true, quiet: flags.quiet === true, every: flags.logEvery });
      try {
        const report = await runTraining({
          ...toRunOptions(flags),
          onStart: (s) => progress.start(s.startEpoch, s.totalEpochs ?? s.training.epochs),
          onEpoch: (m) => progress.epoch(m),
        });
        progress.stop();
        process.stdout.write(`${summary(report)}\n`);
        if (flags.report) process.stdout.write(`report: ${flags.report}\n`);
      } catch (e) {
        progress.stop();
        reportError('train', withFlag(e));
      }
    });
}
