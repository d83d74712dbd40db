import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogDir, openTuiLog } from './logging';

const asRoot = process.geteuid?.() === 0;

describe('TUI log file', () => {
  test('root logs under /run/mcpspy; other users under their state directory, never in /tmp', () => {
    assert.equal(defaultLogDir({}, 0), '/run/mcpspy');
    assert.equal(defaultLogDir({ XDG_STATE_HOME: '/home/u/.state', HOME: '/home/u' }, 1000), '/home/u/.state/mcpspy');
    assert.equal(defaultLogDir({ HOME: '/home/u' }, 1000), '/home/u/.local/state/mcpspy');
    // A relative XDG_STATE_HOME is invalid per the XDG spec: ignored.
    assert.equal(defaultLogDir({ XDG_STATE_HOME: 'rel', HOME: '/home/u' }, 1000), '/home/u/.local/state/mcpspy');
  });

  test('the default log is 0600 in a 0700 directory created for it', () => {
    const state = fs.mkdtempSync(join(tmpdir(), 'mcpspy-state-'));
    try {
      const env = { XDG_STATE_HOME: state, HOME: state };
      const uid = process.geteuid?.() ?? -1;
      // As root the directory is /run/mcpspy: check that one, it is what a root run uses.
      const old = process.umask(0);
      let opened;
      try {
        opened = openTuiLog(env);
      } finally {
        process.umask(old);
      }
      fs.closeSync(opened.fd);
      const dir = defaultLogDir(env, uid);
      assert.equal(opened.file, join(dir, 'mcpspy.log'));
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      assert.equal(fs.statSync(opened.file).mode & 0o777, 0o600);
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });

  test('a private directory that is a symlink, or lets others in, is not used as is', { skip: !asRoot && 'needs root (chown)' }, () => {
    const state = fs.mkdtempSync(join(tmpdir(), 'mcpspy-state-'));
    try {
      const env = { XDG_STATE_HOME: state, HOME: state };
      // openTuiLog as root always uses /run/mcpspy: exercise the directory rules through ensurePrivateDir.
      const { ensurePrivateDir } = require('@mcpspy/runtime/core') as typeof import('@mcpspy/runtime/core');
      const elsewhere = fs.mkdtempSync(join(tmpdir(), 'mcpspy-elsewhere-'));
      fs.symlinkSync(elsewhere, join(state, 'mcpspy'));
      assert.throws(() => ensurePrivateDir(join(state, 'mcpspy')), /symlink/);
      fs.unlinkSync(join(state, 'mcpspy'));
      fs.mkdirSync(join(state, 'mcpspy'), { mode: 0o777 });
      fs.chmodSync(join(state, 'mcpspy'), 0o777);
      ensurePrivateDir(join(state, 'mcpspy'));
      assert.equal(fs.statSync(join(state, 'mcpspy')).mode & 0o777, 0o700, 'tightened');
      fs.chownSync(join(state, 'mcpspy'), 65534, 65534);
      assert.throws(() => ensurePrivateDir(join(state, 'mcpspy')), /belongs to uid 65534/);
      fs.rmSync(elsewhere, { recursive: true, force: true });
      void env;
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });

  test('MCPSPY_LOG_FILE at a planted symlink or another user\'s file is refused', { skip: !asRoot && 'needs root (chown)' }, () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'mcpspy-log-'));
    try {
      const target = join(dir, 'bashrc');
      fs.writeFileSync(target, 'precious\n', { mode: 0o644 });
      const link = join(dir, 'mcpspy-0.log');
      fs.symlinkSync(target, link);
      assert.throws(() => openTuiLog({ MCPSPY_LOG_FILE: link }), /failed to open log file .*: it is a symlink/);
      assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n');
      assert.equal(fs.statSync(target).mode & 0o777, 0o644);
      const theirs = join(dir, 'theirs.log');
      fs.writeFileSync(theirs, '');
      fs.chownSync(theirs, 65534, 65534);
      assert.throws(() => openTuiLog({ MCPSPY_LOG_FILE: theirs }), /belongs to uid 65534/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
