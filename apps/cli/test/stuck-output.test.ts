/**
 * An output whose reader stops reading (issue 18): `-o FIFO` with a reader
 * that holds the FIFO open and never reads, and a writer pushing JSON-RPC
 * lines the monitor (root, real BPF) captures. The monitor used to block in
 * write(2) on the full FIFO, so its signal handlers never ran: SIGTERM and
 * even two SIGINTs were ignored. Now the stuck output is reported (a warning
 * and an `output_stuck` counter), SIGTERM stops it within the deadline, and a
 * second SIGINT exits at once with 130.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, REPO_ROOT, rootSkipReason, runCli, startCli, tail } from './cli';

after(() => Child.stopAll());

const BURST = join(REPO_ROOT, 'apps', 'cli', 'test', 'fixtures', 'burst.mjs');

/** A FIFO with a reader that never reads (this process holds its read end), and the flags to write into it. */
async function stuckFifo(): Promise<{ path: string; args: string[]; release(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpspy-stuck-'));
  const path = join(dir, 'out.fifo');
  execFileSync('mkfifo', [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  // A FIFO at -o may need the explicit flag (it is not a regular file we own).
  const help = (await runCli(['--help'], { timeoutMs: 30_000 })).stdout;
  const args = ['-o', path, ...(help.includes('--output-force') ? ['--output-force'] : [])];
  return {
    path,
    args,
    release() {
      closeSync(reader);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stuckMonitor(fifoArgs: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ mon: Child; writer: Child }> {
  const mon = startCli([...fifoArgs, '--tui=false', '-q', '--comm', 'mcpcli-bw,mcpcli-br'], { env });
  await mon.waitForLine(/^mcpspy: monitoring/, 90_000);
  // 2 s at 10k lines/s is megabytes: far more than a FIFO's 64 KiB.
  const writer = new Child('burst', process.execPath, [BURST, '--seconds', '2', '--rate', '10000']);
  await writer.waitForLine(/^done \d+$/, 60_000);
  return { mon, writer };
}

test('a FIFO whose reader stops: reported stuck, and SIGTERM stops the monitor within the deadline', { skip: rootSkipReason() }, async (t) => {
  const fifo = await stuckFifo();
  try {
    const { mon } = await stuckMonitor(fifo.args);
    // The default: stuck after 5 s without progress; generous for a loaded machine.
    await mon.waitForLine(/has accepted nothing for/, 60_000);
    const sentAt = Date.now();
    const code = await mon.stop('SIGTERM', 30_000);
    const stopMs = Date.now() - sentAt;
    t.diagnostic(`stopped ${stopMs} ms after SIGTERM, exit ${code}`);
    assert.notEqual(code, 137, `SIGTERM was ignored (killed after 30 s): ${tail(mon.stderr())}`);
    // The stop deadline is 10 s: a clean stop ends before it (exit 0), a forced one at it (143).
    assert.ok(stopMs < 15_000, `SIGTERM took ${stopMs} ms`);
    assert.equal(code, 0, tail(mon.stderr()));
  } finally {
    fifo.release();
  }
});

test('a FIFO whose reader stops: a second SIGINT exits at once with 130', { skip: rootSkipReason() }, async () => {
  const fifo = await stuckFifo();
  try {
    const { mon } = await stuckMonitor(fifo.args);
    mon.child.kill('SIGINT');
    // The second one while the stop runs (the probe detaching its programs blocks the main thread for seconds).
    await mon.waitForLine(/"msg":"stopping"/, 30_000);
    const again = Date.now();
    mon.child.kill('SIGINT');
    const code = await mon.stop('SIGINT', 30_000);
    const ms = Date.now() - again;
    assert.ok([0, 130].includes(code), `exit ${code} (137: the signals were ignored and it was killed): ${tail(mon.stderr())}`);
    // The kernel itself needs seconds to take down a process holding many uprobes (the exit unregisters
    // them), so "at once" is measured with room: the old code never exited at all.
    assert.ok(ms < 10_000, `exited ${ms} ms after the second SIGINT`);
  } finally {
    fifo.release();
  }
});

test('a stop that takes longer than the deadline exits anyway (143 after SIGTERM)', { skip: rootSkipReason() }, async () => {
  const fifo = await stuckFifo();
  try {
    // A deadline shorter than any clean stop: what happens when a stop hangs.
    const { mon } = await stuckMonitor(fifo.args, { ...process.env, MCPSPY_STOP_DEADLINE_MS: '200' });
    const code = await mon.stop('SIGTERM', 30_000);
    assert.equal(code, 143, tail(mon.stderr()));
    assert.match(mon.stderr(), /stopping took longer than 0.2 s: exiting without waiting/);
  } finally {
    fifo.release();
  }
});
