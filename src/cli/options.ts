// Argument parsers for commander options: each rejects a bad value with a message saying what was expected.

import { InvalidArgumentError } from 'commander';
import { parseSplitSpec } from '../graph/split.js';

/** An integer >= min (default 1). */
export function intAtLeast(min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(min === 1 ? 'Expected a positive integer.' : `Expected an integer >= ${min}.`);
    }
    return n;
  };
}

/** A parser of numbers for which `ok` holds, rejecting others (and the empty string) with `Expected <expected>.` */
function numberWhere(ok: (n: number) => boolean, expected: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !ok(n)) throw new InvalidArgumentError(`Expected ${expected}.`);
    return n;
  };
}

/** A finite number > 0. */
export const positiveNumber = numberWhere((n) => Number.isFinite(n) && n > 0, 'a number > 0');

/** A finite number >= 0. */
export const nonNegativeNumber = numberWhere((n) => Number.isFinite(n) && n >= 0, 'a number >= 0');

/** A probability in [0, 1). */
export const dropoutRate = numberWhere((n) => n >= 0 && n < 1, 'a number in [0, 1)');

/** A probability in [0, 1]. */
export const probability = numberWhere((n) => n >= 0 && n <= 1, 'a number in [0, 1]');

/** 'public' or 'random:<train>:<val>[:<test>]'; returned as given once it parses. */
export function splitSpec(value: string): string {
  try {
    parseSplitSpec(value);
  } catch {
    throw new InvalidArgumentError(
      "Expected 'public' or 'random:<train>:<val>[:<test>]' (per-class counts like random:20:30, or fractions like random:0.1:0.1:0.1).",
    );
  }
  return value;
}

/** A number strictly between 0 and 1 (PPR teleport probability). */
export const openUnitInterval = numberWhere((n) => n > 0 && n < 1, 'a number in (0, 1)');

/** A comma-separated list of fanouts, one per layer: integers >= 1, or -1 for all neighbours (e.g. 6,5,5). */
export function fanoutList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  const ns = parts.map(Number);
  if (parts.some((p) => p === '') || ns.some((k) => !Number.isInteger(k) || (k < 1 && k !== -1))) {
    throw new InvalidArgumentError('Expected comma-separated integers >= 1 (or -1 for all neighbours), one per layer, e.g. 6,5,5.');
  }
  return ns;
}

/** A comma-separated list of distinct names from `allowed`. */
export function nameList(allowed: readonly string[]): (value: string) => string[] {
  return (value) => {
    const names = value.split(',').map((p) => p.trim());
    const bad = names.find((n) => !allowed.includes(n));
    if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not one of ${allowed.join(', ')}.`);
    if (new Set(names).size !== names.length) throw new InvalidArgumentError('Expected each name once.');
    return names;
  };
}
