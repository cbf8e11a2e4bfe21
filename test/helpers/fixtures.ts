// Test helper: reads the PyTorch float64 fixtures from ../shared/fixtures.

import { readFileSync } from 'node:fs';
import { sharedPath } from './paths.js';

export interface FixtureTensor {
  shape: number[];
  data: number[];
}

let cache: Record<string, unknown> | undefined;

export function layerFixtures(): Record<string, unknown> {
  cache ??= JSON.parse(readFileSync(sharedPath('fixtures', 'layers.json'), 'utf8')) as Record<string, unknown>;
  return cache;
}

/** torch Linear weight [out, in] -> fastgnn layout [in, out] */
export function transposed(t: FixtureTensor): { shape: number[]; data: number[] } {
  const [o, i] = t.shape;
  const data = new Array<number>(o * i);
  for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) data[c * o + r] = t.data[r * i + c];
  return { shape: [i, o], data };
}

export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs expected ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  }
  return worst;
}
