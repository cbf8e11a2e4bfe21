// Every primitive's backward rule against central finite differences in float64.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addRowVec, batchNorm, gatScores, dropout, edgeSoftmax, elu, exp, gatAttention, gatherRows, gspmm, layerNorm, leakyRelu, log, logSoftmax,
  matmul, mul, mulRowVec, nllLoss, PRIMITIVES, relu, reshape, scale, scatterAddRows, sddmmAdd, spmm, spmmBiasActivation, sub, add, sum,
  backward, parameter, Tensor, type Primitive,
} from '../../src/tensor/index.js';
import { knownTranspose, type CsrMatrix } from '../../src/graph/csr.js';
import { selectRows } from '../../src/nn/graph-context.js';
import { gradcheck, randomLeaf } from '../helpers/gradcheck.js';
import { csrFromEdges, SMALL_EDGES } from '../helpers/graphs.js';

const A = csrFromEdges(12, 12, SMALL_EDGES, SMALL_EDGES.map((_, i) => 0.1 + (i % 7) * 0.3));
const A_UNWEIGHTED = csrFromEdges(12, 12, SMALL_EDGES);
const E = SMALL_EDGES.length;
/** Rows 3, 9, 3 and 0 of A + I: a mini-batch's output rows, one of them twice. */
const ROWS = Int32Array.of(3, 9, 3, 0);
const A_ROWS = selectRows(csrFromEdges(12, 12, [...SMALL_EDGES, ...Array.from({ length: 12 }, (_, i): [number, number] => [i, i])]), ROWS);

/** A deterministic uniform source for dropout. */
function fixedUniform(seed: number): { next(): number } {
  let s = seed;
  return { next: () => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 2 ** 32) };
}

const cases: Record<Primitive, Array<[string, () => void]>> = {
  matmul: [false, true].flatMap((ta) =>
    [false, true].map((tb): [string, () => void] => [
      `transA=${ta} transB=${tb}`,
      () => gradcheck((a, b) => matmul(a, b, ta, tb), [randomLeaf(ta ? [4, 3] : [3, 4], 1), randomLeaf(tb ? [5, 4] : [4, 5], 2)]),
    ]),
  ),
  add: [['same shapes', () => gradcheck(add, [randomLeaf([3, 4], 1), randomLeaf([3, 4], 2)])]],
  sub: [['same shapes', () => gradcheck(sub, [randomLeaf([3, 4], 1), randomLeaf([3, 4], 2)])]],
  mul: [['same shapes', () => gradcheck(mul, [randomLeaf([3, 4], 1), randomLeaf([3, 4], 2)])]],
  scale: [['by -2.5', () => gradcheck((x) => scale(x, -2.5), [randomLeaf([3, 4], 1)])]],
  addRowVec: [['bias', () => gradcheck(addRowVec, [randomLeaf([3, 4], 1), randomLeaf([4], 2)])]],
  mulRowVec: [['gain', () => gradcheck(mulRowVec, [randomLeaf([3, 4], 1), randomLeaf([4], 2)])]],
  gatScores: [
    ['three heads', () => gradcheck((x, s, d) => gatScores(x, s, d, 3), [randomLeaf([4, 6], 1), randomLeaf([6], 2), randomLeaf([6], 3)])],
    ['one head', () => gradcheck((x, s, d) => gatScores(x, s, d, 1), [randomLeaf([4, 5], 1), randomLeaf([5], 2), randomLeaf([5], 3)])],
  ],
  relu: [['away from 0', () => gradcheck(relu, [randomLeaf([5, 4], 3)])]],
  elu: [['alpha 1.3', () => gradcheck((x) => elu(x, 1.3), [randomLeaf([5, 4], 3)])]],
  leakyRelu: [['slope 0.2', () => gradcheck((x) => leakyRelu(x, 0.2), [randomLeaf([5, 4], 3)])]],
  exp: [['values', () => gradcheck(exp, [randomLeaf([3, 4], 1)])]],
  log: [['positive values', () => gradcheck(log, [randomLeaf([3, 4], 1, 2)])]],
  reshape: [['matrix to vector', () => gradcheck((x) => mul(reshape(x, [12]), reshape(x, [12])), [randomLeaf([3, 4], 1)])]],
  sum: [['all values', () => gradcheck((x) => scale(sum(x), 1), [randomLeaf([3, 4], 1)])]],
  logSoftmax: [['rows', () => gradcheck(logSoftmax, [randomLeaf([4, 5], 1)])]],
  nllLoss: [[
    'masked rows',
    () => gradcheck((x) => nllLoss(logSoftmax(x), Int32Array.of(0, 2, 3), Int32Array.of(4, 0, 1)), [randomLeaf([4, 5], 1)]),
  ], [
    'weighted rows',
    () => gradcheck((x) => nllLoss(logSoftmax(x), Int32Array.of(0, 2, 3), Int32Array.of(4, 0, 1), Float64Array.of(0.5, 2, 1.25)), [randomLeaf([4, 5], 1)]),
  ]],
  spmm: [['weighted graph', () => gradcheck((x) => spmm(A, x), [randomLeaf([12, 3], 1)])]],
  spmmBiasActivation: [
    ...([{ kind: 'relu' }, { kind: 'elu', alpha: 1.3 }, { kind: 'leakyRelu', slope: 0.2 }] as const).map((act): [string, () => void] => [
      `${act.kind}, weighted graph`,
      () => gradcheck((x, b) => spmmBiasActivation(A, x, b, act), [randomLeaf([12, 3], 1), randomLeaf([3], 2)]),
    ]),
    ['relu, four output rows of an unweighted graph', () => {
      const rows = selectRows(A_UNWEIGHTED, Int32Array.of(5, 0, 11, 3));
      gradcheck((x, b) => spmmBiasActivation(rows, x, b, { kind: 'relu' }), [randomLeaf([12, 3], 3), randomLeaf([3], 4)]);
    }],
  ],
  gspmm: [
    ['one head', () => gradcheck((w, x) => gspmm(A_UNWEIGHTED, w, x, 1), [randomLeaf([E, 1], 1), randomLeaf([12, 3], 2)])],
    ['three heads', () => gradcheck((w, x) => gspmm(A_UNWEIGHTED, w, x, 3), [randomLeaf([E, 3], 1), randomLeaf([12, 6], 2)])],
  ],
  sddmmAdd: [['two heads', () => gradcheck((u, v) => sddmmAdd(A_UNWEIGHTED, u, v, 2), [randomLeaf([12, 2], 1), randomLeaf([12, 2], 2)])]],
  edgeSoftmax: [['two heads', () => gradcheck((e) => edgeSoftmax(A_UNWEIGHTED, e, 2), [randomLeaf([E, 2], 1)])]],
  gatAttention: [
    ['one head', () => gradcheck((s) => gatAttention(A_UNWEIGHTED, s, 1, 0.2), [randomLeaf([24, 1], 5)])],
    ['three heads', () => gradcheck((s) => gatAttention(A_UNWEIGHTED, s, 3, 0.2), [randomLeaf([24, 3], 7)])],
    ['output rows, one repeated', () => gradcheck((s) => gatAttention(A_ROWS, s, 2, 0.2, ROWS), [randomLeaf([24, 2], 9)])],
  ],
  gatherRows: [['with repeats', () => gradcheck((x) => gatherRows(x, Int32Array.of(3, 0, 3, 5)), [randomLeaf([6, 2], 1)])]],
  scatterAddRows: [['with repeats', () => gradcheck((x) => scatterAddRows(x, Int32Array.of(3, 0, 3, 5), 7), [randomLeaf([4, 2], 1)])]],
  dropout: [['fixed mask', () => gradcheck((x) => dropout(x, 0.4, fixedUniform(7)), [randomLeaf([5, 4], 1)])]],
  layerNorm: [
    ['rows, affine', () => gradcheck((x, w, b) => layerNorm(x, w, b), [randomLeaf([4, 5], 1), randomLeaf([5], 2), randomLeaf([5], 3)])],
    // 19 wide: the kernels' eight-lane row sums and their tail
    ['rows of 19', () => gradcheck((x, w, b) => layerNorm(x, w, b), [randomLeaf([3, 19], 4, 2), randomLeaf([19], 5, 1), randomLeaf([19], 6)])],
  ],
  batchNorm: [['columns', () => gradcheck((x) => batchNorm(x).y, [randomLeaf([6, 3], 1)])]],
};

describe('backward rules match finite differences', () => {
  for (const prim of PRIMITIVES) {
    for (const [name, run] of cases[prim]) it(`${prim}: ${name}`, run);
  }
});

describe('forward values', () => {
  it('logSoftmax rows exponentiate to 1', () => {
    const y = logSoftmax(randomLeaf([3, 7], 5));
    for (let i = 0; i < 3; i++) {
      let s = 0;
      for (let j = 0; j < 7; j++) s += Math.exp(y.data[i * 7 + j]);
      assert.ok(Math.abs(s - 1) < 1e-12);
    }
  });
  it('edgeSoftmax sums to 1 over every non-empty row', () => {
    const y = edgeSoftmax(A_UNWEIGHTED, randomLeaf([E, 2], 4), 2);
    for (let i = 0; i < 12; i++) {
      const lo = A_UNWEIGHTED.indptr[i];
      const hi = A_UNWEIGHTED.indptr[i + 1];
      if (lo === hi) continue;
      for (let h = 0; h < 2; h++) {
        let s = 0;
        for (let k = lo; k < hi; k++) s += y.data[k * 2 + h];
        assert.ok(Math.abs(s - 1) < 1e-12, `row ${i} head ${h} sums to ${s}`);
      }
    }
  });
  it('dropout keeps about 1 - p of the values and scales them', () => {
    const x = randomLeaf([100, 100], 3, 5);
    const y = dropout(x, 0.3, fixedUniform(1));
    let kept = 0;
    for (let i = 0; i < x.size; i++) if (y.data[i] !== 0) {
      kept++;
      assert.ok(Math.abs(y.data[i] - x.data[i] / 0.7) < 1e-12);
    }
    assert.ok(Math.abs(kept / x.size - 0.7) < 0.02, `kept fraction ${kept / x.size}`);
  });
  it('spmm\'s backward scatters through a matrix on its first pass and gathers over its transpose, cached, from the second on: the same bits', () => {
    for (const values of [Float32Array, Float64Array]) {
      const weighted = selectRows(A, ROWS);
      const a: CsrMatrix = { ...weighted, values: values.from(weighted.values ?? []) };
      const grads = [1, 2, 3].map((pass) => {
        const x = parameter(values.from(randomLeaf([12, 5], 7).data), [12, 5]);
        backward(sum(mul(spmm(a, x), Tensor.fromArray(randomLeaf([4, 5], 8).data, [4, 5], x.dtype))));
        assert.equal(knownTranspose(a) !== null, pass > 1, `${values.name} pass ${pass}: a transpose is cached from the second pass on`);
        return new Uint8Array(x.grad!.data.buffer, x.grad!.data.byteOffset, x.grad!.data.byteLength).slice();
      });
      assert.deepEqual(grads[1], grads[0], `${values.name}: scatter and gather agree bit for bit`);
      assert.deepEqual(grads[2], grads[0], values.name);
    }
  });

  it('spmmBiasActivation has the bits of spmm, addRowVec and the activation in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = Tensor.fromArray(randomLeaf([12, 5], 6).data, [12, 5], dtype);
      const b = Tensor.fromArray(randomLeaf([5], 7).data, [5], dtype);
      const z = addRowVec(spmm(A, x), b);
      assert.deepEqual(spmmBiasActivation(A, x, b, { kind: 'relu' }).data, relu(z).data, `${dtype} relu`);
      assert.deepEqual(spmmBiasActivation(A, x, b, { kind: 'elu', alpha: 1 }).data, elu(z).data, `${dtype} elu`);
      assert.deepEqual(spmmBiasActivation(A, x, b, { kind: 'leakyRelu', slope: 0.1 }).data, leakyRelu(z, 0.1).data, `${dtype} leakyRelu`);
    }
  });
  it('spmmBiasActivation rejects a bias of the wrong width and an activation that flips signs', () => {
    const x = randomLeaf([12, 3], 1);
    assert.throws(() => spmmBiasActivation(A, x, randomLeaf([4], 2), { kind: 'relu' }), /bias has 4 values, expected the 3 columns/);
    assert.throws(() => spmmBiasActivation(A, x, randomLeaf([3], 2), { kind: 'leakyRelu', slope: -0.5 }), /must keep the sign/);
  });
  it('rejects mismatched shapes with a message naming both', () => {
    assert.throws(() => add(randomLeaf([2, 3], 1), randomLeaf([3, 2], 1)), /shapes \[2, 3\] and \[3, 2\] differ/);
    assert.throws(() => matmul(randomLeaf([2, 3], 1), randomLeaf([2, 3], 1)), /inner dimensions differ/);
    assert.throws(() => nllLoss(randomLeaf([2, 3], 1), Int32Array.of(0), Int32Array.of(3)), /target 3 .* out of range/);
    assert.throws(() => nllLoss(randomLeaf([2, 3], 1), new Int32Array(0), new Int32Array(0)), /empty output set/);
  });
});
