// Tests of `fastgnn train` and `fastgnn predict`: report fields, metric log, checkpoint, prediction and resume.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { CORA_NPZ, PLANETOID, readJson, runCli, type CliResult } from './cli.js';

const logLines = (file: string): Array<Record<string, number>> =>
  readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);

describe('fastgnn train', () => {
  let dir = '';
  let first: CliResult;
  before(() => {
    dir = tempDir('train');
    first = runCli([
      'train', '--data', CORA_NPZ, '--model', 'gcn', '--epochs', '5', '--report', join(dir, 'report.json'),
      '--log', join(dir, 'log.jsonl'), '--save', join(dir, 'ckpt.safetensors'),
    ]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and prints plain progress lines and a summary when stdout is not a terminal', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^epoch 5\/5 +loss \d/m);
    assert.match(first.stdout, /test acc \d+\.\d\d%  val acc \d+\.\d\d%  best epoch \d+/);
    assert.match(first.stdout, /median epoch [\d.]+ ms  inference [\d.]+ ms  peak RSS \d+ MiB/);
  });

  it('writes a report with the documented fields', () => {
    const r = readJson(join(dir, 'report.json'));
    for (const key of ['dataset', 'model', 'method', 'seed', 'epochs_run', 'best_epoch', 'val_acc', 'test_acc', 'train_time_s',
      'epoch_time_ms', 'inference_time_ms', 'peak_rss_mb', 'params', 'config', 'backend', 'split_sizes', 'nodes', 'edges',
      'features', 'fastgnn_version']) {
      assert.ok(key in r, `report lacks '${key}'`);
    }
    assert.equal(r.dataset, 'cora');
    assert.equal(r.model, 'gcn');
    assert.equal(r.method, 'full');
    assert.equal(r.epochs_run, 5);
    assert.deepEqual([r.nodes, r.edges, r.features, r.classes], [2708, 10556, 1433, 7]);
    assert.deepEqual(r.split_sizes, { train: 140, val: 210, test: 2358 });
    assert.equal(r.params, 1433 * 64 + 64 + 64 * 7 + 7);
    const config = r.config as { model: { hidden: number }; training: { split: string; lr: number } };
    assert.equal(config.model.hidden, 64);
    assert.equal(config.training.split, 'random:20:30');
    assert.equal(typeof (r.backend as { gemm: unknown }).gemm, 'string');
    assert.ok((r.test_acc as number) > 0.3 && (r.test_acc as number) <= 1);
    assert.ok((r.epoch_time_ms as number) > 0 && (r.peak_rss_mb as number) > 0);
  });

  it('--min-epochs keeps early stopping from ending the run before that many epochs', () => {
    const run = (extra: string[]): Record<string, unknown> => {
      const file = join(dir, `min-${extra.length}.json`);
      const r = runCli(['train', '--data', CORA_NPZ, '--epochs', '40', '--patience', '1', '--lr', '0.5', '--report', file, '--quiet', ...extra]);
      assert.equal(r.code, 0, r.stderr);
      return readJson(file);
    };
    const free = run([]);
    assert.ok((free.epochs_run as number) < 25, `patience 1 at lr 0.5 should stop early, ran ${String(free.epochs_run)}`);
    const held = run(['--min-epochs', '25']);
    assert.equal(held.epochs_run, 25);
    assert.equal((held.config as { training: { minEpochs: number } }).training.minEpochs, 25);
  });

  it('--time-limit stops after the epoch that reaches it and says so in the report', () => {
    const run = (extra: string[]): Record<string, unknown> => {
      const file = join(dir, `limit-${extra.join('')}.json`);
      const r = runCli(['train', '--data', CORA_NPZ, '--epochs', '6', '--report', file, '--quiet', ...extra]);
      assert.equal(r.code, 0, r.stderr);
      return readJson(file);
    };
    const free = run([]);
    assert.equal(free.epochs_run, 6);
    assert.equal(free.stopped_by, 'epochs');
    const limited = run(['--time-limit', '1e-6']);
    assert.equal(limited.epochs_run, 1);
    assert.equal(limited.stopped_by, 'time-limit');
    assert.equal((limited.config as { training: { timeLimitS: number } }).training.timeLimitS, 1e-6);
    const batched = run(['--time-limit', '1e-6', '--method', 'cluster-gcn', '--num-parts', '8', '--eval-every', '4']);
    assert.equal(batched.epochs_run, 1);
    assert.equal(batched.stopped_by, 'time-limit');
    assert.equal((batched.val_history as unknown[]).length, 1, 'the stopping epoch is evaluated whatever --eval-every says');
  });

  it('logs one JSON line per epoch with losses, accuracies and timings', () => {
    const lines = logLines(join(dir, 'log.jsonl'));
    assert.deepEqual(lines.map((l) => l.epoch), [0, 1, 2, 3, 4]);
    for (const key of ['train_loss', 'train_acc', 'val_loss', 'val_acc', 'test_acc', 'lr', 'epoch_ms']) assert.equal(typeof lines[0][key], 'number');
  });

  it('predicts every node from the checkpoint with the reported test accuracy', () => {
    const csv = join(dir, 'preds.csv');
    const p = runCli(['predict', '--checkpoint', join(dir, 'ckpt.safetensors'), '--data', CORA_NPZ, '--out', csv]);
    assert.equal(p.code, 0, p.stderr);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'node,pred,label');
    assert.equal(rows.length, 2708 + 1);
    assert.match(rows[1], /^0,[0-6],[0-6]$/);
    const reported = readJson(join(dir, 'report.json')).test_acc as number;
    assert.match(p.stdout, new RegExp(`test acc ${(100 * reported).toFixed(2).replace('.', '\\.')}% on 2358 test nodes`));
    const json = join(dir, 'preds.json');
    assert.equal(runCli(['predict', '--checkpoint', join(dir, 'ckpt.safetensors'), '--data', CORA_NPZ, '--out', json]).code, 0);
    const out = readJson<{ predictions: number[]; test_acc: number }>(json);
    assert.equal(out.predictions.length, 2708);
    assert.equal(out.test_acc, reported);
  });

  it('resumes from a checkpoint at its epoch with its trained weights and appends to the log', () => {
    const r = runCli([
      'train', '--data', CORA_NPZ, '--resume', join(dir, 'ckpt.safetensors'), '--epochs', '8',
      '--report', join(dir, 'resumed.json'), '--log', join(dir, 'log.jsonl'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson(join(dir, 'resumed.json'));
    assert.equal(report.start_epoch, 5);
    assert.equal(report.epochs_run, 3);
    assert.equal(report.resumed_from, join(dir, 'ckpt.safetensors'));
    const lines = logLines(join(dir, 'log.jsonl'));
    assert.deepEqual(lines.map((l) => l.epoch), [0, 1, 2, 3, 4, 5, 6, 7]);
    // trained weights and Adam moments were restored: the loss continues well below a fresh model's
    assert.ok(lines[5].train_loss < 0.8 * lines[0].train_loss, `resumed loss ${lines[5].train_loss} vs first ${lines[0].train_loss}`);
  });

  it('refuses to resume with a different architecture or with no epochs left', () => {
    const ckpt = join(dir, 'ckpt.safetensors');
    const hidden = runCli(['train', '--data', CORA_NPZ, '--resume', ckpt, '--hidden', '16', '--epochs', '8']);
    assert.equal(hidden.code, 1);
    assert.match(hidden.stderr, /^fastgnn train: --hidden: is 16 but the resumed checkpoint's model has 64\n$/);
    const done = runCli(['train', '--data', CORA_NPZ, '--resume', ckpt, '--epochs', '3']);
    assert.equal(done.code, 1);
    assert.match(done.stderr, /--epochs: is 3 but the checkpoint has already run 5 epochs/);
  });

  it('uses the public split of a Planetoid directory by default', () => {
    const report = join(dir, 'planetoid.json');
    const r = runCli(['train', '--data', PLANETOID, '--name', 'cora', '--model', 'sage', '--epochs', '3', '--quiet', '--report', report]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^epoch /m);
    const rep = readJson(report);
    assert.deepEqual(rep.split_sizes, { train: 140, val: 500, test: 1000 });
    assert.equal((rep.config as { training: { split: string } }).training.split, 'public');
  });
});
