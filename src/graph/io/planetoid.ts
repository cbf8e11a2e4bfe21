// Planetoid loader (ind.<name>.{x,tx,allx,y,ty,ally,graph,test.index}), mirroring PyG read_planetoid_data /
// gnnref.load_planetoid: public split, test-index reordering, CiteSeer-style padding, self-loops removed, coalesced.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateCsr, type CsrMatrix } from '../csr.js';
import type { Dataset } from '../dataset.js';
import { checkFiniteFeatures } from '../features.js';
import { datasetGraph, readFileBytes } from './common.js';
import { typedFromBytes } from './npy.js';
import { CsrObject, NdArray, PyDict, PyTuple, unpickle, type PyValue } from './pickle.js';

const PARTS = ['x', 'tx', 'allx', 'y', 'ty', 'ally', 'graph', 'test.index'] as const;

/** Names <n> of the complete ind.<n>.* sets in a directory. */
export function planetoidNames(dir: string): string[] {
  const files = new Set(fs.readdirSync(dir));
  const names = new Set<string>();
  for (const f of files) {
    const m = /^ind\.(.+)\.graph$/.exec(f);
    if (m) names.add(m[1]);
  }
  return [...names].filter((n) => PARTS.every((p) => files.has(`ind.${n}.${p}`))).sort();
}

function ndTyped(v: PyValue, file: string): { shape: number[]; data: ArrayLike<number> } {
  if (!(v instanceof NdArray)) throw new Error(`${file}: expected a numpy array`);
  const count = v.shape.reduce((a, b) => a * b, 1);
  const t = typedFromBytes(v.data, v.descr, count, file);
  if (t instanceof BigInt64Array || t instanceof BigUint64Array) return { shape: v.shape, data: Array.from(t, Number) };
  return { shape: v.shape, data: t };
}

function field(d: PyDict, key: string, file: string): PyValue {
  const v = d.map.get(key);
  if (v === undefined) throw new Error(`${file}: csr_matrix state has no '${key}'`);
  return v;
}

function readCsr(file: string): CsrMatrix {
  const v = unpickle(readFileBytes(file), file);
  if (!(v instanceof CsrObject)) throw new Error(`${file}: expected a scipy.sparse csr_matrix`);
  const shape = field(v.state, '_shape', file);
  if (!(shape instanceof PyTuple) || shape.items.length !== 2) throw new Error(`${file}: csr_matrix _shape must be a pair`);
  const [rows, cols] = shape.items.map(Number);
  const toI32 = (key: string): Int32Array => Int32Array.from(ndTyped(field(v.state, key, file), `${file}[${key}]`).data);
  const m: CsrMatrix = {
    rows, cols,
    indptr: toI32('indptr'),
    indices: toI32('indices'),
    values: Float32Array.from(ndTyped(field(v.state, 'data', file), `${file}[data]`).data),
  };
  validateCsr(m, file);
  return m;
}

/** one-hot rows -> class ids; an all-zero row -> -1 (no label). */
function readOneHot(file: string): { labels: Int32Array; classes: number } {
  const v = ndTyped(unpickle(readFileBytes(file), file), file);
  if (v.shape.length !== 2) throw new Error(`${file}: expected a 2-D one-hot label matrix, got shape [${v.shape}]`);
  const [n, c] = v.shape;
  const labels = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let k = 0; k < c; k++) {
      const x = v.data[i * c + k];
      if (x !== 0 && x > best) { best = x; labels[i] = k; } // first maximum, like torch.max on CPU
    }
  }
  return { labels, classes: c };
}

function readGraph(file: string): { src: Int32Array; dst: Int32Array } {
  const v = unpickle(readFileBytes(file), file);
  if (!(v instanceof PyDict)) throw new Error(`${file}: expected a dict of neighbour lists`);
  const src: number[] = [];
  const dst: number[] = [];
  for (const [k, list] of v.map) {
    if (!Array.isArray(list)) throw new Error(`${file}: neighbours of node ${k} are not a list`);
    const key = Number(k);
    for (const j of list) {
      const t = typeof j === 'bigint' ? Number(j) : j;
      if (typeof t !== 'number' || !Number.isInteger(t)) throw new Error(`${file}: neighbour of node ${k} is not an integer`);
      src.push(key);
      dst.push(t);
    }
  }
  return { src: Int32Array.from(src), dst: Int32Array.from(dst) };
}

function readTestIndex(file: string): Int32Array {
  const text = new TextDecoder().decode(readFileBytes(file));
  const out: number[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '') return;
    if (!/^\d+$/.test(t)) throw new Error(`${file}:${i + 1}: '${t}' is not a node index`);
    out.push(Number(t));
  });
  if (out.length === 0) throw new Error(`${file}: no test indices`);
  return Int32Array.from(out);
}

/** Row-permuted vertical stack of CSR blocks: output row r = row source[r] of cat(blocks). */
function stackRows(blocks: CsrMatrix[], source: Int32Array, cols: number): CsrMatrix {
  const rowsOf: Array<[CsrMatrix, number]> = [];
  for (const b of blocks) for (let r = 0; r < b.rows; r++) rowsOf.push([b, r]);
  const n = source.length;
  const indptr = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) {
    const [b, br] = rowsOf[source[r]];
    indptr[r + 1] = indptr[r] + b.indptr[br + 1] - b.indptr[br];
  }
  const indices = new Int32Array(indptr[n]);
  const values = new Float32Array(indptr[n]);
  for (let r = 0; r < n; r++) {
    const [b, br] = rowsOf[source[r]];
    const s = b.indptr[br];
    const e = b.indptr[br + 1];
    indices.set(b.indices.subarray(s, e), indptr[r]);
    if (b.values) values.set(b.values.subarray(s, e), indptr[r]);
    else values.fill(1, indptr[r], indptr[r] + e - s);
  }
  return { rows: n, cols, indptr, indices, values };
}

/** Loads ind.<name>.* from `dir`. Labels: argmax of the one-hot rows; rows with no label (CiteSeer's padded
 *  test slots) get -1 where PyG would give 0: they are in no split. */
export function loadPlanetoid(dir: string, name: string): Dataset {
  const f = (p: string): string => path.join(dir, `ind.${name}.${p}`);
  const [x, tx, allx] = [readCsr(f('x')), readCsr(f('tx')), readCsr(f('allx'))];
  const y = readOneHot(f('y'));
  const ty = readOneHot(f('ty'));
  const ally = readOneHot(f('ally'));
  const testIndex = readTestIndex(f('test.index'));
  for (const [m, file] of [[tx, f('tx')], [allx, f('allx')]] as const) {
    if (m.cols !== x.cols) throw new Error(`${file}: has ${m.cols} feature columns, expected ${x.cols} (as ind.${name}.x)`);
  }
  if (ty.classes !== y.classes || ally.classes !== y.classes) throw new Error(`${f('ty')}: class count differs from ind.${name}.y`);
  if (ty.labels.length !== tx.rows) throw new Error(`${f('ty')}: has ${ty.labels.length} rows, expected ${tx.rows} (rows of tx)`);
  if (ally.labels.length !== allx.rows) throw new Error(`${f('ally')}: has ${ally.labels.length} rows, expected ${allx.rows} (rows of allx)`);
  const sorted = testIndex.slice().sort();
  const lo = sorted[0];
  const nExt = sorted[sorted.length - 1] - lo + 1;
  // pad tx/ty to the test-index range (CiteSeer: isolated nodes have no row); a no-op when there are no gaps
  let txRows: Int32Array | undefined;
  if (nExt !== tx.rows) {
    if (sorted.length !== tx.rows) throw new Error(`${f('test.index')}: has ${sorted.length} entries, expected ${tx.rows} (rows of tx)`);
    txRows = new Int32Array(nExt).fill(-1);
    for (let k = 0; k < sorted.length; k++) txRows[sorted[k] - lo] = k;
  }
  const nTest = txRows ? nExt : tx.rows;
  const n = allx.rows + nTest;
  if (lo !== allx.rows || sorted[sorted.length - 1] >= n) {
    throw new Error(`${f('test.index')}: indices span [${lo}, ${sorted[sorted.length - 1]}], expected to start at ${allx.rows} (rows of allx)`);
  }
  const empty: CsrMatrix = { rows: 1, cols: x.cols, indptr: new Int32Array(1 + 1), indices: new Int32Array(0), values: new Float32Array(0) };
  // concat order: allx rows, then tx rows (padded), then the empty row used for padding
  const base = new Int32Array(n);
  const labels0 = new Int32Array(n);
  for (let r = 0; r < allx.rows; r++) { base[r] = r; labels0[r] = ally.labels[r]; }
  for (let r = 0; r < nTest; r++) {
    const t = txRows ? txRows[r] : r;
    base[allx.rows + r] = t < 0 ? allx.rows + tx.rows : allx.rows + t;
    labels0[allx.rows + r] = t < 0 ? -1 : ty.labels[t];
  }
  // x[test_index] = x[sorted_test_index]
  const source = base.slice();
  const labels = labels0.slice();
  for (let k = 0; k < testIndex.length; k++) {
    source[testIndex[k]] = base[sorted[k]];
    labels[testIndex[k]] = labels0[sorted[k]];
  }
  const features = stackRows([allx, tx, empty], source, x.cols);
  checkFiniteFeatures({ kind: 'csr', ...features }, f('allx'));

  const { src, dst } = readGraph(f('graph'));
  const graph = datasetGraph(n, src, dst, f('graph'), false);

  const trainN = y.labels.length;
  if (trainN + 500 > allx.rows) throw new Error(`${f('y')}: ${trainN} train rows + 500 val rows exceed the ${allx.rows} rows of allx`);
  const range = (a: number, b: number): Int32Array => Int32Array.from({ length: b - a }, (_, i) => a + i);
  return {
    name,
    graph,
    features: { kind: 'csr', ...features },
    labels,
    numClasses: y.classes,
    split: { train: range(0, trainN), val: range(trainN, trainN + 500), test: sorted },
    source: path.join(dir, `ind.${name}.*`),
  };
}

