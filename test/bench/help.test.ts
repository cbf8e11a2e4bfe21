// Every benchmark script answers --help with its own description and exits at once, instead of starting a run (the
// products-scale one takes over ten minutes and 13 GiB).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths.js';

test('each bench script prints its header for --help and exits 0 within seconds', () => {
  const dir = join(ROOT, 'dist/bench');
  const scripts = readdirSync(dir).filter((f) => f.endsWith('.js'));
  assert.ok(scripts.length >= 9, `found ${scripts.join(', ')}`);
  for (const s of scripts) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [join(dir, s), '--help'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `${s}: ${r.stderr}`);
    assert.ok(Date.now() - t0 < 10_000, `${s} took ${Date.now() - t0} ms`);
    assert.ok(r.stdout.split('\n')[0].length > 20, `${s} printed its description: ${r.stdout}`);
    assert.doesNotMatch(r.stdout, /^\/\//m, `${s}: comment markers stripped`);
  }
  const scale = spawnSync(process.execPath, [join(dir, 'scale.js'), '--help'], { encoding: 'utf8' });
  assert.match(scale.stdout, /Run: npm run bench:scale/);
});
