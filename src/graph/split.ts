// Train/val/test splits: seeded per-class (stratified) random splits, validation, and the --split spec parser.

import type { Dataset, Split } from './dataset.js';
import { Rng, toRng } from './rng.js';

/** Per class: an integer >= 1 is a count of nodes, a number in (0, 1) a fraction of that class (rounded);
 *  0 means none. */
export interface SplitSizes {
  readonly train: number;
  readonly val: number;
  /** default: every remaining labelled node */
  readonly test?: number;
}

function checkSize(v: number | undefined, field: string): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < 0) throw new Error(`stratifiedSplit: ${field} must be a non-negative number, got ${v}`);
  if (v >= 1 && !Number.isInteger(v)) {
    throw new Error(`stratifiedSplit: ${field} = ${v} is neither a per-class count (integer) nor a fraction in (0, 1)`);
  }
}

function perClass(v: number, size: number): number {
  return v > 0 && v < 1 ? Math.round(v * size) : v;
}

/** Seeded stratified split: for each class c = 0..C-1 in order, that class's node ids (ascending) are shuffled
 *  with the generator and the first `train` go to train, the next `val` to val, then `test` (or the rest) to test.
 *  Nodes labelled -1 are never used. Each output is sorted ascending. */
export function stratifiedSplit(labels: Int32Array, numClasses: number, sizes: SplitSizes, seed: number | Rng): Split {
  checkSize(sizes.train, 'train');
  checkSize(sizes.val, 'val');
  checkSize(sizes.test, 'test');
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new Error(`stratifiedSplit: numClasses must be a positive integer, got ${numClasses}`);
  }
  const rng = toRng(seed);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y === -1) continue;
    if (y < 0 || y >= numClasses) throw new Error(`stratifiedSplit: label of node ${i} is ${y}, expected -1 or [0, ${numClasses})`);
    byClass[y].push(i);
  }
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const ids = Int32Array.from(byClass[c]);
    const nTrain = perClass(sizes.train, ids.length);
    const nVal = perClass(sizes.val, ids.length);
    const nTest = sizes.test === undefined ? ids.length - nTrain - nVal : perClass(sizes.test, ids.length);
    if (nTrain + nVal + nTest > ids.length || nTest < 0) {
      throw new Error(
        `stratifiedSplit: class ${c} has ${ids.length} labelled nodes but the split asks for ` +
          `${nTrain} train + ${nVal} val${sizes.test === undefined ? '' : ` + ${nTest} test`} = ${nTrain + nVal + Math.max(0, nTest)}`,
      );
    }
    rng.shuffle(ids);
    for (let k = 0; k < nTrain; k++) train.push(ids[k]);
    for (let k = nTrain; k < nTrain + nVal; k++) val.push(ids[k]);
    for (let k = nTrain + nVal; k < nTrain + nVal + nTest; k++) test.push(ids[k]);
  }
  const split = { train: sortedI32(train), val: sortedI32(val), test: sortedI32(test) };
  for (const part of ['train', 'val', 'test'] as const) {
    if (split[part].length === 0) throw new Error(`stratifiedSplit: the ${part} split is empty (sizes ${JSON.stringify(sizes)})`);
  }
  return split;
}

function sortedI32(a: number[]): Int32Array {
  return Int32Array.from(a).sort();
}

/** Throws unless every split id is in [0, numNodes), the parts do not overlap, train is non-empty and no split
 *  node is unlabelled (-1). `what` names the dataset in the message. */
export function validateSplit(split: Split, numNodes: number, labels: Int32Array, what = 'split'): void {
  if (split.train.length === 0) throw new Error(`${what}: the train split is empty`);
  const owner = new Uint8Array(numNodes);
  const parts = ['train', 'val', 'test'] as const;
  parts.forEach((part, p) => {
    const ids = split[part];
    for (let k = 0; k < ids.length; k++) {
      const v = ids[k];
      if (!Number.isInteger(v) || v < 0 || v >= numNodes) {
        throw new Error(`${what}: ${part}[${k}] = ${v} is out of range [0, ${numNodes})`);
      }
      if (owner[v] !== 0) throw new Error(`${what}: node ${v} is in both ${parts[owner[v] - 1]} and ${part}`);
      owner[v] = p + 1;
      if (labels[v] === -1) throw new Error(`${what}: ${part} node ${v} has no label (-1)`);
    }
  });
}

export type SplitSpec =
  | { readonly kind: 'public' }
  | { readonly kind: 'random'; readonly train: number; readonly val: number; readonly test?: number };

/** Parses 'public' or 'random:<train>:<val>[:<test>]' (per-class counts, or fractions in (0, 1); without a test
 *  size every remaining labelled node is a test node). */
export function parseSplitSpec(spec: string): SplitSpec {
  if (spec === 'public') return { kind: 'public' };
  const m = /^random:([0-9.]+):([0-9.]+)(?::([0-9.]+))?$/.exec(spec);
  if (m) {
    const train = Number(m[1]);
    const val = Number(m[2]);
    const test = m[3] === undefined ? undefined : Number(m[3]);
    for (const [field, v] of [['train', train], ['val', val], ['test', test]] as const) {
      if (v !== undefined && (!Number.isFinite(v) || (v >= 1 && !Number.isInteger(v)))) {
        throw new Error(`split spec '${spec}': ${field} must be a per-class count or a fraction in (0, 1)`);
      }
    }
    if (train <= 0) throw new Error(`split spec '${spec}': train must be > 0`);
    if (test !== undefined && test <= 0) throw new Error(`split spec '${spec}': test must be > 0`);
    return test === undefined ? { kind: 'random', train, val } : { kind: 'random', train, val, test };
  }
  throw new Error(`split spec '${spec}': expected 'public' or 'random:<train>:<val>[:<test>]' (e.g. random:20:30 or random:0.1:0.05:0.05)`);
}

/** The dataset's own split, or an error saying it has none and what to use instead. */
export function publicSplitOrThrow(d: Dataset): Split {
  if (!d.split) {
    throw new Error(
      `dataset '${d.name}'${d.source ? ` (${d.source})` : ''} has no public split; use a random split, e.g. --split random:20:30`,
    );
  }
  return d.split;
}

/** The split used when none is asked for: the dataset's own when it has one, else 20 train and 30 validation nodes
 *  per class. */
export function defaultSplitSpec(hasPublicSplit: boolean): string {
  return hasPublicSplit ? 'public' : 'random:20:30';
}

/** Resolves a split spec against a dataset (public split, or a seeded stratified split) and validates it. */
export function resolveSplit(d: Dataset, spec: SplitSpec | string, seed: number | Rng): Split {
  const s = typeof spec === 'string' ? parseSplitSpec(spec) : spec;
  const split = s.kind === 'public' ? publicSplitOrThrow(d) : stratifiedSplit(d.labels, d.numClasses, s, seed);
  validateSplit(split, d.graph.rows, d.labels, `dataset '${d.name}' split`);
  return split;
}
