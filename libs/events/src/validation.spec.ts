import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePayload } from './validation';
import { Subjects } from './subjects';

const goodMessage = {
  timestamp: '2024-01-15T12:34:56.789Z', transport_type: 'stdio',
  stdio_transport: { from_pid: 1, from_comm: 'a', to_pid: 2, to_comm: 'b' },
  type: 'request', id: 7, method: 'tools/call', params: { name: 'x' }, error: {}, raw: '{}',
};

test('a valid MCP message passes', () => {
  const r = validatePayload(Subjects.mcpMessage, goodMessage);
  assert.deepEqual(r, { ok: true, schema: 'mcpspy.mcp.v1.message', reasons: [] });
});

test('invalid payloads are rejected with reasons and schema id', () => {
  const r = validatePayload(Subjects.mcpMessage, { ...goodMessage, type: 'bogus', stdio_transport: { from_pid: 'x' } });
  assert.equal(r.ok, false);
  assert.equal(r.schema, 'mcpspy.mcp.v1.message');
  assert.ok(r.reasons.some((x) => x.startsWith('type:')), r.reasons.join());
  assert.ok(r.reasons.some((x) => x.startsWith('stdio_transport.from_pid')), r.reasons.join());
  assert.equal(validatePayload(Subjects.securityAlert, [1, 2]).ok, false);
  assert.equal(validatePayload(Subjects.securityAlert, null).ok, false);
});
