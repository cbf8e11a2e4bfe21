// Test helper: the repository root, paths into the shared data next to it (../shared), and temporary directories.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** the repository root (this file runs from dist/test/helpers/, so the paths hold from any working directory) */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A path under ../shared (datasets, fixtures, reference scripts), e.g. sharedPath('datasets', 'planetoid'). */
export function sharedPath(...parts: string[]): string {
  return join(ROOT, '..', 'shared', ...parts);
}

/** A new, empty directory under the system temp directory; the caller removes it. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fastgnn-${prefix}-`));
}
