// The request the micro benches of the embedded hot path measure (captured-text, jsonl-line, string-slab): a
// `tools/call` like the stdio bench writer's, whose query length varies with n. One definition, so the three
// benches measure the same texts.
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'kernel', 'probe', 'ring', 'buffer', 'tool', 'call', 'json', 'rpc', 'stdio', 'pipe', 'docs', 'search'];

/** The request's params as JSON text (flat, as JSON.stringify or a decoder makes it). */
export function requestParamsText(n) {
  let q = '';
  const want = 40 + ((n * 7919) % 180);
  for (let i = 0; q.length < want; i++) q += (q ? ' ' : '') + WORDS[(n + i * 5) % 16];
  return JSON.stringify({ sent_us: 1765000000000000 + n, name: 'search_docs', arguments: { query: q, limit: 5 + (n % 20), include_snippets: true }, _meta: { progressToken: `bench-${n}` } });
}

/** The whole JSON-RPC request as captured. */
export function requestRaw(n) {
  return `{"jsonrpc":"2.0","id":${n},"method":"tools/call","params":${requestParamsText(n)}}`;
}
