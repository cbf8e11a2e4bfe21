// OGB node-property raw directory loader (raw/edge.csv[.gz], node-feat, node-label, num-node-list,
// split/<name>/{train,valid,test}.csv[.gz]), streamed line by line into growable typed arrays.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset, Split } from '../dataset.js';
import { checkLabels, datasetGraph, Growable, parseFloatField, parseIntField } from './common.js';
import { firstExisting, forEachLine } from './lines.js';

export interface OgbOptions {
  /** symmetrise the edges (PyG practice for ogbn-arxiv/products); default true */
  readonly symmetrize?: boolean;
  /** which split/<name>/ folder when there are several */
  readonly splitName?: string;
  readonly name?: string;
}

const gzOrPlain = (dir: string, stem: string): string | undefined => firstExisting([path.join(dir, `${stem}.csv.gz`), path.join(dir, `${stem}.csv`)]);

/** The dataset root for a path that is the root itself or its raw/ folder; undefined if neither. */
export function ogbRoot(p: string): string | undefined {
  if (gzOrPlain(path.join(p, 'raw'), 'edge')) return p;
  if (path.basename(p) === 'raw' && gzOrPlain(p, 'edge')) return path.dirname(p);
  return undefined;
}

async function readIntColumn(file: string): Promise<Int32Array> {
  const out = new Growable(Int32Array);
  await forEachLine(file, (line, no) => {
    const t = line.trim();
    if (t === '') return;
    out.push(/^nan$/i.test(t) ? -1 : parseIntField(t, file, no, 0));
  });
  return out.toArray();
}

export async function loadOgb(dirOrRaw: string, opts: OgbOptions = {}): Promise<Dataset> {
  const root = ogbRoot(dirOrRaw);
  if (!root) throw new Error(`${dirOrRaw}: not an OGB dataset directory (expected raw/edge.csv or raw/edge.csv.gz)`);
  const raw = path.join(root, 'raw');
  const edgeFile = gzOrPlain(raw, 'edge')!;
  const featFile = gzOrPlain(raw, 'node-feat');
  const labelFile = gzOrPlain(raw, 'node-label');
  if (!featFile) throw new Error(`${raw}: missing node-feat.csv(.gz)`);
  if (!labelFile) throw new Error(`${raw}: missing node-label.csv(.gz)`);

  // features: rows of comma-separated floats, all of one width
  const feats = new Growable(Float32Array);
  let cols = -1;
  let rows = 0;
  await forEachLine(featFile, (line, no) => {
    if (line.trim() === '') return;
    const parts = line.split(',');
    if (cols < 0) cols = parts.length;
    else if (parts.length !== cols) throw new Error(`${featFile}:${no}: has ${parts.length} columns, expected ${cols}`);
    for (let c = 0; c < parts.length; c++) feats.push(parseFloatField(parts[c], featFile, no, c));
    rows++;
  });
  let n = rows;
  const nodeCountFile = gzOrPlain(raw, 'num-node-list');
  if (nodeCountFile) {
    const counts = await readIntColumn(nodeCountFile);
    if (counts.length !== 1) throw new Error(`${nodeCountFile}: expected one node count (one graph), got ${counts.length}`);
    n = counts[0];
    if (rows !== n) throw new Error(`${featFile}: has ${rows} rows, expected ${n} (from num-node-list)`);
  }

  const src = new Growable(Int32Array);
  const dst = new Growable(Int32Array);
  await forEachLine(edgeFile, (line, no) => {
    if (line.trim() === '') return;
    const parts = line.split(',');
    if (parts.length !== 2) throw new Error(`${edgeFile}:${no}: expected 'src,dst', got '${line}'`);
    const s = parseIntField(parts[0], edgeFile, no, 0);
    const d = parseIntField(parts[1], edgeFile, no, 1);
    if (s < 0 || s >= n || d < 0 || d >= n) throw new Error(`${edgeFile}:${no}: edge ${s} -> ${d} has a node id out of range [0, ${n})`);
    src.push(s);
    dst.push(d);
  });
  const graph = datasetGraph(n, src.toArray(), dst.toArray(), edgeFile, opts.symmetrize ?? true);

  const labels = await readIntColumn(labelFile);
  const numClasses = checkLabels(labels, n, labelFile);
  const split = await readSplit(root, n, opts.splitName);
  return {
    name: opts.name ?? path.basename(root),
    graph,
    features: { kind: 'dense', rows: n, cols: Math.max(cols, 0), data: feats.toArray() },
    labels,
    numClasses,
    split,
    source: root,
  };
}

async function readSplit(root: string, n: number, want?: string): Promise<Split | undefined> {
  const splitDir = path.join(root, 'split');
  if (!fs.existsSync(splitDir)) return undefined;
  const names = fs.readdirSync(splitDir).filter((d) => fs.statSync(path.join(splitDir, d)).isDirectory()).sort();
  if (names.length === 0) return undefined;
  const name = want ?? (names.length === 1 ? names[0] : undefined);
  if (!name || !names.includes(name)) {
    throw new Error(`${splitDir}: ${want ? `no split '${want}'` : 'several splits'}; choose one of ${names.join(', ')} with splitName`);
  }
  const dir = path.join(splitDir, name);
  const part = async (stem: string): Promise<Int32Array> => {
    const file = gzOrPlain(dir, stem);
    if (!file) throw new Error(`${dir}: missing ${stem}.csv(.gz)`);
    const ids = await readIntColumn(file);
    for (let k = 0; k < ids.length; k++) {
      if (ids[k] < 0 || ids[k] >= n) throw new Error(`${file}: entry ${k + 1} is node ${ids[k]}, out of range [0, ${n})`);
    }
    return ids;
  };
  return { train: await part('train'), val: await part('valid'), test: await part('test') };
}
