// Layer outputs and gradients against PyTorch float64 fixtures (../shared/fixtures/layers.json).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromEdgeList } from '../../src/graph/build.js';
import { Rng } from '../../src/graph/rng.js';
import { GraphContext } from '../../src/nn/graph-context.js';
import type { GraphConv } from '../../src/nn/layers/conv.js';
import { GATConv } from '../../src/nn/layers/gat-conv.js';
import { GCNConv } from '../../src/nn/layers/gcn-conv.js';
import { GINConv } from '../../src/nn/layers/gin-conv.js';
import { SAGEConv } from '../../src/nn/layers/sage-conv.js';
import { backward, crossEntropy, logSoftmax, mul, sum, Tensor } from '../../src/tensor/index.js';
import { layerFixtures, maxRelativeError, transposed, type FixtureTensor } from '../helpers/fixtures.js';

interface LayerFixture {
  params: Record<string, FixtureTensor>;
  x: FixtureTensor;
  y: FixtureTensor;
  R: FixtureTensor;
  loss: number;
  grad_x: FixtureTensor;
  grad_params: Record<string, FixtureTensor>;
}

const TOL = 1e-12;
const fx = layerFixtures() as { graph: { edge_index: { src: number[]; dst: number[] }; num_nodes: number }; layers: Record<string, LayerFixture>; masked_nll: Record<string, FixtureTensor | number> };

function context(): GraphContext {
  const { src, dst } = fx.graph.edge_index;
  const g = fromEdgeList({ numNodes: fx.graph.num_nodes, src: Int32Array.from(src), dst: Int32Array.from(dst), dedupe: 'error' });
  return new GraphContext(g, 'float64');
}

/** Fixture names are PyG's; weights are stored transposed here. */
function load(layer: GraphConv, params: Record<string, FixtureTensor>): void {
  const state = new Map<string, { data: number[]; shape: number[] }>();
  for (const [name, t] of Object.entries(params)) state.set(name, name.endsWith('weight') ? transposed(t) : t);
  for (const [name, t] of layer.namedBuffers()) state.set(name, { data: Array.from(t.data), shape: [...t.shape] });
  layer.loadStateDict(state);
}

type Forward = (layer: GraphConv, x: Tensor, ctx: GraphContext) => Tensor;

function check(name: string, make: () => GraphConv, variant?: { label: string; forward: Forward }): void {
  it(`${name}${variant ? ` ${variant.label}` : ''} matches PyTorch outputs and gradients to float64 precision`, () => {
    const f = fx.layers[name];
    const layer = make();
    load(layer, f.params);
    const x = new Tensor(Float64Array.from(f.x.data), f.x.shape, true);
    const y = variant ? variant.forward(layer, x, context()) : layer.forward(x, context());
    assert.deepEqual([...y.shape], f.y.shape);
    assert.ok(maxRelativeError(y.data, f.y.data) < TOL, `y error ${maxRelativeError(y.data, f.y.data)}`);
    const loss = sum(mul(y, new Tensor(Float64Array.from(f.R.data), f.R.shape)));
    assert.ok(Math.abs(loss.item() - f.loss) < TOL * Math.max(1, Math.abs(f.loss)));
    backward(loss);
    assert.ok(maxRelativeError(x.grad!.data, f.grad_x.data) < TOL, `grad_x error ${maxRelativeError(x.grad!.data, f.grad_x.data)}`);
    const own = new Map(layer.namedParameters());
    for (const [pname, g] of Object.entries(f.grad_params)) {
      const p = own.get(pname);
      assert.ok(p?.grad, `parameter ${pname} has no gradient`);
      const expected = pname.endsWith('weight') ? transposed(g).data : g.data;
      assert.ok(maxRelativeError(p.grad.data, expected) < TOL, `${pname} grad error ${maxRelativeError(p.grad.data, expected)}`);
    }
  });
}

describe('layers against PyTorch float64 fixtures', () => {
  const rng = () => new Rng(0);
  check('GCNConv', () => new GCNConv(5, 4, { rng: rng(), dtype: 'float64' }));
  // 5 -> 4 transforms first; the other order, (A x) W, must be the same layer
  check('GCNConv', () => new GCNConv(5, 4, { rng: rng(), dtype: 'float64' }), {
    label: 'aggregating first', forward: (l, x, ctx) => (l as GCNConv).aggregate({ x, xw: null }, ctx),
  });
  check('SAGEConv', () => new SAGEConv(5, 4, { rng: rng(), dtype: 'float64' }));
  check('GATConv_concat', () => new GATConv(5, 3, { heads: 2, concat: true, rng: rng(), dtype: 'float64' }).eval());
  check('GATConv_mean', () => new GATConv(5, 3, { heads: 2, concat: false, rng: rng(), dtype: 'float64' }).eval());
  check('GINConv', () => new GINConv(5, 4, { hidden: 8, rng: rng(), dtype: 'float64' }));

  it('log_softmax and masked NLL match PyTorch values and gradient', () => {
    const m = fx.masked_nll as { logits: FixtureTensor; target: FixtureTensor; mask: FixtureTensor; log_softmax: FixtureTensor; loss: number; grad_logits: FixtureTensor };
    const logits = new Tensor(Float64Array.from(m.logits.data), m.logits.shape, true);
    const rows = Int32Array.from(m.mask.data.flatMap((v, i) => (v ? [i] : [])));
    const targets = Int32Array.from(rows, (r) => m.target.data[r]);
    assert.ok(maxRelativeError(logSoftmax(logits).data, m.log_softmax.data) < TOL);
    const loss = crossEntropy(logits, rows, targets);
    assert.ok(Math.abs(loss.item() - m.loss) < TOL);
    backward(loss);
    assert.ok(maxRelativeError(logits.grad!.data, m.grad_logits.data) < TOL);
  });
});
