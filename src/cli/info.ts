// `fastgnn info`: what a dataset holds (sizes, features, split, degrees) and which kernels are in use.

import { Command } from 'commander';
import type { Dataset } from '../graph/dataset.js';
import { hopProfile, MAX_HOPS, type HopProfile } from '../graph/hop-profile.js';
import { defaultSplitSpec, resolveSplit } from '../graph/split.js';
import { graphStats, type GraphStats } from '../graph/stats.js';
import { describeBackend, type BackendInfo } from '../kernels/backend.js';
import { featureDensity } from '../train/prepare.js';
import { loadForCli, type DataFlags } from './data.js';
import { CliError, reportError } from './errors.js';
import { intAtLeast, splitSpec } from './options.js';

export interface DatasetInfo {
  name: string;
  source: string | null;
  nodes: number;
  /** stored directed edges (an undirected edge counts twice) */
  edges: number;
  features: number;
  feature_storage: 'dense' | 'sparse';
  feature_density: number;
  classes: number;
  labelled: number;
  split: { train: number; val: number; test: number } | null;
  graph: GraphStats;
  /** with --hop-profile: nearest-class-mean test accuracy after 0..K GCN propagations, and the split it used */
  hop_profile?: HopProfile & { split: string };
}

export function datasetInfo(d: Dataset): DatasetInfo {
  let labelled = 0;
  for (let i = 0; i < d.labels.length; i++) if (d.labels[i] >= 0) labelled++;
  return {
    name: d.name, source: d.source ?? null, nodes: d.graph.rows, edges: d.graph.indptr[d.graph.rows],
    features: d.features.cols, feature_storage: d.features.kind === 'csr' ? 'sparse' : 'dense',
    feature_density: featureDensity(d.features), classes: d.numClasses, labelled,
    split: d.split ? { train: d.split.train.length, val: d.split.val.length, test: d.split.test.length } : null,
    graph: graphStats(d.graph),
  };
}

const deg = (s: GraphStats['inDegree']): string => `min ${s.min}  median ${s.median}  mean ${s.mean.toFixed(2)}  max ${s.max}`;

export function formatDatasetInfo(i: DatasetInfo): string {
  const lines = [
    `dataset   ${i.name}${i.source ? `  (${i.source})` : ''}`,
    `nodes     ${i.nodes}  (${i.labelled} labelled, ${i.graph.isolated} isolated)`,
    `edges     ${i.edges} stored  (${i.graph.symmetric ? `undirected: ${i.edges / 2} pairs` : 'directed'}, ${i.graph.selfLoops} self-loops)`,
    `features  ${i.features}  (${i.feature_storage}, density ${(100 * i.feature_density).toFixed(2)}%)`,
    `classes   ${i.classes}`,
    `split     ${i.split ? `train ${i.split.train}  val ${i.split.val}  test ${i.split.test}` : 'none (use --split random:<train>:<val> when training)'}`,
    `in-degree   ${deg(i.graph.inDegree)}`,
  ];
  if (!i.graph.symmetric) lines.push(`out-degree  ${deg(i.graph.outDegree)}`);
  const c = i.graph.clustering;
  lines.push(`clustering  ${c.average.toFixed(4)} average local  (${c.sampled ? `estimated from ${c.nodes} sampled nodes` : 'all nodes'})`);
  const h = i.hop_profile;
  if (h) {
    const steps = h.accuracy.map((a, k) => `${k}: ${(100 * a).toFixed(1)}%`).join('  ');
    lines.push(`hop profile  ${steps}  (nearest class mean after k propagations; ${h.evaluated} test nodes, split ${h.split})`);
  }
  return lines.join('\n');
}

export function formatBackend(b: BackendInfo): string {
  const lines = [`kernels  ${b.kernels}`, `gemm     ${b.gemm}`];
  if (b.blasThreads !== undefined) lines.push(`threads  ${b.blasThreads} (${b.blasThreadsSource ?? 'default'})`);
  if (b.blasThreadTimeout !== undefined) lines.push(`spin     ${b.blasThreadTimeout}`);
  if (b.blasUnavailable) lines.push(`blas     not in use: ${b.blasUnavailable}`);
  if (b.wasmUnavailable) lines.push(`wasm     not in use: ${b.wasmUnavailable}`);
  lines.push(`spmm     ${b.spmm}${b.spmmUnavailable ? ` (wasm SpMM not in use: ${b.spmmUnavailable})` : ''}`);
  lines.push(`arrays   ${b.arenaArrays}`);
  return lines.join('\n');
}

interface InfoFlags extends Partial<DataFlags> {
  hopProfile?: number;
  split?: string;
  splitSeed?: number;
  backend?: boolean;
  json?: boolean;
}

function hopProfileFor(d: Dataset, flags: InfoFlags): HopProfile & { split: string } {
  if (flags.hopProfile! > MAX_HOPS) throw new CliError(`--hop-profile: at most ${MAX_HOPS} propagations, got ${flags.hopProfile}`);
  if (!d.labels.some((y) => y >= 0)) throw new CliError('--hop-profile: the dataset has no labels');
  const spec = flags.split ?? defaultSplitSpec(d.split !== undefined);
  let split;
  try {
    split = resolveSplit(d, spec, flags.splitSeed ?? 0);
  } catch (e) {
    throw new CliError(`--split: ${(e as Error).message}`);
  }
  return { ...hopProfile(d, split, flags.hopProfile!), split: spec };
}

export function infoCommand(): Command {
  return new Command('info')
    .description('describe a dataset (--data) or the compute backend (--backend)')
    .option('--data <path>', 'dataset file or directory')
    .option('--name <name>', 'dataset name, for a directory holding several')
    .option('--features <file>', 'edge lists: node features (.csv[.gz] or .npy)')
    .option('--labels <file>', 'edge lists: node labels (.csv)')
    .option('--hop-profile <k>', 'also score the nearest class mean of the features after 0..k GCN propagations (how far the label signal sits from a node)', intAtLeast(0))
    .option('--split <spec>', "with --hop-profile: 'public' or 'random:<train>:<val>[:<test>]' (default: public if the dataset has one, else random:20:30)", splitSpec)
    .option('--split-seed <n>', 'seed of a random split (default 0)', intAtLeast(0), 0)
    .option('--backend', 'show which kernels are in use')
    .option('--json', 'machine-readable JSON output')
    .action(async (flags: InfoFlags) => {
      try {
        if (!flags.data && !flags.backend) throw new CliError('expected --data <path> or --backend (or both)');
        if (flags.split !== undefined && flags.hopProfile === undefined) throw new CliError('--split: only used with --hop-profile');
        if (flags.hopProfile !== undefined && !flags.data) throw new CliError('--hop-profile: needs --data');
        const out: { dataset?: DatasetInfo; backend?: BackendInfo } = {};
        if (flags.data) {
          const path = flags.data;
          const d = await loadForCli(path, flags);
          out.dataset = datasetInfo(d);
          if (flags.hopProfile !== undefined) out.dataset.hop_profile = hopProfileFor(d, flags);
        }
        if (flags.backend) out.backend = describeBackend();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        const parts: string[] = [];
        if (out.dataset) parts.push(formatDatasetInfo(out.dataset));
        if (out.backend) parts.push(formatBackend(out.backend));
        process.stdout.write(`${parts.join('\n\n')}\n`);
      } catch (e) {
        reportError('info', e);
      }
    });
}
