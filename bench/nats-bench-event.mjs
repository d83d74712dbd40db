// One mcp-parser-like event of the stdio bench's writer (bench/fixtures/stdio-writer.c): a `tools/call` request whose
// query length varies with n. Shared by the NATS micro benches so they measure the same events.
const words = ['alpha', 'beta', 'gamma', 'delta', 'search', 'docs', 'index', 'query', 'vector', 'node', 'rust', 'kernel', 'tracing', 'buffer', 'socket', 'stream'];
export function benchQuery(n) {
  const q = [];
  for (let i = 0, len = 0; len < 40 + ((n * 7919) % 180); i++) len += q[q.push(words[(n + i * 5) % 16]) - 1].length + 1;
  return q.join(' ');
}
export function benchEvent(n) {
  const params = { sent_us: 1765000000000000 + n, name: 'search_docs', arguments: { query: benchQuery(n), limit: 5 + (n % 20), include_snippets: true }, _meta: { progressToken: `bench-${n}` } };
  return {
    timestamp: new Date(1765000000000 + n).toISOString(), transport_type: 'stdio',
    stdio_transport: { from_pid: 1234, from_comm: 'mcpbw-abcd', to_pid: 1235, to_comm: 'mcpbr-abcd' },
    type: 'request', id: n, method: 'tools/call', params, error: {},
    raw: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call', params }), session: 'stdio:1234:1235', description: 'Call a tool', seq: n, msg_id: `p1:${n}`,
  };
}
