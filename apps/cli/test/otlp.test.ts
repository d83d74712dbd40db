/**
 * `--otlp URL` through the real entry point (root, real BPF): the MCP SDK
 * stdio scenario (an official SDK client spawning an SDK server, the echo call
 * carrying a W3C traceparent in `params._meta`) under `node bin/mcpspy.js`,
 * exported to a local OTLP/HTTP receiver. Every answered request is one span
 * whose duration is its JSONL response time minus its request time; the echo
 * span's parent is the agent's; errors carry `error.type`. `/metrics` carries
 * the per-method/tool series of the same calls.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, OtlpReceiver } from '@mcpspy/runtime/testing';
import { Child, E2E_FIXTURES, httpGet, readJsonl, rootSkipReason, startCli, waitUntil, scratchDir } from './cli';

const receivers: OtlpReceiver[] = [];
after(async () => {
  await Child.stopAll();
  for (const r of receivers) await r.close();
});

const dir = scratchDir('mcpspy-cli-otlp-');
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

test('monitor --otlp: the SDK stdio scenario as MCP spans and metrics; /metrics per tool', { skip: rootSkipReason() }, async () => {
  const rx = await new OtlpReceiver().start();
  receivers.push(rx);
  const port = await freePort();
  const out = join(dir, 'otlp.jsonl');
  const mon = startCli(['--otlp', rx.url, '--metrics-port', String(port), '--tui=false', '-q', '-o', out, '--comm', 'mcpe2e-client,mcpe2e-server'], {
    env: { ...process.env, OTEL_SERVICE_NAME: 'mcpspy-e2e', OTEL_METRIC_EXPORT_INTERVAL: '1000' },
  });
  const ready = await mon.waitForLine(/^mcpspy: monitoring/, 90_000);
  assert.match(ready, new RegExp(`OpenTelemetry to ${rx.url.replace(/[.]/g, '\\.')}`));

  const client = new Child('mcpe2e-client', process.execPath, [
    join(E2E_FIXTURES, 'client.mjs'),
    '--scenario', 'full', '--transport', 'stdio',
    '--traceparent', `00-${TRACE_ID}-${PARENT}-01`,
  ]);
  assert.equal(await client.exited, 0, `client: ${client.stdout()} ${client.stderr()}`);
  assert.match(client.stdout(), /requests=13 notifications=7/);

  // /metrics: the calls of this client by method and tool (other runs on the host only add).
  const base = `http://127.0.0.1:${port}`;
  let prom = '';
  const seen = await waitUntil(async () => {
    prom = (await httpGet(`${base}/metrics`)).body;
    return /^mcpspy_mcp_request_duration_seconds_count\{method="completion\/complete",tool="",transport="stdio",outcome="ok"\} [1-9]/m.test(prom);
  }, 30_000, 250);
  assert.ok(seen, `the last call reached /metrics:\n${prom.split('\n').filter((l) => l.startsWith('mcpspy_mcp')).join('\n')}`);
  assert.match(prom, /^mcpspy_mcp_requests_total\{method="tools\/call",tool="echo",transport="stdio"\} [1-9]/m);
  assert.match(prom, /^mcpspy_mcp_errors_total\{method="tools\/call",tool="fail",transport="stdio",error_type="tool_error"\} [1-9]/m);
  assert.match(prom, /^mcpspy_mcp_errors_total\{method="resources\/read",tool="",transport="stdio",error_type="-32602"\} [1-9]/m);
  assert.match(prom, /^mcpspy_mcp_notifications_total\{method="notifications\/progress",transport="stdio"\} [1-9]/m);
  assert.match(prom, /^mcpspy_stage_counter\{stage="otlp",name="spans"\} [1-9]/m, 'the exporter counters in /metrics');

  assert.equal(await mon.stop('SIGINT', 30_000), 0, mon.stderr());
  assert.deepEqual(rx.errors, []);

  const lines = readJsonl(out).filter((l) => l.stdio_transport?.from_pid === client.pid || l.stdio_transport?.to_pid === client.pid);
  const mine = rx.spans.filter((s) => s.attributes['mcpspy.client.pid'] === client.pid);
  const requests = lines.filter((l) => l.type === 'request');
  const notifications = lines.filter((l) => l.type === 'notification');
  assert.equal(requests.length, 13);
  assert.equal(mine.length, requests.length + notifications.length, `one span per request/response pair and per notification: ${mine.map((s) => s.name).join(', ')}`);
  assert.ok(mine.every((s) => s.kind === 3 && s.resource['service.name'] === 'mcpspy-e2e'));

  // Every pair: the span lasts exactly response time - request time (ms, the JSONL's precision).
  for (const r of lines.filter((l) => l.type === 'response' || l.type === 'error')) {
    const span = mine.find((s) => s.attributes['jsonrpc.request.id'] === String(r.id) && s.attributes['mcp.method.name'] === r.request.method);
    assert.ok(span, `a span for ${r.request.method} id=${r.id}`);
    const startMs = Number(span.startNs / 1_000_000n);
    const durMs = Number((span.endNs - span.startNs) / 1_000_000n);
    assert.equal(startMs, Date.parse(r.request.timestamp), `${span.name}: starts at the request's kernel time`);
    assert.equal(durMs, Date.parse(r.timestamp) - Date.parse(r.request.timestamp), `${span.name}: duration`);
    assert.equal(span.attributes['mcp.protocol.version'], '2025-11-25', span.name);
    assert.equal(span.attributes['network.transport'], 'pipe');
    assert.equal(span.attributes['mcpspy.server.comm'], 'mcpe2e-server');
  }
  const echo = mine.find((s) => s.name === 'tools/call echo')!;
  assert.equal(echo.traceId, TRACE_ID, 'the echo call joins the agent trace');
  assert.equal(echo.parentSpanId, PARENT);
  assert.equal(echo.attributes['gen_ai.tool.name'], 'echo');
  const fail = mine.find((s) => s.name === 'tools/call fail')!;
  assert.equal(fail.attributes['error.type'], 'tool_error');
  assert.equal(fail.status.code, 2);
  const missing = mine.find((s) => s.name === 'resources/read' && s.attributes['mcp.resource.uri'] === 'mcpe2e://docs/missing')!;
  assert.equal(missing.attributes['error.type'], '-32602');
  assert.match(missing.status.message, /not found/);
  assert.ok(mine.find((s) => s.name === 'prompts/get greet'), 'prompt name in the span name');
  const slow = mine.find((s) => s.name === 'tools/call slow_task')!;
  const progress = mine.filter((s) => s.name === 'notifications/progress');
  assert.equal(progress.length, 3);
  assert.ok(progress.every((p) => p.parentSpanId === slow.spanId), 'progress notifications are children of slow_task');
  assert.equal(mine.filter((s) => s.attributes['mcpspy.unpaired'] !== undefined).length, 0, 'nothing unpaired');

  const dur = rx.metric('mcp.client.operation.duration');
  assert.ok(dur?.points.some((p) => p.attributes['gen_ai.tool.name'] === 'echo' && (p.count ?? 0) >= 1), 'mcp.client.operation.duration for echo');
  assert.ok(rx.metric('mcp.client.session.duration')?.points.some((p) => (p.count ?? 0) >= 1), 'session duration at exit');
});

test('monitor --otlp over streamable HTTP: session id, server address, tcp; durations from the JSONL times', { skip: rootSkipReason() }, async () => {
  const rx = await new OtlpReceiver().start();
  receivers.push(rx);
  const out = join(dir, 'otlp-http.jsonl');
  const mon = startCli(['--otlp', rx.url, '--tui=false', '-q', '-o', out, '--comm', 'mcpe2e-client,mcpe2e-server'], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
  });
  await mon.waitForLine(/^mcpspy: monitoring/, 90_000);
  const server = new Child('mcpe2e-server', process.execPath, [join(E2E_FIXTURES, 'server.mjs'), '--listen', 'http']);
  const listening = await server.waitForLine(/^mcpe2e-server listening http:\/\/127\.0\.0\.1:\d+/, 30_000);
  const url = listening.split(' ').pop()!;
  const serverPort = Number(new URL(url).port);
  const client = new Child('mcpe2e-client', process.execPath, [
    join(E2E_FIXTURES, 'client.mjs'),
    '--scenario', 'full', '--transport', 'http', '--url', url,
    '--traceparent', `00-${TRACE_ID}-${PARENT}-01`,
  ]);
  assert.equal(await client.exited, 0, `client: ${client.stdout()} ${client.stderr()}`);
  const jsonlHas = () => readJsonl(out).some((l) => l.transport_type === 'http' && l.request?.method === 'completion/complete' && l.http_transport?.host === `127.0.0.1:${serverPort}`);
  assert.ok(await waitUntil(jsonlHas, 30_000, 250), 'the last response reached the JSONL');
  assert.equal(await mon.stop('SIGINT', 30_000), 0, mon.stderr());
  await server.stop('SIGTERM', 10_000);
  assert.deepEqual(rx.errors, []);
  assert.ok(rx.requests.every((r) => /application\/json/.test(r.contentType)), 'OTEL_EXPORTER_OTLP_PROTOCOL=http/json honoured');

  const lines = readJsonl(out).filter((l) => l.http_transport?.host === `127.0.0.1:${serverPort}`);
  const mine = rx.spans.filter((s) => s.attributes['server.port'] === serverPort);
  const responses = lines.filter((l) => (l.type === 'response' || l.type === 'error') && l.request);
  assert.ok(responses.length >= 13, `13 answered requests in the JSONL (${responses.length})`);
  for (const r of responses) {
    const span = mine.find((s) => s.attributes['jsonrpc.request.id'] === String(r.id) && s.attributes['mcp.method.name'] === r.request.method);
    assert.ok(span, `a span for ${r.request.method} id=${r.id}`);
    assert.equal(Number(span.startNs / 1_000_000n), Date.parse(r.request.timestamp), `${span.name}: start`);
    assert.equal(Number((span.endNs - span.startNs) / 1_000_000n), Date.parse(r.timestamp) - Date.parse(r.request.timestamp), `${span.name}: duration`);
    assert.equal(span.attributes['network.transport'], 'tcp');
    assert.equal(span.attributes['network.protocol.name'], 'http');
    assert.equal(span.attributes['server.address'], '127.0.0.1');
    if (r.request.method !== 'initialize') {
      assert.equal(span.attributes['mcp.session.id'], r.http_transport.session_id, `${span.name}: Mcp-Session-Id`);
      assert.equal(span.attributes['mcp.protocol.version'], '2025-11-25', span.name);
    }
  }
  const echo = mine.find((s) => s.name === 'tools/call echo')!;
  assert.equal(echo.traceId, TRACE_ID);
  assert.equal(echo.parentSpanId, PARENT);
  assert.equal(mine.filter((s) => s.attributes['mcpspy.unpaired'] !== undefined).length, 0, 'nothing unpaired');
});

test('monitor --security --otlp: alerts on real traffic are events of their call spans and counted', { skip: rootSkipReason() }, async () => {
  const rx = await new OtlpReceiver().start();
  receivers.push(rx);
  const port = await freePort();
  const out = join(dir, 'otlp-evil.jsonl');
  const mon = startCli(['--security', '--otlp', rx.url, '--metrics-port', String(port), '--tui=false', '-q', '-o', out, '--comm', 'mcpe2e-client,mcpe2e-evil']);
  await mon.waitForLine(/^mcpspy: monitoring/, 90_000);
  const client = new Child('mcpe2e-client', process.execPath, [join(E2E_FIXTURES, 'client.mjs'), '--scenario', 'evil', '--transport', 'stdio']);
  assert.equal(await client.exited, 0, `client: ${client.stdout()} ${client.stderr()}`);
  const alertsOf = () => readJsonl(out).filter((l) => l.type === 'security_alert' && (l.message?.pid === client.pid || l.message?.comm === 'mcpe2e-evil'));
  assert.ok(await waitUntil(() => alertsOf().length >= 4, 30_000, 250), `four alerts written: ${alertsOf().length}`);
  const prom = (await httpGet(`http://127.0.0.1:${port}/metrics`)).body;
  assert.match(prom, /^mcpspy_security_alerts_total\{category="tool_poisoning",risk="critical"\} [1-9]/m);
  assert.match(prom, /^mcpspy_security_alerts_total\{category="prompt_injection",risk="critical"\} [1-9]/m);
  assert.equal(await mon.stop('SIGINT', 30_000), 0, mon.stderr());

  const mine = rx.spans.filter((s) => s.attributes['mcpspy.client.pid'] === client.pid);
  const list = mine.find((s) => s.name === 'tools/list')!;
  const call = mine.find((s) => s.name === 'tools/call get_weather')!;
  assert.ok(list && call, mine.map((s) => s.name).join(', '));
  const cats = (s: typeof list) => s.events.filter((e) => e.name === 'mcpspy.security_alert').map((e) => e.attributes['mcpspy.alert.category']).sort();
  assert.deepEqual(cats(list), ['tool_poisoning']);
  assert.deepEqual(cats(call), ['exfiltration', 'jailbreak', 'prompt_injection']);
  const counted = rx.metric('mcpspy.security.alerts')!.points.reduce((n, p) => n + (p.value ?? 0), 0);
  assert.ok(counted >= 4, `mcpspy.security.alerts counted ${counted}`);
});
