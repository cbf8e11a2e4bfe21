// EarlyStopping: tracks the best validation metric, keeps a copy of the model's best weights, says when to stop.

import type { FloatArray } from '../kernels/types.js';
import type { Module } from '../nn/module.js';

export interface EarlyStoppingOptions {
  /** epochs without improvement after which shouldStop becomes true, an integer >= 1 */
  patience: number;
  /** 'max' (default): higher is better (accuracy); 'min': lower is better (loss) */
  mode?: 'max' | 'min';
  /** an epoch improves only if it beats the best by more than this (>= 0), default 0 */
  minDelta?: number;
  /** never stop before this many epochs have been recorded (epochs 0 .. minEpochs - 1), default 0 */
  minEpochs?: number;
}

/** The counters of an EarlyStopping (its best weights are kept apart: see bestState / loadStateDict). */
export interface EarlyStoppingState {
  bestValue: number;
  bestEpoch: number;
  badEpochs: number;
  lastEpoch: number;
}

/** Best weights as stored: a copy of every parameter and buffer by name. */
export type WeightCopies = ReadonlyMap<string, { data: FloatArray; shape: readonly number[] }>;

export class EarlyStopping {
  readonly patience: number;
  readonly mode: 'max' | 'min';
  readonly minDelta: number;
  readonly minEpochs: number;
  /** best metric so far; -Infinity (max) or +Infinity (min) before the first improvement */
  bestValue: number;
  /** epoch of the best metric; -1 before the first improvement */
  bestEpoch = -1;
  /** epochs since the last improvement */
  badEpochs = 0;
  /** the latest epoch recorded by update; -1 before the first */
  lastEpoch = -1;
  /** copies of every parameter and buffer at the best epoch, reused from one improvement to the next */
  private best: Map<string, { data: FloatArray; shape: readonly number[] }> | null = null;

  constructor(options: EarlyStoppingOptions) {
    const { patience, mode = 'max', minDelta = 0, minEpochs = 0 } = options;
    if (!Number.isInteger(patience) || patience < 1) throw new Error(`EarlyStopping: patience must be an integer >= 1, got ${patience}`);
    if (mode !== 'max' && mode !== 'min') throw new Error(`EarlyStopping: mode must be 'max' or 'min', got ${String(mode)}`);
    if (!Number.isFinite(minDelta) || minDelta < 0) throw new Error(`EarlyStopping: minDelta must be a number >= 0, got ${minDelta}`);
    this.patience = patience;
    this.mode = mode;
    if (!Number.isInteger(minEpochs) || minEpochs < 0) throw new Error(`EarlyStopping: minEpochs must be an integer >= 0, got ${minEpochs}`);
    this.minDelta = minDelta;
    this.minEpochs = minEpochs;
    this.bestValue = mode === 'max' ? -Infinity : Infinity;
  }

  /** true if `value` is strictly better than the best by more than minDelta (NaN never is) */
  isImprovement(value: number): boolean {
    return this.mode === 'max' ? value > this.bestValue + this.minDelta : value < this.bestValue - this.minDelta;
  }

  /** Records the metric of `epoch`; on an improvement copies the model's state. Returns whether it improved. */
  update(epoch: number, value: number, model: Module): boolean {
    this.lastEpoch = epoch;
    if (!this.isImprovement(value)) {
      this.badEpochs += 1;
      return false;
    }
    this.bestValue = value;
    this.bestEpoch = epoch;
    this.badEpochs = 0;
    this.copyState(model);
    return true;
  }

  get shouldStop(): boolean {
    return this.badEpochs >= this.patience && this.lastEpoch + 1 >= this.minEpochs;
  }

  get hasBest(): boolean {
    return this.best !== null;
  }

  /** Copies the best weights back into `model` (which must have the same parameter and buffer names and shapes). */
  restoreBest(model: Module): void {
    if (this.best === null) throw new Error('EarlyStopping.restoreBest: no epoch has been recorded as best yet');
    model.loadStateDict(this.best);
  }

  /** the saved best state (copies), e.g. to write into a checkpoint; null before the first improvement */
  bestState(): WeightCopies | null {
    return this.best;
  }

  /** The counters, to continue later with loadStateDict (with bestState() for the weights). */
  stateDict(): EarlyStoppingState {
    return { bestValue: this.bestValue, bestEpoch: this.bestEpoch, badEpochs: this.badEpochs, lastEpoch: this.lastEpoch };
  }

  /** Continues from saved counters and best weights (copied; required exactly when the state has a best epoch). */
  loadStateDict(state: EarlyStoppingState, best: WeightCopies | null): void {
    const where = 'EarlyStopping.loadStateDict';
    const { bestValue, bestEpoch, badEpochs, lastEpoch } = state;
    if (typeof bestValue !== 'number' || Number.isNaN(bestValue)) throw new Error(`${where}: bestValue must be a number, got ${String(bestValue)}`);
    for (const [name, v, min] of [['bestEpoch', bestEpoch, -1], ['badEpochs', badEpochs, 0], ['lastEpoch', lastEpoch, -1]] as const) {
      if (!Number.isInteger(v) || v < min) throw new Error(`${where}: ${name} must be an integer >= ${min}, got ${String(v)}`);
    }
    if ((bestEpoch >= 0) !== (best !== null)) {
      throw new Error(`${where}: best weights are ${best === null ? 'missing' : 'given'} but the best epoch is ${bestEpoch}`);
    }
    this.bestValue = bestValue;
    this.bestEpoch = bestEpoch;
    this.badEpochs = badEpochs;
    this.lastEpoch = lastEpoch;
    this.best = best === null ? null : new Map([...best].map(([n, t]) => [n, { data: t.data.slice(), shape: [...t.shape] }]));
  }

  private copyState(model: Module): void {
    const state = model.stateDict();
    const reuse = this.best !== null && this.best.size === state.size && [...state].every(([n, t]) => this.best?.get(n)?.data.length === t.size);
    if (!reuse || this.best === null) {
      this.best = new Map([...state].map(([n, t]) => [n, { data: t.data.slice(), shape: [...t.shape] }]));
      return;
    }
    for (const [n, t] of state) this.best.get(n)?.data.set(t.data);
  }
}
