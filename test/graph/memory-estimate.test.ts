// Memory checks before large allocations: the generator and the .fgnn loader refuse, with the estimate, a graph
// larger than the budget. Budgets here are tiny or the graphs absurd, so nothing large is ever allocated.

import assert from 'node:assert/strict';
import os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { estimateSyntheticBytes, generateSynthetic } from '../../src/graph/generate.js';
import { loadBinary, saveBinary } from '../../src/graph/io/binary.js';
import { checkMemory, formatBytes, machineMemoryLimit, memoryLimitOf } from '../../src/graph/memory-estimate.js';
import { tempDir } from '../helpers/paths.js';

const GiB = 1024 ** 3;

describe('memory estimates', () => {
  it('formats sizes as GiB with one decimal, or smaller units below a GiB', () => {
    assert.equal(formatBytes(31.2 * GiB), '31.2 GiB');
    assert.equal(formatBytes(1.5 * 1024 ** 2), '1.5 MiB');
    assert.equal(formatBytes(2048), '2.0 KiB');
    assert.equal(formatBytes(12), '12 B');
  });

  it('names the estimate, its parts and the limit when they do not fit, and returns the estimate when they do', () => {
    const parts = [{ label: 'features', bytes: 9.6 * GiB }, { label: 'edges', bytes: 21.6 * GiB }];
    const limit = { bytes: 23.4 * GiB, description: "this machine's 23.4 GiB of memory" };
    assert.throws(() => checkMemory('generate: the graph', parts, limit),
      { name: 'RangeError', message: "generate: the graph needs an estimated 31.2 GiB (features 9.6 GiB + edges 21.6 GiB), more than this machine's 23.4 GiB of memory" });
    assert.ok(Math.abs(checkMemory('x', parts, { bytes: 40 * GiB, description: 'big' }) - 31.2 * GiB) < 1);
  });

  it("takes the machine's memory (or a smaller cgroup limit) unless a budget is given, and rejects a bad budget", () => {
    const m = machineMemoryLimit();
    assert.ok(m.bytes > 0 && m.bytes <= os.totalmem());
    assert.match(m.description, /this machine's [\d.]+ GiB of memory|memory limit \(cgroup\)/);
    assert.deepEqual(memoryLimitOf(2048, 'w'), { bytes: 2048, description: 'the memory limit of 2.0 KiB' });
    assert.throws(() => memoryLimitOf(0, 'generateSynthetic'), /generateSynthetic: memoryLimit must be a positive number of bytes, got 0/);
  });
});

describe('generateSynthetic memory check', () => {
  const small = { nodes: 1000, avgDegree: 10, classes: 4, features: 8, seed: 1 };

  it('estimates features, edges and node tables from the options', () => {
    const parts = Object.fromEntries(estimateSyntheticBytes({ nodes: 2_400_000, avgDegree: 26, features: 100 }).map((p) => [p.label, p.bytes]));
    assert.deepEqual(parts, { features: 4 * 2_400_000 * 100, edges: 20 * 2_400_000 * 26, 'node tables': 64 * 2_400_000 });
  });

  it('refuses a graph over the budget before allocating it, with the estimate', () => {
    assert.throws(() => generateSynthetic({ ...small, memoryLimit: 1024 }),
      /^RangeError: generateSynthetic: the graph needs an estimated 289\.1 KiB \(features 31\.3 KiB \+ edges 195\.3 KiB \+ node tables 62\.5 KiB\), more than the memory limit of 1\.0 KiB$/);
    assert.equal(generateSynthetic({ ...small, memoryLimit: GiB }).graph.rows, 1000);
  });

  it("refuses a graph larger than this machine's memory with the default budget (without allocating it)", () => {
    assert.throws(() => generateSynthetic({ nodes: 100_000_000, avgDegree: 20, classes: 10, features: 10_000, seed: 0 }),
      /generateSynthetic: the graph needs an estimated \d+\.\d GiB \(features 3725\.3 GiB \+ edges 37\.3 GiB \+ node tables 6\.0 GiB\), more than (this machine's|this process's)/);
  });
});

describe('loadBinary memory check', () => {
  it('refuses a file whose arrays exceed the budget, before reading them, and loads it within budget', () => {
    const d = generateSynthetic({ nodes: 200, avgDegree: 4, classes: 2, features: 8, seed: 2 });
    const file = path.join(tempDir('mem'), 'small.fgnn');
    saveBinary(d, file);
    const esc = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.throws(() => loadBinary(file, { memoryLimit: 1000 }),
      new RegExp(`^RangeError: ${esc}: loading needs an estimated [\\d.]+ KiB \\(features 6\\.3 KiB \\+ graph [\\d.]+ KiB \\+ labels and split [\\d.]+ KiB\\), more than the memory limit of 1000 B$`));
    assert.equal(loadBinary(file, { memoryLimit: GiB }).graph.rows, 200);
  });
});
