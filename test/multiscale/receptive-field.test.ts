// Tests of the receptive field the multiscale gradient computes sampled rows on: the K-hop ball, the same logits at
// the rows as the whole level for every architecture and depth, and the whole level when the ball is too large.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromEdgeList } from '../../src/graph/build.js';
import { fullLevel } from '../../src/multiscale/level.js';
import { ballOf, MAX_FIELD_FRACTION, receptiveField } from '../../src/multiscale/receptive-field.js';
import { defaultModelConfig, GNN, MODEL_KINDS } from '../../src/nn/models.js';
import { smallProblem } from './helpers.js';

describe('receptive field', () => {
  it('is the ball of in-neighbour rows within the given hops, sorted, or null past the limit', () => {
    // path 0 - 1 - 2 - 3 - 4 - 5
    const path = fromEdgeList({ numNodes: 6, src: Int32Array.of(0, 1, 1, 2, 2, 3, 3, 4, 4, 5), dst: Int32Array.of(1, 0, 2, 1, 3, 2, 4, 3, 5, 4) });
    assert.deepEqual(ballOf(path, Int32Array.of(5, 0), 2, 6), Int32Array.of(0, 1, 2, 3, 4, 5));
    assert.deepEqual(ballOf(path, Int32Array.of(2), 1, 6), Int32Array.of(1, 2, 3));
    assert.deepEqual(ballOf(path, Int32Array.of(2), 0, 6), Int32Array.of(2));
    assert.equal(ballOf(path, Int32Array.of(2), 2, 4), null);
    // a directed edge 0 -> 1 is in row 1 (node 1's in-neighbours): 1 needs 0, 0 does not need 1
    const arrow = fromEdgeList({ numNodes: 2, src: Int32Array.of(0), dst: Int32Array.of(1) });
    assert.deepEqual([ballOf(arrow, Int32Array.of(1), 1, 2), ballOf(arrow, Int32Array.of(0), 1, 2)], [Int32Array.of(0, 1), Int32Array.of(0)]);
  });

  it('gives the whole level\'s logits at the rows for every architecture, on a subgraph of the ball', () => {
    const { data, split } = smallProblem(3000, 'float64', 7);
    const lv = fullLevel({ data, split });
    const rows = split.train.slice(0, 3);
    for (const kind of MODEL_KINDS) {
      for (const layers of [2, 3]) {
        const model = new GNN({ ...defaultModelConfig(kind, data.x.cols, data.numClasses), hidden: 4, heads: 2, layers }, 3, 'float64').eval();
        const field = receptiveField(lv, rows, layers);
        assert.ok(field.ctx.numNodes < MAX_FIELD_FRACTION * 3000, `${kind} x ${layers}: a ball of ${field.ctx.numNodes} nodes`);
        const whole = model.forward(data.x, data.ctx, rows);
        const part = model.forward(field.x, field.ctx, field.rows);
        assert.deepEqual(part.shape, whole.shape);
        const err = Math.max(...Array.from(whole.data, (v, i) => Math.abs(v - part.data[i])));
        assert.ok(err < 1e-12, `${kind} x ${layers} layers: largest difference ${err}`);
      }
    }
  });

  it('is the level itself when the ball holds more than half of its nodes', () => {
    const { data, split } = smallProblem(200);
    const lv = fullLevel({ data, split });
    const field = receptiveField(lv, split.train, 2);
    assert.deepEqual([field.x, field.ctx, field.rows], [data.x, data.ctx, split.train]);
  });
});
