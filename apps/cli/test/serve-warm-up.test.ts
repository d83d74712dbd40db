/**
 * `MCPSPY_WARMUP=1 mcpspy serve <stage>` warms its hot paths on synthetic
 * events before its ready line (libs/runtime warm-up.ts), and none of them leaves the process:
 * nothing on NATS (a subscriber on `mcpspy.>` from before the start sees no
 * MCP message, batch or notice), no Redis key, no line in the sink's output,
 * no counter moved. Without MCPSPY_WARMUP=1 there is no warm-up (no "warmed up" log line).
 * Afterwards the stages still work: a request published by a client reaches
 * the sink's file as its only line.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'nats';
import Redis from 'ioredis';
import { Subjects, type McpMessageEvent } from '@mcpspy/events';
import { NatsBus, silentLogger } from '@mcpspy/runtime';
import { freePort, startNats, startRedis, type TestServer } from '@mcpspy/runtime/testing';
import { Child, httpGet, readJsonl, stageCounter, startCli, waitUntil, scratchDir } from './cli';

after(() => Child.stopAll());
const dir = scratchDir('mcpspy-cli-warm-up-');

const WARM = { env: { ...process.env, MCPSPY_WARMUP: '1' } };

test('serve mcp-parser, security and sink warm up before ready, and nothing of it reaches NATS, Redis or the output', async () => {
  let nats: TestServer | undefined;
  let redis: TestServer | undefined;
  let bus: NatsBus | undefined;
  const seen: string[] = [];
  try {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    const nc = await connect({ servers: nats.url });
    nc.subscribe('mcpspy.>', { callback: (_e, m) => seen.push(m.subject) });
    const out = join(dir, 'out.jsonl');
    const common = ['--nats', nats.url, '--redis', redis.url, '--log-level', 'info'];
    const sinkPort = await freePort();
    const parserPort = await freePort();
    const sink = startCli(['serve', 'sink', ...common, '--tui=false', '-q', '-o', out, '--metrics-port', String(sinkPort)], WARM);
    await sink.waitForLine(/^mcpspy: serving sink on /m, 60_000);
    const security = startCli(['serve', 'security', ...common], WARM);
    await security.waitForLine(/^mcpspy: serving security on /m, 60_000);
    const parser = startCli(['serve', 'mcp-parser', ...common, '--metrics-port', String(parserPort)], WARM);
    await parser.waitForLine(/^mcpspy: serving mcp-parser on /m, 60_000);
    for (const [name, child] of [['sink', sink], ['security', security], ['mcp-parser', parser]] as const) {
      const stderr = child.stderr();
      assert.match(stderr, /warmed up the hot paths on synthetic events/, `${name} logs its warm-up`);
      // The warm-up's log line comes before the ready line.
      assert.ok(stderr.indexOf('warmed up the hot paths') < stderr.indexOf(`mcpspy: serving ${name}`), `${name}: warm-up before ready`);
    }
    await nc.flush();
    // Each stage's periodic stats (`mcpspy.v1.stage.stats.<stage>`) may tick while a slower stage still warms up: not warm-up traffic.
    const traffic = seen.filter((s) => !s.startsWith('mcpspy.v1.stats') && !s.startsWith('mcpspy.v1.stage.stats.') && !s.startsWith('$JS'));
    assert.deepEqual(traffic, [], 'no event of the warm-up on NATS');
    const r = new Redis(redis.url);
    try {
      assert.deepEqual(await r.keys('*'), [], 'no Redis key from the warm-up');
    } finally {
      r.disconnect();
    }
    assert.ok(!existsSync(out) || readFileSync(out, 'utf8') === '', 'no line in the output from the warm-up');
    const parserMetrics = (await httpGet(`http://127.0.0.1:${parserPort}/metrics`)).body;
    assert.equal(stageCounter(parserMetrics, 'mcp-parser', 'stdio_events') ?? 0, 0, 'no mcp-parser counter moved');
    assert.equal(stageCounter(parserMetrics, 'mcp-parser', 'messages_emitted') ?? 0, 0, 'no message counted as emitted');

    // The stages still work after it: one request from a client is the only line of the output.
    bus = await NatsBus.connect({ url: nats.url, logger: silentLogger() });
    const request: McpMessageEvent = {
      timestamp: new Date().toISOString(), transport_type: 'stdio', stdio_transport: { from_pid: 501, from_comm: 'agent', to_pid: 502, to_comm: 'srv' },
      type: 'request', id: 1, method: 'tools/list', error: {}, raw: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', msg_id: 'w:1', seq: 1,
    };
    await bus.publish(Subjects.mcpMessage, request);
    assert.ok(await waitUntil(() => readJsonl(out).length >= 1, 20_000), `the request is written: ${sink.stderr()}`);
    const lines = readJsonl(out);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].method, 'tools/list');
    await nc.close();
    for (const c of [parser, security, sink]) assert.equal(await c.stop('SIGINT', 20_000), 0, c.stderr());
  } finally {
    await bus?.close();
    await nats?.dispose();
    await redis?.dispose();
  }
});

test('by default serve starts without the warm-up', async () => {
  let nats: TestServer | undefined;
  try {
    nats = await startNats();
    const parser = startCli(['serve', 'mcp-parser', '--nats', nats.url, '--log-level', 'info'], { env: { ...process.env, MCPSPY_WARMUP: '' } });
    await parser.waitForLine(/^mcpspy: serving mcp-parser on /m, 60_000);
    assert.doesNotMatch(parser.stderr(), /warmed up/);
    const code = await parser.stop('SIGINT', 20_000);
    assert.equal(code, 0, `exit ${code}: ${parser.stderr()}`);
  } finally {
    await nats?.dispose();
  }
});
