// Tests of `fastgnn train --save` + `--resume`: N epochs, then M more from the checkpoint, give the run of N + M
// epochs bit for bit (every saved tensor, the validation history, the best epoch) for fixed and sampled batches and
// for full-batch training with a plateau schedule and early stopping; runs sliced by --time-limit; older checkpoints;
// and one-line errors for a resumed run that would not be the checkpoint's run.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../src/graph/io/index.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import type { TrainReport } from '../../src/train/report.js';
import { runTraining, RunOptionError } from '../../src/train/run.js';
import { readSafetensors, writeSafetensors } from '../../src/train/safetensors.js';
import { tempDir } from '../helpers/paths.js';
import { CORA_NPZ, readJson, runCli, SMALL } from './cli.js';

let dir = '';
const IBMB = ['--method', 'ibmb-node', ...SMALL['ibmb-node']];
// evaluations at epochs 2, 5 and the last (7); a 4-epoch run also evaluates its last epoch (3), off that cadence,
// where (at this lr) it beats epoch 2: its checkpoint keeps early stopping's best weights apart from the model's
const NEIGHBOR = ['--method', 'neighbor', ...SMALL.neighbor, '--eval-every', '3', '--lr', '0.003'];

function ckptOf(name: string): string {
  return join(dir, `${name}.safetensors`);
}

/** Runs `fastgnn train` on Cora, saving checkpoint, report and log under `name`; returns the report. */
function train(name: string, args: string[]): TrainReport {
  const r = runCli([
    'train', '--data', CORA_NPZ, '--quiet', '--no-compare-inference', '--save', ckptOf(name), '--report', join(dir, `${name}.json`),
    '--log', join(dir, `${name}.jsonl`), ...args,
  ]);
  assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  return readJson<TrainReport>(join(dir, `${name}.json`));
}

/** The stderr of a `fastgnn train` on Cora that must fail. */
function refused(args: string[]): string {
  const r = runCli(['train', '--data', CORA_NPZ, '--quiet', '--no-compare-inference', ...args]);
  assert.equal(r.code, 1, `expected a refusal of ${args.join(' ')}; stdout: ${r.stdout}`);
  return r.stderr;
}

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Every tensor of the two checkpoints (best, last and early-stopping weights, optimiser moments and steps) is
 *  bitwise the same, and so are the loop states but for their clocks. */
function assertSameCheckpoint(fileA: string, fileB: string): void {
  const a = loadCheckpoint(fileA);
  const b = loadCheckpoint(fileB);
  assert.deepEqual([...a.tensors.keys()].sort(), [...b.tensors.keys()].sort());
  assert.ok([...a.tensors.keys()].some((k) => k.startsWith('last.')), 'the last weights are saved');
  for (const [name, t] of a.tensors) assert.ok(bytes(t.data).equals(bytes(b.tensors.get(name)!.data)), `tensor ${name} differs`);
  const noClock = (s: unknown): unknown => {
    const { trainTimeS: _t, stepTimeS: _s, valHistory, ...rest } = s as { trainTimeS: number; stepTimeS: number; valHistory: Array<[number, number]> };
    return { ...rest, valAcc: valHistory.map(([, acc]) => acc) };
  };
  assert.deepEqual(noClock(b.state), noClock(a.state));
}

/** The resumed run ends where the uninterrupted one did: same tensors, validation accuracies and best epoch. */
function assertSameRun(whole: string, resumed: string): void {
  assertSameCheckpoint(ckptOf(whole), ckptOf(resumed));
  const a = readJson<TrainReport>(join(dir, `${whole}.json`));
  const b = readJson<TrainReport>(join(dir, `${resumed}.json`));
  assert.deepEqual(b.val_history.map(([, acc]) => acc), a.val_history.map(([, acc]) => acc), 'validation accuracies');
  assert.deepEqual([b.best_epoch, b.val_acc, b.test_acc, b.stopped_by], [a.best_epoch, a.val_acc, a.test_acc, a.stopped_by]);
}

/** The resumed report continues the first one: its clock and history start where the first left them. */
function assertContinues(first: TrainReport, resumed: TrainReport, firstEpochs: number): void {
  assert.equal(resumed.start_epoch, firstEpochs);
  assert.ok(resumed.train_time_s > first.train_time_s, `train_time_s ${resumed.train_time_s} counts the first run's ${first.train_time_s}`);
  const times = resumed.val_history.map(([t]) => t);
  times.forEach((t, i) => assert.ok(i === 0 || t > times[i - 1], 'the history clock grows'));
}

before(() => {
  dir = tempDir('resume');
  // checkpoints several tests resume from
  train('ibmb-node-whole', [...IBMB, '--epochs', '6']);
  train('ibmb-node-first', [...IBMB, '--epochs', '3']);
  train('neighbor-first', [...NEIGHBOR, '--epochs', '4']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('fastgnn train --resume gives the uninterrupted run', () => {
  const cases: Array<{ name: string; args: string[]; first: number; total: number }> = [
    { name: 'ibmb-node', args: IBMB, first: 3, total: 6 },
    { name: 'cluster-gcn', args: ['--method', 'cluster-gcn', ...SMALL['cluster-gcn']], first: 3, total: 6 },
    { name: 'neighbor', args: NEIGHBOR, first: 4, total: 8 },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.first} epochs, then ${c.total - c.first} more from the checkpoint`, () => {
      for (const [run, epochs] of [['whole', c.total], ['first', c.first]] as const) {
        if (!existsSync(ckptOf(`${c.name}-${run}`))) train(`${c.name}-${run}`, [...c.args, '--epochs', String(epochs)]);
      }
      // the method, its options and the evaluation cadence come from the checkpoint
      const resumed = train(`${c.name}-resumed`, ['--resume', ckptOf(`${c.name}-first`), '--epochs', String(c.total)]);
      assertSameRun(`${c.name}-whole`, `${c.name}-resumed`);
      assertContinues(readJson<TrainReport>(join(dir, `${c.name}-first.json`)), resumed, c.first);
      assert.equal(resumed.method, c.name);
      assert.equal(resumed.eval_every, c.name === 'neighbor' ? 3 : 1);
      const first = loadCheckpoint(ckptOf(`${c.name}-first`));
      if (c.name === 'neighbor') assert.ok([...first.tensors.keys()].some((k) => k.startsWith('early_stopping.')), 'the off-cadence case is exercised');
    });
  }

  it('saint-rw in slices of one epoch each (--time-limit), every slice resuming and saving the same file', () => {
    const args = ['--method', 'saint-rw', ...SMALL['saint-rw']];
    train('saint-whole', [...args, '--epochs', '3']);
    const slices = [train('saint-sliced', [...args, '--epochs', '3', '--time-limit', '1e-6'])];
    // --epochs and --time-limit come from the checkpoint too
    for (let i = 1; i < 3; i++) slices.push(train('saint-sliced', ['--resume', ckptOf('saint-sliced')]));
    slices.forEach((r, i) => {
      assert.deepEqual([r.start_epoch, r.epochs_run, r.stopped_by], [i, 1, 'time-limit']);
      if (i > 0) assertContinues(slices[i - 1], r, i);
      // the history of earlier slices is carried over unchanged
      if (i > 0) assert.deepEqual(r.val_history.slice(0, i), slices[i - 1].val_history);
    });
    assertSameCheckpoint(ckptOf('saint-whole'), ckptOf('saint-sliced'));
    const whole = readJson<TrainReport>(join(dir, 'saint-whole.json'));
    assert.deepEqual(slices[2].val_history.map(([, acc]) => acc), whole.val_history.map(([, acc]) => acc));
    const log = readFileSync(join(dir, 'saint-sliced.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number });
    assert.deepEqual(log.map((l) => l.epoch), [0, 1, 2], 'the metric log is appended to');
  });

  it('full-batch training with a plateau schedule and early stopping: both continue where they were', () => {
    // lr 0.05: the best validation accuracy comes early and the plateau schedule cuts the lr at epoch 35, so both the
    // scheduler's and early stopping's counters at epoch 30 decide what happens later
    const args = ['--lr', '0.05', '--scheduler', 'plateau', '--patience', '40'];
    const whole = train('full-whole', [...args, '--epochs', '60']);
    train('full-first', [...args, '--epochs', '30']);
    const resumed = train('full-resumed', ['--resume', ckptOf('full-first'), '--epochs', '60']);
    assertSameRun('full-whole', 'full-resumed');
    assert.equal(whole.stopped_by, 'early-stopping');
    assert.ok(resumed.epochs_run < 30, `stopped early after ${resumed.epochs_run} resumed epochs`);
    const lrs = readFileSync(join(dir, 'full-resumed.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; lr: number });
    assert.ok(lrs.some((l) => l.epoch > 30 && l.lr < 0.05), 'the plateau schedule cut the lr after the resume');
    // the checkpoint of a run that stopped early does not go on with the same patience
    assert.match(refused(['--resume', ckptOf('full-whole'), '--epochs', '80']),
      /^fastgnn train: --patience: is 40 but the resumed checkpoint's run has had 40 evaluations without a better validation accuracy \(the best at epoch \d+\), so it would stop at once; expected more than 40\n$/);
  });
});

describe('fastgnn train --resume refuses a run that is not the checkpoint\'s', () => {
  const ckpt = (): string => ckptOf('neighbor-first');

  it('names the flag whose value differs: method, method option, split, seed, learning rate', () => {
    const expect: Array<[string[], RegExp]> = [
      [['--method', 'cluster-gcn'], /^fastgnn train: --method: is 'cluster-gcn' but the resumed checkpoint's run used 'neighbor'\n$/],
      [['--batch-size', '32'], /^fastgnn train: --batch-size: is 32 but the resumed checkpoint's run used 64\n$/],
      [['--split', 'random:10:10'], /^fastgnn train: --split: is "random:10:10" but the resumed checkpoint's run used "random:20:30"; a resumed run keeps it\n$/],
      [['--seed', '7'], /^fastgnn train: --seed: is 7 but the resumed checkpoint's run used seed 0\n$/],
      [['--lr', '0.5'], /^fastgnn train: --lr: is 0.5 but the resumed checkpoint's run used 0.003; a resumed run keeps it\n$/],
    ];
    for (const [args, message] of expect) assert.match(refused(['--resume', ckpt(), '--epochs', '8', ...args]), message, args.join(' '));
  });

  it('takes a batch cache of the same batches and refuses one built with other options', () => {
    const build = (name: string, perBatch: string): string => {
      const out = join(dir, `${name}.fgnnb`);
      const r = runCli(['preprocess', '--data', CORA_NPZ, '--method', 'ibmb-node', '--outputs-per-batch', perBatch, '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      return out;
    };
    const other = build('other', '100');
    assert.match(refused(['--resume', ckptOf('ibmb-node-first'), '--epochs', '6', '--batches', other]),
      new RegExp(`^fastgnn train: --batches: ${other} holds batches built with outputsPerBatch 100 but the resumed checkpoint's run trained with 50\\n$`));
    const same = build('same', '50');
    train('ibmb-cached', ['--resume', ckptOf('ibmb-node-first'), '--epochs', '6', '--batches', same]);
    assertSameRun('ibmb-node-whole', 'ibmb-cached');
  });

  it('keeps a cosine schedule\'s length', () => {
    train('cosine', ['--scheduler', 'cosine', '--epochs', '2']);
    assert.match(refused(['--resume', ckptOf('cosine'), '--epochs', '4']),
      /^fastgnn train: --epochs: is 4 but the resumed checkpoint's cosine schedule spans 2 epochs; a resumed run keeps it \(expected --epochs 2\)\n$/);
  });

  it('refuses a different graph', async () => {
    const cora = await loadDataset(CORA_NPZ);
    const g = cora.graph;
    const cut = g.indptr[1]; // node 0 loses its in-edges: same sizes, other structure
    const graph = { ...g, indptr: Int32Array.from(g.indptr, (p) => Math.max(0, p - cut)), indices: g.indices.slice(cut), values: g.values?.slice(cut) };
    await assert.rejects(runTraining({ data: { ...cora, graph }, resume: ckpt(), epochs: 8 }), (e: unknown) => {
      assert.ok(e instanceof RunOptionError && e.option === 'data', String(e));
      assert.match(e.detail, /^'cora' is not the graph the checkpoint was trained on \('cora', 2708 nodes\): its structure differs$/);
      return true;
    });
  });

  it('reads older checkpoints (no loop state): predict and full-batch resume take them, mini-batch resume refuses them', () => {
    const legacy = (from: string, to: string): string => {
      const { tensors, metadata } = readSafetensors(from);
      const { state: _state, ...rest } = metadata;
      writeSafetensors(to, new Map([...tensors].filter(([name]) => name.startsWith('model.') || name.startsWith('optim.'))), rest);
      return to;
    };
    const oldMini = legacy(ckpt(), join(dir, 'old-neighbor.safetensors'));
    assert.match(refused(['--resume', oldMini, '--epochs', '8']),
      new RegExp(`^fastgnn train: --resume: ${oldMini} holds no training loop state \\(written by an older fastgnn or a multiscale run\\); only full-batch training resumes from it\\n$`));
    // the 2-epoch full-batch run of the cosine test; without a loop state the schedule starts afresh, any length
    const oldFull = legacy(ckptOf('cosine'), join(dir, 'old-full.safetensors'));
    const r = train('old-full-resumed', ['--resume', oldFull, '--epochs', '4']);
    assert.deepEqual([r.start_epoch, r.epochs_run], [2, 2]);
    const p = runCli(['predict', '--checkpoint', oldFull, '--data', CORA_NPZ, '--out', join(dir, 'old.csv')]);
    assert.equal(p.code, 0, p.stderr);
  });
});
