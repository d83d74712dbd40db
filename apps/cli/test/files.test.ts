/**
 * Files written as root, through the real command: `-o`, `--record` and the
 * TUI log refuse what another user planted, and a FIFO without a reader does
 * not hang start-up.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Child, rootSkipReason, runCli } from './cli';

const CAPTURE = resolve(__dirname, '../../../../apps/cli/testdata/evil.mcpspy');
after(() => Child.stopAll());

describe('files the monitor writes, against planted ones', { skip: process.geteuid?.() !== 0 ? 'needs root (chown to uid 65534)' : false }, () => {
  let dir: string;
  let victim: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpspy-files-'));
    victim = join(dir, 'bashrc');
    writeFileSync(victim, 'precious\n', { mode: 0o644 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('-o at a planted symlink: refused before anything runs, one line, target untouched', async () => {
    const out = join(dir, 'out.jsonl');
    symlinkSync(victim, out);
    const r = await runCli(['replay', CAPTURE, '-o', out, '--tui=false', '-q'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^mcpspy: failed to open output .*out\.jsonl: it is a symlink/m);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.equal(statSync(victim).mode & 0o777, 0o644);
  });

  test("-o at another user's file: refused; with --output-force written, owner kept", async () => {
    const out = join(dir, 'theirs.jsonl');
    writeFileSync(out, '', { mode: 0o644 });
    chownSync(out, 65534, 65534);
    const r = await runCli(['replay', CAPTURE, '-o', out, '--tui=false', '-q'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /belongs to uid 65534/);
    const forced = await runCli(['replay', CAPTURE, '-o', out, '--output-force', '--tui=false', '-q'], { timeoutMs: 60_000 });
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(readFileSync(out, 'utf8').length > 0);
    assert.equal(statSync(out).uid, 65534);
  });

  test('-o on a FIFO without a reader: start-up says so and stops instead of hanging', async () => {
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    const r = await runCli(['replay', CAPTURE, '-o', fifo, '--output-force', '--tui=false', '-q'], { timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /FIFO with no reader: start the reader first/);
    assert.ok(Date.now() - t0 < 30_000);
  });

  test('new -o file is 0600 whatever the umask', async () => {
    const out = join(dir, 'new.jsonl');
    const r = await runCli(['replay', CAPTURE, '-o', out, '--tui=false', '-q'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lstatSync(out).mode & 0o777, 0o600);
  });

  test('--record at a planted symlink: the monitor refuses to start', { skip: rootSkipReason() }, async () => {
    const cap = join(dir, 'cap.mcpspy');
    symlinkSync(victim, cap);
    const r = await runCli(['--record', cap, '--tui=false', '-q', '--comm', 'nothing-here'], { timeoutMs: 90_000 });
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /failed to write capture .*cap\.mcpspy: it is a symlink/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  });
});
