// Checkpoints: model, optimiser and scheduler state (and further weight copies and a training loop's state) in one
// safetensors file, written atomically (temp + fsync + rename).

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname } from 'node:path';
import type { Module } from '../nn/module.js';
import type { OptimizerState, StateArray } from '../nn/optim/optimizer.js';
import type { SchedulerState } from '../nn/schedulers.js';
import { encodeSafetensors, readSafetensors, type SafetensorsInput, type SafetensorsTensor } from './safetensors.js';

/** What the caller wants back on resume: model config, epoch, rng state, ... */
export type CheckpointMeta = Record<string, string | number | boolean>;

export interface CheckpointParts {
  model: Module;
  optimizer?: { stateDict(): OptimizerState };
  scheduler?: { stateDict(): SchedulerState };
  /** further copies of the model's weights by prefix (e.g. 'last' -> the final weights), stored as "<prefix>.<name>" */
  weights?: ReadonlyMap<string, ReadonlyMap<string, StateArray>>;
  /** a training loop's state: any JSON value (numbers may be ±Infinity or NaN), stored as metadata 'state' */
  state?: unknown;
  meta: CheckpointMeta;
}

export interface SaveCheckpointOptions {
  /** largest single write in bytes, default 8 MiB */
  chunkBytes?: number;
  /** called after each write to the temporary file; throwing here aborts the save (tests simulate crashes with it) */
  onWrite?: (written: number, total: number, tempPath: string) => void;
}

export interface Checkpoint {
  /** every tensor of the file: "model.<name>", "optim.<i>.<buffer>" and "<prefix>.<name>" of further weights */
  readonly tensors: Map<string, SafetensorsTensor>;
  readonly meta: CheckpointMeta;
  /** the optimiser's kind and group options (lr included), or null if none was saved */
  readonly optimizer: Pick<OptimizerState, 'kind' | 'groups'> | null;
  readonly scheduler: SchedulerState | null;
  /** the training loop state saved with it, or null */
  readonly state: unknown;
}

const FORMAT = 'fastgnn-checkpoint/1';

/** JSON that keeps NaN and ±Infinity (as {"$nonfinite": "Infinity"}) instead of turning them into null. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $nonfinite: String(v) } : v));
}

function fromJson(text: string, what: string, path: string): unknown {
  try {
    return JSON.parse(text, (_k, v: unknown) => {
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const keys = Object.keys(v);
        const s = (v as Record<string, unknown>).$nonfinite;
        if (keys.length === 1 && typeof s === 'string') return Number(s);
      }
      return v;
    });
  } catch (e) {
    throw new Error(`loadCheckpoint: ${path}: metadata '${what}' is not valid JSON (${(e as Error).message})`);
  }
}

function checkMeta(meta: unknown, where: string): CheckpointMeta {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new Error(`${where}: meta must be an object`);
  for (const [k, v] of Object.entries(meta)) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) throw new Error(`${where}: meta '${k}' must be a string, number or boolean, got ${typeof v}`);
  }
  return meta as CheckpointMeta;
}

/** Saves atomically: writes `<path>.tmp-<pid>-<random>`, fsyncs it, renames it over `path` and fsyncs the folder,
 *  so a crash at any moment leaves either the previous file or the new one at `path`, never a partial one. */
export function saveCheckpoint(path: string, parts: CheckpointParts, options: SaveCheckpointOptions = {}): void {
  const where = `saveCheckpoint(${path})`;
  const meta = checkMeta(parts.meta, where);
  const tensors = new Map<string, SafetensorsInput>();
  for (const [name, t] of parts.model.stateDict()) tensors.set(`model.${name}`, { data: t.data, shape: t.shape });
  const metadata: Record<string, string> = { format: FORMAT, meta: toJson(meta) };
  if (parts.optimizer) {
    const s = parts.optimizer.stateDict();
    for (const [key, a] of s.tensors) tensors.set(`optim.${key}`, { data: a.data, shape: a.shape });
    metadata.optimizer = toJson({ kind: s.kind, groups: s.groups });
  }
  if (parts.scheduler) metadata.scheduler = toJson(parts.scheduler.stateDict());
  for (const [prefix, weights] of parts.weights ?? []) {
    if (!/^[a-z_]+$/.test(prefix) || prefix === 'model' || prefix === 'optim') {
      throw new Error(`${where}: weight prefix '${prefix}' must be lower-case letters or '_', and not 'model' or 'optim'`);
    }
    for (const [name, t] of weights) tensors.set(`${prefix}.${name}`, { data: t.data, shape: t.shape });
  }
  if (parts.state !== undefined) metadata.state = toJson(parts.state);
  const { chunks, byteLength } = encodeSafetensors(tensors, metadata);

  const chunkBytes = options.chunkBytes ?? 8 << 20;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new Error(`${where}: chunkBytes must be an integer >= 1, got ${chunkBytes}`);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fd = openSync(temp, 'wx', 0o644);
  let open = true;
  try {
    let written = 0;
    for (const chunk of chunks) {
      for (let off = 0; off < chunk.length; ) {
        const n = writeSync(fd, chunk, off, Math.min(chunkBytes, chunk.length - off));
        off += n;
        written += n;
        options.onWrite?.(written, byteLength, temp);
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    open = false;
    renameSync(temp, path);
  } catch (e) {
    if (open) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already renamed or never created; nothing to clean
    }
    throw e;
  }
  syncFolder(dir);
}

/** Makes the rename durable on POSIX; folders cannot be opened for fsync on some platforms (Windows), which is fine. */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort only
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Reads and validates a checkpoint written by saveCheckpoint. */
export function loadCheckpoint(path: string): Checkpoint {
  const { tensors, metadata } = readSafetensors(path);
  if (metadata.format !== FORMAT) {
    throw new Error(`loadCheckpoint: ${path}: not a fastgnn checkpoint (metadata 'format' is ${JSON.stringify(metadata.format)}, expected '${FORMAT}')`);
  }
  if (metadata.meta === undefined) throw new Error(`loadCheckpoint: ${path}: metadata 'meta' is missing`);
  const meta = checkMeta(fromJson(metadata.meta, 'meta', path), `loadCheckpoint: ${path}`);
  let optimizer: Checkpoint['optimizer'] = null;
  if (metadata.optimizer !== undefined) {
    const o = fromJson(metadata.optimizer, 'optimizer', path) as { kind?: unknown; groups?: unknown };
    if (typeof o !== 'object' || o === null || typeof o.kind !== 'string' || !Array.isArray(o.groups)) {
      throw new Error(`loadCheckpoint: ${path}: metadata 'optimizer' must be {kind: string, groups: [...]}`);
    }
    optimizer = { kind: o.kind, groups: o.groups as OptimizerState['groups'] };
  }
  let scheduler: SchedulerState | null = null;
  if (metadata.scheduler !== undefined) {
    const s = fromJson(metadata.scheduler, 'scheduler', path);
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new Error(`loadCheckpoint: ${path}: metadata 'scheduler' must be an object`);
    scheduler = s as SchedulerState;
  }
  const state = metadata.state === undefined ? null : fromJson(metadata.state, 'state', path);
  return { tensors, meta, optimizer, scheduler, state };
}

function floatEntries(ckpt: Checkpoint, prefix: string, where: string): Map<string, StateArray> {
  const out = new Map<string, StateArray>();
  for (const [name, t] of ckpt.tensors) {
    if (!name.startsWith(prefix)) continue;
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) throw new Error(`${where}: tensor '${name}' is ${t.dtype}, expected F32 or F64`);
    out.set(name.slice(prefix.length), { data: t.data, shape: t.shape });
  }
  return out;
}

/** Copies the checkpoint's "model.*" tensors (or those of another weight `prefix`) into the model's parameters and
 *  buffers (strict: same names and shapes). */
export function restoreModel(model: Module, ckpt: Checkpoint, strict = true, prefix = 'model'): void {
  model.loadStateDict(floatEntries(ckpt, `${prefix}.`, 'restoreModel'), strict);
}

/** The checkpoint's weight copies under `prefix` ("<prefix>.<name>" -> name), or null if it has none. */
export function checkpointWeights(ckpt: Checkpoint, prefix: string): Map<string, StateArray> | null {
  const w = floatEntries(ckpt, `${prefix}.`, 'checkpointWeights');
  return w.size === 0 ? null : w;
}

/** The optimiser state the checkpoint holds (moments, step counts, group options); throws if it holds none. */
export function optimizerState(ckpt: Checkpoint): OptimizerState {
  if (ckpt.optimizer === null) throw new Error('the checkpoint holds no optimiser state');
  return { ...ckpt.optimizer, tensors: floatEntries(ckpt, 'optim.', 'optimizerState') };
}

/** Restores moments, step counts and group options (lr included) into an optimiser built over the same parameters. */
export function restoreOptimizer(optimizer: { loadStateDict(s: OptimizerState): void }, ckpt: Checkpoint): void {
  optimizer.loadStateDict(optimizerState(ckpt));
}

export function restoreScheduler(scheduler: { loadStateDict(s: SchedulerState): void }, ckpt: Checkpoint): void {
  if (ckpt.scheduler === null) throw new Error('restoreScheduler: the checkpoint holds no scheduler state');
  scheduler.loadStateDict(ckpt.scheduler);
}

/** the prefix of temporary files saveCheckpoint may leave beside `path` after a hard crash (safe to delete) */
export function tempPrefix(path: string): string {
  return `${basename(path)}.tmp-`;
}
