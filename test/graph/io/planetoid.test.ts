import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPlanetoid, planetoidNames } from '../../../src/graph/io/planetoid.js';
import { unpickle } from '../../../src/graph/io/pickle.js';
import { validateSplit } from '../../../src/graph/split.js';
import { graphStats } from '../../../src/graph/stats.js';
import { sharedPath, tempDir } from '../../helpers/paths.js';

const dir = sharedPath('datasets', 'planetoid');

test('loads Cora: 2708 nodes, 10556 directed edges, 1433 features, 7 classes, split 140/500/1000', () => {
  const d = loadPlanetoid(dir, 'cora');
  assert.equal(d.graph.rows, 2708);
  assert.equal(d.graph.indptr[2708], 10556);
  assert.equal(d.features.cols, 1433);
  assert.equal(d.numClasses, 7);
  assert.deepEqual([d.split!.train.length, d.split!.val.length, d.split!.test.length], [140, 500, 1000]);
  validateSplit(d.split!, 2708, d.labels);
  const s = graphStats(d.graph);
  assert.equal(s.selfLoops, 0);
  assert.equal(s.symmetric, true);
});

test('loads CiteSeer with its 15 padded isolated test slots: 3327 nodes, split 120/500/1000', () => {
  const d = loadPlanetoid(dir, 'citeseer');
  assert.equal(d.graph.rows, 3327);
  assert.equal(d.features.cols, 3703);
  assert.equal(d.numClasses, 6);
  assert.deepEqual([d.split!.train.length, d.split!.val.length, d.split!.test.length], [120, 500, 1000]);
  assert.equal(Array.from(d.labels).filter((y) => y === -1).length, 15);
  validateSplit(d.split!, 3327, d.labels);
});

test('finds the planetoid names in a directory', () => {
  assert.deepEqual(planetoidNames(dir), ['citeseer', 'cora']);
});

test('a truncated pickle gives an error naming the file', () => {
  const t = tempDir('pkl');
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith('ind.cora.'))) fs.copyFileSync(path.join(dir, f), path.join(t, f));
  const x = path.join(t, 'ind.cora.allx');
  const bytes = fs.readFileSync(x);
  fs.writeFileSync(x, bytes.subarray(0, 5000));
  assert.throws(() => loadPlanetoid(t, 'cora'), /ind\.cora\.allx: truncated/);
});

test('an unknown pickle global is refused by name and never run', () => {
  const evil = Buffer.concat([Buffer.from([0x80, 2]), Buffer.from('cos\nsystem\n'), Buffer.from('U\x02ls\x85R.', 'latin1')]);
  assert.throws(() => unpickle(evil, 'evil.pkl'), /evil\.pkl: pickle global 'os\.system' is not allowed/);
});

test('a graph edge to a node beyond the feature rows is reported', () => {
  const t = tempDir('pklg');
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith('ind.cora.'))) fs.copyFileSync(path.join(dir, f), path.join(t, f));
  // dict {0: [5000]} as a protocol 2 pickle: EMPTY_DICT, BININT1 0, EMPTY_LIST, BININT2 5000, APPEND, SETITEM, STOP
  fs.writeFileSync(path.join(t, 'ind.cora.graph'), Buffer.from([0x80, 2, 0x7d, 0x4b, 0, 0x5d, 0x4d, 0x88, 0x13, 0x61, 0x73, 0x2e]));
  assert.throws(() => loadPlanetoid(t, 'cora'), /ind\.cora\.graph: edge 0 \(0 -> 5000\) has a node id out of range \[0, 2708\)/);
});
