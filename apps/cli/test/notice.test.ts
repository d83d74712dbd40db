/**
 * Notices (`mcpspy.v1.notice`) reach a person: `serve sink` over a real
 * nats-server consumes them durably and writes each as a JSONL line
 * `"type":"notice"`, a console line `⚠ NOTICE …` (escaped), and a counter by
 * reason on /metrics.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Subjects, type NoticeEvent } from '@mcpspy/events';
import { NatsBus, silentLogger } from '@mcpspy/runtime';
import { freePort, startNats, type TestServer } from '@mcpspy/runtime/testing';
import { Child, httpGet, readJsonl, stageCounter, startCli, waitUntil, scratchDir } from './cli';

after(() => Child.stopAll());

const dir = scratchDir('mcpspy-cli-notice-');
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/;

function notice(over: Partial<NoticeEvent>): NoticeEvent {
  return {
    timestamp: new Date().toISOString(),
    reason: 'stdio_non_jsonrpc',
    stage: 'mcp-parser',
    pid: 4242,
    comm: 'server',
    stream: 'stdio:4242:1',
    detail: 'bytes that are not JSON-RPC on stdout',
    sample: 'Server ready\\n',
    count: 1,
    ...over,
  };
}

test('serve sink: notices from the bus in the JSONL, on the console and counted by reason', async () => {
  let nats: TestServer | undefined;
  let bus: NatsBus | undefined;
  try {
    nats = await startNats();
    const port = await freePort();
    const out = join(dir, 'notices.jsonl');
    const sink = startCli(['serve', 'sink', '--nats', nats.url, '--metrics-port', String(port), '--tui=false', '-o', out]);
    await sink.waitForLine(/^mcpspy: serving sink on nats:\/\//, 60_000);
    bus = await NatsBus.connect({ url: nats.url, logger: silentLogger() });
    await bus.publish(Subjects.notice, notice({}));
    // A later count of the same notice, and one whose text a hostile process chose (stages escape it; the sink again).
    await bus.publish(Subjects.notice, notice({ count: 7 }));
    await bus.publish(Subjects.notice, notice({ reason: 'unknown_method', comm: 'evil\u001b[2K', detail: 'method "x\u202ey" is in no MCP revision', sample: undefined, count: 1 }));
    assert.ok(await waitUntil(() => readJsonl(out).length >= 3, 20_000), `three notice lines: ${sink.stderr()}`);
    const metrics = await httpGet(`http://127.0.0.1:${port}/metrics`);
    assert.equal(stageCounter(metrics.body, 'sink', 'notices_stdio_non_jsonrpc'), 2);
    assert.equal(stageCounter(metrics.body, 'sink', 'notices_unknown_method'), 1);
    assert.equal(await sink.stop('SIGINT', 20_000), 0, sink.stderr());

    const lines = readJsonl(out);
    assert.deepEqual(
      lines.map((l) => [l.type, l.reason, l.count]),
      [
        ['notice', 'stdio_non_jsonrpc', 1],
        ['notice', 'stdio_non_jsonrpc', 7],
        ['notice', 'unknown_method', 1],
      ],
    );
    assert.deepEqual(Object.keys(lines[0]), ['type', 'timestamp', 'reason', 'stage', 'pid', 'comm', 'stream', 'detail', 'sample', 'count']);
    assert.equal(lines[2].comm, 'evil\u001b[2K', 'the JSONL keeps the value');
    const consoleText = sink.stdout();
    assert.doesNotMatch(consoleText, RAW_UNSAFE, JSON.stringify(consoleText));
    assert.match(consoleText, /^⚠ NOTICE stdio_non_jsonrpc server\[4242\] bytes that are not JSON-RPC on stdout \[Server ready\\n\]$/m);
    assert.match(consoleText, /^⚠ NOTICE stdio_non_jsonrpc server\[4242\] .* ×7$/m);
    assert.match(consoleText, /^⚠ NOTICE unknown_method evil\\x1b\[2K\[4242\] method "x\\u202ey" is in no MCP revision$/m);
  } finally {
    await bus?.close();
    await nats?.dispose();
  }
});
