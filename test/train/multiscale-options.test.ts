// Tests of the multiscale run options: defaults, the option each bad value is attributed to, the chance of a random
// level without training nodes, and the A^p edge estimate against the coarse graph actually built.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/graph/generate.js';
import { Rng } from '../../src/graph/rng.js';
import { poweredSubgraph, selectRandom, selectTopk } from '../../src/multiscale/coarsen/index.js';
import {
  checkLevelSizes, estimatePowerEdges, missAllProbability, resolveMultiscaleOptions, type MultiscaleRunOptions,
} from '../../src/train/multiscale-options.js';
import { RunOptionError } from '../../src/train/run-option-error.js';

const optionOf = (o: MultiscaleRunOptions, method: 'full' | 'neighbor' = 'full'): string => {
  try {
    resolveMultiscaleOptions(o, 100, method);
  } catch (e) {
    assert.ok(e instanceof RunOptionError, String(e));
    return e.option;
  }
  return 'accepted';
};

describe('multiscale run options', () => {
  it('fill in the documented defaults per schedule', () => {
    const c2f = resolveMultiscaleOptions({ schedule: 'coarse-to-fine' }, 100, 'full');
    assert.deepEqual([c2f.coarsen, c2f.levels, c2f.power, c2f.levelRatio, c2f.mlmcBatch, c2f.finalFullEpochs], ['random', 2, 1, 0.5, null, 0]);
    assert.equal(resolveMultiscaleOptions({ schedule: 'sub-to-full' }, 100, 'neighbor').coarsen, 'subgraph');
    const grad = resolveMultiscaleOptions({ schedule: 'multiscale-grad' }, 95, 'full');
    assert.deepEqual([grad.mlmcBatch, grad.finalFullEpochs], [32, 10]);
    assert.ok(grad.maxPowerEdges > 0 && grad.maxPowerEdges <= 5e8);
  });

  it('attribute each bad value to its option', () => {
    assert.equal(optionOf({ schedule: 'coarse-to-fine', levels: 0 }), 'levels');
    assert.equal(optionOf({ schedule: 'coarse-to-fine', power: 1.5 }), 'power');
    assert.equal(optionOf({ schedule: 'coarse-to-fine', coarsen: 'matching', power: 2 }), 'power');
    assert.equal(optionOf({ schedule: 'coarse-to-fine', levelRatio: 1 }), 'levelRatio');
    assert.equal(optionOf({ schedule: 'coarse-to-fine', coarsen: 'matching', levelRatio: 0.3 }), 'levelRatio');
    assert.equal(optionOf({ schedule: 'coarse-to-fine', coarsen: 'matching', levelRatio: 0.25 }), 'accepted', 'two matching rounds per level');
    assert.equal(optionOf({ schedule: 'sub-to-full', coarsen: 'random' }), 'coarsen');
    assert.equal(optionOf({ schedule: 'coarse-to-fine', mlmcBatch: 4 }), 'mlmcBatch');
    assert.equal(optionOf({ schedule: 'multiscale-grad' }, 'neighbor'), 'method');
    assert.equal(optionOf({ schedule: 'coarse-to-fine' }, 'neighbor'), 'accepted');
  });

  it('compute the chance that a random draw misses every training node exactly', () => {
    // C(3, 2) / C(4, 2) = 1/2; C(8, 3) / C(10, 3) = 56/120
    assert.ok(Math.abs(missAllProbability(4, 2, 1) - 0.5) < 1e-12);
    assert.ok(Math.abs(missAllProbability(10, 3, 2) - 56 / 120) < 1e-12);
    assert.equal(missAllProbability(10, 9, 2), 0);
    assert.equal(missAllProbability(10, 3, 0), 1);
  });

  it('refuse a random level that would likely lose its training nodes, and accept a large one', () => {
    const d = generateSynthetic({ nodes: 1000, avgDegree: 6, classes: 3, features: 4, seed: 1, split: { train: 10, val: 10 } });
    const split = d.split!;
    const r = (levelRatio: number) => resolveMultiscaleOptions({ schedule: 'coarse-to-fine', levelRatio, levels: 2 }, 50, 'full');
    assert.throws(() => checkLevelSizes(r(0.01), d.graph, split, 50), (e: unknown) => e instanceof RunOptionError && e.option === 'levelRatio');
    assert.doesNotThrow(() => checkLevelSizes(r(0.5), d.graph, split, 50));
  });

  it('estimate the A^p coarse edge count within a factor of 2 of the graph built', () => {
    const d = generateSynthetic({ nodes: 3000, avgDegree: 5, classes: 3, features: 4, seed: 2, split: { train: 10, val: 10 } });
    const m = 1500;
    for (const power of [2, 3]) {
      const random = poweredSubgraph(d.graph, selectRandom(d.graph.rows, m, new Rng(5)), power);
      const topk = poweredSubgraph(d.graph, selectTopk(d.graph, m), power);
      for (const [method, g] of [['random', random], ['topk', topk]] as const) {
        const built = g.indptr[g.rows];
        const est = estimatePowerEdges(d.graph, method, m, power, 0);
        assert.ok(est > built / 2 && est < built * 2, `${method} A^${power}: estimate ${est}, built ${built}`);
      }
    }
  });
});
