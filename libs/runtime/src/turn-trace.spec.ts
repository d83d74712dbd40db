import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TurnTrace } from './turn-trace';

/** A child process that loads the trace with MCPSPY_TURN_TRACE set, records, allocates and exits. */
function runChild(file: string | undefined, body: string): void {
  const script = `
    const { turnTrace } = require(${JSON.stringify(join(__dirname, 'turn-trace.js'))});
    ${body}
  `;
  const env = { ...process.env };
  delete env.MCPSPY_TURN_TRACE;
  if (file !== undefined) env.MCPSPY_TURN_TRACE = file;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('turn trace (MCPSPY_TURN_TRACE)', () => {
  test('off: records nothing and writes no file', () => {
    const t = new TurnTrace('');
    assert.equal(t.enabled, false);
    const dir = mkdtempSync(join(tmpdir(), 'mcpspy-trace-'));
    try {
      const file = join(dir, 'never.json');
      runChild(undefined, `if (turnTrace.enabled) process.exit(3); turnTrace.drain(1, 0, 0.5, 10, 2048, 0);`);
      assert.equal(existsSync(file), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('on: the drains and writes recorded, GC pauses observed, the file written at exit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpspy-trace-'));
    try {
      const file = join(dir, 'trace.json');
      runChild(
        file,
        `
        if (!turnTrace.enabled) process.exit(3);
        for (let i = 0; i < 5000; i++) turnTrace.drain(i, 0.25, 0.5, i % 7, 4096, i - 3);
        turnTrace.write(12.5, 0.125, 65536, 64);
        // A kernel time of 1 s on CLOCK_MONOTONIC, as two u32 halves.
        const k = turnTrace.kernelMs(1e9 % 4294967296, Math.floor(1e9 / 4294967296));
        turnTrace.write(k, 0, 0, 0);
        global.gc();
        // The observer reports asynchronously: exit once it ran.
        setTimeout(() => process.exit(0), 50);
        `,
      );
      const t = JSON.parse(readFileSync(file, 'utf8'));
      assert.deepEqual(t.drains.fields, ['start', 'lateMs', 'durMs', 'records', 'pendingBytes', 'oldestMs', 'cpuMs', 'waitMs']);
      const w = t.drains.fields.length;
      assert.equal(t.drains.data.length, 5000 * w, 'every drain kept (the series grows past its first block)');
      assert.deepEqual(t.drains.data.slice(0, 6), [0, 0.25, 0.5, 0, 4096, -3], 'the first drain kept when the series grew');
      const last = t.drains.data.slice(4999 * w, 5000 * w);
      assert.deepEqual(last.slice(0, 6), [4999, 0.25, 0.5, 4999 % 7, 4096, 4996]);
      assert.ok(last[6] >= 0 && last[7] >= 0, 'schedstat read');
      assert.deepEqual(t.writes.data.slice(0, 4), [12.5, 0.125, 65536, 64]);
      // 1 s of CLOCK_MONOTONIC lies far before this process started: a negative time on performance.now()'s clock.
      const kernelAt = t.writes.data[4];
      const bootToNow = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
      assert.ok(kernelAt < 0 && Math.abs(kernelAt + (bootToNow - 1000)) < 60_000, `kernel time mapped: ${kernelAt}`);
      assert.ok(t.gc.data.length >= 3, 'the forced GC was observed');
      assert.ok(t.eventLoopDelayMs && t.eventLoopDelayMs.count >= 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
