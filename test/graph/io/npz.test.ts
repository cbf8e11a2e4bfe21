import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { loadNpz } from '../../../src/graph/io/npz.js';
import { writeNpy, type NpyData } from '../../../src/graph/io/npy.js';
import { isSymmetric, graphStats } from '../../../src/graph/stats.js';
import { sharedPath, tempDir } from '../../helpers/paths.js';

test('loads the shared cora.npz like PyG parse_npz', () => {
  const d = loadNpz(sharedPath('datasets', 'npz', 'cora.npz'));
  assert.equal(d.graph.rows, 2708);
  assert.equal(d.graph.indptr[2708], 10556);
  assert.equal(d.numClasses, 7);
  assert.equal(d.features.cols, 1433);
  assert.equal(d.features.kind, 'csr');
  assert.ok(isSymmetric(d.graph));
  assert.equal(graphStats(d.graph).selfLoops, 0);
  assert.equal(d.split, undefined);
});

test('loads the shared amazon computers npz: 13752 nodes, 491722 directed edges, 767 features, 10 classes', () => {
  const d = loadNpz(sharedPath('datasets', 'npz', 'amazon_electronics_computers.npz'));
  assert.equal(d.graph.rows, 13752);
  assert.equal(d.graph.indptr[13752], 491722);
  assert.equal(d.features.cols, 767);
  assert.equal(d.numClasses, 10);
  assert.equal(d.features.kind, 'csr');
  assert.ok(d.features.values!.every((v) => v === 1 || v <= 0));
});

function writeZip(file: string, arrays: Record<string, [NpyData, number[]]>, level: 0 | 6 = 0): void {
  const members: Record<string, Uint8Array> = {};
  for (const [k, [data, shape]] of Object.entries(arrays)) members[`${k}.npy`] = writeNpy(data, shape);
  fs.writeFileSync(file, zipSync(members, { level }));
}

const small = (): Record<string, [NpyData, number[]]> => ({
  adj_data: [Float32Array.from([1, 1, 1]), [3]],
  adj_indices: [Int32Array.from([1, 2, 2]), [3]],
  adj_indptr: [Int32Array.from([0, 2, 3, 3]), [4]],
  adj_shape: [BigInt64Array.from([3n, 3n]), [2]],
  attr_data: [Float32Array.from([2, 0.5]), [2]],
  attr_indices: [Int32Array.from([0, 1]), [2]],
  attr_indptr: [Int32Array.from([0, 1, 1, 2]), [4]],
  attr_shape: [BigInt64Array.from([3n, 2n]), [2]],
  labels: [Int8Array.from([0, 1, 1]), [3]],
});

test('reads deflated npz members, binarises features and symmetrises edges', () => {
  const file = path.join(tempDir('npz'), 'g.npz');
  writeZip(file, small(), 6);
  const d = loadNpz(file);
  assert.deepEqual(Array.from(d.graph.indptr), [0, 2, 4, 6]);
  assert.deepEqual(Array.from(d.features.kind === 'csr' ? d.features.values! : []), [1, 1]);
});

test('npz errors name the file and the array: corrupt zip, truncated, wrong shape, bad label', () => {
  const dir = tempDir('npzbad');
  const good = path.join(dir, 'good.npz');
  writeZip(good, small());
  const bytes = fs.readFileSync(good);
  const trunc = path.join(dir, 'trunc.npz');
  fs.writeFileSync(trunc, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => loadNpz(trunc), /trunc\.npz/);
  const corrupt = path.join(dir, 'corrupt.npz');
  fs.writeFileSync(corrupt, Buffer.from('PK\x03\x04 this is not a zip at all'));
  assert.throws(() => loadNpz(corrupt), /corrupt\.npz: not a readable \.npz zip archive/);
  const shape = path.join(dir, 'shape.npz');
  writeZip(shape, { ...small(), attr_shape: [BigInt64Array.from([4n, 2n]), [2]] });
  assert.throws(() => loadNpz(shape), /shape\.npz\[attr_shape\]: features have 4 rows, expected one per node \(3\)/);
  const edge = path.join(dir, 'edge.npz');
  writeZip(edge, { ...small(), adj_indices: [Int32Array.from([1, 7, 2]), [3]] });
  assert.throws(() => loadNpz(edge), /edge\.npz\[adj_\*\]: column index 7 at entry 1 is out of range/);
  const label = path.join(dir, 'label.npz');
  writeZip(label, { ...small(), labels: [Int8Array.from([0, -2, 1]), [3]] });
  assert.throws(() => loadNpz(label), /label\.npz\[labels\]: label of node 1 is -2/);
  const nan = path.join(dir, 'nan.npz');
  writeZip(nan, { ...small(), attr_data: [Float32Array.from([NaN, 1]), [2]] });
  assert.throws(() => loadNpz(nan), /nan\.npz\[attr_data\]: entry 0 is NaN/);
  const missing = path.join(dir, 'missing.npz');
  const { labels: _drop, ...rest } = small();
  writeZip(missing, rest);
  assert.throws(() => loadNpz(missing), /missing\.npz: missing array 'labels'/);
});
