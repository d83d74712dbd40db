/**
 * JSONL lines in MCPSpy's field order, whatever order the producer built the
 * object in, so files diff cleanly across versions and against the Go tool.
 * Fields we added come after `raw`; unknown fields are kept, at the end.
 */
import type { McpMessageEvent, SecurityAlertEvent } from '@mcpspy/events';

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
  return JSON.stringify(ordered(src, MESSAGE_ORDER));
}

export function alertToJsonl(a: SecurityAlertEvent): string {
  return JSON.stringify(ordered({ ...a, type: 'security_alert' }, ALERT_ORDER));
}
