// GNN stacks: where the graph layers fuse their activation, and that fusing changes no value.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/graph/rng.js';
import { GraphContext } from '../../src/nn/graph-context.js';
import { defaultModelConfig, GNN, type ModelConfig } from '../../src/nn/models.js';
import { activation, backward, dropout, spmmBiasActivation, sum, mul, Tensor } from '../../src/tensor/index.js';
import { gradcheck, randomLeaf } from '../helpers/gradcheck.js';
import { csrFromEdges, SMALL_EDGES } from '../helpers/graphs.js';

const ctx = new GraphContext(csrFromEdges(12, 12, SMALL_EDGES));

function features(seed: number, width = 6): Tensor {
  const rng = new Rng(seed);
  return Tensor.fromArray(Array.from({ length: 12 * width }, () => rng.next() - 0.5), [12, width]);
}

/** The primitives on the tape behind `t`. */
function primitivesBehind(t: Tensor): Set<string> {
  const seen = new Set<string>();
  const stack = [t];
  while (stack.length > 0) {
    const node = stack.pop()!.node;
    if (!node) continue;
    seen.add(node.prim);
    stack.push(...node.inputs);
  }
  return seen;
}

function gcn(overrides: Partial<ModelConfig>): GNN {
  const model = new GNN({ ...defaultModelConfig('gcn', 6, 3), layers: 3, hidden: 8, dropout: 0, inputDropout: 0, ...overrides }, 5);
  model.train();
  return model;
}

describe('GNN graph layers', () => {
  it('GCN hidden layers fuse SpMM, bias and activation, with the values of the unfused layer', () => {
    for (const act of ['relu', 'elu'] as const) {
      const model = gcn({ activation: act });
      const x = features(1);
      const fused = model.layer(0, x, ctx);
      assert.ok(primitivesBehind(fused).has('spmmBiasActivation'), `${act}: fused`);
      assert.ok(!primitivesBehind(fused).has(act), `${act}: no separate activation`);
      const unfused = activation(model.convs[0].forward(x, ctx), act === 'elu' ? { kind: 'elu', alpha: 1 } : { kind: 'relu' });
      assert.deepEqual(fused.data, unfused.data, act);
    }
  });

  it('keeps the activation separate when a norm sits between the convolution and the activation', () => {
    const y = gcn({ norm: 'layer' }).layer(0, features(2), ctx);
    const prims = primitivesBehind(y);
    assert.ok(prims.has('relu') && prims.has('layerNorm') && !prims.has('spmmBiasActivation'));
  });

  it('leaves the last convolution without activation and SAGE layers unfused', () => {
    const model = gcn({});
    assert.ok(!primitivesBehind(model.layer(2, features(3, 8), ctx)).has('spmmBiasActivation'));
    const sage = new GNN({ ...defaultModelConfig('sage', 6, 3), dropout: 0, inputDropout: 0 }, 5);
    sage.train();
    const prims = primitivesBehind(sage.layer(0, features(4), ctx));
    assert.ok(prims.has('relu') && !prims.has('spmmBiasActivation'));
  });
});

describe('GCN layers with dropout', () => {
  const relu = { kind: 'relu' } as const;
  const a = ctx.adjacency('gcn');
  /** leaves x [12, 8] and bias [8] of the dtype, and a weight R for a scalar loss */
  const leaves = (T: 'float32' | 'float64'): [Tensor, Tensor, Tensor] => {
    const cast = (t: Tensor): Tensor => new Tensor(T === 'float32' ? Float32Array.from(t.data) : t.data, t.shape, true);
    return [cast(randomLeaf([12, 8], 3)), cast(randomLeaf([8], 4)), cast(randomLeaf([12, 8], 5))];
  };

  it('drop out in place inside the fused op: the values, draws and gradients of dropout after the op', () => {
    for (const T of ['float32', 'float64'] as const) {
      const [x, b, r] = leaves(T);
      const fusedRng = new Rng(7);
      const fused = spmmBiasActivation(a, x, b, relu, { p: 0.5, rng: fusedRng });
      backward(sum(mul(fused, r)));
      const [gx, gb] = [x.grad!.data.slice(), b.grad!.data.slice()];
      x.grad = null;
      b.grad = null;
      const plainRng = new Rng(7);
      const plain = dropout(spmmBiasActivation(a, x, b, relu), 0.5, plainRng);
      backward(sum(mul(plain, r)));
      assert.deepEqual(fused.data, plain.data, `${T}: forward`);
      assert.equal(fusedRng.next(), plainRng.next(), `${T}: the same draws`);
      assert.ok(fused.data.some((v) => v === 0) && fused.data.some((v) => v > 0));
      // the fused backward may give -0 where the two-pass one gives +0: compare values, not zero signs
      assert.deepEqual(Array.from(gx, (v) => v + 0), Array.from(x.grad!.data, (v) => v + 0), `${T}: dx`);
      assert.deepEqual(Array.from(gb, (v) => v + 0), Array.from(b.grad!.data, (v) => v + 0), `${T}: dbias`);
    }
  });

  it('the fused op passes a finite-difference check (the same mask for every evaluation)', () => {
    const [x, b] = [randomLeaf([12, 8], 11), randomLeaf([8], 12, 0.3)];
    gradcheck((xx, bb) => spmmBiasActivation(a, xx, bb, relu, { p: 0.3, rng: new Rng(9) }), [x, b]);
  });

  it('a GCN in training mode uses it for hidden layers; other activations and eval mode keep dropout apart or off', () => {
    const model = gcn({ dropout: 0.5 });
    const y = model.layer(0, features(6), ctx);
    const prims = primitivesBehind(y);
    assert.ok(prims.has('spmmBiasActivation') && !prims.has('dropout'), [...prims].join(','));
    assert.ok(y.data.some((v) => v === 0));
    const elu = gcn({ dropout: 0.5, activation: 'elu' });
    assert.ok(primitivesBehind(elu.layer(0, features(6), ctx)).has('dropout'));
    model.eval();
    assert.ok(!primitivesBehind(model.layer(0, features(6), ctx)).has('dropout'));
  });
});
