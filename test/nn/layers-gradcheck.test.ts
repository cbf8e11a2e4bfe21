// Every layer's gradients (input and parameters) against central finite differences in float64.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/graph/rng.js';
import { GraphContext } from '../../src/nn/graph-context.js';
import { GATConv } from '../../src/nn/layers/gat-conv.js';
import { GCNConv, gcnAggregatesFirst } from '../../src/nn/layers/gcn-conv.js';
import { GINConv } from '../../src/nn/layers/gin-conv.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { BatchNorm, LayerNorm } from '../../src/nn/layers/norm.js';
import { SAGEConv } from '../../src/nn/layers/sage-conv.js';
import type { Module } from '../../src/nn/module.js';
import { noGrad, SparseInput, type Tensor } from '../../src/tensor/index.js';
import { gradcheck, randomLeaf } from '../helpers/gradcheck.js';
import { csrFromEdges, SMALL_EDGES } from '../helpers/graphs.js';

const ctx = new GraphContext(csrFromEdges(12, 12, SMALL_EDGES), 'float64');
const rows = Int32Array.of(9, 2, 11, 5);

function checkModule(m: Module, forward: (x: Tensor) => Tensor, width = 5): void {
  const x = randomLeaf([12, width], 3);
  // nudge parameters away from their (often zero or one) initial values so every path is exercised
  m.parameters().forEach((p, i) => p.data.forEach((v, j) => (p.data[j] = v + 0.1 * Math.sin(i * 7 + j))));
  gradcheck(() => forward(x), [x, ...m.parameters()]);
}

describe('layer gradients match finite differences', () => {
  const opts = () => ({ rng: new Rng(1), dtype: 'float64' as const });
  it('Linear', () => { const l = new Linear(5, 3, opts()); checkModule(l, (x) => l.forward(x)); });
  it('LayerNorm', () => { const l = new LayerNorm(5, 1e-5, 'float64'); checkModule(l, (x) => l.forward(x)); });
  it('BatchNorm in training mode', () => { const l = new BatchNorm(5, 1e-5, 0.1, 'float64'); checkModule(l, (x) => l.forward(x)); });
  it('BatchNorm in eval mode', () => { const l = new BatchNorm(5, 1e-5, 0.1, 'float64').eval(); checkModule(l, (x) => l.forward(x)); });
  it('GCNConv', () => { const l = new GCNConv(5, 3, opts()); checkModule(l, (x) => l.forward(x, ctx)); });
  it('GCNConv on output rows only', () => { const l = new GCNConv(5, 3, opts()); checkModule(l, (x) => l.forward(x, ctx, rows)); });
  it('GCNConv with a fused elu, on output rows only', () => {
    const l = new GCNConv(5, 3, opts());
    checkModule(l, (x) => l.aggregateActivated(l.transform(x), ctx, { kind: 'elu', alpha: 1 }, rows));
  });
  it('GCNConv aggregating first (3 -> 5: A x is narrower than x W)', () => {
    const l = new GCNConv(3, 5, opts());
    assert.equal(l.transform(randomLeaf([12, 3], 4), ctx).xw, null, 'aggregates first');
    checkModule(l, (x) => l.forward(x, ctx), 3);
  });
  it('GCNConv aggregating first on output rows only, with a fused elu', () => {
    const l = new GCNConv(3, 5, opts());
    checkModule(l, (x) => l.aggregateActivated(l.transform(x, ctx, rows), ctx, { kind: 'elu', alpha: 1 }, rows), 3);
  });
  it('SAGEConv', () => { const l = new SAGEConv(5, 3, opts()); checkModule(l, (x) => l.forward(x, ctx)); });
  it('SAGEConv on output rows only', () => { const l = new SAGEConv(5, 3, opts()); checkModule(l, (x) => l.forward(x, ctx, rows)); });
  it('GATConv with concatenated heads', () => { const l = new GATConv(5, 2, { heads: 3, ...opts() }).eval(); checkModule(l, (x) => l.forward(x, ctx)); });
  it('GATConv with averaged heads on output rows only', () => {
    const l = new GATConv(5, 2, { heads: 3, concat: false, ...opts() }).eval();
    checkModule(l, (x) => l.forward(x, ctx, rows));
  });
  it('GINConv with a trainable eps', () => { const l = new GINConv(5, 3, { hidden: 4, trainEps: true, eps: 0.3, ...opts() }); checkModule(l, (x) => l.forward(x, ctx)); });
  it('GINConv on output rows only', () => { const l = new GINConv(5, 3, { hidden: 4, ...opts() }); checkModule(l, (x) => l.forward(x, ctx, rows)); });
});

describe('GCNConv multiplies in the cheaper order', () => {
  it('aggregates first when the input is narrower, or when few rows of a wide output are computed; else transforms first', () => {
    // all 100k rows, 2M entries: in < out aggregates first, in >= out transforms first
    assert.equal(gcnAggregatesFirst(100_000, 100_000, 2_000_000, 100, 256), true);
    assert.equal(gcnAggregatesFirst(100_000, 100_000, 2_000_000, 256, 256), false);
    assert.equal(gcnAggregatesFirst(100_000, 100_000, 2_000_000, 256, 47), false);
    // a mini-batch's last layer on 4k of 100k rows (88k entries): 47 classes aggregate first, 10 do not
    assert.equal(gcnAggregatesFirst(100_000, 4_000, 88_000, 256, 47), true);
    assert.equal(gcnAggregatesFirst(100_000, 4_000, 88_000, 256, 10), false);
  });

  it('gives the same values without a tape (inference: bias and activation in place on the product)', () => {
    const l = new GCNConv(3, 5, { rng: new Rng(3), dtype: 'float64' });
    l.bias.data.forEach((_, i) => (l.bias.data[i] = 0.1 * (i - 2))); // a bias that matters
    const x = randomLeaf([12, 3], 6);
    for (const act of [{ kind: 'relu' }, { kind: 'elu', alpha: 1 }] as const) {
      const taped = l.aggregateActivated(l.transform(x, ctx), ctx, act);
      const inPlace = noGrad(() => l.aggregateActivated(l.transform(x, ctx), ctx, act));
      assert.equal(inPlace.node, null, 'nothing recorded');
      taped.data.forEach((v, i) => assert.ok(Math.abs(v - inPlace.data[i]) < 1e-15, `${act.kind} value ${i}: ${v} vs ${inPlace.data[i]}`));
    }
  });

  it('gives the same layer either way, and a sparse input is always transformed first', () => {
    const l = new GCNConv(3, 5, { rng: new Rng(2), dtype: 'float64' });
    const x = randomLeaf([12, 3], 5);
    const first = l.forward(x, ctx, rows);
    const other = l.aggregate({ x, xw: l.lin.forward(x) }, ctx, rows);
    first.data.forEach((v, i) => assert.ok(Math.abs(v - other.data[i]) < 1e-12, `value ${i}: ${v} vs ${other.data[i]}`));
    const sparse = new SparseInput(csrFromEdges(12, 3, [[0, 1], [2, 0], [5, 2]]));
    assert.notEqual(l.transform(sparse, ctx).xw, null);
  });
});
