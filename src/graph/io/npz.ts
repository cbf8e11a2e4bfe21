// gnn-benchmark .npz loader (Shchur et al.), matching PyG parse_npz(to_undirected=True); also a generic
// .npz (zip of .npy) reader used by the GraphSAINT loader.

import { unzipSync } from 'fflate';
import * as path from 'node:path';
import { validateCsr, rowOfEntry } from '../csr.js';
import type { Dataset } from '../dataset.js';
import { checkLabels, datasetGraph, readFileBytes } from './common.js';
import { npyToFloat32, npyToInt32, parseNpy, type NpyArray } from './npy.js';

/** Reads the arrays of a .npz (stored or deflated members). Only `keys` are parsed when given. */
export function readNpz(file: string, keys?: readonly string[]): Map<string, NpyArray> {
  const bytes = readFileBytes(file);
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, keys ? { filter: (f) => keys.includes(f.name.replace(/\.npy$/, '')) } : undefined);
  } catch (e) {
    throw new Error(`${file}: not a readable .npz zip archive (${(e as Error).message})`);
  }
  const out = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(members)) {
    const key = name.replace(/\.npy$/, '');
    out.set(key, parseNpy(data, `${file}[${key}]`));
  }
  return out;
}

export function requireArray(arrays: Map<string, NpyArray>, key: string, file: string): NpyArray {
  const a = arrays.get(key);
  if (!a) throw new Error(`${file}: missing array '${key}' (found: ${[...arrays.keys()].join(', ') || 'none'})`);
  return a;
}

function shapeOf(a: NpyArray, file: string, key: string): [number, number] {
  const s = npyToInt32(a, `${file}[${key}]`);
  if (s.length !== 2) throw new Error(`${file}[${key}]: expected 2 entries (rows, cols), got ${s.length}`);
  return [s[0], s[1]];
}

const NPZ_KEYS = ['adj_data', 'adj_indices', 'adj_indptr', 'adj_shape', 'attr_data', 'attr_indices', 'attr_indptr', 'attr_shape', 'labels'];

/** gnn-benchmark npz -> Dataset: features binarised (x > 0 -> 1, other stored values kept) as CSR,
 *  self-loops removed, edges symmetrised and deduplicated, labels as given. No split. */
export function loadNpz(file: string, opts: { name?: string } = {}): Dataset {
  const a = readNpz(file, NPZ_KEYS);
  const req = (k: string): NpyArray => requireArray(a, k, file);
  const [rows, cols] = shapeOf(req('adj_shape'), file, 'adj_shape');
  if (rows !== cols) throw new Error(`${file}[adj_shape]: adjacency must be square, got [${rows}, ${cols}]`);
  const adj = {
    rows, cols,
    indptr: npyToInt32(req('adj_indptr'), `${file}[adj_indptr]`),
    indices: npyToInt32(req('adj_indices'), `${file}[adj_indices]`),
  };
  validateCsr(adj, `${file}[adj_*]`);
  const adjData = npyToFloat32(req('adj_data'), `${file}[adj_data]`);
  if (adjData.length !== adj.indices.length) {
    throw new Error(`${file}[adj_data]: has ${adjData.length} entries, expected nnz = ${adj.indices.length}`);
  }
  // scipy .tocoo() keeps explicit zeros; PyG keeps them too, so every stored entry is an edge row -> col.
  const graph = datasetGraph(rows, rowOfEntry(adj), adj.indices, file, true);

  const [fr, fc] = shapeOf(req('attr_shape'), file, 'attr_shape');
  if (fr !== rows) throw new Error(`${file}[attr_shape]: features have ${fr} rows, expected one per node (${rows})`);
  const attrIndptr = npyToInt32(req('attr_indptr'), `${file}[attr_indptr]`);
  const attrIndices = npyToInt32(req('attr_indices'), `${file}[attr_indices]`);
  const values = npyToFloat32(req('attr_data'), `${file}[attr_data]`);
  const feat = { rows: fr, cols: fc, indptr: attrIndptr, indices: attrIndices, values };
  validateCsr(feat, `${file}[attr_*]`);
  const bin = values; // a fresh copy made by parseNpy: binarise in place
  for (let k = 0; k < bin.length; k++) if (bin[k] > 0) bin[k] = 1;

  const labels = npyToInt32(req('labels'), `${file}[labels]`);
  const labelWhat = `${file}[labels]`;
  if (labels.some((y) => y < 0)) {
    const i = labels.findIndex((y) => y < 0);
    throw new Error(`${labelWhat}: label of node ${i} is ${labels[i]}, expected a class >= 0`);
  }
  const numClasses = checkLabels(labels, rows, labelWhat);
  return {
    name: opts.name ?? path.basename(file).replace(/\.npz$/, ''),
    graph,
    features: { kind: 'csr', ...feat, values: bin },
    labels,
    numClasses,
    source: file,
  };
}
