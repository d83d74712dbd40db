/**
 * JSONL lines in MCPSpy's field order, whatever order the producer built the
 * object in, so files diff cleanly across versions and against the Go tool.
 * Fields we added come after `raw`; unknown fields are kept, at the end.
 * Lines go through `safeJsonText`: U+2028/U+2029 (line breaks to JavaScript
 * and some viewers), bidi and invisible characters appear as `\uXXXX`, and
 * every value parses back unchanged.
 */
import { safeJsonText, type McpMessageEvent, type NoticeEvent, type SecurityAlertEvent } from '@mcpspy/events';

const MESSAGE_ORDER = [
  'timestamp',
  'transport_type',
  'stdio_transport',
  'http_transport',
  'type',
  'id',
  'method',
  'params',
  'result',
  'error',
  'request',
  'raw',
  'session',
  'description',
  'batch',
  'seq',
  'msg_id',
] as const;

const NOTICE_ORDER = ['type', 'timestamp', 'reason', 'stage', 'pid', 'comm', 'stream', 'detail', 'sample', 'count'] as const;

const ALERT_ORDER = ['type', 'timestamp', 'risk', 'category', 'score', 'detector', 'summary', 'evidence', 'message', 'details'] as const;

function ordered(obj: object, order: readonly string[]): Record<string, unknown> {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of order) if (src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out;
}

export function messageToJsonl(m: McpMessageEvent): string {
  // MCPSpy always writes `error`, `{}` when there is none.
  const src = m.error === undefined || m.error === null ? { ...m, error: {} } : m;
  return safeJsonText(JSON.stringify(ordered(src, MESSAGE_ORDER)));
}

export function alertToJsonl(a: SecurityAlertEvent): string {
  return safeJsonText(JSON.stringify(ordered({ ...a, type: 'security_alert' }, ALERT_ORDER)));
}

/** `{"type":"notice","timestamp":…,"reason":…,"stage":…,"pid":…,"comm":…,"stream":…,"detail":…,"sample":…,"count":…}`. */
export function noticeToJsonl(n: NoticeEvent): string {
  return safeJsonText(JSON.stringify(ordered({ ...n, type: 'notice' }, NOTICE_ORDER)));
}
