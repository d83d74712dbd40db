/**
 * deploy/examples/mcpspy-consumer.mjs against a real nats-server with
 * JetStream, started from deploy/nats/nats.conf (store directory and port
 * moved to a temp dir and a free port). The stream is created the way the
 * pipeline does; alerts and messages are published as the stages publish them.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connect, NatsConnection, JetStreamClient, JetStreamManager } from 'nats';
import { BatchEncoder, batchSubjectOf, bodyOnceJsonText, DURABLE_SUBJECTS, encodeBatchText, JETSTREAM_STREAM, Subjects, WIRE_FORM_BODY_ONCE, type McpMessageEvent, type SecurityAlertEvent } from '@mcpspy/events';
import { freePort } from '@mcpspy/runtime/testing';
import { EXAMPLES, LineProcess, NATS_CONF, REPO, findBinary } from './deploy-helpers';

const CONSUMER = join(EXAMPLES, 'mcpspy-consumer.mjs');

function alert(over: Partial<SecurityAlertEvent> = {}): SecurityAlertEvent {
  return {
    type: 'security_alert',
    timestamp: '2026-01-02T10:00:00.140Z',
    risk: 'high',
    category: 'prompt_injection',
    score: 0.86,
    detector: 'rules',
    summary: 'instruction override in tool arguments',
    evidence: [{ text: 'ignore all previous instructions', field: 'params.arguments.query', start: 0, end: 32, rule: 'override' }],
    message: { msg_id: 'mcp-parser:17', id: 3, method: 'tools/call', type: 'request', transport_type: 'stdio', pid: 4242, comm: 'node', timestamp: '2026-01-02T10:00:00.123Z' },
    ...over,
  };
}

function mcpMessage(over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  return {
    timestamp: '2026-01-02T10:00:00.123Z',
    transport_type: 'stdio',
    stdio_transport: { from_pid: 100, from_comm: 'client', to_pid: 200, to_comm: 'server' },
    type: 'request',
    id: 7,
    method: 'tools/call',
    params: { name: 'add', arguments: { a: 1, b: 2 } },
    error: {},
    raw: '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}',
    msg_id: 'mcp-parser:18',
    ...over,
  };
}

const natsBin = findBinary('nats-server');
const NATS_PASSWORD = 'consumer-test-pw';

describe('example consumer against nats-server (JetStream)', { skip: natsBin ? false : 'nats-server is not installed' }, () => {
  let dir: string;
  let server: LineProcess;
  let url: string;
  let nc: NatsConnection;
  let parserNc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  const running: LineProcess[] = [];

  const startConsumer = async (args: string[]) => {
    const p = new LineProcess(process.execPath, [CONSUMER, '--nats', url, ...args], { env: { ...process.env, MCPSPY_NATS_USER: 'reader', MCPSPY_NATS_PASSWORD: NATS_PASSWORD } });
    running.push(p);
    await p.waitFor('stderr', /mcpspy-consumer: ready$/);
    return p;
  };
  const publishAlert = (a: unknown) => js.publish(Subjects.securityAlert, typeof a === 'string' ? a : JSON.stringify(a));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpspy-consumer-'));
    const conf = readFileSync(NATS_CONF, 'utf8').replace('/data/jetstream', join(dir, 'js'));
    writeFileSync(join(dir, 'nats.conf'), conf);
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    // -m 0: no monitoring port, so parallel runs do not collide on 8222.
    // deploy/nats/nats.conf requires a login (the example runs as `reader`; the test publishes as the stages do).
    const passwords = Object.fromEntries(['PROBE', 'HTTP_SESSION', 'MCP_PARSER', 'SECURITY', 'SINK', 'WEB', 'READER'].map((u) => [`MCPSPY_NATS_PASSWORD_${u}`, NATS_PASSWORD]));
    server = new LineProcess(natsBin!, ['-c', join(dir, 'nats.conf'), '-p', String(port), '-a', '127.0.0.1', '-m', '0'], { env: { ...process.env, ...passwords } });
    await server.waitFor('stderr', 'Server is ready');
    await assert.rejects(connect({ servers: url, reconnect: false }), /Authorization|AUTHORIZATION/, 'the stack config refuses anonymous clients');
    // Alerts as the security stage publishes them, MCP messages as mcp-parser does: each user may publish only its own.
    nc = await connect({ servers: url, user: 'security', pass: NATS_PASSWORD });
    parserNc = await connect({ servers: url, user: 'mcp-parser', pass: NATS_PASSWORD });
    jsm = await nc.jetstreamManager();
    js = nc.jetstream();
    // As the pipeline creates it (libs/events: JETSTREAM_STREAM over DURABLE_SUBJECTS).
    await jsm.streams.add({ name: JETSTREAM_STREAM, subjects: [...DURABLE_SUBJECTS] });
  });

  after(async () => {
    for (const p of running) await p.stop('SIGKILL');
    await nc?.close();
    await parserNc?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the example takes the stream and subject names from the contracts', async () => {
    const ev = await import(pathToFileURL(join(EXAMPLES, 'events.mjs')).href);
    assert.equal(ev.STREAM, JETSTREAM_STREAM);
    assert.equal(ev.ALERT_SUBJECT, Subjects.securityAlert);
    assert.equal(ev.MCP_SUBJECT, Subjects.mcpMessage);
    assert.ok(DURABLE_SUBJECTS.includes(ev.ALERT_SUBJECT));
  });

  test('the example reads form-2 batches (the body once) as form-1 lines, and refuses a newer form', async () => {
    const ev = await import(pathToFileURL(join(EXAMPLES, 'events.mjs')).href);
    const m = mcpMessage();
    const enc = new BatchEncoder(Subjects.mcpMessage, 1024, WIRE_FORM_BODY_ONCE);
    const line = bodyOnceJsonText(m);
    assert.ok(line !== undefined && line.includes('"params":0,') && !line.includes('"arguments":'), 'the body travels once, inside raw');
    enc.add(line);
    const batch = enc.seal() as Uint8Array;
    assert.deepEqual(ev.splitMcpBatch(batch), [JSON.stringify(m)]);
    assert.equal(ev.decodeMcpMessage(ev.splitMcpBatch(batch)[0]).raw, m.raw);
    assert.throws(() => ev.splitMcpBatch(Buffer.from(Buffer.from(batch).toString().replace('"form":2', '"form":3'))), /wire form 3 is newer/);
  });

  test('the server runs with the config’s payload limit (64 MB)', () => {
    assert.equal(nc.info?.max_payload, 64 * 1024 * 1024);
    assert.equal(nc.info?.jetstream, true);
  });

  test('prints an alert from the durable consumer and a live MCP message', async () => {
    const c = await startConsumer(['--durable', 'it-main']);
    await publishAlert(alert());
    const line = await c.waitFor('stdout', /^ALERT /);
    assert.equal(
      line,
      'ALERT 2026-01-02T10:00:00.140Z HIGH prompt_injection score=0.86 detector=rules tools/call pid=4242 comm=node msg=mcp-parser:17 id=3 :: instruction override in tool arguments [params.arguments.query: "ignore all previous instructions"]',
    );
    parserNc.publish(Subjects.mcpMessage, JSON.stringify(mcpMessage()));
    const m = await c.waitFor('stdout', /^MCP /);
    assert.equal(m, 'MCP 2026-01-02T10:00:00.123Z request tools/call id=7 stdio client[100] -> server[200]');
    const info = await jsm.consumers.info(JETSTREAM_STREAM, 'it-main');
    assert.equal(info.config.filter_subject, Subjects.securityAlert);
    assert.equal(info.config.ack_policy, 'explicit');
  });

  test('skips payloads that are not alerts, says why, and goes on', async () => {
    const c = running[running.length - 1];
    const before = c.stdout.length;
    await publishAlert('not json at all');
    await publishAlert(alert({ risk: 'extreme' as never }));
    await publishAlert(alert({ category: 'jailbreak', score: 0.95, risk: 'critical', summary: 'second' }));
    const line = await c.waitFor('stdout', /CRITICAL jailbreak/, 10_000, before);
    assert.match(line, /score=0\.95 .*:: second /);
    assert.ok(c.stderr.some((l) => /skipped alert \(stream seq \d+\): failed to decode alert: not JSON/.test(l)), c.stderr.join('\n'));
    assert.ok(c.stderr.some((l) => /failed to decode alert: unknown risk "extreme"/.test(l)), c.stderr.join('\n'));
    assert.equal(c.child.exitCode, null, 'still running');
    // Terminated, not left for redelivery.
    await waitFor(async () => (await jsm.consumers.info(JETSTREAM_STREAM, 'it-main')).num_ack_pending === 0);
  });

  test('after a restart it prints the alerts it missed, and none twice', async () => {
    const first = running[running.length - 1];
    assert.equal(await first.stop('SIGTERM'), 0, 'drains and exits cleanly');
    const printedBefore = first.stdout.filter((l) => l.startsWith('ALERT')).length;
    assert.equal(printedBefore, 2);
    await publishAlert(alert({ summary: 'while-down-1', category: 'data_leak' }));
    await publishAlert(alert({ summary: 'while-down-2', category: 'exfiltration' }));
    const second = await startConsumer(['--durable', 'it-main', '--no-messages']);
    await second.waitFor('stdout', /:: while-down-2 /);
    const stream = await jsm.streams.info(JETSTREAM_STREAM);
    await waitFor(async () => (await jsm.consumers.info(JETSTREAM_STREAM, 'it-main')).ack_floor.stream_seq === stream.state.last_seq);
    const alerts = second.stdout.filter((l) => l.startsWith('ALERT'));
    assert.deepEqual(alerts.map((l) => /:: (\S+)/.exec(l)?.[1]), ['while-down-1', 'while-down-2']);
    await second.stop();
  });

  test('a new durable starts with the alerts the stream holds; a 2 MB alert passes', async () => {
    const big = alert({ summary: 'big-one', details: { blob: 'x'.repeat(2 * 1024 * 1024) } });
    await publishAlert(big);
    const c = await startConsumer(['--durable', 'it-fresh', '--no-messages', '--json']);
    const line = await c.waitFor('stdout', /"summary":"big-one"/, 15_000);
    assert.equal(JSON.parse(line).details.blob.length, 2 * 1024 * 1024);
    // With --json the lines are the payloads: the first alert ever published comes first.
    assert.equal(JSON.parse(c.stdout[0]).summary, 'instruction override in tool arguments');
    await c.stop();
  });

  test('the web stage logs in as `web` under this config and shows what the stages publish', async () => {
    const token = 'web-token-0123456789abcdef';
    const web = new LineProcess(process.execPath, [join(REPO, 'bin', 'mcpspy.js'), 'serve', 'web', '--nats', url, '--web', '127.0.0.1:0'], {
      env: { ...process.env, MCPSPY_NATS_USER: 'web', MCPSPY_NATS_PASSWORD: NATS_PASSWORD, MCPSPY_WEB_TOKEN: token, MCPSPY_INSTANCE: 'web-it' },
    });
    running.push(web);
    const at = await web.waitFor('stderr', /web view at /, 30_000);
    await web.waitFor('stderr', /serving web on /, 30_000);
    const port = new URL(at.replace(/^.*web view at /, '')).port;
    await publishAlert(alert());
    parserNc.publish(Subjects.mcpMessage, JSON.stringify(mcpMessage({ msg_id: 'mcp-parser:web-1' })));
    await parserNc.flush();
    let counts: Record<string, number> = {};
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const r = await fetch(`http://127.0.0.1:${port}/api/snapshot`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 200);
      counts = ((await r.json()) as { counts: Record<string, number> }).counts;
      if (counts.messages >= 1 && counts.alerts >= 1) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(counts.messages >= 1 && counts.alerts >= 1, `web snapshot counts: ${JSON.stringify(counts)}`);
    assert.equal(await web.stop('SIGTERM'), 0);
  });

  test('--json with --no-alerts prints MCP messages as their payload', async () => {
    const c = await startConsumer(['--no-alerts', '--json']);
    const msg = mcpMessage({ type: 'response', id: 7, method: undefined, result: { content: [] }, request: { type: 'request', id: 7, method: 'tools/call', error: {} } });
    parserNc.publish(Subjects.mcpMessage, JSON.stringify(msg));
    parserNc.publish(Subjects.mcpMessage, '{"transport_type":"carrier-pigeon"}');
    const line = await c.waitFor('stdout', /^\{/);
    assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(msg)));
    await c.waitFor('stderr', /skipped mcp message: failed to decode mcp message: unknown transport_type "carrier-pigeon"/);
    await c.stop();
  });

  test('reads the batches mcp-parser publishes by default; a bad line loses only itself', async () => {
    const c = await startConsumer(['--no-alerts', '--json']);
    const lines = [JSON.stringify(mcpMessage({ id: 1 })), '{"transport_type":"carrier-pigeon"}', JSON.stringify(mcpMessage({ id: 2 }))];
    // Through mcp-parser's own NATS user: the config lets it publish the batch subject.
    parserNc.publish(batchSubjectOf(Subjects.mcpMessage), encodeBatchText(Subjects.mcpMessage, lines));
    const first = await c.waitFor('stdout', /^\{.*"id":1\b/);
    const second = await c.waitFor('stdout', /^\{.*"id":2\b/);
    assert.equal(JSON.parse(first).id, 1);
    assert.equal(JSON.parse(second).id, 2);
    await c.waitFor('stderr', /skipped mcp message: .*carrier-pigeon/);
    await c.stop();
  });
});

test('example consumer: started before the pipeline, it waits for the stream instead of creating it', { skip: natsBin ? false : 'nats-server is not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpspy-consumer-wait-'));
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const server = new LineProcess(natsBin!, ['-js', '-sd', dir, '-p', String(port), '-a', '127.0.0.1']);
  let consumer: LineProcess | undefined;
  let nc: NatsConnection | undefined;
  try {
    await server.waitFor('stderr', 'Server is ready');
    consumer = new LineProcess(process.execPath, [CONSUMER, '--nats', url, '--no-messages']);
    await consumer.waitFor('stderr', `waiting for JetStream stream ${JETSTREAM_STREAM}`);
    nc = await connect({ servers: url });
    const jsm = await nc.jetstreamManager();
    assert.deepEqual(await jsm.streams.names().next(), [], 'the consumer created no stream');
    await jsm.streams.add({ name: JETSTREAM_STREAM, subjects: [...DURABLE_SUBJECTS] });
    await consumer.waitFor('stderr', /ready$/, 5000);
    await nc.jetstream().publish(Subjects.securityAlert, JSON.stringify(alert({ summary: 'after-wait' })));
    await consumer.waitFor('stdout', /:: after-wait /);
  } finally {
    await consumer?.stop('SIGKILL');
    await nc?.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('example consumer: a bad option exits with code 2 and the usage', async () => {
  const p = new LineProcess(process.execPath, [CONSUMER, '--bogus']);
  assert.equal(await p.exited(), 2);
  assert.ok(p.stderr.some((l) => l.includes('unknown option --bogus')), p.stderr.join('\n'));
  assert.ok(p.stderr.some((l) => l.startsWith('usage: mcpspy-consumer')));
});

async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
