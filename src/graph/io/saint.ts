// GraphSAINT directory loader: adj_full.npz (scipy.sparse.save_npz CSR), feats.npy, class_map.json, role.json.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { rowOfEntry, validateCsr } from '../csr.js';
import type { Dataset } from '../dataset.js';
import { checkLabels, datasetGraph, readFileBytes } from './common.js';
import { npyStrings, npyToFloat32, npyToInt32, parseNpy } from './npy.js';
import { readNpz, requireArray } from './npz.js';

export interface SaintOptions {
  /** symmetrise the adjacency (a no-op on the usual, already symmetric files); default true */
  readonly symmetrize?: boolean;
  readonly name?: string;
}

export function isSaintDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'adj_full.npz')) && fs.existsSync(path.join(dir, 'feats.npy'));
}

function readJson(file: string): unknown {
  const text = new TextDecoder().decode(readFileBytes(file));
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Entries with stored value 0 are not edges (scipy nonzero()); self-loops are removed. */
export function loadSaint(dir: string, opts: SaintOptions = {}): Dataset {
  const adjFile = path.join(dir, 'adj_full.npz');
  const a = readNpz(adjFile);
  const fmt = a.get('format');
  if (fmt && npyStrings(fmt, `${adjFile}[format]`)[0] !== 'csr') {
    throw new Error(`${adjFile}[format]: is '${npyStrings(fmt, adjFile)[0]}', expected 'csr'`);
  }
  const shape = npyToInt32(requireArray(a, 'shape', adjFile), `${adjFile}[shape]`);
  if (shape.length !== 2 || shape[0] !== shape[1]) throw new Error(`${adjFile}[shape]: expected a square [n, n] shape, got [${Array.from(shape)}]`);
  const n = shape[0];
  const adj = {
    rows: n, cols: n,
    indptr: npyToInt32(requireArray(a, 'indptr', adjFile), `${adjFile}[indptr]`),
    indices: npyToInt32(requireArray(a, 'indices', adjFile), `${adjFile}[indices]`),
  };
  validateCsr(adj, adjFile);
  const data = npyToFloat32(requireArray(a, 'data', adjFile), `${adjFile}[data]`);
  if (data.length !== adj.indices.length) throw new Error(`${adjFile}[data]: has ${data.length} entries, expected nnz = ${adj.indices.length}`);
  const rowIds = rowOfEntry(adj);
  let keep = 0;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) keep++;
  const src = new Int32Array(keep);
  const dst = new Int32Array(keep);
  for (let k = 0, w = 0; k < data.length; k++) {
    if (data[k] === 0) continue;
    src[w] = adj.indices[k]; // row i lists the neighbours of i: edge indices[k] -> i
    dst[w++] = rowIds[k];
  }
  const graph = datasetGraph(n, src, dst, adjFile, opts.symmetrize ?? true);

  const featFile = path.join(dir, 'feats.npy');
  const fa = parseNpy(readFileBytes(featFile), featFile);
  if (fa.shape.length !== 2 || fa.shape[0] !== n) {
    throw new Error(`${featFile}: shape is [${fa.shape}], expected [${n}, features] (one row per node of adj_full.npz)`);
  }
  const feats = npyToFloat32(fa, featFile, fa.shape[1]);

  const classFile = path.join(dir, 'class_map.json');
  const cm = readJson(classFile);
  if (typeof cm !== 'object' || cm === null || Array.isArray(cm)) throw new Error(`${classFile}: expected an object {node id: class}`);
  const labels = new Int32Array(n).fill(-1);
  for (const [key, v] of Object.entries(cm as Record<string, unknown>)) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || id >= n) throw new Error(`${classFile}: node id '${key}' is out of range [0, ${n})`);
    if (Array.isArray(v)) {
      const ones = v.filter((x) => x !== 0).length;
      if (ones !== 1 || !v.every((x) => x === 0 || x === 1)) {
        throw new Error(`${classFile}: node ${key} has a multi-hot label list; multi-label datasets are not supported yet`);
      }
      labels[id] = v.indexOf(1);
    } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) {
      labels[id] = v;
    } else {
      throw new Error(`${classFile}: label of node ${key} is ${JSON.stringify(v)}, expected a class id >= 0`);
    }
  }
  const numClasses = checkLabels(labels, n, classFile);

  const roleFile = path.join(dir, 'role.json');
  const role = readJson(roleFile) as Record<string, unknown>;
  const ids = (key: string): Int32Array => {
    const v = role?.[key];
    if (!Array.isArray(v)) throw new Error(`${roleFile}: '${key}' must be a list of node ids`);
    const out = Int32Array.from(v as number[]);
    out.forEach((x, k) => {
      if (!Number.isInteger(v[k]) || x < 0 || x >= n) throw new Error(`${roleFile}: ${key}[${k}] = ${JSON.stringify(v[k])} is not a node id in [0, ${n})`);
    });
    return out;
  };
  return {
    name: opts.name ?? path.basename(path.resolve(dir)),
    graph,
    features: { kind: 'dense', rows: n, cols: fa.shape[1], data: feats },
    labels,
    numClasses,
    split: { train: ids('tr'), val: ids('va'), test: ids('te') },
    source: dir,
  };
}
