#!/usr/bin/env node
// The sink's observability outputs on request/response pairs: the Prometheus
// MCP series (McpMetricsOutput) and the OpenTelemetry export (OtlpOutput,
// real SDK and exporter, to a local OTLP/HTTP receiver on 127.0.0.1), per pair
// cost, heap while spans wait for their alert grace, close (flush) time, and
// whether the receiver got every span.
// Usage: npx tsc -b apps/sink libs/runtime && node --expose-gc bench/sink-otlp.mjs [pairs] [http/protobuf|http/json]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { OtlpOutput, McpMetricsOutput } = require('@mcpspy/sink');
const { silentLogger } = require('@mcpspy/runtime');
const { OtlpReceiver } = require('@mcpspy/runtime/testing');
const { Registry } = require('prom-client');

const N = Number(process.argv[2] ?? 20_000);
const protocol = process.argv[3] ?? 'http/protobuf';
const T0 = Date.now() - 3_600_000;

function message(i, type, at) {
  const params = { name: `tool_${i % 20}`, arguments: { city: 'Paris', i } };
  return {
    timestamp: new Date(T0 + at).toISOString(),
    transport_type: 'stdio',
    stdio_transport: type === 'request' ? { from_pid: 1, from_comm: 'agent', to_pid: 2, to_comm: 'server' } : { from_pid: 2, from_comm: 'server', to_pid: 1, to_comm: 'agent' },
    type,
    id: i,
    ...(type === 'request' ? { method: 'tools/call', params } : { result: { content: [{ type: 'text', text: 'ok' }] } }),
    ...(type === 'response' ? { request: { type: 'request', id: i, method: 'tools/call', params, error: {}, timestamp: new Date(T0 + at - 5).toISOString() } } : {}),
    error: {},
    raw: '{}',
    session: 'stdio:1-2',
    msg_id: `b:${type}:${i}`,
  };
}

const rx = await new OtlpReceiver().start();
const messages = [];
for (let i = 0; i < N; i++) messages.push(message(i, 'request', i * 10), message(i, 'response', i * 10 + 5));
for (const which of ['prometheus', 'otlp']) {
  const out =
    which === 'otlp'
      ? new OtlpOutput({ logger: silentLogger(), endpoint: rx.url, env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: protocol } })
      : new McpMetricsOutput({ registry: new Registry() });
  out.start?.();
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const m of messages) out.message(m);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const heap = process.memoryUsage().heapUsed - heap0;
  const c0 = Date.now();
  await out.close();
  const closeMs = Date.now() - c0;
  const extra = which === 'otlp' ? `, spans received ${rx.spans.length}/${N} (${JSON.stringify({ exported: out.stats().spans_exported, not_exported: out.stats().spans_not_exported })})` : '';
  console.log(
    `${which}${which === 'otlp' ? ` ${protocol}` : ''}: ${N} pairs in ${ms.toFixed(0)} ms = ${((ms * 1000) / N).toFixed(1)} µs/pair (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms), heap +${(heap / 1048576).toFixed(1)} MB before close, close ${closeMs} ms${extra}`,
  );
}
await rx.close();
