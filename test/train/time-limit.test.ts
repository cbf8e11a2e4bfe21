// Tests of the training time limit helpers: validation of the option and the stopping rule.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkTimeLimit, overTimeLimit } from '../../src/train/loop-state.js';

describe('training time limit', () => {
  it('accepts no limit or a positive number of seconds and rejects anything else', () => {
    for (const ok of [null, undefined, 1e-6, 30, 3600]) assert.doesNotThrow(() => checkTimeLimit(ok));
    for (const bad of [0, -1, NaN, Infinity]) assert.throws(() => checkTimeLimit(bad), new RegExp(`timeLimitS must be a positive number of seconds, got ${bad}`));
  });

  it('is reached once the training time is at or past the limit, never without one', () => {
    assert.equal(overTimeLimit(9.99, 10), false);
    assert.equal(overTimeLimit(10, 10), true);
    assert.equal(overTimeLimit(1e9, null), false);
    assert.equal(overTimeLimit(1e9, undefined), false);
  });
});
