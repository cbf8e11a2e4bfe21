// Tests of gatherInput: the rows asked for, the buffer reused when given, and errors naming a bad id or short buffer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatherInput } from '../../src/batching/materialize.js';
import { SparseInput, type NodeInput } from '../../src/tensor/compose.js';
import { Tensor } from '../../src/tensor/tensor.js';

const values = (t: NodeInput): number[] => Array.from((t as Tensor).data);

test('gatherInput copies the rows asked for, into a given buffer when it is long enough', () => {
  const x = new Tensor(Float32Array.from({ length: 12 }, (_, i) => i), [4, 3]);
  assert.deepEqual(values(gatherInput(x, Int32Array.of(3, 0))), [9, 10, 11, 0, 1, 2]);
  const into = new Float32Array(9).fill(-1);
  const out = gatherInput(x, Int32Array.of(1, 2), into) as Tensor;
  assert.equal(out.data.buffer, into.buffer);
  assert.deepEqual(Array.from(into), [3, 4, 5, 6, 7, 8, -1, -1, -1]);
  assert.deepEqual(out.shape, [2, 3]);
  const f64 = new Tensor(Float64Array.of(0.5, 1.5), [2, 1]);
  assert.deepEqual(values(gatherInput(f64, Int32Array.of(1, 1, 0))), [1.5, 1.5, 0.5]);
});

test('gatherInput selects sparse rows', () => {
  const m = { rows: 2, cols: 3, indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(2, 0, 1), values: Float32Array.of(5, 6, 7) };
  const out = gatherInput(new SparseInput(m), Int32Array.of(1)) as SparseInput;
  assert.deepEqual([Array.from(out.matrix.indices), Array.from(out.matrix.values!)], [[0, 1], [6, 7]]);
});

test('gatherInput names an id outside the rows and a buffer too short', () => {
  const x = new Tensor(new Float32Array(12), [4, 3]);
  assert.throws(() => gatherInput(x, Int32Array.of(0, 4)), /gatherInput: nodes\[1\] = 4 is outside the 4 rows of x/);
  assert.throws(() => gatherInput(x, Int32Array.of(-1)), /nodes\[0\] = -1 is outside/);
  assert.throws(() => gatherInput(x, Int32Array.of(0, 1, 2, 3), new Float32Array(9)), /into holds 9 values, expected >= 12/);
});
