import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromEdgeList } from '../../../src/graph/build.js';
import { edgeCut, imbalance, partSizes, readMetisPartition, writeMetisGraph } from '../../../src/graph/partition/index.js';
import { tempDir } from '../../helpers/paths.js';

// triangle 0-1-2 plus edge 2-3 of weight 5
const src = Int32Array.from([0, 1, 1, 2, 0, 2, 2, 3]);
const dst = Int32Array.from([1, 0, 2, 1, 2, 0, 3, 2]);
const weights = Float64Array.from([1, 1, 1, 1, 1, 1, 5, 5]);
const g = fromEdgeList({ numNodes: 4, src, dst, weights });

test('edge cut counts each undirected edge once with its weight', () => {
  assert.equal(edgeCut(g, Int32Array.from([0, 0, 0, 1])), 5);
  assert.equal(edgeCut(g, Int32Array.from([0, 0, 1, 1])), 2);
  assert.equal(edgeCut(fromEdgeList({ numNodes: 4, src, dst }), Int32Array.from([0, 0, 0, 1])), 1);
});

test('part sizes and imbalance follow max part weight over the average', () => {
  const part = Int32Array.from([0, 0, 0, 1]);
  assert.deepEqual(Array.from(partSizes(part, 2)), [3, 1]);
  assert.equal(imbalance(part, 2), 1.5);
  assert.equal(imbalance(part, 2, [1, 1, 1, 3]), 1);
  assert.throws(() => partSizes(Int32Array.from([0, 2]), 2), /part\[1\] = 2 is out of range \[0, 2\)/);
});

test('METIS files are written 1-based with weights and partitions read back', () => {
  const dir = tempDir('metis');
  const file = path.join(dir, 'g.graph');
  writeMetisGraph(g, file);
  assert.equal(readFileSync(file, 'utf8'), '4 4 001\n2 1 3 1\n1 1 3 1\n1 1 2 1 4 5\n3 5\n');
  writeFileSync(`${file}.part.2`, '0\n0\n1\n1\n');
  assert.deepEqual(Array.from(readMetisPartition(`${file}.part.2`, 4)), [0, 0, 1, 1]);
  assert.throws(() => readMetisPartition(`${file}.part.2`, 5), /has 4 lines, expected one per node \(5\)/);
});
