// Test helper: compares autograd gradients with central finite differences in float64.

import assert from 'node:assert/strict';
import { backward, mul, noGrad, sum, Tensor } from '../../src/tensor/index.js';

/** A deterministic float64 leaf with values in [-1, 1) (or shifted by `offset`). */
export function randomLeaf(shape: number[], seed: number, offset = 0): Tensor {
  let s = seed >>> 0 || 1;
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32) * 2 - 1 + offset;
  }
  return new Tensor(data, shape, true);
}

export function constantLike(t: Tensor, seed: number): Tensor {
  const r = randomLeaf([...t.shape], seed);
  return new Tensor(r.data, t.shape, false);
}

/** Checks d/dx of sum(f(inputs) * R) for every input that requires a gradient (at least one must) against central
 *  differences; the others are held constant. */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: { h?: number; tol?: number } = {}): void {
  // inputs without requiresGrad are constants of f; a check with no differentiable input would check nothing
  assert.ok(inputs.some((x) => x.requiresGrad), 'gradcheck: no input requires a gradient, so nothing would be checked');
  const h = opts.h ?? 1e-6;
  const tol = opts.tol ?? 1e-6;
  const y0 = noGrad(() => f(...inputs));
  const R = constantLike(y0, 99);
  const loss = () => noGrad(() => sum(mul(f(...inputs), R)).item());
  for (const x of inputs) x.grad = null;
  backward(sum(mul(f(...inputs), R)));
  let checked = 0;
  inputs.forEach((x, idx) => {
    if (!x.requiresGrad) return;
    assert.ok(x.grad, `input ${idx} received no gradient`);
    for (let i = 0; i < x.size; i++) {
      const old = x.data[i];
      x.data[i] = old + h;
      const lp = loss();
      x.data[i] = old - h;
      const lm = loss();
      x.data[i] = old;
      const fd = (lp - lm) / (2 * h);
      const an = x.grad!.data[i];
      assert.ok(Math.abs(fd - an) <= tol * Math.max(1, Math.abs(fd)), `input ${idx} entry ${i}: autograd ${an}, finite difference ${fd}`);
      checked++;
    }
  });
  assert.ok(checked > 0, 'gradcheck: the inputs that require a gradient have no entries, so nothing was checked');
}
