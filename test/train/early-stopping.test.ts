// Tests of EarlyStopping: best tracking, patience, and restoring a copy of the best parameters and buffers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Module } from '../../src/nn/module.js';
import { Tensor, parameter } from '../../src/tensor/tensor.js';
import { EarlyStopping } from '../../src/train/early-stopping.js';

class Tiny extends Module {
  readonly w = this.registerParameter('w', parameter(Float32Array.of(0, 0), [2]));
  readonly mean = this.registerBuffer('mean', Tensor.zeros([1], 'float64'));
}

function setAll(m: Tiny, v: number): void {
  m.w.data.fill(v);
  m.mean.data.fill(v);
}

describe('EarlyStopping', () => {
  it('stops after patience epochs without a strictly better metric in max mode', () => {
    const m = new Tiny();
    const es = new EarlyStopping({ patience: 2, mode: 'max' });
    const stops = [0.5, 0.7, 0.7, 0.6, 0.8, 0.8, 0.79].map((acc, epoch) => {
      es.update(epoch, acc, m);
      return es.shouldStop;
    });
    // 0.7 repeated is not strictly better; 0.8 at epoch 4 resets the count
    assert.deepEqual(stops, [false, false, false, true, false, false, true]);
    assert.equal(es.bestEpoch, 4);
    assert.equal(es.bestValue, 0.8);
  });

  it('requires an improvement larger than minDelta and lower values in min mode', () => {
    const es = new EarlyStopping({ patience: 5, mode: 'min', minDelta: 0.1 });
    const m = new Tiny();
    assert.equal(es.update(0, 1.0, m), true);
    assert.equal(es.update(1, 0.95, m), false);
    assert.equal(es.update(2, 0.85, m), true);
    assert.equal(es.bestValue, 0.85);
    assert.equal(es.badEpochs, 0);
  });

  it('restores a copy of the best parameters and buffers, unaffected by later training', () => {
    const m = new Tiny();
    const es = new EarlyStopping({ patience: 3 });
    setAll(m, 1);
    es.update(0, 0.5, m);
    setAll(m, 2);
    es.update(1, 0.9, m);
    setAll(m, 3);
    es.update(2, 0.1, m);
    assert.deepEqual(Array.from(m.w.data), [3, 3]);
    es.restoreBest(m);
    assert.deepEqual(Array.from(m.w.data), [2, 2]);
    assert.deepEqual(Array.from(m.mean.data), [2]);
    assert.equal(es.bestEpoch, 1);
  });

  it('never counts NaN as an improvement', () => {
    const es = new EarlyStopping({ patience: 1 });
    es.update(0, NaN, new Tiny());
    assert.equal(es.hasBest, false);
    assert.equal(es.shouldStop, true);
    assert.throws(() => es.restoreBest(new Tiny()), /no epoch has been recorded as best/);
  });

  it('does not stop before minEpochs epochs, then stops on patience as usual', () => {
    const es = new EarlyStopping({ patience: 2, minEpochs: 6 });
    const m = new Tiny();
    const stops: boolean[] = [];
    for (let epoch = 0; epoch < 8; epoch++) {
      es.update(epoch, epoch === 0 ? 1 : 0.5, m);
      stops.push(es.shouldStop);
    }
    // bad epochs reach the patience at epoch 2, but stopping waits until 6 epochs (0..5) have run
    assert.deepEqual(stops, [false, false, false, false, false, true, true, true]);
    assert.throws(() => new EarlyStopping({ patience: 1, minEpochs: -1 }), /minEpochs must be an integer >= 0, got -1/);
  });

  it('rejects a patience below one, an unknown mode and a negative minDelta', () => {
    assert.throws(() => new EarlyStopping({ patience: 0 }), /patience must be an integer >= 1, got 0/);
    assert.throws(() => new EarlyStopping({ patience: 1, mode: 'up' as 'max' }), /mode must be 'max' or 'min'/);
    assert.throws(() => new EarlyStopping({ patience: 1, minDelta: -1 }), /minDelta must be a number >= 0/);
  });

  it('continues from saved counters and best weights as if it had never stopped', () => {
    const accs = [0.5, 0.7, 0.6, 0.65, 0.75, 0.7, 0.7];
    const whole = new EarlyStopping({ patience: 2 });
    const m = new Tiny();
    const first = new EarlyStopping({ patience: 2 });
    accs.forEach((acc, epoch) => {
      setAll(m, epoch);
      whole.update(epoch, acc, m);
      if (epoch < 3) first.update(epoch, acc, m);
    });
    const rest = new EarlyStopping({ patience: 2 });
    rest.loadStateDict(first.stateDict(), first.bestState());
    accs.slice(3).forEach((acc, i) => {
      setAll(m, 3 + i);
      rest.update(3 + i, acc, m);
    });
    assert.deepEqual(rest.stateDict(), whole.stateDict());
    assert.equal(rest.shouldStop, true);
    setAll(m, -1);
    rest.restoreBest(m);
    assert.deepEqual([...m.w.data, ...m.mean.data], [4, 4, 4], 'the best epoch (4) weights');
  });

  it('refuses saved counters that are not integers, or best weights that do not go with the best epoch', () => {
    const es = new EarlyStopping({ patience: 2 });
    const ok = { bestValue: 0.5, bestEpoch: 1, badEpochs: 0, lastEpoch: 1 };
    const w = new Tiny().stateDict();
    assert.throws(() => es.loadStateDict({ ...ok, badEpochs: 0.5 }, w), /badEpochs must be an integer >= 0, got 0.5/);
    assert.throws(() => es.loadStateDict({ ...ok, bestValue: NaN }, w), /bestValue must be a number/);
    assert.throws(() => es.loadStateDict(ok, null), /best weights are missing but the best epoch is 1/);
    assert.throws(() => es.loadStateDict({ ...ok, bestEpoch: -1 }, w), /best weights are given but the best epoch is -1/);
  });
});
