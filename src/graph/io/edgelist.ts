// Plain edge-list loader: edges CSV ('src,dst' per line, optional header, '#' comments, .gz ok) plus a
// features CSV (optional label column) or .npy, and an optional labels CSV.

import * as path from 'node:path';
import type { Dataset } from '../dataset.js';
import { checkLabels, datasetGraph, Growable, parseFloatField, parseIntField, readFileBytes } from './common.js';
import { forEachLine } from './lines.js';
import { npyToFloat32, parseNpy } from './npy.js';

export interface EdgeListOptions {
  /** features: .csv/.csv.gz (one row per node) or .npy [nodes, features]; required */
  readonly features?: string;
  /** column of the features CSV that holds the label (negative counts from the end); removed from the features */
  readonly labelColumn?: number;
  /** labels CSV: one label per line (row = node), or 'node,label' lines; -1 or empty = unlabelled */
  readonly labels?: string;
  /** symmetrise the edges; default true */
  readonly symmetrize?: boolean;
  readonly name?: string;
}

const SEP = /[,\t ]+/;
const isComment = (t: string): boolean => t === '' || t.startsWith('#');
const numeric = (s: string): boolean => s.trim() !== '' && Number.isFinite(Number(s));

/** Calls `row` with the fields of every data line of `file`: blank lines and '#' comments are skipped, and so is
 *  the first line when it is not all numbers (a header). */
async function forEachDataRow(file: string, sep: RegExp | string, row: (parts: string[], no: number, text: string) => void): Promise<void> {
  let first = true;
  await forEachLine(file, (line, no) => {
    const t = line.trim();
    if (isComment(t)) return;
    const parts = t.split(sep);
    if (first) {
      first = false;
      if (!parts.every(numeric)) return;
    }
    row(parts, no, t);
  });
}

async function readEdges(file: string): Promise<{ src: Int32Array; dst: Int32Array; maxId: number }> {
  const src = new Growable(Int32Array);
  const dst = new Growable(Int32Array);
  let maxId = -1;
  await forEachDataRow(file, SEP, (parts, no, t) => {
    if (parts.length < 2) throw new Error(`${file}:${no}: expected 'src,dst', got '${t}'`);
    const s = parseIntField(parts[0], file, no, 0);
    const d = parseIntField(parts[1], file, no, 1);
    if (s < 0 || d < 0) throw new Error(`${file}:${no}: node ids must be >= 0, got ${s} -> ${d}`);
    maxId = Math.max(maxId, s, d);
    src.push(s);
    dst.push(d);
  });
  return { src: src.toArray(), dst: dst.toArray(), maxId };
}

async function readFeatureCsv(file: string, labelColumn?: number): Promise<{ rows: number; cols: number; data: Float32Array; labels?: Int32Array }> {
  const data = new Growable(Float32Array);
  const labels = new Growable(Int32Array);
  let width = -1;
  let rows = 0;
  await forEachDataRow(file, ',', (parts, no) => {
    if (width < 0) width = parts.length;
    else if (parts.length !== width) throw new Error(`${file}:${no}: has ${parts.length} columns, expected ${width}`);
    const lc = labelColumn === undefined ? -1 : labelColumn < 0 ? width + labelColumn : labelColumn;
    if (labelColumn !== undefined && (lc < 0 || lc >= width)) throw new Error(`${file}: labelColumn ${labelColumn} is outside the ${width} columns`);
    for (let c = 0; c < parts.length; c++) {
      if (c === lc) labels.push(parseIntField(parts[c], file, no, c));
      else data.push(parseFloatField(parts[c], file, no, c));
    }
    rows++;
  });
  const cols = Math.max(0, width - (labelColumn === undefined ? 0 : 1));
  return { rows, cols, data: data.toArray(), labels: labelColumn === undefined ? undefined : labels.toArray() };
}

async function readLabelCsv(file: string, n: number): Promise<Int32Array> {
  const out = new Int32Array(n).fill(-1);
  let row = 0;
  await forEachDataRow(file, SEP, (parts, no) => {
    const [node, label] = parts.length >= 2 ? [parseIntField(parts[0], file, no, 0), parseIntField(parts[1], file, no, 1)] : [row, parseIntField(parts[0], file, no, 0)];
    if (node < 0 || node >= n) throw new Error(`${file}:${no}: node ${node} is out of range [0, ${n})`);
    out[node] = label;
    row++;
  });
  return out;
}

export async function loadEdgeList(edgesFile: string, opts: EdgeListOptions = {}): Promise<Dataset> {
  if (!opts.features) throw new Error(`${edgesFile}: an edge list needs node features: pass the features option (.csv or .npy)`);
  const featFile = opts.features;
  let rows: number;
  let cols: number;
  let data: Float32Array;
  let labels: Int32Array | undefined;
  if (featFile.endsWith('.npy')) {
    const a = parseNpy(readFileBytes(featFile), featFile);
    if (a.shape.length !== 2) throw new Error(`${featFile}: shape is [${a.shape}], expected [nodes, features]`);
    [rows, cols] = a.shape;
    data = npyToFloat32(a, featFile, cols);
  } else {
    const f = await readFeatureCsv(featFile, opts.labelColumn);
    ({ rows, cols, data, labels } = f);
  }
  const { src, dst, maxId } = await readEdges(edgesFile);
  if (maxId >= rows) throw new Error(`${edgesFile}: node id ${maxId} is out of range: ${featFile} has ${rows} rows (one per node)`);
  const graph = datasetGraph(rows, src, dst, edgesFile, opts.symmetrize ?? true);
  let labelWhat = featFile;
  if (opts.labels) {
    labels = await readLabelCsv(opts.labels, rows);
    labelWhat = opts.labels;
  }
  if (!labels) throw new Error(`${edgesFile}: no labels: pass a labels CSV or the labelColumn of ${featFile}`);
  const numClasses = checkLabels(labels, rows, labelWhat);
  return {
    name: opts.name ?? path.basename(edgesFile).replace(/\.(csv|tsv|txt)(\.gz)?$/, ''),
    graph,
    features: { kind: 'dense', rows, cols, data },
    labels,
    numClasses,
    source: edgesFile,
  };
}
