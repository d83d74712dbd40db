/**
 * The OpenTelemetry output through the sink engine, exported by the real SDK
 * exporters to a local OTLP/HTTP receiver, once as protobuf and once as JSON:
 * span names, kinds, attributes, the parent from a `traceparent` in
 * `params._meta`, error status, durations equal to response minus request
 * time, an alert as a span event, an unpaired request ended at its timeout,
 * and the MCP metrics. The Prometheus output is checked on the same input.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { McpMessageEvent, NoticeEvent, SecurityAlertEvent } from '@mcpspy/events';
import { silentLogger } from '@mcpspy/runtime';
import { McpMetricsOutput, OtlpOutput, SinkEngine } from '../src';
import { OtlpReceiver } from '@mcpspy/runtime/testing';

const CLIENT = { pid: 4100, comm: 'agent' };
const SERVER = { pid: 4200, comm: 'mcp-server' };
const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
let seq = 0;

function req(at: number, id: number, method: string, params: unknown): McpMessageEvent {
  return {
    timestamp: iso(at),
    transport_type: 'stdio',
    stdio_transport: { from_pid: CLIENT.pid, from_comm: CLIENT.comm, to_pid: SERVER.pid, to_comm: SERVER.comm },
    type: 'request',
    id,
    method,
    params,
    error: {},
    raw: '{}',
    session: 'stdio:4100-4200',
    msg_id: `t:${++seq}`,
  };
}

function resp(at: number, request: McpMessageEvent, over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  return {
    timestamp: iso(at),
    transport_type: 'stdio',
    stdio_transport: { from_pid: SERVER.pid, from_comm: SERVER.comm, to_pid: CLIENT.pid, to_comm: CLIENT.comm },
    type: 'response',
    id: request.id,
    result: { content: [{ type: 'text', text: 'ok' }] },
    error: {},
    request: { type: 'request', id: request.id ?? null, method: request.method!, params: request.params, error: {}, timestamp: request.timestamp },
    raw: '{}',
    session: 'stdio:4100-4200',
    msg_id: `t:${++seq}`,
    ...over,
  };
}

function notif(at: number, method: string, params: unknown, fromServer = true): McpMessageEvent {
  const [a, b] = fromServer ? [SERVER, CLIENT] : [CLIENT, SERVER];
  return {
    timestamp: iso(at),
    transport_type: 'stdio',
    stdio_transport: { from_pid: a.pid, from_comm: a.comm, to_pid: b.pid, to_comm: b.comm },
    type: 'notification',
    method,
    params,
    error: {},
    raw: '{}',
    session: 'stdio:4100-4200',
    msg_id: `t:${++seq}`,
  };
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const receivers: OtlpReceiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

/** One conversation fed to an engine with both outputs; returns the Prometheus text. */
async function runConversation(rx: OtlpReceiver, protocol: 'http/protobuf' | 'http/json'): Promise<{ prom: string; otlp: OtlpOutput }> {
  const otlp = new OtlpOutput({
    logger: silentLogger(),
    endpoint: rx.url,
    env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: protocol, OTEL_SERVICE_NAME: 'mcpspy-test' },
    pendingTimeoutMs: 300,
    alertGraceMs: 100,
    sweepMs: 20,
  });
  const registry = new Registry();
  const engine = new SinkEngine({ logger: silentLogger(), console: false, tui: false, outputs: [otlp, new McpMetricsOutput({ registry })] });
  await engine.start();

  const init = req(0, 0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'agent', version: '1' } });
  engine.onMessage(init);
  engine.onMessage(resp(120, init, { result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 's', version: '1' } } }));
  engine.onMessage(notif(130, 'notifications/initialized', {}, false));

  const echo = req(200, 1, 'tools/call', { name: 'echo', arguments: { text: 'hi' }, _meta: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` } });
  engine.onMessage(echo);
  const alert: SecurityAlertEvent = {
    type: 'security_alert',
    timestamp: iso(210),
    risk: 'high',
    category: 'prompt_injection',
    score: 0.93,
    detector: 'rules',
    summary: 'Instruction override in tool arguments',
    evidence: [{ text: 'ignore', field: 'params.arguments.text', start: 0, end: 6, rule: 'ignore-previous' }],
    message: { msg_id: echo.msg_id, id: 1, method: 'tools/call', type: 'request', transport_type: 'stdio', timestamp: echo.timestamp },
  };
  engine.onAlert(alert);
  engine.onMessage(resp(450, echo));

  const fail = req(500, 2, 'tools/call', { name: 'fail', arguments: {} });
  engine.onMessage(fail);
  engine.onMessage(resp(517, fail, { result: { content: [{ type: 'text', text: 'deliberate failure' }], isError: true } }));

  const read = req(600, 3, 'resources/read', { uri: 'mcpe2e://docs/missing' });
  engine.onMessage(read);
  engine.onMessage(resp(603, read, { type: 'error', result: undefined, error: { code: -32602, message: 'Resource mcpe2e://docs/missing not found' } }));

  const slow = req(700, 4, 'tools/call', { name: 'slow_task', arguments: { steps: 1 }, _meta: { progressToken: 4 } });
  engine.onMessage(slow);
  engine.onMessage(notif(750, 'notifications/progress', { progressToken: 4, progress: 1, total: 1 }));
  engine.onMessage(resp(900, slow));

  // Never answered: ends at its timeout.
  engine.onMessage(req(1000, 5, 'tools/call', { name: 'hang', arguments: {} }));
  const notice: NoticeEvent = { timestamp: iso(1001), reason: 'stdio_non_jsonrpc', stage: 'mcp-parser', pid: SERVER.pid, stream: 's', detail: 'banner', count: 1 };
  engine.onNotice(notice);
  engine.onNotice({ ...notice, count: 3 });

  await waitFor(() => otlp.stats().spans_unpaired_timeout === 1, 10_000, 'the unanswered request to time out');
  const prom = await registry.metrics();
  await engine.close();
  return { prom, otlp };
}

for (const protocol of ['http/protobuf', 'http/json'] as const) {
  test(`OTLP ${protocol}: MCP spans and metrics reach a collector`, async () => {
    const rx = await new OtlpReceiver().start();
    receivers.push(rx);
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'authorization=Bearer test-token';
    let otlp: OtlpOutput;
    try {
      ({ otlp } = await runConversation(rx, protocol));
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    }
    assert.deepEqual(rx.errors, [], 'the receiver decoded every export');
    const wantType = protocol === 'http/json' ? /application\/json/ : /application\/x-protobuf/;
    assert.ok(rx.requests.some((r) => r.path === '/v1/traces' && wantType.test(r.contentType)), `traces as ${protocol}`);
    assert.ok(rx.requests.some((r) => r.path === '/v1/metrics' && wantType.test(r.contentType)), `metrics as ${protocol}`);
    assert.ok(rx.requests.every((r) => r.headers.authorization === 'Bearer test-token'), 'OTEL_EXPORTER_OTLP_HEADERS sent');

    const names = rx.spans.map((s) => s.name).sort();
    assert.deepEqual(names, [
      'initialize',
      'notifications/initialized',
      'notifications/progress',
      'resources/read',
      'tools/call echo',
      'tools/call fail',
      'tools/call hang',
      'tools/call slow_task',
    ]);
    for (const s of rx.spans) {
      assert.equal(s.kind, 3, `${s.name}: SPAN_KIND_CLIENT`);
      assert.equal(s.resource['service.name'], 'mcpspy-test');
      assert.equal(s.attributes['network.transport'], 'pipe');
    }

    const ms = (n: bigint) => Number(n / 1_000_000n);
    const echo = rx.span('tools/call echo')!;
    assert.equal(echo.traceId, TRACE_ID, 'joins the agent trace');
    assert.equal(echo.parentSpanId, PARENT_SPAN, 'parent from params._meta.traceparent');
    assert.equal(ms(echo.startNs), T0 + 200, 'starts at the request time');
    assert.equal(ms(echo.endNs - echo.startNs), 250, 'duration = response - request');
    assert.equal(echo.attributes['mcp.method.name'], 'tools/call');
    assert.equal(echo.attributes['gen_ai.tool.name'], 'echo');
    assert.equal(echo.attributes['gen_ai.operation.name'], 'execute_tool');
    assert.equal(echo.attributes['jsonrpc.request.id'], '1');
    assert.equal(echo.attributes['mcp.protocol.version'], '2025-11-25', 'from initialize, kept per session');
    assert.equal(echo.attributes['mcpspy.client.pid'], CLIENT.pid);
    assert.equal(echo.attributes['mcpspy.client.comm'], CLIENT.comm);
    assert.equal(echo.attributes['mcpspy.server.pid'], SERVER.pid);
    assert.equal(echo.attributes['mcpspy.server.comm'], SERVER.comm);
    assert.equal(echo.attributes['error.type'], undefined);
    assert.equal(echo.status.code, 0);
    assert.equal(echo.events.length, 1, 'the alert is an event on its span');
    assert.equal(echo.events[0].name, 'mcpspy.security_alert');
    assert.equal(echo.events[0].attributes['mcpspy.alert.category'], 'prompt_injection');
    assert.equal(echo.events[0].attributes['mcpspy.alert.risk'], 'high');
    assert.equal(ms(echo.events[0].timeNs), T0 + 210);

    const init = rx.span('initialize')!;
    assert.notEqual(init.traceId, TRACE_ID, 'no traceparent: a trace of its own');
    assert.equal(init.parentSpanId, '');
    assert.equal(ms(init.endNs - init.startNs), 120);

    const fail = rx.span('tools/call fail')!;
    assert.equal(fail.status.code, 2, 'isError: status ERROR');
    assert.equal(fail.attributes['error.type'], 'tool_error');
    assert.equal(ms(fail.endNs - fail.startNs), 17);

    const read = rx.span('resources/read')!;
    assert.equal(read.status.code, 2);
    assert.equal(read.status.message, 'Resource mcpe2e://docs/missing not found');
    assert.equal(read.attributes['error.type'], '-32602');
    assert.equal(read.attributes['rpc.response.status_code'], '-32602');
    assert.equal(read.attributes['mcp.resource.uri'], 'mcpe2e://docs/missing');

    const slow = rx.span('tools/call slow_task')!;
    const progress = rx.span('notifications/progress')!;
    assert.equal(progress.parentSpanId, slow.spanId, 'progress is a child of the call it reports on');
    assert.equal(progress.traceId, slow.traceId);
    assert.equal(progress.startNs, progress.endNs, 'a notification is a zero-length span');
    assert.equal(ms(progress.startNs), T0 + 750);

    const hang = rx.span('tools/call hang')!;
    assert.equal(hang.attributes['mcpspy.unpaired'], 'timeout');
    assert.equal(hang.attributes['error.type'], 'timeout');
    assert.equal(hang.status.code, 2);
    assert.equal(ms(hang.endNs - hang.startNs), 300, 'ended at the pending timeout');

    const dur = rx.metric('mcp.client.operation.duration');
    assert.ok(dur, 'mcp.client.operation.duration exported');
    assert.equal(dur.unit, 's');
    assert.equal(dur.kind, 'histogram');
    const echoPoint = dur.points.find((p) => p.attributes['gen_ai.tool.name'] === 'echo')!;
    assert.equal(echoPoint.count, 1);
    assert.ok(Math.abs(echoPoint.sum! - 0.25) < 1e-9, `echo took 0.25 s (${echoPoint.sum})`);
    assert.equal(echoPoint.attributes['mcp.method.name'], 'tools/call');
    assert.equal(echoPoint.attributes['mcp.protocol.version'], '2025-11-25');
    const failPoint = dur.points.find((p) => p.attributes['gen_ai.tool.name'] === 'fail')!;
    assert.equal(failPoint.attributes['error.type'], 'tool_error');
    assert.ok(dur.points.find((p) => p.attributes['error.type'] === '-32602'), 'JSON-RPC error by code');
    assert.equal(dur.points.reduce((n, p) => n + (p.count ?? 0), 0), 5, 'five answered requests (the unanswered one is no duration)');
    assert.ok(rx.metric('mcp.server.operation.duration'), 'server operation duration too');
    const session = rx.metric('mcp.client.session.duration');
    assert.ok(session, 'session duration recorded at close');
    assert.equal(session.points[0].count, 1);
    assert.ok(Math.abs(session.points[0].sum! - 1.0) < 1e-9, `first to last message: 1 s (${session.points[0].sum})`);
    const alerts = rx.metric('mcpspy.security.alerts');
    assert.equal(alerts?.points[0].value, 1);
    assert.equal(alerts?.points[0].attributes['mcpspy.alert.category'], 'prompt_injection');

    const st = otlp.stats();
    assert.equal(st.spans, 8);
    assert.equal(st.spans_exported, 8, 'the collector accepted every span');
    assert.equal(st.spans_not_exported, 0);
    assert.equal(st.alerts_without_span, 0);
    assert.equal(st.pending, 0);
  });
}

test('Prometheus: per method and tool requests, errors and durations; alerts; notices by reason', async () => {
  const rx = await new OtlpReceiver().start();
  receivers.push(rx);
  const { prom } = await runConversation(rx, 'http/protobuf');
  const line = (re: RegExp) => assert.match(prom, re, `${re} in\n${prom}`);
  line(/^mcpspy_mcp_requests_total\{method="tools\/call",tool="echo",transport="stdio"\} 1$/m);
  line(/^mcpspy_mcp_requests_total\{method="tools\/call",tool="hang",transport="stdio"\} 1$/m);
  line(/^mcpspy_mcp_requests_total\{method="initialize",tool="",transport="stdio"\} 1$/m);
  line(/^mcpspy_mcp_errors_total\{method="tools\/call",tool="fail",transport="stdio",error_type="tool_error"\} 1$/m);
  line(/^mcpspy_mcp_errors_total\{method="resources\/read",tool="",transport="stdio",error_type="-32602"\} 1$/m);
  line(/^mcpspy_mcp_request_duration_seconds_count\{method="tools\/call",tool="echo",transport="stdio",outcome="ok"\} 1$/m);
  line(/^mcpspy_mcp_request_duration_seconds_sum\{method="tools\/call",tool="echo",transport="stdio",outcome="ok"\} 0\.25$/m);
  line(/^mcpspy_mcp_request_duration_seconds_bucket\{le="0\.2",method="tools\/call",tool="echo",transport="stdio",outcome="ok"\} 0$/m);
  line(/^mcpspy_mcp_request_duration_seconds_bucket\{le="0\.5",method="tools\/call",tool="echo",transport="stdio",outcome="ok"\} 1$/m);
  line(/^mcpspy_mcp_request_duration_seconds_count\{method="tools\/call",tool="fail",transport="stdio",outcome="error"\} 1$/m);
  line(/^mcpspy_mcp_notifications_total\{method="notifications\/progress",transport="stdio"\} 1$/m);
  line(/^mcpspy_security_alerts_total\{category="prompt_injection",risk="high"\} 1$/m);
  line(/^mcpspy_notices_total\{reason="stdio_non_jsonrpc"\} 3$/m);
  assert.doesNotMatch(prom, /mcpe2e:\/\/docs/, 'no URI in any label');
});

test('Prometheus: tool names are capped, unknown methods are `other`', async () => {
  const registry = new Registry();
  const out = new McpMetricsOutput({ registry, maxTools: 3 });
  for (let i = 0; i < 10; i++) out.message(req(i, i, 'tools/call', { name: `tool_${i}`, arguments: {} }));
  out.message(req(20, 20, 'x-evil/\u001b[2Jmethod', {}));
  const text = await registry.metrics();
  const series = text.split('\n').filter((l) => l.startsWith('mcpspy_mcp_requests_total{'));
  assert.equal(series.length, 5, series.join('\n'));
  assert.match(text, /^mcpspy_mcp_requests_total\{method="tools\/call",tool="other",transport="stdio"\} 7$/m);
  assert.match(text, /^mcpspy_mcp_requests_total\{method="other",tool="",transport="stdio"\} 1$/m);
  assert.equal(out.stats().tools_overflowed, 7);
});

test('OTLP: pending requests are capped (oldest ended as evicted), an unsupported protocol is refused', async () => {
  const rx = await new OtlpReceiver().start();
  receivers.push(rx);
  const otlp = new OtlpOutput({ logger: silentLogger(), endpoint: rx.url, env: {}, maxPending: 3, alertGraceMs: 0, sweepMs: 20 });
  otlp.start();
  for (let i = 0; i < 5; i++) otlp.message(req(i * 10, 100 + i, 'tools/call', { name: 'x', arguments: {} }));
  assert.equal(otlp.stats().pending, 3);
  assert.equal(otlp.stats().pending_evicted, 2);
  await otlp.close();
  const evicted = rx.spans.filter((s) => s.attributes['mcpspy.unpaired'] === 'evicted');
  const shutdown = rx.spans.filter((s) => s.attributes['mcpspy.unpaired'] === 'shutdown');
  assert.equal(evicted.length, 2);
  assert.equal(shutdown.length, 3);
  assert.ok(shutdown.every((s) => s.status.code === 0), 'a call still open at exit is not an error');

  assert.throws(() => new OtlpOutput({ logger: silentLogger(), env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' } }), /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" is not supported/);
  assert.throws(() => new OtlpOutput({ logger: silentLogger(), endpoint: 'not a url', env: {} }), /--otlp: "not a url" is not a URL/);
});

test('OTLP: an alert that comes before its message (distributed consumers) waits for it', async () => {
  const rx = await new OtlpReceiver().start();
  receivers.push(rx);
  const otlp = new OtlpOutput({ logger: silentLogger(), endpoint: rx.url, env: {}, alertGraceMs: 200, sweepMs: 20 });
  otlp.start();
  const call = req(0, 1, 'tools/call', { name: 'early', arguments: {} });
  const alertOf = (msgId: string): SecurityAlertEvent => ({
    type: 'security_alert', timestamp: iso(1), risk: 'medium', category: 'data_leak', score: 0.6, detector: 'secrets', summary: 's', evidence: [],
    message: { msg_id: msgId, type: 'request', transport_type: 'stdio', timestamp: iso(0) },
  });
  otlp.alert(alertOf(call.msg_id!));
  otlp.alert(alertOf('t:never'));
  otlp.message(call);
  otlp.message(resp(5, call));
  await waitFor(() => otlp.stats().alerts_without_span === 1, 5_000, 'the alert whose message never came to be given up');
  await otlp.close();
  const span = rx.span('tools/call early')!;
  assert.equal(span.events.length, 1);
  assert.equal(span.events[0].attributes['mcpspy.alert.category'], 'data_leak');
});

test('OTLP: an unreachable collector neither blocks the messages nor the exit; failures are counted', async () => {
  const rx = await new OtlpReceiver().start();
  const url = rx.url;
  await rx.close(); // nothing listens there any more
  const otlp = new OtlpOutput({ logger: silentLogger(), endpoint: url, env: {}, alertGraceMs: 0, sweepMs: 20, closeTimeoutMs: 3_000 });
  otlp.start();
  const t = Date.now();
  for (let i = 0; i < 1000; i++) {
    const r = req(i, 1000 + i, 'tools/call', { name: 'x', arguments: {} });
    otlp.message(r);
    otlp.message(resp(i + 1, r));
  }
  assert.ok(Date.now() - t < 2_000, `1000 pairs handed over without waiting on the network (${Date.now() - t} ms)`);
  const c0 = Date.now();
  await otlp.close();
  assert.ok(Date.now() - c0 < 8_000, `close bounded (${Date.now() - c0} ms)`);
  assert.ok(otlp.stats().export_errors >= 1, `export failures counted: ${JSON.stringify(otlp.stats())}`);
  assert.equal(otlp.stats().spans_not_exported, 1000, 'every span (one per pair) counted as not exported');
});
