// Memory estimates checked before large allocations: a graph that cannot fit gets a clear error up front, naming
// the estimate and its parts, instead of an out-of-memory crash (or minutes of swapping) halfway through.

import os from 'node:os';

/** One named share of an estimate, in bytes. */
export interface MemoryPart {
  readonly label: string;
  readonly bytes: number;
}

/** A memory budget and how to name it in an error ("this machine's 23.4 GiB of memory"). */
export interface MemoryLimit {
  readonly bytes: number;
  readonly description: string;
}

/* The budget is the machine's total memory (or a smaller cgroup limit), not the free memory of the moment: an estimate
 * above it can never fit, while free memory changes from second to second (the page cache alone can hold most of it),
 * so a check against it would fail runs that would have worked. */

/** What this process may use at most: the machine's total memory, or a container's smaller limit. */
export function machineMemoryLimit(): MemoryLimit {
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() ?? 0 : 0;
  if (constrained > 0 && constrained < total) return { bytes: constrained, description: `this process's ${formatBytes(constrained)} memory limit (cgroup)` };
  return { bytes: total, description: `this machine's ${formatBytes(total)} of memory` };
}

/** An explicit budget in bytes (tests, or a caller that wants headroom), else the machine's. */
export function memoryLimitOf(bytes: number | undefined, what: string): MemoryLimit {
  if (bytes === undefined) return machineMemoryLimit();
  if (!(bytes > 0) || !Number.isFinite(bytes)) throw new Error(`${what}: memoryLimit must be a positive number of bytes, got ${bytes}`);
  return { bytes, description: `the memory limit of ${formatBytes(bytes)}` };
}

/** Bytes as GiB with one decimal ('31.2 GiB'), or MiB / KiB / B below a GiB. */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]];
  for (const [unit, size] of units) if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${bytes} B`;
}

/** Throws, before anything is allocated, when the parts add up to more than the limit:
 *  "<what> needs an estimated 31.2 GiB (features 9.6 GiB + edges 20.1 GiB + ...), more than this machine's 23.4 GiB
 *  of memory[; <hint>]". Returns the estimate otherwise. */
export function checkMemory(what: string, parts: readonly MemoryPart[], limit: MemoryLimit, hint?: string): number {
  const total = parts.reduce((s, p) => s + p.bytes, 0);
  if (total > limit.bytes) {
    const list = parts.filter((p) => p.bytes > 0).map((p) => `${p.label} ${formatBytes(p.bytes)}`).join(' + ');
    throw new RangeError(`${what} needs an estimated ${formatBytes(total)} (${list}), more than ${limit.description}${hint ? `; ${hint}` : ''}`);
  }
  return total;
}
