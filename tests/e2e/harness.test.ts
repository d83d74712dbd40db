/**
 * The harness and the stack orchestration, exercised now, before the real
 * monitor exists. The monitor is replaced by fixtures/standin-mcpspy.mjs (a
 * stand-in by necessity: it replays the JSONL predicted from the fixtures'
 * wire transcripts instead of capturing). Everything else is real: the
 * fixture peers, nats-server with JetStream, redis-server.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { FIXTURES } from './paths';
import { Monitor } from './harness';
import { Stack, STACK_STAGES } from './stack';
import { SCENARIOS } from './scenarios';
import { assertGolden, normalise, predictLines, readGolden, updating, wireMessages } from './golden';
import { GoldenMismatchError } from './errors';
import { scratchDir } from './tmp';
import { stopAll } from './proc';

after(stopAll);
const STANDIN = join(FIXTURES, 'standin-mcpspy.mjs');

/** Monitor-like lines for the stdio scenario, from a real run of the fixtures. */
async function predictedStdio(dir: string): Promise<string> {
  const result = await SCENARIOS.stdio.run({ dir, transcripts: true });
  const lines = predictLines(result.sessions, wireMessages(result.sessions));
  const file = join(dir, 'standin.jsonl');
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}

function tcpOpen(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('e2e harness with a stand-in monitor', () => {
  test('Monitor waits for readiness, for a quiet file, stops with SIGINT and reads every line', async () => {
    const tmp = scratchDir('harness');
    try {
      process.env.E2E_STANDIN_LINES = await predictedStdio(tmp.dir);
      const want = readGolden('stdio');
      assert.ok(want);
      const m = await Monitor.start({ output: join(tmp.dir, 'out.jsonl'), comms: SCENARIOS.stdio.comms, bin: STANDIN });
      await m.waitQuiet(want.messages.length, 300, 20_000);
      assert.equal(await m.stop(), 0);
      const got = normalise(m.lines());
      assert.equal(got.messages.length, want.messages.length);
      assert.deepEqual(got, want);
    } finally {
      delete process.env.E2E_STANDIN_LINES;
      tmp.remove();
    }
  });

  test('assertGolden reports a missing line with exact counts', { skip: updating() && 'UPDATE_GOLDEN=1 would rewrite the golden' }, () => {
    const want = readGolden('stdio')!;
    const lines = predictLines(
      [{ transport: 'stdio', tls: false, clientComm: 'mcpe2e-client', serverComm: 'mcpe2e-server' }],
      want.messages.slice(0, -1).map((m) => ({
        session: 0,
        dir: (m.stdio_transport as { from_comm: string }).from_comm === 'mcpe2e-client' ? ('c2s' as const) : ('s2c' as const),
        raw: m.raw as string,
      })),
    );
    assert.throws(
      () => assertGolden('stdio', lines),
      (e: unknown) => e instanceof GoldenMismatchError && e.message.includes(`got ${want.messages.length - 1}, expected ${want.messages.length}`),
    );
  });

  test('Stack starts nats-server, redis-server and every stage, and stops them all cleanly', async () => {
    const tmp = scratchDir('stack');
    try {
      process.env.E2E_STANDIN_LINES = await predictedStdio(tmp.dir);
      const output = join(tmp.dir, 'out.jsonl');
      const stack = await Stack.start({ dir: tmp.dir, output, comms: SCENARIOS.stdio.comms, bin: STANDIN });
      try {
        assert.deepEqual([...stack.stages.keys()], [...STACK_STAGES]);
        assert.ok(await tcpOpen(stack.natsUrl), 'nats-server listens');
        assert.ok(await tcpOpen(stack.redisUrl), 'redis-server listens');
        await stack.waitQuiet(readGolden('stdio')!.messages.length, 300, 20_000);
      } finally {
        await stack.stop();
      }
      assert.equal(await tcpOpen(stack.natsUrl), false, 'nats-server stopped');
      const got = normalise(readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
      assert.deepEqual(got, readGolden('stdio'));
    } finally {
      delete process.env.E2E_STANDIN_LINES;
      tmp.remove();
    }
  });
});
