/**
 * `mcpspy --pid <wrapper shell>` (needs root and BPF): the shell, started
 * before the monitor, runs the SDK client through one more shell once told
 * to, and the client spawns the SDK server. Nothing is selected by name:
 * every message of the stdio scenario must come out because the client and
 * the server descend from the listed shell. Same golden as stdio.test.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Monitor, monitorSkipReason } from './harness';
import { assertGolden, readGolden } from './golden';
import { FIXTURES } from './paths';
import { SCENARIOS } from './scenarios';
import { stopAll } from './proc';
import { scratchDir } from './tmp';

after(stopAll);
const skip = monitorSkipReason();

test('monitored stdio through a wrapper shell, selected by --pid of the wrapper only', { skip }, async () => {
  const tmp = scratchDir('mon-pid-tree');
  const wrapper = spawn(
    '/bin/sh',
    ['-c', 'read go; sh -c \'"$@"; true\' sh "$@"', 'wrapper', process.execPath, join(FIXTURES, 'client.mjs'), '--scenario', 'full', '--transport', 'stdio'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  wrapper.stdout!.on('data', (d) => (out += d));
  wrapper.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((res) => wrapper.on('close', res));
  try {
    const monitor = await Monitor.start({ output: join(tmp.dir, 'out.jsonl'), pids: [wrapper.pid!] });
    try {
      wrapper.stdin!.end('go\n');
      assert.equal(await exited, 0, `wrapper: ${err}`);
      const m = /^mcpe2e-client: ok .*requests=(\d+) notifications=(\d+)$/m.exec(out);
      assert.ok(m, `client summary in: ${out} ${err}`);
      assert.deepEqual([{ requests: Number(m[1]), notifications: Number(m[2]) }], SCENARIOS.stdio.expected);
      await monitor.waitQuiet(readGolden('stdio')?.messages.length ?? 1);
    } finally {
      await monitor.stop();
    }
    assertGolden('stdio', monitor.lines());
  } finally {
    wrapper.kill('SIGKILL');
    tmp.remove();
  }
});
