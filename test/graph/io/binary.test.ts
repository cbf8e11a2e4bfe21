import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadBinary, saveBinary } from '../../../src/graph/io/binary.js';
import { loadPlanetoid } from '../../../src/graph/io/planetoid.js';
import type { Dataset } from '../../../src/graph/dataset.js';
import { sharedPath, tempDir } from '../../helpers/paths.js';

function sameDataset(a: Dataset, b: Dataset): void {
  assert.equal(a.name, b.name);
  assert.equal(a.numClasses, b.numClasses);
  assert.deepEqual(a.graph, b.graph);
  assert.deepEqual(a.features, b.features);
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.split, b.split);
}

test('a saved .fgnn loads back equal to the original (CSR features, split)', () => {
  const d = loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora');
  const file = path.join(tempDir('bin'), 'cora.fgnn');
  saveBinary(d, file);
  const back = loadBinary(file, { verify: true });
  sameDataset({ ...d, source: undefined }, { ...back, source: undefined });
  assert.equal(back.graph.indices.byteOffset % 64, 0);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['cora.fgnn']);
});

test('dense features, weighted graphs and no split round-trip too', () => {
  const d: Dataset = {
    name: 'tiny', numClasses: 2, labels: Int32Array.from([0, 1, -1]),
    graph: { rows: 3, cols: 3, indptr: Int32Array.from([0, 1, 2, 2]), indices: Int32Array.from([1, 0]), values: Float64Array.from([0.5, 2]) },
    features: { kind: 'dense', rows: 3, cols: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  };
  const file = path.join(tempDir('bin2'), 'tiny.fgnn');
  saveBinary(d, file);
  const back = loadBinary(file);
  sameDataset(d, back);
  assert.equal(back.split, undefined);
});

test('a truncated or corrupt .fgnn gives a clear error naming the file', () => {
  const d = loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora');
  const dir = tempDir('bin3');
  const file = path.join(dir, 'cora.fgnn');
  saveBinary(d, file);
  const bytes = fs.readFileSync(file);
  const trunc = path.join(dir, 'trunc.fgnn');
  fs.writeFileSync(trunc, bytes.subarray(0, bytes.length - 1000));
  assert.throws(() => loadBinary(trunc), /trunc\.fgnn: truncated \.fgnn file: \d+ bytes, header says totalBytes/);
  fs.writeFileSync(trunc, bytes.subarray(0, 10));
  assert.throws(() => loadBinary(trunc), /trunc\.fgnn: truncated \.fgnn file \(10 bytes/);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 7000] ^= 0xff;
  const bad = path.join(dir, 'bad.fgnn');
  fs.writeFileSync(bad, flipped);
  assert.throws(() => loadBinary(bad, { verify: true }), /bad\.fgnn: checksum mismatch in array/);
  const magic = path.join(dir, 'magic.fgnn');
  fs.writeFileSync(magic, Buffer.from('NOTAFGNNFILE-----------'));
  assert.throws(() => loadBinary(magic), /magic\.fgnn: not a \.fgnn file/);
});
