// Paths the benchmarks read from: the repository root and the shared datasets and fixtures next to it (../shared),
// found from this file's location so that a benchmark runs from any working directory.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** the repository root (this file runs from dist/bench/lib/) */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A path under ../shared, e.g. sharedPath('datasets', 'planetoid'). */
export function sharedPath(...parts: string[]): string {
  return join(ROOT, '..', 'shared', ...parts);
}
