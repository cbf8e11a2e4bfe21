// ELU's branch-free forward pass gives x > 0 ? x : alpha * expm1(x) for every kind of value, in both float types.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elu, Tensor } from '../../src/tensor/index.js';

describe('elu', () => {
  it('matches the formula across several blocks of values of both signs', () => {
    const x = Float32Array.from({ length: 10007 }, (_, i) => Math.sin(i * 12.9898) * 6);
    const got = elu(new Tensor(x, [x.length]), 0.7).data;
    x.forEach((v, i) => {
      const want = Math.fround(v > 0 ? v : 0.7 * Math.expm1(v));
      assert.ok(Math.abs(got[i] - want) <= 1e-6 * Math.abs(want), `elu(${v}) = ${got[i]}, expected ${want}`);
    });
  });

  const values = [3.5, 1e-30, 0, -0, -1e-30, -3e-9, -0.01, -0.7, -1, -5, -40, -800, Infinity, -Infinity, NaN, 1e30];
  for (const T of [Float32Array, Float64Array]) {
    it(`matches x > 0 ? x : alpha * expm1(x) for ${T.name}`, () => {
      const x = T.from(values);
      const got = elu(new Tensor(x, [x.length]), 1.3).data;
      x.forEach((v, i) => {
        const want = T.of(v > 0 ? v : 1.3 * Math.expm1(v))[0];
        if (Number.isNaN(want)) assert.ok(Number.isNaN(got[i]), `elu(${v}) = ${got[i]}`);
        else assert.ok(got[i] === want || Math.abs(got[i] - want) <= 1e-13 * Math.abs(want), `elu(${v}) = ${got[i]}, expected ${want}`);
      });
    });
  }
});
