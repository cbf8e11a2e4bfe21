// `fastgnn bench --multiscale <list>`: plain full-graph training against multiscale configurations (coarse-to-fine
// per coarsening method, sub-to-full, the multiscale gradient), each seed a child `fastgnn train --multiscale` run;
// one table of test accuracy, time to target, total time, work (FLOPs) and peak memory, plus JSON and the SVG plot.

import { InvalidArgumentError } from 'commander';
import { METHOD_NAMES, type MethodName } from '../batching/methods.js';
import { halvings } from '../multiscale/coarsen/index.js';
import { COARSEN_METHODS, type CoarsenMethod } from '../multiscale/level.js';
import { defaultCoarsen, MULTISCALE_SCHEDULES, type MultiscaleSchedule } from '../train/multiscale-options.js';
import { fastgnnVersion, type TrainReport } from '../train/report.js';
import {
  chooseTarget, f2, firstReport, formatTable, mean, methodOptionArgs, runConfigs, std, timeToTarget, trainArgs, writeJson, writePlot, type ConfigRuns,
} from './bench-runs.js';
import { CliError } from './errors.js';
import { MULTISCALE_KNOBS, type MultiscaleFlags } from './multiscale-flags.js';
import { METHOD_FLAGS } from './train.js';

/** One configuration: 'plain' (full-graph training through the same multiscale session, one level) or a
 *  schedule with its coarsening method (unset: --coarsen, else random; sub-to-full: always subgraph). */
export interface MultiscaleConfig {
  schedule: 'plain' | MultiscaleSchedule;
  coarsen?: CoarsenMethod;
  /** level 0 (plain: the only level) trained with this mini-batching method's batches instead of the full graph */
  method?: MethodName;
}

export const MULTISCALE_BENCH_HELP = 'comma-separated configurations compared with plain full-graph training: plain, ' +
  `coarse-to-fine[:<coarsen>], sub-to-full, multiscale-grad[:<coarsen>] (coarsen: ${COARSEN_METHODS.join(', ')}; default --coarsen, else random); ` +
  'plain, coarse-to-fine and sub-to-full take @<method> to train level 0 with a mini-batching method, e.g. coarse-to-fine:random@ibmb-node';

/** Parses e.g. 'plain,coarse-to-fine:topk,sub-to-full,multiscale-grad:random,plain@ibmb-node,coarse-to-fine@neighbor'. */
export function parseMultiscaleConfigs(value: string): MultiscaleConfig[] {
  return value.split(',').map((whole) => {
    const [part, method, more] = whole.trim().split('@');
    if (method !== undefined && (more !== undefined || !(METHOD_NAMES as readonly string[]).includes(method) || method === 'full')) {
      throw new InvalidArgumentError(`'${whole.trim()}': after @ expected a mini-batching method (${METHOD_NAMES.filter((m) => m !== 'full').join(', ')}).`);
    }
    const withMethod = (c: MultiscaleConfig): MultiscaleConfig => (method === undefined ? c : { ...c, method: method as MethodName });
    const [schedule, coarsen, extra] = part.split(':');
    if (method !== undefined && schedule === 'multiscale-grad') {
      throw new InvalidArgumentError(`'${whole.trim()}': the multiscale gradient evaluates the full graph at level 0 in every step; ` +
        '@<method> applies to plain, coarse-to-fine and sub-to-full.');
    }
    if (schedule === 'plain' && coarsen === undefined) return withMethod({ schedule: 'plain' });
    if (!(MULTISCALE_SCHEDULES as readonly string[]).includes(schedule) || extra !== undefined) {
      throw new InvalidArgumentError(`'${whole.trim()}' is not plain, coarse-to-fine[:<coarsen>], sub-to-full or multiscale-grad[:<coarsen>] (with @<method> but for multiscale-grad).`);
    }
    if (coarsen !== undefined && !(COARSEN_METHODS as readonly string[]).includes(coarsen)) {
      throw new InvalidArgumentError(`'${whole.trim()}': coarsening '${coarsen}' is not one of ${COARSEN_METHODS.join(', ')}.`);
    }
    if (schedule === 'sub-to-full' && coarsen !== undefined && coarsen !== 'subgraph') {
      throw new InvalidArgumentError(`'${whole.trim()}': sub-to-full coarsens by ego-network subgraphs only; use coarse-to-fine:${coarsen}.`);
    }
    return withMethod({ schedule: schedule as MultiscaleSchedule, coarsen: coarsen as CoarsenMethod | undefined });
  });
}

export interface MultiscaleBenchFlags extends Omit<MultiscaleFlags, 'multiscale'> {
  multiscale?: MultiscaleConfig[];
  /** the budget E of the multiscale configurations (default: --epochs) */
  multiscaleEpochs?: number;
}

interface Flags extends MultiscaleBenchFlags {
  data: string;
  multiscale: MultiscaleConfig[];
  seeds: number;
  report: string;
  plot?: string;
  targetFraction: number;
  epochs?: number;
  splitSeed?: number;
  normalizeFeatures?: boolean;
  [key: string]: unknown;
}

interface Resolved {
  name: string;
  schedule: MultiscaleConfig['schedule'];
  coarsen: CoarsenMethod | null;
  method: MethodName | null;
}

function resolveConfigs(f: Flags): Resolved[] {
  const out = f.multiscale.map((c): Resolved => {
    const method = c.method ?? null;
    const at = method === null ? '' : `@${method}`;
    if (c.schedule === 'plain') return { name: `plain${at}`, schedule: 'plain', coarsen: null, method };
    if (c.schedule === 'sub-to-full') return { name: `sub-to-full${at}`, schedule: c.schedule, coarsen: defaultCoarsen(c.schedule), method };
    const coarsen = c.coarsen ?? f.coarsen ?? defaultCoarsen(c.schedule);
    return { name: `${c.schedule}:${coarsen}${at}`, schedule: c.schedule, coarsen, method };
  });
  const dup = out.find((c, i) => out.findIndex((d) => d.name === c.name) !== i);
  if (dup) throw new CliError(`--multiscale: '${dup.name}' is listed twice; expected each configuration once`);
  const matching = out.find((c) => c.coarsen === 'matching');
  if (matching && f.levelRatio !== undefined && halvings(f.levelRatio) === null) {
    throw new CliError(`--level-ratio: ${f.levelRatio} applies to every configuration, and '${matching.name}' needs 1/2^k ` +
      '(a matching level is k rounds, each halving the graph at most): expected 0.5, 0.25, 0.125, ... or separate bench runs');
  }
  return out;
}

/** Child `fastgnn train` arguments of one run. Plain: the full graph only (--levels 1). The knobs go to the
 *  configurations they apply to (--power to selection methods, --mlmc-batch to multiscale-grad, --level-ratio to all);
 *  a configuration with @<method> gets --method and the method option flags that method reads. */
function childArgs(f: Flags, c: Resolved, seed: number, report: string): string[] {
  const epochs = c.schedule === 'plain' ? f.epochs : f.multiscaleEpochs ?? f.epochs;
  const args = trainArgs(f, seed, report, ['--no-compare-inference', ...(epochs === undefined ? [] : ['--epochs', String(epochs)])], ['epochs']);
  if (c.method !== null) args.push('--method', c.method, ...methodOptionArgs(f, c.method));
  if (c.schedule === 'plain') return [...args, '--multiscale', 'coarse-to-fine', '--levels', '1'];
  args.push('--multiscale', c.schedule);
  if (c.schedule !== 'sub-to-full' && c.coarsen) args.push('--coarsen', c.coarsen);
  const selection = c.coarsen !== 'matching';
  const push = (flag: string, v: unknown, when = true): void => {
    if (v !== undefined && when) args.push(flag, String(v));
  };
  push('--levels', f.levels);
  push('--power', f.power, selection);
  push('--level-ratio', f.levelRatio);
  push('--mlmc-batch', f.mlmcBatch, c.schedule === 'multiscale-grad');
  push('--final-full-epochs', f.finalFullEpochs);
  push('--max-power-edges', f.maxPowerEdges);
  push('--coarse-eval', f.coarseEval);
  return args;
}

/** One configuration's runs, summarised. */
export interface MultiscaleSummary {
  config: string;
  schedule: string;
  coarsen: string | null;
  /** the mini-batching method of level 0; null: full-graph steps */
  method: string | null;
  runs: number;
  failed: Array<{ seed: number; error: string }>;
  /** test accuracy at the best validation epoch, mean and sample std over seeds */
  test_acc_mean: number;
  test_acc_std: number;
  best_val_acc_mean: number;
  /** mean over the runs that reached the target; null if none did */
  time_to_target_s: number | null;
  target_reached: number;
  /** training seconds, evaluation excluded */
  train_time_s: number;
  /** hierarchy and batch construction plus the schedule's wall time, evaluation included */
  total_time_s: number;
  train_gflop: number;
  /** training and full-graph evaluation: total_gflop = dense_gflop + sparse_gflop */
  total_gflop: number;
  /** dense GEMMs and elementwise work, training and evaluation */
  dense_gflop: number;
  /** SpMM propagation, sparse-feature products and attention over edges, training and evaluation */
  sparse_gflop: number;
  /** millions of nodes + edges touched by training steps and evaluations */
  nodes_edges_touched_m: number;
  epochs_run_mean: number;
  /** the largest peak RSS over seeds, each run its own process (measured after training) */
  peak_rss_mb: number;
  /** estimated MiB of the largest level trained on */
  max_level_tensor_mb: number;
  last_phase: string;
  last_phase_full_graph: boolean;
}

export function summariseMultiscale(c: Resolved, e: ConfigRuns, target: number): MultiscaleSummary {
  const rs = e.reports;
  const ms = rs.map((r) => r.multiscale).filter((m): m is NonNullable<TrainReport['multiscale']> => m !== undefined);
  const reached = rs.map((r) => timeToTarget(r.val_history, target)).filter((t): t is number => t !== null);
  return {
    config: c.name, schedule: c.schedule, coarsen: c.coarsen, method: c.method, runs: rs.length, failed: e.failed,
    test_acc_mean: mean(rs.map((r) => r.test_acc)), test_acc_std: std(rs.map((r) => r.test_acc)),
    best_val_acc_mean: mean(rs.map((r) => r.val_acc)),
    time_to_target_s: reached.length === 0 ? null : mean(reached), target_reached: reached.length,
    train_time_s: mean(rs.map((r) => r.train_time_s)),
    total_time_s: mean(rs.map((r) => r.preprocess_time_s + (r.multiscale?.wall_s ?? NaN))),
    train_gflop: mean(ms.map((m) => m.cost.total.train_flops)) / 1e9,
    total_gflop: mean(ms.map((m) => m.cost.total.flops)) / 1e9,
    dense_gflop: mean(ms.map((m) => m.cost.total.dense_flops)) / 1e9,
    sparse_gflop: mean(ms.map((m) => m.cost.total.sparse_flops)) / 1e9,
    nodes_edges_touched_m: mean(ms.map((m) => m.cost.total.nodes_touched + m.cost.total.edges_touched)) / 1e6,
    epochs_run_mean: mean(rs.map((r) => r.epochs_run)),
    peak_rss_mb: Math.max(...rs.map((r) => r.peak_rss_mb)),
    max_level_tensor_mb: Math.max(...ms.map((m) => m.cost.max_level_tensor_mb)),
    last_phase: ms[0]?.last_phase ?? 'n/a',
    last_phase_full_graph: ms.length > 0 && ms.every((m) => m.last_phase_full_graph),
  };
}

export function multiscaleTable(rows: MultiscaleSummary[], seeds: number): string {
  const head = ['config', 'test acc %', 'to target s', 'train s', 'total s', 'train GFLOP', 'total GFLOP', 'dense GFLOP', 'sparse GFLOP', 'M n+e',
    'peak RSS MiB', 'level MiB', 'last phase'];
  const body = rows.map((r) => r.runs === 0 ? [r.config, 'failed', ...head.slice(2).map(() => '')] : [
    r.config, `${f2(100 * r.test_acc_mean)} ± ${f2(100 * r.test_acc_std)}`,
    r.time_to_target_s === null ? 'not reached' : `${f2(r.time_to_target_s, 3)}${r.target_reached < seeds ? ` (${r.target_reached}/${seeds})` : ''}`,
    f2(r.train_time_s), f2(r.total_time_s), f2(r.train_gflop), f2(r.total_gflop), f2(r.dense_gflop), f2(r.sparse_gflop),
    f2(r.nodes_edges_touched_m), f2(r.peak_rss_mb, 0),
    f2(r.max_level_tensor_mb, 1), r.last_phase,
  ]);
  return formatTable(head, body);
}

const NOTES = 'test accuracy at the best validation epoch (mean ± sample std over seeds); every configuration evaluates on the ' +
  'full graph. to target: training seconds (evaluation excluded) until the validation accuracy first reaches the target. ' +
  'total: hierarchy and batch construction plus the schedule, evaluation included. GFLOP: estimated floating-point work (train: ' +
  'training steps; total: with the full-graph evaluations), split into dense (GEMMs, elementwise) and sparse (SpMM propagation, ' +
  'sparse-feature products, attention over edges) parts of the total. M n+e: millions of ' +
  'nodes + edges touched. peak RSS: the run\'s own child process, measured after training; a run whose last phase is ' +
  'full-graph trained on the whole graph, so its peak includes that. level MiB: estimated tensors of the largest level trained on. ' +
  'plain: full-graph training (one level) through the same session and cost accounting; @<method>: level 0 trained ' +
  'with that mini-batching method\'s batches (plain@<method>: that method alone), evaluation still on the full graph.';

/** Refuses the flags that only --methods or only --multiscale runs read. */
export function checkBenchFlags(f: Readonly<Record<string, unknown>>): void {
  const multiscale = f.multiscale !== undefined;
  if (multiscale) {
    const m = METHOD_FLAGS.find((k) => f[k.key] !== undefined) ?? (f.batchOrder !== undefined ? { flag: '--batch-order' } : undefined);
    const batched = (f.multiscale as MultiscaleConfig[]).some((c) => c.method !== undefined);
    if (m && !batched) {
      throw new CliError(`${m.flag.split(' ')[0]}: applies to --methods runs, or to --multiscale configurations with @<method>; ` +
        'these configurations train level 0 on the full graph');
    }
    return;
  }
  const k = [...MULTISCALE_KNOBS.map((x) => ({ key: x.key as string, flag: x.flag })), { key: 'multiscaleEpochs', flag: '--multiscale-epochs' }]
    .find((x) => f[x.key] !== undefined);
  if (k) throw new CliError(`${k.flag.split(' ')[0]}: applies to --multiscale comparisons only`);
}

export async function benchMultiscale(f: Flags): Promise<void> {
  if (!(f.targetFraction > 0 && f.targetFraction <= 1)) throw new CliError('--target-fraction: expected a number in (0, 1]');
  const configs = resolveConfigs(f);
  const byName = new Map(configs.map((c) => [c.name, c]));
  const results = runConfigs(configs.map((c) => c.name), f.seeds, (name, seed, file) => childArgs(f, byName.get(name)!, seed, file), (x) =>
    `test ${f2(100 * x.test_acc)}%  best val ${f2(100 * x.val_acc)}%  ${x.epochs_run} epochs  train ${f2(x.train_time_s)} s  ` +
    `${f2((x.multiscale?.cost.total.flops ?? NaN) / 1e9)} GFLOP`);
  const target = chooseTarget(results, f.targetFraction, f.seeds, 'configuration');
  const rows = configs.map((c) => summariseMultiscale(c, results.get(c.name)!, target.valAcc));
  const first = firstReport(results);
  const budget = `plain ${f.epochs ?? 'default'} epochs; multiscale E = ${f.multiscaleEpochs ?? f.epochs ?? 'default'} ` +
    `(coarse-to-fine: E * 2^l epochs at level l), ${f.levels ?? 2} levels`;
  process.stdout.write(`\n${first.dataset}, ${first.model}, ${f.seeds} seed${f.seeds === 1 ? '' : 's'} per configuration; ${budget}\n` +
    `${target.statement}\n\n${multiscaleTable(rows, f.seeds)}\n`);
  writeJson(f.report, {
    fastgnn_version: fastgnnVersion(), created_at: new Date().toISOString(), dataset: first.dataset, model: first.model, seeds: f.seeds,
    budget, target: { fraction: target.fraction, best_config: target.best, best_val_acc: target.bestValAcc, val_acc: target.valAcc, statement: target.statement },
    notes: NOTES, configs: rows,
    runs: [...results].flatMap(([name, e]) => e.reports.map((r) => ({ config: name, seed: r.seed, report: r }))),
  });
  if (f.plot !== undefined) writePlot(f.plot, results, first.dataset, target.valAcc);
  if (rows.some((r) => r.failed.length > 0)) process.exitCode = 1;
}
