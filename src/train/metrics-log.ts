// MetricsLog: appends one JSON line per epoch (or any event) to a log file, creating its parent folders.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type MetricValue = string | number | boolean | null | readonly MetricValue[] | { readonly [key: string]: MetricValue };

export interface MetricsLogOptions {
  /** 'append' (default) keeps earlier lines, e.g. when resuming; 'truncate' starts the file afresh */
  mode?: 'append' | 'truncate';
}

/** JSON.stringify replacer writing NaN and ±Infinity (which JSON cannot hold) as strings instead of null. */
export function nonFiniteAsString(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** Each write is one synchronous append, so a crash loses at most the line being written. NaN and ±Infinity,
 *  which JSON cannot hold, are written as the strings "NaN", "Infinity" and "-Infinity" rather than null. */
export class MetricsLog {
  private fd: number | null;

  constructor(
    readonly path: string,
    options: MetricsLogOptions = {},
  ) {
    const mode = options.mode ?? 'append';
    if (mode !== 'append' && mode !== 'truncate') throw new Error(`MetricsLog(${path}): mode must be 'append' or 'truncate', got ${String(mode)}`);
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, mode === 'append' ? 'a' : 'w');
  }

  write(record: { readonly [key: string]: MetricValue }): void {
    if (this.fd === null) throw new Error(`MetricsLog(${this.path}): write after close`);
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new Error(`MetricsLog(${this.path}): a record must be an object`);
    const line = JSON.stringify(record, nonFiniteAsString);
    writeSync(this.fd, `${line}\n`);
  }

  /** Closes the file; further writes throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
