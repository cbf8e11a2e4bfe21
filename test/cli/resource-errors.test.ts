// The CLI's errors for resources it cannot have: a bad FASTGNN_THREADS and a graph too large for this machine are
// each one line and exit code 1, before anything large is allocated.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../helpers/paths.js';
import { runCli } from './cli.js';

describe('CLI resource errors', () => {
  it('rejects a FASTGNN_THREADS outside 1..256 with one line naming the variable', () => {
    for (const bad of ['0', '300', 'abc']) {
      const r = runCli(['info'], { FASTGNN_THREADS: bad });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `fastgnn: FASTGNN_THREADS must be an integer from 1 to 256, got '${bad}'\n`);
    }
  });

  it('refuses to generate a graph larger than the machine, with the estimate, and writes nothing', () => {
    const out = join(tempDir('huge'), 'huge.fgnn');
    const r = runCli(['generate', '--nodes', '100000000', '--avg-degree', '20', '--features', '10000', '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^fastgnn generate: generateSynthetic: the graph needs an estimated 3768\.5 GiB \(features 3725\.3 GiB \+ edges 37\.3 GiB \+ node tables 6\.0 GiB\), more than (this machine's|this process's) [\d.]+ GiB/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(existsSync(out), false);
  });
});
