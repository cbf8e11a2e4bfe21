// Tests of `fastgnn info` (dataset and backend, text and JSON) and `fastgnn generate`.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { CORA_NPZ, PLANETOID, runCli } from './cli.js';

describe('fastgnn info', () => {
  it('prints nodes, edges, features, classes and degree statistics of a dataset', () => {
    const r = runCli(['info', '--data', CORA_NPZ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nodes +2708/);
    assert.match(r.stdout, /edges +10556 stored +\(undirected: 5278 pairs/);
    assert.match(r.stdout, /features +1433 +\(sparse, density 1\.27%\)/);
    assert.match(r.stdout, /classes +7/);
    assert.match(r.stdout, /split +none/);
    assert.match(r.stdout, /in-degree +min 1 +median 3 +mean 3\.90 +max 168/);
  });

  it('prints the split sizes of a dataset that has one, as JSON with --json', () => {
    const r = runCli(['info', '--data', PLANETOID, '--name', 'citeseer', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { dataset: { nodes: number; classes: number; split: unknown; graph: { inDegree: { max: number } } } };
    assert.equal(info.dataset.nodes, 3327);
    assert.equal(info.dataset.classes, 6);
    assert.deepEqual(info.dataset.split, { train: 120, val: 500, test: 1000 });
    assert.equal(info.dataset.graph.inDegree.max, 99);
  });

  it('prints the hop profile with --hop-profile, on the split asked for, and refuses misuse', () => {
    const r = runCli(['info', '--data', PLANETOID, '--name', 'cora', '--hop-profile', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hop profile +0: 58\.6% +1: 77\.3% +2: 80\.7% +\(nearest class mean .*1000 test nodes, split public\)/);
    const j = runCli(['info', '--data', CORA_NPZ, '--hop-profile', '1', '--split', 'random:20:30', '--json']);
    assert.equal(j.code, 0, j.stderr);
    const h = (JSON.parse(j.stdout) as { dataset: { hop_profile: { accuracy: number[]; split: string; fitted: number } } }).dataset.hop_profile;
    assert.deepEqual([h.accuracy.length, h.split, h.fitted], [2, 'random:20:30', 140]);
    for (const [args, message] of [
      [['--split', 'random:20:30'], /--split: only used with --hop-profile/],
      [['--hop-profile', '17'], /--hop-profile: at most 16/],
      [['--hop-profile', '-1'], /--hop-profile/],
      [['--hop-profile', '1', '--split', 'public'], /--split: .*no public split/],
    ] as const) {
      const bad = runCli(['info', '--data', CORA_NPZ, ...args]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, message);
    }
  });

  it('prints which kernels and GEMM are in use with --backend', () => {
    const r = runCli(['info', '--backend']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kernels +\S+/m);
    assert.match(r.stdout, /^gemm +\S+/m);
    assert.match(r.stdout, /^spmm +(wasm-simd|typescript)/m);
    assert.match(r.stdout, /^arrays +(wasm heap|ordinary)/m);
    const forced = runCli(['info', '--backend', '--json'], { FASTGNN_BLAS: '0' });
    assert.equal((JSON.parse(forced.stdout) as { backend: { gemm: string } }).backend.gemm, 'typescript');
  });
});

describe('fastgnn generate', () => {
  it('writes a synthetic .fgnn graph that info and train read', () => {
    const dir = tempDir('generate');
    try {
      const file = join(dir, 'synth.fgnn');
      const g = runCli(['generate', '--nodes', '500', '--avg-degree', '6', '--classes', '4', '--features', '16', '--seed', '3', '--out', file]);
      assert.equal(g.code, 0, g.stderr);
      assert.match(g.stdout, /wrote .*synth\.fgnn: 500 nodes/);
      const info = JSON.parse(runCli(['info', '--data', file, '--json']).stdout) as { dataset: { nodes: number; features: number; classes: number } };
      assert.deepEqual([info.dataset.nodes, info.dataset.features, info.dataset.classes], [500, 16, 4]);
      const t = runCli(['train', '--data', file, '--epochs', '3', '--quiet']);
      assert.equal(t.code, 0, t.stderr);
      const local = runCli(['generate', '--nodes', '500', '--avg-degree', '6', '--locality', '0.5', '--out', join(dir, 'local.fgnn')]);
      assert.equal(local.code, 0, local.stderr);
      const bad = runCli(['generate', '--nodes', '500', '--avg-degree', '6', '--locality', '2', '--out', join(dir, 'bad.fgnn')]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /--locality.*Expected a number in \[0, 1\]/);
      const noisy = runCli(['generate', '--nodes', '500', '--avg-degree', '6', '--feature-noise', '0', '--label-noise', '0.2', '--out', join(dir, 'noisy.fgnn')]);
      assert.equal(noisy.code, 0, noisy.stderr);
      const profile = JSON.parse(runCli(['info', '--data', join(dir, 'noisy.fgnn'), '--hop-profile', '0', '--json']).stdout) as { dataset: { hop_profile: { accuracy: number[] } } };
      assert.ok(Math.abs(profile.dataset.hop_profile.accuracy[0] - 0.8) < 0.1, `${profile.dataset.hop_profile.accuracy}`);
      for (const [flag, value, message] of [['--label-noise', '1', /--label-noise.*\[0, 1\)/], ['--feature-noise', '-1', /--feature-noise.*>= 0/]] as const) {
        const r = runCli(['generate', '--nodes', '500', '--avg-degree', '6', flag, value, '--out', join(dir, 'bad.fgnn')]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, message);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
