/** Where things live, from the compiled location tests/dist/e2e/*.js or the source tests/e2e/*.ts. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

function findRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error(`failed to find the repository root: no nx.json above ${__dirname}`);
}

export const REPO_ROOT = findRoot();
export const FIXTURES = join(REPO_ROOT, 'tests', 'e2e', 'fixtures');
export const GOLDEN_DIR = join(REPO_ROOT, 'tests', 'e2e', 'golden');
export const MCPSPY_BIN = join(REPO_ROOT, 'bin', 'mcpspy.js');
/** The Debian interpreter: its ssl module links the system libssl.so.3. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
