/**
 * What a person needs to read one MCP message at a glance: endpoints, kind,
 * method and the tool/resource it names. Shared by the console lines and the
 * TUI so both say the same thing about a message.
 *
 * Every string returned here is for a screen: text a peer chose (method, tool
 * name, URI, error message, Host header, process name) comes out through
 * `visibleText`, so no control, bidi or zero-width character reaches a
 * terminal (issue #17).
 */
import { describeMethod as describeKnownMethod, visibleText, type McpMessageEvent, type SecurityAlertEvent } from '@mcpspy/events';

export type Kind = 'REQ' | 'RESP' | 'NOTF' | 'ERR';

// Fallback when mcp-parser left no description (older producers, replay files): the one method table.
export function describeMethod(method: string | undefined): string {
  return describeKnownMethod(method) ?? '';
}

export function kindOf(m: McpMessageEvent): Kind {
  switch (m.type) {
    case 'request':
      return 'REQ';
    case 'notification':
      return 'NOTF';
    case 'error':
      return 'ERR';
    default:
      return hasError(m) ? 'ERR' : 'RESP';
  }
}

function hasError(m: McpMessageEvent): boolean {
  return m.error !== undefined && m.error !== null && (m.error.code !== undefined || m.error.message !== undefined);
}

/** The method a message is about: its own, its paired request's for responses, or the one the transport told. */
export function methodOf(m: McpMessageEvent): string | undefined {
  const method = rawMethodOf(m);
  return method === undefined ? undefined : visibleText(method);
}

/** The method as it was on the wire (not for display). */
export function rawMethodOf(m: McpMessageEvent): string | undefined {
  const method = m.method ?? m.request?.method ?? m.request_method;
  return typeof method === 'string' ? method : undefined;
}

/** params.name (tools, prompts) or params.uri (resources) of the message or its request. */
export function targetOf(m: McpMessageEvent): string | undefined {
  const t = rawTargetOf(m);
  return t === undefined ? undefined : visibleText(t);
}

/** params.name or params.uri as it was on the wire (not for display). */
export function rawTargetOf(m: McpMessageEvent): string | undefined {
  const p = (m.params ?? m.request?.params) as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object') return undefined;
  if (typeof p.name === 'string') return p.name;
  if (typeof p.uri === 'string') return p.uri;
  return undefined;
}

export function endpoint(comm: string | undefined, pid: number | undefined): string {
  const c = typeof comm === 'string' ? visibleText(comm) : '';
  if (!pid) return c ? `${c}[?]` : '?';
  return `${c || '?'}[${pid}]`;
}

/** Writer → reader for stdio; client → host (requests) or host → client (responses) for HTTP. */
export function endpointsOf(m: McpMessageEvent): { from: string; to: string } {
  if (m.transport_type === 'http' && m.http_transport) {
    const h = m.http_transport;
    const proc = endpoint(h.comm, h.pid);
    const host = typeof h.host === 'string' && h.host ? visibleText(h.host) : '?';
    return h.is_request ? { from: proc, to: host } : { from: host, to: proc };
  }
  const s = m.stdio_transport;
  if (!s) return { from: '?', to: '?' };
  return { from: endpoint(s.from_comm, s.from_pid), to: endpoint(s.to_comm, s.to_pid) };
}

/** One-line detail: description for requests/notifications, status for responses. */
export function detailOf(m: McpMessageEvent): string {
  const kind = kindOf(m);
  if (kind === 'ERR') {
    const code = m.error?.code !== undefined ? String(m.error.code) : '';
    const message = typeof m.error?.message === 'string' ? m.error.message : '';
    return visibleText([code, message].filter(Boolean).join(' '));
  }
  if (kind === 'RESP') {
    const r = m.result as { isError?: unknown; resultType?: unknown } | undefined;
    const type = m.result_type ?? (r && typeof r === 'object' && typeof r.resultType === 'string' ? r.resultType : undefined);
    // A Multi Round-Trip Requests interim result: the call is not finished, the client must answer and retry.
    let status = type === 'input_required' ? 'INPUT-REQUIRED' : type === 'task' ? 'TASK' : r && typeof r === 'object' && r.isError === true ? 'isError' : 'OK';
    if (!m.request && !m.request_method) status += ' (request not seen)';
    return status;
  }
  const d = m.description || describeMethod(m.method);
  // A retry of a call that asked for input (Multi Round-Trip Requests): the same logical call, next round.
  return visibleText(m.round !== undefined ? [d, `round ${m.round} of ${m.retry_of ?? '?'}`].filter(Boolean).join(', ') : d);
}

/** hh:mm:ss.mmm in local time; the raw string when it does not parse. */
export function clockOf(timestamp: string): string {
  const d = new Date(timestamp);
  if (Number.isNaN(d.getTime())) return visibleText(String(timestamp).slice(0, 12)).padEnd(12);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** pid and comm an alert concerns, for display. */
export function alertProcess(a: SecurityAlertEvent): string {
  return endpoint(a.message?.comm, a.message?.pid);
}
