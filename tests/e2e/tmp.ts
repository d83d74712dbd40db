/** Scratch directories for one test run, removed at the end unless E2E_KEEP=1. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `mcpe2e-${prefix}-`));
  return {
    dir,
    remove() {
      if (process.env.E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}
