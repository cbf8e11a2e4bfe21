// `fastgnn bench`: trains each method for each seed in a child `fastgnn train` process (so peak memory and JIT
// state are per run), then compares accuracy, preprocessing, epoch time, time to a target validation accuracy,
// inference and memory in a table, a JSON report and an SVG plot of validation accuracy vs training time.
// `--multiscale <list>` compares multiscale configurations instead (bench-multiscale.ts); both use bench-runs.ts.

import { Command, Option } from 'commander';
import { INFERENCE_KINDS, METHOD_NAMES, METHODS, type InferenceKind, type MethodName } from '../batching/methods.js';
import { median } from '../train/full-batch.js';
import { SCHEDULER_NAMES } from '../train/optimizer-factory.js';
import { fastgnnVersion, type TrainReport } from '../train/report.js';
import { benchMultiscale, checkBenchFlags, MULTISCALE_BENCH_HELP, parseMultiscaleConfigs, type MultiscaleBenchFlags } from './bench-multiscale.js';
import {
  chooseTarget, f2, firstReport, formatTable, mean, meanOrNull, methodOptionArgs, runConfigs, std, timeToTarget, trainArgs, writeJson, writePlot,
} from './bench-runs.js';
import { addDataOptions, type DataFlags } from './data.js';
import { CliError, reportError } from './errors.js';
import { addMultiscaleOptions } from './multiscale-flags.js';
import { intAtLeast, nameList, positiveNumber } from './options.js';
import { addModelTrainingOptions, METHOD_FLAGS, type MethodFlags } from './train.js';

export { timeToTarget };

/** The evaluations a mini-batch run may use (full-batch training always evaluates the whole graph). */
type BatchedInference = Exclude<InferenceKind, 'full'>;
const BATCHED_INFERENCE = INFERENCE_KINDS.filter((k): k is BatchedInference => k !== 'full');

interface BenchFlags extends DataFlags, Omit<MethodFlags, 'method'>, MultiscaleBenchFlags {
  methods?: MethodName[];
  seeds: number;
  report: string;
  plot?: string;
  targetFraction: number;
  normalizeFeatures?: boolean;
  inference?: BatchedInference;
  [key: string]: unknown;
}

/** One method's runs, summarised. */
export interface MethodSummary {
  method: MethodName;
  runs: number;
  failed: Array<{ seed: number; error: string }>;
  test_acc_mean: number;
  test_acc_std: number;
  best_val_acc_mean: number;
  preprocess_time_s: number;
  /** median over runs of each run's median epoch time */
  epoch_time_ms: number;
  train_time_s: number;
  epochs_run_mean: number;
  /** mean over the runs that reached the target; null if none did */
  time_to_target_s: number | null;
  target_reached: number;
  inference_method: string;
  inference_ms: number;
  ibmb_inference_ms: number | null;
  layerwise_inference_ms: number | null;
  peak_rss_mb: number;
}

export function summarise(method: MethodName, reports: TrainReport[], failed: MethodSummary['failed'], target: number): MethodSummary {
  const reached = reports.map((r) => timeToTarget(r.val_history, target)).filter((t): t is number => t !== null);
  return {
    method, runs: reports.length, failed,
    test_acc_mean: mean(reports.map((r) => r.test_acc)), test_acc_std: std(reports.map((r) => r.test_acc)),
    best_val_acc_mean: mean(reports.map((r) => r.val_acc)),
    preprocess_time_s: mean(reports.map((r) => r.preprocess_time_s)),
    epoch_time_ms: median(reports.map((r) => r.epoch_time_ms)),
    train_time_s: mean(reports.map((r) => r.train_time_s)),
    epochs_run_mean: mean(reports.map((r) => r.epochs_run)),
    time_to_target_s: reached.length === 0 ? null : mean(reached), target_reached: reached.length,
    inference_method: reports[0]?.inference.method ?? METHODS[method].inference,
    inference_ms: mean(reports.map((r) => r.inference.time_ms)),
    ibmb_inference_ms: meanOrNull(reports.map((r) => r.inference.ibmb_ms)),
    layerwise_inference_ms: meanOrNull(reports.map((r) => r.inference.layerwise_ms)),
    peak_rss_mb: Math.max(...reports.map((r) => r.peak_rss_mb)),
  };
}

/** The comparison as a plain-text table. */
export function benchTable(rows: MethodSummary[], seeds: number): string {
  const head = ['method', 'test acc %', 'preproc s', 'epoch ms', 'to target s', 'infer ms (own)', 'ibmb ms', 'layer-wise ms', 'peak RSS MiB'];
  const body = rows.map((r) => r.runs === 0 ? [r.method, 'failed', '', '', '', '', '', '', ''] : [
    r.method, `${f2(100 * r.test_acc_mean)} ± ${f2(100 * r.test_acc_std)}`, f2(r.preprocess_time_s, 3), f2(r.epoch_time_ms),
    r.time_to_target_s === null ? 'not reached' : `${f2(r.time_to_target_s, 3)}${r.target_reached < seeds ? ` (${r.target_reached}/${seeds})` : ''}`,
    `${f2(r.inference_ms)} (${r.inference_method})`, f2(r.ibmb_inference_ms), f2(r.layerwise_inference_ms), f2(r.peak_rss_mb, 0),
  ]);
  return formatTable(head, body);
}

/** Child `fastgnn train` arguments for one run. */
function childArgs(f: BenchFlags, method: MethodName, seed: number, report: string): string[] {
  const args = trainArgs(f, seed, report, ['--method', method], method === 'full' ? ['evalEvery', 'probeEvery', 'probeBatches'] : []);
  if (f.patience === undefined && METHODS[method].training.patience === undefined) args.push('--patience', '100');
  args.push(...methodOptionArgs(f, method));
  // full-batch training always evaluates the whole graph
  if (f.inference !== undefined && method !== 'full') args.push('--inference', f.inference);
  return args;
}

async function bench(f: BenchFlags & { methods: MethodName[] }): Promise<void> {
  if (!(f.targetFraction > 0 && f.targetFraction <= 1)) throw new CliError('--target-fraction: expected a number in (0, 1]');
  const results = runConfigs(f.methods, f.seeds, (m, seed, file) => childArgs(f, m as MethodName, seed, file), (x) =>
    `test ${f2(100 * x.test_acc)}%  best val ${f2(100 * x.val_acc)}%  ${x.epochs_run} epochs  train ${f2(x.train_time_s)} s  ` +
    `preprocess ${f2(x.preprocess_time_s, 3)} s`);
  const target = chooseTarget(results, f.targetFraction, f.seeds, 'method');
  const rows = [...results].map(([m, e]) => summarise(m as MethodName, e.reports, e.failed, target.valAcc));
  const first = firstReport(results);
  process.stdout.write(`\n${first.dataset}, ${first.model}, ${f.seeds} seed${f.seeds === 1 ? '' : 's'} per method\n${target.statement}\n\n${benchTable(rows, f.seeds)}\n`);
  writeJson(f.report, {
    fastgnn_version: fastgnnVersion(), created_at: new Date().toISOString(), dataset: first.dataset, model: first.model, seeds: f.seeds,
    target: { fraction: target.fraction, best_method: target.best, best_val_acc: target.bestValAcc, val_acc: target.valAcc, statement: target.statement },
    methods: rows,
    runs: [...results].flatMap(([m, e]) => e.reports.map((r) => ({ method: m, seed: r.seed, report: r }))),
  });
  if (f.plot !== undefined) writePlot(f.plot, results, first.dataset, target.valAcc);
  if (rows.some((r) => r.failed.length > 0)) process.exitCode = 1;
}

export function benchCommand(): Command {
  const cmd = addDataOptions(new Command('bench').description('compare mini-batching methods (--methods) or multiscale schedules (--multiscale), each run per seed in a child process'))
    .option('--methods <list>', `comma-separated methods (${METHOD_NAMES.join(', ')})`, nameList(METHOD_NAMES))
    .option('--multiscale <list>', MULTISCALE_BENCH_HELP, parseMultiscaleConfigs)
    .option('--multiscale-epochs <n>', 'with --multiscale: the budget E of the multiscale configurations (default --epochs)', intAtLeast(1))
    .option('--seeds <n>', 'runs per method, seeds 0..n-1 (default 3)', intAtLeast(1), 3)
    .requiredOption('--report <file>', 'write the JSON comparison here')
    .option('--plot <file>', 'write an SVG plot of validation accuracy vs training time (seed 0) here')
    .option('--target-fraction <x>', "target = this fraction of the best method's best validation accuracy (default 0.98)", positiveNumber, 0.98)
    .option('--epochs <n>', 'maximum epochs (default: each method\'s own)', intAtLeast(1))
    .option('--patience <n>', 'early stopping patience in evaluations (default: each method\'s own, else 100)', intAtLeast(1))
    .option('--split-seed <n>', 'seed of a random split, the same for every run (default 0)', intAtLeast(0))
    .option('--eval-every <n>', 'mini-batch methods: epochs between evaluations', intAtLeast(1))
    .option('--probe-every <n>', 'mini-batch methods: also measure validation accuracy every n batches inside an epoch (time to target only)', intAtLeast(1))
    .option('--probe-batches <n>', 'with --probe-every: probe only within each run\'s first n batches', intAtLeast(1))
    .addOption(new Option('--feature-layout <l>', 'feature storage; auto = sparse below 10% density (default auto)').choices(['auto', 'dense', 'sparse']))
    .addOption(new Option('--scheduler <name>', 'learning-rate schedule of every run (default: each method\'s own, ibmb-* plateau, else none)')
      .choices(SCHEDULER_NAMES))
    .addOption(new Option('--inference <kind>', 'evaluation of the mini-batch methods\' runs: IBMB batches or layer-wise full-graph (default: ibmb for ibmb-*, else layerwise; full-batch training evaluates the whole graph)')
      .choices(BATCHED_INFERENCE));
  addModelTrainingOptions(cmd);
  for (const m of METHOD_FLAGS) cmd.option(m.flag, `${m.help}; passed to the methods that use it`, m.parse);
  addMultiscaleOptions(cmd, false);
  return cmd
    .addOption(new Option('--batch-order <kind>', 'ibmb-*: batch order per epoch').choices(['rand', 'order', 'sample']))
    .action(async (f: BenchFlags) => {
      try {
        if (f.methods !== undefined && f.multiscale !== undefined) throw new CliError('--multiscale: compares multiscale configurations with plain training; expected either --methods or --multiscale, not both');
        checkBenchFlags(f);
        if (f.multiscale !== undefined) await benchMultiscale({ ...f, multiscale: f.multiscale });
        else if (f.methods !== undefined) await bench({ ...f, methods: f.methods });
        else throw new CliError('expected --methods <list> (mini-batching methods) or --multiscale <list> (multiscale configurations)');
      } catch (e) {
        reportError('bench', e);
      }
    });
}
