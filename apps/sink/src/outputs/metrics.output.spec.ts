import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { McpMessageEvent } from '@mcpspy/events';
import { McpMetricsOutput, MCP_METRIC_NAMES } from './metrics.output';

function request(tool: string, transport: 'stdio' | 'http' = 'stdio', method = 'tools/call'): McpMessageEvent {
  return {
    timestamp: '2026-12-07T08:00:00.000Z',
    transport_type: transport,
    type: 'request',
    id: 1,
    method,
    params: { name: tool },
    error: {},
    raw: '{}',
  } as McpMessageEvent;
}

/** mcpspy_mcp_requests_total by `method|tool|transport`. */
async function requestCounts(registry: Registry): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric(MCP_METRIC_NAMES.requests)!;
  const got = new Map<string, number>();
  for (const v of (await metric.get()).values) got.set(`${v.labels.method}|${v.labels.tool}|${v.labels.transport}`, v.value);
  return got;
}

// The output remembers the last request's entry (requests come in runs of one tool) and counts the next request with
// the same labels on it directly: the counts must be those of one entry per label set, whatever the order, across a
// read of the registry (which empties the entries) and across the clearing of the entries past 10,000 label sets.
test('requests counted per method, tool and transport: runs, alternations, reads between, more than 10,000 label sets', async () => {
  const registry = new Registry();
  const out = new McpMetricsOutput({ registry, maxTools: 20_000 });
  const want = new Map<string, number>();
  const send = (tool: string, transport: 'stdio' | 'http' = 'stdio', method = 'tools/call') => {
    out.message(request(tool, transport, method));
    const key = `${method}|${method === 'tools/call' ? tool : ''}|${transport}`;
    want.set(key, (want.get(key) ?? 0) + 1);
  };
  for (let i = 0; i < 5; i++) send('search');
  send('search', 'http');
  send('search');
  send('fetch');
  send('search');
  send('x', 'stdio', 'tools/list');
  send('y', 'stdio', 'tools/list');
  assert.deepEqual(await requestCounts(registry), want);
  // After the read the entries stay, with nothing pending: the run goes on.
  for (let i = 0; i < 3; i++) send('search');
  assert.deepEqual(await requestCounts(registry), want);
  // 10,000 label sets: the entries are handed to the counter and cleared; the same tool right after must still count.
  for (let i = 0; i < 10_000; i++) send(`tool-${i}`);
  send('tool-9999');
  send('tool-9999');
  send('search');
  assert.deepEqual(await requestCounts(registry), want);
});
