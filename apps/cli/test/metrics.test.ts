/**
 * `--metrics-port` scraped over HTTP: the embedded monitor (root, real BPF)
 * while the MCP SDK stdio scenario runs, and `serve sink` against a real
 * nats-server.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, startNats, type TestServer } from '@mcpspy/runtime/testing';
import { Child, E2E_FIXTURES, httpGet, readJsonl, rootSkipReason, stageCounter, startCli, waitUntil, scratchDir } from './cli';

after(() => Child.stopAll());

const dir = scratchDir('mcpspy-cli-metrics-');

// The SDK stdio scenario: initialize + 12 calls answered (26 lines), 7 notifications.
const FULL_STDIO_LINES = 33;

test('monitor --metrics-port: /healthz and /metrics move with real MCP traffic', { skip: rootSkipReason() }, async () => {
  const port = await freePort();
  const out = join(dir, 'monitor.jsonl');
  const mon = startCli(['--metrics-port', String(port), '--tui=false', '-q', '-o', out, '--comm', 'mcpe2e-client,mcpe2e-server']);
  await mon.waitForLine(/^mcpspy: monitoring/, 90_000);
  const base = `http://127.0.0.1:${port}`;

  const health = await httpGet(`${base}/healthz`);
  assert.equal(health.status, 200, health.body);
  assert.match(health.type, /application\/json/);
  const report = JSON.parse(health.body) as { ok: boolean; checks: Record<string, { ok: boolean }> };
  assert.equal(report.ok, true);
  assert.equal(report.checks.probe?.ok, true, `probe health check: ${health.body}`);

  const before = (await httpGet(`${base}/metrics`)).body;
  // A stage's counter appears once it moved; the probe's move at start (process events).
  assert.match(before, /^# TYPE mcpspy_stage_counter gauge$/m);
  assert.match(before, /^mcpspy_stage_counter\{stage="probe",name="events"\} \d+$/m, 'probe counters');
  assert.match(before, /^mcpspy_process_\w*resident_memory_bytes \d+$/m, 'process memory');
  assert.match(before, /^mcpspy_process_\w*cpu_seconds_total [\d.]+$/m, 'process cpu');
  const out0 = stageCounter(before, 'sink', 'messages_out') ?? 0;
  const events0 = stageCounter(before, 'probe', 'events') ?? 0;
  const emitted0 = stageCounter(before, 'mcp-parser', 'messages_emitted') ?? 0;

  const client = new Child('mcpe2e-client', process.execPath, [join(E2E_FIXTURES, 'client.mjs'), '--scenario', 'full', '--transport', 'stdio']);
  const code = await client.exited;
  assert.equal(code, 0, `client: ${client.stdout()} ${client.stderr()}`);
  assert.match(client.stdout(), /mcpe2e-client: ok scenario=full transport=stdio requests=13 notifications=7/);

  let body = '';
  const moved = await waitUntil(async () => {
    body = (await httpGet(`${base}/metrics`)).body;
    return (stageCounter(body, 'sink', 'messages_out') ?? 0) - out0 >= FULL_STDIO_LINES;
  }, 20_000, 250);
  assert.ok(moved, `sink messages_out moved by ≥ ${FULL_STDIO_LINES}: ${out0} -> ${stageCounter(body, 'sink', 'messages_out')}`);
  assert.ok((stageCounter(body, 'probe', 'events') ?? 0) > events0, 'probe events moved');
  assert.ok((stageCounter(body, 'probe', 'bytes') ?? 0) > 0, 'probe bytes moved');
  assert.equal(stageCounter(body, 'sink', 'messages_in'), stageCounter(body, 'sink', 'messages_out'), 'sink wrote all it got');
  assert.ok((stageCounter(body, 'mcp-parser', 'messages_emitted') ?? 0) - emitted0 >= FULL_STDIO_LINES, 'mcp-parser messages_emitted moved');
  assert.equal(stageCounter(body, 'probe', 'ringbuf_full'), 0, 'no ring buffer drops at this rate');

  const missing = await httpGet(`${base}/nothing-here`);
  assert.equal(missing.status, 404);

  assert.equal(await mon.stop('SIGINT', 20_000), 0, mon.stderr());
  const mine = readJsonl(out).filter((l) => l.stdio_transport?.from_pid === client.pid || l.stdio_transport?.to_pid === client.pid);
  assert.equal(mine.length, FULL_STDIO_LINES, 'every line of this client written (other runs may add theirs)');
  assert.ok(mine.some((l) => l.method === 'initialize' && l.type === 'request'));
});

test('serve sink --metrics-port over a real NATS: /healthz and /metrics', async () => {
  let nats: TestServer | undefined;
  try {
    nats = await startNats();
    const port = await freePort();
    const sink = startCli(['serve', 'sink', '--nats', nats.url, '--metrics-port', String(port), '--tui=false', '-q', '-o', join(dir, 'serve-sink.jsonl')]);
    await sink.waitForLine(/^mcpspy: serving sink on nats:\/\//, 60_000);
    const health = await httpGet(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200, health.body);
    const report = JSON.parse(health.body) as { ok: boolean; checks: Record<string, { ok: boolean }> };
    assert.equal(report.ok, true, health.body);
    const metrics = await httpGet(`http://127.0.0.1:${port}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.type, /text\/plain/);
    assert.match(metrics.body, /^# TYPE mcpspy_stage_counter gauge$/m);
    assert.equal(stageCounter(metrics.body, 'sink', 'messages_out') ?? 0, 0, 'nothing written yet');
    assert.match(metrics.body, /^mcpspy_process_\w*resident_memory_bytes \d+$/m);
    assert.doesNotMatch(metrics.body, /stage="probe"/, 'only the stage this process runs');
    assert.equal(await sink.stop('SIGINT', 20_000), 0, sink.stderr());
  } finally {
    await nats?.dispose();
  }
});
