import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { McpMessageEvent } from '@mcpspy/events';
import { BoundedLabels, methodLabel, outcomeOf, peersOf, statedProtocolVersion, targetOf, traceContextOf } from './mcp-call-fields';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function msg(over: Partial<McpMessageEvent>): McpMessageEvent {
  return {
    timestamp: '2026-12-06T10:00:00.000Z',
    transport_type: 'stdio',
    stdio_transport: { from_pid: 1, from_comm: 'client', to_pid: 2, to_comm: 'server' },
    type: 'request',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo' },
    error: {},
    raw: '{}',
    ...over,
  };
}

test('traceContextOf: params._meta of a request, its request on a response, the parser field first; malformed ignored', () => {
  assert.deepEqual(traceContextOf(msg({ params: { _meta: { traceparent: TP, tracestate: 'a=b' } } })), { traceparent: TP, tracestate: 'a=b' });
  const response = msg({ type: 'response', method: undefined, params: undefined, request: { type: 'request', id: 1, method: 'tools/call', params: { _meta: { traceparent: TP } }, error: {} } });
  assert.deepEqual(traceContextOf(response), { traceparent: TP });
  const other = '00-11111111111111111111111111111111-2222222222222222-01';
  assert.equal(traceContextOf({ ...msg({ params: { _meta: { traceparent: TP } } }), traceparent: other } as McpMessageEvent)?.traceparent, other);
  assert.equal(traceContextOf(msg({ params: { _meta: { traceparent: 'garbage' } } })), undefined);
  assert.equal(traceContextOf(msg({ params: { _meta: { traceparent: 42 } } })), undefined);
  assert.equal(traceContextOf(msg({ params: null })), undefined);
});

test('statedProtocolVersion: parser field, modern _meta key, initialize request and result', () => {
  assert.equal(statedProtocolVersion({ ...msg({}), protocol_version: '2026-07-28' } as McpMessageEvent), '2026-07-28');
  assert.equal(statedProtocolVersion(msg({ params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } })), '2026-07-28');
  assert.equal(statedProtocolVersion(msg({ method: 'initialize', params: { protocolVersion: '2025-11-25' } })), '2025-11-25');
  const initResp = msg({ type: 'response', method: undefined, result: { protocolVersion: '2025-06-18' }, request: { type: 'request', id: 0, method: 'initialize', error: {} } });
  assert.equal(statedProtocolVersion(initResp), '2025-06-18');
  assert.equal(statedProtocolVersion(msg({})), undefined);
});

test('targetOf and outcomeOf follow the conventions', () => {
  assert.deepEqual(targetOf('tools/call', { name: 'echo' }), { tool: 'echo' });
  assert.deepEqual(targetOf('prompts/get', { name: 'greet' }), { prompt: 'greet' });
  assert.deepEqual(targetOf('notifications/resources/updated', { uri: 'file:///x' }), { uri: 'file:///x' });
  assert.deepEqual(targetOf('tools/list', {}), {});
  assert.deepEqual(outcomeOf(msg({ type: 'error', error: { code: -32601, message: 'Method not found' } })), { errorType: '-32601', code: '-32601', message: 'Method not found' });
  assert.deepEqual(outcomeOf(msg({ type: 'response', result: { isError: true, content: [] } })), { errorType: 'tool_error' });
  assert.deepEqual(outcomeOf(msg({ type: 'error', error: { message: 'no code' } })), { errorType: '_OTHER', code: undefined, message: 'no code' });
  assert.deepEqual(outcomeOf(msg({ type: 'response', result: { isError: false } })), {});
});

test('peersOf: stdio roles by initiator and method direction, or by the known client; HTTP by side and Host', () => {
  const p = peersOf(msg({}));
  assert.equal(p.transport, 'pipe');
  assert.deepEqual([p.client.pid, p.server.pid], [1, 2]);
  // sampling/createMessage goes server → client: its writer is the server.
  const s = peersOf(msg({ method: 'sampling/createMessage', stdio_transport: { from_pid: 2, from_comm: 'server', to_pid: 1, to_comm: 'client' } }));
  assert.deepEqual([s.client.pid, s.server.pid], [1, 2]);
  // A progress notification may go either way: the client known from initialize decides.
  const n = msg({ type: 'notification', method: 'notifications/progress', id: undefined, stdio_transport: { from_pid: 2, from_comm: 'server', to_pid: 1, to_comm: 'client' } });
  assert.deepEqual([peersOf(n, 1).client.pid, peersOf(n, 1).server.pid], [1, 2]);
  const h = peersOf(msg({ transport_type: 'http', stdio_transport: undefined, http_transport: { pid: 9, comm: 'agent', host: '127.0.0.1:8080', is_request: true, side: 'client' } }));
  assert.deepEqual(h, { transport: 'tcp', client: { pid: 9, comm: 'agent' }, server: {}, serverAddress: '127.0.0.1', serverPort: 8080, protocolName: 'http' });
  const v6 = peersOf(msg({ transport_type: 'http', http_transport: { pid: 9, comm: 's', host: '[::1]:3000', is_request: false, side: 'server' } }));
  assert.deepEqual([v6.serverAddress, v6.serverPort, v6.server.pid], ['::1', 3000, 9]);
});

test('BoundedLabels: the first N names, then other; escaped and cut', () => {
  const b = new BoundedLabels(2, 10);
  assert.equal(b.label('a'), 'a');
  assert.equal(b.label('b\u001b'), 'b\\x1b');
  assert.equal(b.label('c'), 'other');
  assert.equal(b.label('a'), 'a');
  assert.equal(b.overflowed, 1);
  // Runs of the same value (the last one is remembered): an overflowed value is counted every time.
  assert.equal(b.label('c'), 'other');
  assert.equal(b.label('c'), 'other');
  assert.equal(b.overflowed, 3);
  assert.equal(b.label('b\u001b'), 'b\\x1b');
  assert.equal(b.label('b\u001b'), 'b\\x1b');
  assert.equal(b.label('a'), 'a');
  assert.equal(b.overflowed, 3);
  assert.equal(new BoundedLabels(5, 10).label('x'.repeat(50)).length, 10);
  assert.equal(methodLabel('tools/call'), 'tools/call');
  assert.equal(methodLabel('made/up'), 'other');
  assert.equal(methodLabel(undefined), 'unknown');
});
