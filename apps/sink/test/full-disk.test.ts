/**
 * A full disk under `-o` (issue 18): every flush fails with ENOSPC. The
 * failures are counted, and logged once, not once per write. A real full
 * filesystem: a 64 KiB tmpfs (needs root to mount).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Counters, type Logger } from '@mcpspy/runtime';
import { JsonlWriter } from '../src/jsonl-writer';

function mountSkip(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  return undefined;
}

test('a full disk: every failed write counted, one log line', { skip: mountSkip() }, (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs here: ${(err as Error).message}`);
    return;
  }
  const logged: string[] = [];
  const logger = { error: (_o: unknown, m: string) => logged.push(m), warn: (_o: unknown, m: string) => logged.push(m), info() {}, debug() {} } as unknown as Logger;
  const counters = new Counters();
  try {
    const w = new JsonlWriter({ path: path.join(dir, 'out.jsonl'), logger, counters, highWaterMark: 8 * 1024 });
    w.open();
    const line = JSON.stringify({ pad: 'x'.repeat(1000) });
    for (let i = 0; i < 1000; i++) w.writeLine(line); // ~1 MB into 64 KiB
    w.close();
    assert.ok(counters.get('jsonl_write_errors') > 10, `write errors ${counters.get('jsonl_write_errors')}`);
    assert.equal(logged.length, 1, `log lines: ${logged.join(' | ')}`);
    assert.match(logged[0], /no space left|ENOSPC/i);
  } finally {
    execFileSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
