/** Builders of sink inputs for the specs and integration tests. */
import type { McpMessageEvent, NoticeEvent, ProbeStatsEvent, SecurityAlertEvent } from '@mcpspy/events';

const PY_CLIENT = { pid: 12345, comm: 'python' };
const PY_SERVER = { pid: 12346, comm: 'python' };

export function stdioRequest(over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  return {
    timestamp: '2024-01-15T12:34:56.789Z',
    transport_type: 'stdio',
    stdio_transport: { from_pid: PY_CLIENT.pid, from_comm: PY_CLIENT.comm, to_pid: PY_SERVER.pid, to_comm: PY_SERVER.comm },
    type: 'request',
    id: 7,
    method: 'tools/call',
    params: { name: 'get_weather', arguments: { city: 'New York' } },
    error: {},
    raw: '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"New York"}}}',
    description: 'Execute a tool',
    ...over,
  };
}

export function stdioResponse(over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  return {
    timestamp: '2024-01-15T12:34:56.890Z',
    transport_type: 'stdio',
    stdio_transport: { from_pid: PY_SERVER.pid, from_comm: PY_SERVER.comm, to_pid: PY_CLIENT.pid, to_comm: PY_CLIENT.comm },
    type: 'response',
    id: 7,
    result: { content: [{ type: 'text', text: 'Weather in New York: 20°C' }], isError: false },
    error: {},
    request: {
      type: 'request',
      id: 7,
      method: 'tools/call',
      params: { name: 'get_weather', arguments: { city: 'New York' } },
      error: {},
    },
    raw: '{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"Weather in New York: 20°C"}],"isError":false}}',
    ...over,
  };
}

export function stdioNotification(over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  return {
    timestamp: '2024-01-15T12:34:55.001Z',
    transport_type: 'stdio',
    stdio_transport: { from_pid: PY_CLIENT.pid, from_comm: PY_CLIENT.comm, to_pid: PY_SERVER.pid, to_comm: PY_SERVER.comm },
    type: 'notification',
    method: 'notifications/initialized',
    error: {},
    raw: '{"jsonrpc":"2.0","method":"notifications/initialized"}',
    ...over,
  };
}

export function stdioError(over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  return {
    timestamp: '2024-01-15T12:34:57.000Z',
    transport_type: 'stdio',
    stdio_transport: { from_pid: PY_SERVER.pid, from_comm: PY_SERVER.comm, to_pid: PY_CLIENT.pid, to_comm: PY_CLIENT.comm },
    type: 'error',
    id: 8,
    error: { code: -32601, message: 'Method not found' },
    request: { type: 'request', id: 8, method: 'tools/destroy', error: {} },
    raw: '{"jsonrpc":"2.0","id":8,"error":{"code":-32601,"message":"Method not found"}}',
    ...over,
  };
}

export function httpRequest(over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  return {
    timestamp: '2024-01-15T12:34:58.100Z',
    transport_type: 'http',
    http_transport: { pid: 47837, comm: 'node', host: '127.0.0.1:3000', is_request: true, method: 'POST', path: '/mcp' },
    type: 'request',
    id: 'abc',
    method: 'resources/read',
    params: { uri: 'file:///etc/motd' },
    error: {},
    raw: '{"jsonrpc":"2.0","id":"abc","method":"resources/read","params":{"uri":"file:///etc/motd"}}',
    ...over,
  };
}

export function httpResponse(over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  return {
    timestamp: '2024-01-15T12:34:58.150Z',
    transport_type: 'http',
    http_transport: { pid: 47837, comm: 'node', host: '127.0.0.1:3000', is_request: false, status: 200 },
    type: 'response',
    id: 'abc',
    result: { contents: [{ uri: 'file:///etc/motd', text: 'hello' }] },
    error: {},
    request: { type: 'request', id: 'abc', method: 'resources/read', params: { uri: 'file:///etc/motd' }, error: {} },
    raw: '{"jsonrpc":"2.0","id":"abc","result":{"contents":[{"uri":"file:///etc/motd","text":"hello"}]}}',
    ...over,
  };
}

export function alert(over: Partial<SecurityAlertEvent> = {}): SecurityAlertEvent {
  return {
    type: 'security_alert',
    timestamp: '2024-01-15T12:34:56.800Z',
    risk: 'high',
    category: 'prompt_injection',
    score: 0.93,
    detector: 'rules',
    summary: 'Instruction override in tool arguments',
    evidence: [
      { text: 'ignore all previous instructions', field: 'params.arguments.city', start: 0, end: 32, rule: 'ignore-previous' },
    ],
    message: {
      msg_id: 'i:1',
      id: 7,
      method: 'tools/call',
      type: 'request',
      transport_type: 'stdio',
      pid: 12345,
      comm: 'python',
      timestamp: '2024-01-15T12:34:56.789Z',
    },
    ...over,
  };
}

export function probeStats(over: Partial<ProbeStatsEvent> = {}): ProbeStatsEvent {
  return {
    timestamp: '2024-01-15T12:35:00.000Z',
    events: 1000,
    bytes: 100000,
    ringbuf_full: 3,
    read_faults: 0,
    gaps: 1,
    lost_bytes: 10,
    filtered: 50,
    batches_dropped: 2,
    tls_targets: 1,
    ...over,
  };
}

/** n stdio requests with distinct ids and msg_ids. */
export function burst(n: number, prefix = 'b'): McpMessageEvent[] {
  const out: McpMessageEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      stdioRequest({
        id: i,
        msg_id: `${prefix}:${i}`,
        seq: i,
        method: i % 3 === 0 ? 'tools/list' : 'ping',
        params: undefined,
        raw: `{"jsonrpc":"2.0","id":${i},"method":"ping"}`,
      }),
    );
  }
  return out;
}

export function notice(over: Partial<NoticeEvent> = {}): NoticeEvent {
  return {
    timestamp: '2024-01-15T12:34:56.500Z',
    reason: 'stdio_non_jsonrpc',
    stage: 'mcp-parser',
    pid: 12346,
    comm: 'python',
    stream: 'stdio:12346:1',
    detail: 'bytes that are not JSON-RPC on stdout before a message',
    sample: 'Server ready\\n',
    count: 1,
    ...over,
  };
}

/**
 * What a hostile peer sends to forge the screen: a tool name that erases the
 * line and prints a fake one, an error message with C1 controls (CSI as one
 * byte) and bidi overrides, an HTTP Host header with a CR, a process name
 * with an ESC, and evidence and a summary carrying the same.
 */
export const FORGED = '\u001b[2K\r12:00:00.000 python[1] → python[2] RESP OK tools/call (safe)';
export const HOSTILE_ERROR = 'denied \u009b31m\u202eevil\u202c\u2066x\u2069\u2028next\u200b';
export const HOSTILE_HOST = 'evil.example\rGET / HTTP/1.1';

export function hostileExchange(): { messages: McpMessageEvent[]; alerts: SecurityAlertEvent[]; notices: NoticeEvent[] } {
  const name = `get_weather${FORGED}`;
  const req = stdioRequest({
    msg_id: 'h:1',
    id: 31,
    params: { name, arguments: { city: 'Paris\u202e' } },
    raw: JSON.stringify({ jsonrpc: '2.0', id: 31, method: 'tools/call', params: { name, arguments: { city: 'Paris\u202e' } } }),
    stdio_transport: { from_pid: 12345, from_comm: 'py\u001b[31mthon', to_pid: 12346, to_comm: 'python' },
  });
  const err = stdioError({
    id: 31,
    error: { code: -32000, message: HOSTILE_ERROR },
    raw: JSON.stringify({ jsonrpc: '2.0', id: 31, error: { code: -32000, message: HOSTILE_ERROR } }),
    request: { type: 'request', id: 31, method: 'tools/call', params: { name }, error: {} },
  });
  const http = httpRequest({
    msg_id: 'h:2',
    http_transport: { pid: 47837, comm: 'node', host: HOSTILE_HOST, is_request: true, method: 'POST', path: '/mcp' },
    method: 'tools/call',
    params: { name: 'ok\u200b' },
  });
  const a = alert({
    summary: `Injection\u001b[1A\u001b[2K${FORGED}`,
    evidence: [{ text: `ignore \u009b2K all\u202e`, field: 'params.name\u001b[2K', start: 0, end: 3, rule: 'r\u0085' }],
    message: { ...alert().message, msg_id: 'h:1', method: `tools/call${FORGED}`, comm: 'py\u001b[31mthon' },
  });
  const n = notice({ detail: 'banner \u001b]0;owned\u0007 on stdout', sample: 'x\u001b[2Ky', comm: 'evil\u009b' });
  return { messages: [req, err, http], alerts: [a], notices: [n] };
}

/** Any raw control (C0 other than \n, DEL, C1), bidi, zero-width or line/paragraph separator character. */
// eslint-disable-next-line no-control-regex
export const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
