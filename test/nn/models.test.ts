// GNN stacks: where the graph layers fuse their activation, and that fusing changes no value.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/graph/rng.js';
import { GraphContext } from '../../src/nn/graph-context.js';
import { defaultModelConfig, GNN, type ModelConfig } from '../../src/nn/models.js';
import { activation, Tensor } from '../../src/tensor/index.js';
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
