/**
 * `mcpspy serve security` with asynchronous verdicts (the default) runs every
 * thread at a nice value 10 above the one it started with (libs/runtime
 * priority.ts): on a busy host the stages on the write -> line path run
 * first. MCPSPY_SECURITY_NICE changes the step (0: none); with
 * --security-async=false security is on that path and keeps its priority; a
 * value that is not 0–19 is a usage error. Other stages keep theirs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { startNats, startRedis, type TestServer } from '@mcpspy/runtime/testing';
import { Child, startCli } from './cli';

let nats: TestServer;
let redis: TestServer;
before(async () => {
  [nats, redis] = await Promise.all([startNats(), startRedis()]);
});
after(async () => {
  await Child.stopAll();
  await Promise.all([nats?.dispose(), redis?.dispose()]);
});

/** The nice value of every thread of a process (field 19 of /proc/PID/task/TID/stat). */
function niceOfThreads(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

async function serve(stage: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ child: Child; nice: number[] }> {
  const child = startCli(['serve', stage, '--nats', nats.url, '--redis', redis.url, ...extra], { env: { ...process.env, ...env } });
  await child.waitForLine(new RegExp(`^mcpspy: serving ${stage} on `, 'm'), 60_000);
  const nice = niceOfThreads(child.pid);
  assert.equal(await child.stop('SIGINT', 20_000), 0, child.stderr());
  return { child, nice };
}

const base = getPriority(0);

test('serve security lowers the priority of all its threads by 10; MCPSPY_SECURITY_NICE sets the step', async () => {
  const { nice } = await serve('security');
  assert.ok(nice.length > 3, `several threads (main, V8, libuv, the offline worker): ${nice.length}`);
  assert.deepEqual([...new Set(nice)], [Math.min(19, base + 10)], 'every thread');
  const five = await serve('security', [], { MCPSPY_SECURITY_NICE: '5' });
  assert.deepEqual([...new Set(five.nice)], [Math.min(19, base + 5)]);
  const none = await serve('security', [], { MCPSPY_SECURITY_NICE: '0' });
  assert.deepEqual([...new Set(none.nice)], [base]);
});

test('serve security with --security-async=false keeps its priority, and other stages keep theirs', async () => {
  const sync = await serve('security', ['--security-async=false']);
  assert.deepEqual([...new Set(sync.nice)], [base], 'verdicts held by the sink: security is on the latency path');
  const parser = await serve('mcp-parser');
  assert.deepEqual([...new Set(parser.nice)], [base]);
});

test('MCPSPY_SECURITY_NICE outside 0–19 is a usage error', async () => {
  const child = startCli(['serve', 'security', '--nats', nats.url, '--redis', redis.url], { env: { ...process.env, MCPSPY_SECURITY_NICE: 'lots' } });
  const code = await child.exited;
  assert.notEqual(code, 0);
  assert.match(child.stderr(), /invalid value for MCPSPY_SECURITY_NICE: "lots"/);
});
