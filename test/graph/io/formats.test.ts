import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { zipSync } from 'fflate';
import { loadOgb } from '../../../src/graph/io/ogb.js';
import { loadSaint } from '../../../src/graph/io/saint.js';
import { loadEdgeList } from '../../../src/graph/io/edgelist.js';
import { loadDataset, detectFormat } from '../../../src/graph/io/index.js';
import { saveBinary } from '../../../src/graph/io/binary.js';
import { writeNpy } from '../../../src/graph/io/npy.js';
import { isSymmetric } from '../../../src/graph/stats.js';
import { toDense } from '../../../src/graph/features.js';
import { sharedPath, tempDir } from '../../helpers/paths.js';

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, file.endsWith('.gz') ? zlib.gzipSync(text) : text);
}

function makeOgb(root: string, gz: boolean, edges = '0,1\n1,2\n2,0\n3,2\n'): void {
  const x = gz ? '.csv.gz' : '.csv';
  write(path.join(root, 'raw', `edge${x}`), edges);
  write(path.join(root, 'raw', `node-feat${x}`), '0.5,1\n1,2\n-1,0\n3,3\n');
  write(path.join(root, 'raw', `node-label${x}`), '0\n1\n1\n0\n');
  write(path.join(root, 'raw', `num-node-list${x}`), '4\n');
  write(path.join(root, 'split', 'time', `train${x}`), '0\n1\n');
  write(path.join(root, 'split', 'time', `valid${x}`), '2\n');
  write(path.join(root, 'split', 'time', `test${x}`), '3\n');
}

test('loads an OGB raw directory from .csv.gz files, symmetrised by default, from the root or raw/', async () => {
  const root = path.join(tempDir('ogb'), 'ogbn_toy');
  makeOgb(root, true);
  const d = await loadOgb(root);
  assert.equal(d.graph.rows, 4);
  assert.equal(d.graph.indptr[4], 8);
  assert.ok(isSymmetric(d.graph));
  assert.deepEqual(Array.from(toDense(d.features)), [0.5, 1, 1, 2, -1, 0, 3, 3]);
  assert.deepEqual(Array.from(d.split!.train), [0, 1]);
  assert.equal(d.numClasses, 2);
  const directed = await loadOgb(path.join(root, 'raw'), { symmetrize: false });
  assert.equal(directed.graph.indptr[4], 4);
  assert.equal(detectFormat(root), 'ogb');
});

test('OGB errors name the file and line: edge id out of range, NaN feature, truncated gzip', async () => {
  const dir = tempDir('ogbbad');
  const a = path.join(dir, 'a');
  makeOgb(a, false, '0,1\n1,9\n');
  await assert.rejects(loadOgb(a), /edge\.csv:2: edge 1 -> 9 has a node id out of range \[0, 4\)/);
  const b = path.join(dir, 'b');
  makeOgb(b, false);
  write(path.join(b, 'raw', 'node-feat.csv'), '0,1\nnan,2\n1,1\n1,1\n');
  await assert.rejects(loadOgb(b), /node-feat\.csv:2: column 1 is 'nan', expected a finite number/);
  const c = path.join(dir, 'c');
  makeOgb(c, true);
  const ef = path.join(c, 'raw', 'edge.csv.gz');
  const gz = fs.readFileSync(ef);
  fs.writeFileSync(ef, gz.subarray(0, gz.length - 6));
  await assert.rejects(loadOgb(c), /edge\.csv\.gz: cannot read/);
});

function writeSaint(dir: string, classMap: unknown): void {
  fs.mkdirSync(dir, { recursive: true });
  const members = {
    'indptr.npy': writeNpy(Int32Array.from([0, 2, 3, 4]), [4]),
    'indices.npy': writeNpy(Int32Array.from([1, 2, 0, 0]), [4]),
    'data.npy': writeNpy(Float32Array.from([1, 1, 1, 1]), [4]),
    'shape.npy': writeNpy(BigInt64Array.from([3n, 3n]), [2]),
    'format.npy': writeNpy(Uint8Array.from([99, 115, 114]), [1], '|S3'),
  };
  fs.writeFileSync(path.join(dir, 'adj_full.npz'), zipSync(members, { level: 6 }));
  fs.writeFileSync(path.join(dir, 'feats.npy'), writeNpy(Float64Array.from([1, 2, 3, 4, 5, 6]), [3, 2]));
  fs.writeFileSync(path.join(dir, 'class_map.json'), JSON.stringify(classMap));
  fs.writeFileSync(path.join(dir, 'role.json'), JSON.stringify({ tr: [0], va: [1], te: [2] }));
}

test('loads a GraphSAINT directory with integer or one-hot class maps', () => {
  const dir = path.join(tempDir('saint'), 'flickr');
  writeSaint(dir, { 0: 0, 1: 1, 2: 2 });
  const d = loadSaint(dir);
  assert.equal(d.graph.rows, 3);
  assert.ok(isSymmetric(d.graph));
  assert.equal(d.graph.indptr[3], 4);
  assert.equal(d.numClasses, 3);
  assert.deepEqual(Array.from(d.split!.test), [2]);
  const oneHot = path.join(tempDir('saint2'), 'x');
  writeSaint(oneHot, { 0: [1, 0], 1: [0, 1], 2: [0, 1] });
  assert.deepEqual(Array.from(loadSaint(oneHot).labels), [0, 1, 1]);
});

test('GraphSAINT errors: multi-label class maps, wrong feature shape, label out of range', () => {
  const dir = path.join(tempDir('saintbad'), 'yelp');
  writeSaint(dir, { 0: [1, 1], 1: [0, 1], 2: [0, 1] });
  assert.throws(() => loadSaint(dir), /class_map\.json: node 0 has a multi-hot label list; multi-label datasets are not supported yet/);
  writeSaint(dir, { 0: 0, 1: -3, 2: 1 });
  assert.throws(() => loadSaint(dir), /class_map\.json: label of node 1 is -3/);
  writeSaint(dir, { 0: 0, 1: 1, 2: 1 });
  fs.writeFileSync(path.join(dir, 'feats.npy'), writeNpy(Float32Array.from([1, 2, 3, 4]), [2, 2]));
  assert.throws(() => loadSaint(dir), /feats\.npy: shape is \[2,2\], expected \[3, features\]/);
});

test('loads an edge list with a header and comments, features CSV with a label column, or .npy features and a labels CSV', async () => {
  const dir = tempDir('el');
  write(path.join(dir, 'edges.csv.gz'), '# toy graph\nsrc,dst\n0,1\n1,2\n2,2\n');
  write(path.join(dir, 'feats.csv'), 'a,b,label\n1,2,0\n3,4,1\n5,6,1\n');
  const d = await loadEdgeList(path.join(dir, 'edges.csv.gz'), { features: path.join(dir, 'feats.csv'), labelColumn: -1 });
  assert.equal(d.graph.indptr[3], 4);
  assert.deepEqual(Array.from(d.labels), [0, 1, 1]);
  assert.deepEqual(Array.from(toDense(d.features)), [1, 2, 3, 4, 5, 6]);
  fs.writeFileSync(path.join(dir, 'feats.npy'), writeNpy(Float32Array.from([1, 2, 3]), [3, 1]));
  write(path.join(dir, 'labels.csv'), '0\n2\n-1\n');
  const e = await loadDataset(path.join(dir, 'edges.csv.gz'), { features: path.join(dir, 'feats.npy'), labels: path.join(dir, 'labels.csv') });
  assert.deepEqual(Array.from(e.labels), [0, 2, -1]);
  assert.equal(e.numClasses, 3);
});

test('edge-list errors: edge id beyond the features, NaN feature, missing features', async () => {
  const dir = tempDir('elbad');
  write(path.join(dir, 'edges.csv'), '0,1\n1,3\n');
  write(path.join(dir, 'feats.csv'), '1,0\n3,1\n5,1\n');
  await assert.rejects(loadEdgeList(path.join(dir, 'edges.csv'), { features: path.join(dir, 'feats.csv'), labelColumn: 1 }), /edges\.csv: node id 3 is out of range: .*feats\.csv has 3 rows/);
  write(path.join(dir, 'edges.csv'), '0,1\n');
  write(path.join(dir, 'feats.csv'), '1,0\nNaN,1\n5,1\n');
  await assert.rejects(loadEdgeList(path.join(dir, 'edges.csv'), { features: path.join(dir, 'feats.csv'), labelColumn: 1 }), /feats\.csv:2: column 1 is 'NaN'/);
  await assert.rejects(loadEdgeList(path.join(dir, 'edges.csv')), /edges\.csv: an edge list needs node features/);
});

test('loadDataset detects every format and rejects an unknown one with the supported list', async () => {
  const planetoid = sharedPath('datasets', 'planetoid');
  await assert.rejects(loadDataset(planetoid), /several Planetoid datasets \(citeseer, cora\)/);
  assert.equal((await loadDataset(planetoid, { name: 'Cora' })).graph.rows, 2708);
  assert.equal((await loadDataset(path.join(planetoid, 'ind.citeseer'))).graph.rows, 3327);
  const npz = await loadDataset(sharedPath('datasets', 'npz', 'cora.npz'));
  assert.equal(npz.graph.rows, 2708);
  const dir = tempDir('detect');
  const fgnn = path.join(dir, 'cora.fgnn');
  saveBinary(npz, fgnn);
  assert.equal((await loadDataset(fgnn)).graph.indptr[2708], 10556);
  writeSaint(path.join(dir, 'saint'), { 0: 0, 1: 1, 2: 1 });
  assert.equal(detectFormat(path.join(dir, 'saint')), 'saint');
  fs.writeFileSync(path.join(dir, 'data.bin'), 'hello world');
  await assert.rejects(loadDataset(path.join(dir, 'data.bin')), /data\.bin: unknown dataset format; supported: gnn-benchmark \.npz/);
  fs.mkdirSync(path.join(dir, 'empty'));
  await assert.rejects(loadDataset(path.join(dir, 'empty')), /empty: cannot tell the dataset format/);
});
