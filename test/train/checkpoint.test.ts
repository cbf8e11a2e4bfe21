// Tests of safetensors reading/writing, atomic checkpoints (incl. crashes mid-write) and the JSON-lines metrics log.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Module } from '../../src/nn/module.js';
import { Adam } from '../../src/nn/optim/index.js';
import { ReduceLROnPlateau } from '../../src/nn/schedulers.js';
import { Tensor, parameter, type DType } from '../../src/tensor/tensor.js';
import { checkpointWeights, loadCheckpoint, restoreModel, restoreOptimizer, restoreScheduler, saveCheckpoint, tempPrefix } from '../../src/train/checkpoint.js';
import { MetricsLog } from '../../src/train/metrics-log.js';
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from '../../src/train/safetensors.js';

class Net extends Module {
  readonly w: Tensor;
  readonly b: Tensor;
  readonly stat: Tensor;
  constructor(dtype: DType, seed: number) {
    super();
    const make = (n: number, k: number) => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n)).map((_, i) => Math.sin(seed * 7 + i * k));
    this.w = this.registerParameter('w', parameter(make(6, 1.3), [2, 3]));
    this.b = this.registerParameter('b', parameter(make(3, 0.7), [3]));
    this.stat = this.registerBuffer('stat', new Tensor(make(3, 2.1), [3]));
  }
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'fastgnn-ckpt-'));
}

/** builds a file from a raw header object and a data section of `dataBytes` zero bytes */
function craft(header: unknown, dataBytes: number): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(dataBytes)]);
}

function saveAndPath(m: Module): string {
  const path = join(tmp(), 'plain.safetensors');
  saveCheckpoint(path, { model: m, meta: {} });
  return path;
}

function trainOneStep(m: Net, opt: Adam): void {
  for (const p of m.parameters()) p.grad = new Tensor(p.data.map((x) => 2 * x - 0.1), p.shape);
  opt.step();
}

describe('safetensors', () => {
  it('round-trips float32, float64 and integer tensors with metadata, header padded to a multiple of 8', () => {
    const dir = tmp();
    const path = join(dir, 'a.safetensors');
    const tensors = new Map([
      ['f32', { data: Float32Array.of(1.5, -2, 3.25), shape: [3] }],
      ['f64', { data: Float64Array.of(Math.PI, -1e-300), shape: [1, 2] }],
      ['i64', { data: BigInt64Array.of(-(2n ** 62n), 5n), shape: [2] }],
      ['i32', { data: Int32Array.of(7), shape: [] as number[] }],
      ['empty', { data: new Float32Array(0), shape: [0, 4] }],
    ]);
    writeSafetensors(path, tensors, { note: 'hi' });
    const bytes = readFileSync(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    assert.equal(headerLength % 8, 0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString()) as Record<string, { data_offsets: number[] }>;
    assert.deepEqual(header.f64.data_offsets, [0, 16], 'largest elements first, so every tensor is aligned');
    const back = readSafetensors(path);
    assert.deepEqual(back.metadata, { note: 'hi' });
    for (const [name, t] of tensors) {
      const r = back.tensors.get(name);
      assert.ok(r, name);
      assert.deepEqual(r.shape, t.shape);
      assert.deepEqual(r.data, t.data);
    }
    assert.equal(back.tensors.get('i64')?.dtype, 'I64');
  });

  it('rejects a tensor whose declared dtype does not match its array or whose shape does not match its length', () => {
    assert.throws(() => encodeSafetensors(new Map([['x', { data: new Float32Array(2), shape: [2], dtype: 'F64' as const }]])), /'x' is declared F64 but holds a Float32Array/);
    assert.throws(() => encodeSafetensors(new Map([['x', { data: new Float32Array(2), shape: [3] }]])), /'x' has shape \[3\] but 2 values/);
  });

  it('names the file and the problem for truncated and corrupt files', () => {
    const src = 'model.safetensors';
    const good = Buffer.concat(encodeSafetensors(new Map([['w', { data: new Float32Array(4), shape: [4] }]])).chunks);
    const cases: Array<[Uint8Array, RegExp]> = [
      [good.subarray(0, 5), /model\.safetensors: file is 5 bytes, too short/],
      [good.subarray(0, good.length - 4), /tensor 'w': data_offsets \[0, 16\] out of range \(data section is 12 bytes\)/],
      [Buffer.concat([good, Buffer.alloc(8)]), /data section is 24 bytes but the tensors cover 16/],
      [(() => { const b = Buffer.from(good); b.writeBigUInt64LE(10n ** 6n); return b; })(), /header length 1000000 goes beyond the end of the file/],
      [Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{abc ')]), /header is not valid JSON/],
      [craft({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, v: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /tensors 'w' and 'v' overlap/],
      [craft({ w: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /bytes 0\.\.4 of the data section belong to no tensor \(before 'w'\)/],
      [craft({ w: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, 8), /tensor 'w': F64 with shape \[2\] needs 16 bytes, data_offsets give 8/],
      [craft({ w: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, 8), /tensor 'w': unsupported dtype "Q4"/],
      [craft({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /tensor 'w': shape must be an array of integers >= 0/],
      [craft({ __metadata__: { epoch: 3 } }, 0), /__metadata__ field 'epoch' must be a string/],
    ];
    for (const [bytes, pattern] of cases) assert.throws(() => decodeSafetensors(bytes, src), pattern);
  });
});

describe('checkpoint', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`round-trips a ${dtype} model, its Adam state, its scheduler and the caller's meta`, () => {
      const path = join(tmp(), 'nested', 'ckpt.safetensors');
      const m = new Net(dtype, 1);
      const opt = new Adam([{ params: [m.w], weightDecay: 0.1 }, { params: [m.b] }], { lr: 0.01 });
      const sched = new ReduceLROnPlateau(opt, { patience: 3 });
      trainOneStep(m, opt);
      saveCheckpoint(path, { model: m, optimizer: opt, scheduler: sched, meta: { epoch: 7, model: 'gcn', resumed: false, loss: NaN } });

      const ckpt = loadCheckpoint(path);
      assert.equal(ckpt.meta.epoch, 7);
      assert.equal(ckpt.meta.model, 'gcn');
      assert.equal(ckpt.meta.resumed, false);
      assert.ok(Number.isNaN(ckpt.meta.loss));
      assert.equal(ckpt.tensors.get('model.w')?.dtype, dtype === 'float32' ? 'F32' : 'F64');
      assert.deepEqual(ckpt.tensors.get('model.w')?.shape, [2, 3]);

      const m2 = new Net(dtype, 2);
      const opt2 = new Adam([{ params: [m2.w], weightDecay: 0.1 }, { params: [m2.b] }], { lr: 0.5 });
      const sched2 = new ReduceLROnPlateau(opt2, { patience: 3 });
      restoreModel(m2, ckpt);
      restoreOptimizer(opt2, ckpt);
      restoreScheduler(sched2, ckpt);
      for (const [name, t] of m.stateDict()) assert.deepEqual(m2.stateDict().get(name)?.data, t.data, name);
      assert.equal(opt2.paramGroups[1].lr, 0.01);
      assert.equal(sched2.best, Infinity, 'a non-finite best survives the JSON metadata');
      trainOneStep(m, opt);
      trainOneStep(m2, opt2);
      assert.deepEqual(Array.from(m2.w.data), Array.from(m.w.data), 'moments and step counts resume exactly');
    });
  }

  it('round-trips further weight copies by prefix and a JSON loop state with non-finite numbers', () => {
    const path = join(tmp(), 'extra.safetensors');
    const last = new Net('float32', 3);
    const state = { best: -Infinity, spare: NaN, history: [[0.5, 0.25]], nested: { on: true, none: null } };
    saveCheckpoint(path, { model: new Net('float32', 1), meta: {}, weights: new Map([['last', last.stateDict()]]), state });
    const ckpt = loadCheckpoint(path);
    assert.deepEqual(ckpt.state, state);
    assert.equal(checkpointWeights(ckpt, 'early_stopping'), null);
    const m = new Net('float32', 2);
    restoreModel(m, ckpt, true, 'last');
    for (const [name, t] of last.stateDict()) assert.deepEqual(m.stateDict().get(name)?.data, t.data, name);
    assert.deepEqual(checkpointWeights(ckpt, 'last')?.get('w')?.data, last.w.data);
    assert.equal(loadCheckpoint(saveAndPath(new Net('float32', 1))).state, null, 'no state: null');
    for (const prefix of ['model', 'optim', 'Last', 'a.b']) {
      assert.throws(() => saveCheckpoint(path, { model: last, meta: {}, weights: new Map([[prefix, last.stateDict()]]) }),
        new RegExp(`weight prefix '${prefix.replace('.', '\\.')}' must be lower-case letters or '_', and not 'model' or 'optim'`));
    }
  });

  it('refuses a safetensors file that is not a fastgnn checkpoint', () => {
    const path = join(tmp(), 'other.safetensors');
    writeSafetensors(path, new Map([['x', { data: new Float32Array(1), shape: [1] }]]));
    assert.throws(() => loadCheckpoint(path), /other\.safetensors: not a fastgnn checkpoint/);
  });

  it('refuses to restore a checkpoint into a model with other shapes', () => {
    const path = join(tmp(), 'c.safetensors');
    saveCheckpoint(path, { model: new Net('float32', 1), meta: {} });
    class Other extends Module {
      readonly w = this.registerParameter('w', parameter(new Float32Array(2), [2]));
    }
    assert.throws(() => restoreModel(new Other(), loadCheckpoint(path)), /'w' has shape \[2, 3\], expected \[2\]/);
    assert.throws(() => restoreOptimizer(new Adam(new Net('float32', 1).parameters()), loadCheckpoint(path)), /holds no optimiser state/);
  });

  it('keeps the previous checkpoint intact and cleans up when the write fails half way', () => {
    const dir = tmp();
    const path = join(dir, 'ckpt.safetensors');
    saveCheckpoint(path, { model: new Net('float32', 1), meta: { epoch: 1 } });
    const before = readFileSync(path);
    let tempSeen = '';
    assert.throws(
      () =>
        saveCheckpoint(path, { model: new Net('float32', 2), meta: { epoch: 2 } }, {
          chunkBytes: 16,
          onWrite: (written, total, temp) => {
            tempSeen = temp;
            if (written >= total / 2) throw new Error('simulated crash');
          },
        }),
      /simulated crash/,
    );
    assert.ok(tempSeen.startsWith(`${path}.tmp-${process.pid}-`));
    assert.deepEqual(readFileSync(path), before);
    assert.equal(loadCheckpoint(path).meta.epoch, 1);
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors'], 'the temporary file is removed');
  });

  it('keeps the previous checkpoint intact when the process is killed mid-write', () => {
    const dir = tmp();
    const path = join(dir, 'ckpt.safetensors');
    saveCheckpoint(path, { model: new Net('float64', 1), meta: { epoch: 1 } });
    const before = readFileSync(path);
    const url = (rel: string) => pathToFileURL(new URL(rel, import.meta.url).pathname).href;
    const script = `
      import { saveCheckpoint } from ${JSON.stringify(url('../../src/train/checkpoint.js'))};
      import { Module } from ${JSON.stringify(url('../../src/nn/module.js'))};
      import { parameter } from ${JSON.stringify(url('../../src/tensor/tensor.js'))};
      class Big extends Module { w = this.registerParameter('w', parameter(new Float64Array(1 << 16).fill(9), [1 << 16])); }
      saveCheckpoint(${JSON.stringify(path)}, { model: new Big(), meta: { epoch: 2 } }, {
        chunkBytes: 4096,
        onWrite: (written, total) => { if (written >= total / 2) process.kill(process.pid, 'SIGKILL'); },
      });
      console.log('not killed');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    assert.deepEqual(readFileSync(path), before);
    assert.equal(loadCheckpoint(path).meta.epoch, 1);
    const leftovers = readdirSync(dir).filter((f) => f.startsWith(tempPrefix(path)));
    assert.equal(leftovers.length, 1, 'a hard crash leaves only a temporary file behind');
    assert.ok(statSync(join(dir, leftovers[0])).size < (1 << 16) * 8, 'and it is partial');
  });
});

describe('MetricsLog', () => {
  it('appends one JSON line per record, creating folders and keeping earlier lines on reopen', () => {
    const path = join(tmp(), 'runs', 'a', 'metrics.jsonl');
    const log = new MetricsLog(path);
    log.write({ epoch: 0, loss: 1.5, acc: [0.1, 0.2] });
    log.write({ epoch: 1, loss: NaN, best: Infinity });
    log.close();
    log.close();
    assert.throws(() => log.write({ epoch: 2 }), /write after close/);
    const again = new MetricsLog(path);
    again.write({ epoch: 2 });
    again.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(lines, [{ epoch: 0, loss: 1.5, acc: [0.1, 0.2] }, { epoch: 1, loss: 'NaN', best: 'Infinity' }, { epoch: 2 }]);
    const fresh = new MetricsLog(path, { mode: 'truncate' });
    fresh.close();
    assert.equal(readFileSync(path, 'utf8'), '');
  });
});

