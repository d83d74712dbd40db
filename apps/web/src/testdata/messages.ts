/** Builders of web-stage inputs for the specs and integration tests. */
import type { McpMessageEvent, NoticeEvent, SecurityAlertEvent } from '@mcpspy/events';

export const CLIENT = { pid: 4100, comm: 'agent' };
export const SERVER = { pid: 4200, comm: 'mcp-server' };
const t = (ms: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + ms).toISOString();

export function request(id: number, method: string, params: unknown, atMs: number, over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  const raw = JSON.stringify({ jsonrpc: '2.0', id, method, params });
  return {
    timestamp: t(atMs),
    transport_type: 'stdio',
    stdio_transport: { from_pid: CLIENT.pid, from_comm: CLIENT.comm, to_pid: SERVER.pid, to_comm: SERVER.comm },
    type: 'request',
    id,
    method,
    params,
    error: {},
    raw,
    session: `stdio:${CLIENT.pid}-${SERVER.pid}`,
    msg_id: `t:${id * 2}`,
    ...over,
  };
}

export function response(req: McpMessageEvent, result: unknown, atMs: number, over: Partial<McpMessageEvent> = {}): McpMessageEvent {
  const raw = JSON.stringify({ jsonrpc: '2.0', id: req.id, result });
  return {
    timestamp: t(atMs),
    transport_type: 'stdio',
    stdio_transport: { from_pid: SERVER.pid, from_comm: SERVER.comm, to_pid: CLIENT.pid, to_comm: CLIENT.comm },
    type: 'response',
    id: req.id,
    result,
    error: {},
    request: { type: 'request', id: req.id ?? null, method: req.method!, params: req.params, error: {}, timestamp: req.timestamp },
    raw,
    session: req.session,
    msg_id: `t:${Number(req.id) * 2 + 1}`,
    ...over,
  };
}

export function errorResponse(req: McpMessageEvent, code: number, message: string, atMs: number): McpMessageEvent {
  return response(req, undefined, atMs, { type: 'error', result: undefined, error: { code, message }, raw: JSON.stringify({ jsonrpc: '2.0', id: req.id, error: { code, message } }) });
}

export function notification(method: string, params: unknown, atMs: number): McpMessageEvent {
  return {
    timestamp: t(atMs),
    transport_type: 'stdio',
    stdio_transport: { from_pid: SERVER.pid, from_comm: SERVER.comm, to_pid: CLIENT.pid, to_comm: CLIENT.comm },
    type: 'notification',
    method,
    params,
    error: {},
    raw: JSON.stringify({ jsonrpc: '2.0', method, params }),
    session: `stdio:${CLIENT.pid}-${SERVER.pid}`,
  };
}

export function alertOn(m: McpMessageEvent, field: string, text: string, start: number): SecurityAlertEvent {
  return {
    type: 'security_alert',
    timestamp: m.timestamp,
    risk: 'critical',
    category: 'prompt_injection',
    score: 0.97,
    detector: 'rules',
    summary: 'instruction override',
    evidence: [{ text, field, start, end: start + text.length, rule: 'override_instructions' }],
    message: { msg_id: m.msg_id, id: m.id, method: m.method ?? m.request?.method, type: m.type, transport_type: m.transport_type, session: m.session, pid: SERVER.pid, comm: SERVER.comm, timestamp: m.timestamp },
  };
}

export function notice(over: Partial<NoticeEvent> = {}): NoticeEvent {
  return { timestamp: t(0), reason: 'tls_unhooked', stage: 'probe', pid: 77, comm: 'curl', stream: '77:5', detail: 'TLS handshake without a hooked library', count: 1, ...over };
}
