// Every layer's gradients (input and parameters) against central finite differences in float64.

import { describe, it } from 'node:test';
import { Rng } from '../../src/graph/rng.js';
import { GraphContext } from '../../src/nn/graph-context.js';
import { GATConv } from '../../src/nn/layers/gat-conv.js';
import { GCNConv } from '../../src/nn/layers/gcn-conv.js';
import { GINConv } from '../../src/nn/layers/gin-conv.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { BatchNorm, LayerNorm } from '../../src/nn/layers/norm.js';
import { SAGEConv } from '../../src/nn/layers/sage-conv.js';
import type { Module } from '../../src/nn/module.js';
import type { Tensor } from '../../src/tensor/index.js';
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
