// Thread counts: every way of setting one (setThreads, FASTGNN_THREADS, PPR workers) rejects a count below 1 or above
// MAX_THREADS with an error naming the setting and the value given.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveThreads } from '../../src/graph/ppr/parallel.js';
import { getThreads, setThreads } from '../../src/kernels/backend.js';
import { checkThreadCount, MAX_THREADS, parseThreadCount } from '../../src/kernels/threads.js';

describe('thread counts', () => {
  it('accepts integers from 1 to MAX_THREADS (256) and rejects everything else, naming the value', () => {
    assert.equal(MAX_THREADS, 256);
    assert.equal(checkThreadCount(1, 'threads'), 1);
    assert.equal(checkThreadCount(256, 'threads'), 256);
    for (const bad of [0, -1, 257, 1.5, NaN, Infinity]) {
      assert.throws(() => checkThreadCount(bad, 'threads'), { name: 'RangeError', message: `threads must be an integer from 1 to 256, got ${bad}` });
    }
    assert.throws(() => checkThreadCount('4', 'threads'), /threads must be an integer from 1 to 256, got "4"/);
  });

  it('parses FASTGNN_THREADS text strictly: unset or empty means the default, junk is an error quoting it', () => {
    assert.equal(parseThreadCount(undefined, 'FASTGNN_THREADS'), undefined);
    assert.equal(parseThreadCount('', 'FASTGNN_THREADS'), undefined);
    assert.equal(parseThreadCount('4', 'FASTGNN_THREADS'), 4);
    assert.equal(parseThreadCount(' 2 ', 'FASTGNN_THREADS'), 2);
    for (const bad of ['0', '-1', '257', '2.5', '0x4', '1e2', 'abc', 'two']) {
      assert.throws(() => parseThreadCount(bad, 'FASTGNN_THREADS'), { name: 'RangeError', message: `FASTGNN_THREADS must be an integer from 1 to 256, got '${bad}'` });
    }
  });

  it('setThreads and the PPR workers reject counts above the bound and leave the setting unchanged', () => {
    const before = getThreads();
    assert.throws(() => setThreads(257), /threads must be an integer from 1 to 256, got 257/);
    assert.throws(() => setThreads(0), /got 0/);
    assert.equal(getThreads(), before);
    assert.throws(() => resolveThreads(10, { threads: 257 }), /pprTopK: threads must be at most 256, got 257/);
    assert.throws(() => resolveThreads(10, { threads: 0 }), /pprTopK: threads must be an integer >= 1, got 0/);
  });

  it('a bad FASTGNN_THREADS stops the process at start-up with that message', () => {
    const backend = fileURLToPath(new URL('../../src/kernels/backend.js', import.meta.url));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(backend)})`], {
      env: { ...process.env, FASTGNN_THREADS: '0' }, encoding: 'utf8',
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /FASTGNN_THREADS must be an integer from 1 to 256, got '0'/);
  });
});
