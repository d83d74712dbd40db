// Subjects of mcpspy and checks and one-line layouts of their events. Kept
// apart from the NATS code so they are tested without a server.
//
// Schemas: libs/events/src/mcp.events.ts (subject mcpspy.v1.mcp.message) and
// libs/events/src/security.events.ts (subject mcpspy.v1.security.alert).
// Fields may be added to v1 payloads, so unknown fields are ignored here.

// Names and text safety come from the contracts package (@mcpspy/events: no
// Nest, NATS client or Redis behind it), so they never drift from the monitor's.
import { batchSubjectOf, expandWireBody, JETSTREAM_STREAM, KNOWN_WIRE_FORMS, Subjects, visibleText, wireLineText } from '@mcpspy/events';

export const STREAM = JETSTREAM_STREAM;
export const ALERT_SUBJECT = Subjects.securityAlert;
export const MCP_SUBJECT = Subjects.mcpMessage;
/**
 * mcpspy publishes MCP messages in batches on this subject (libs/events
 * batch-envelope.ts): a header line {"batch":<subject>,"count":N}, then one
 * mcp.message payload per line. A stack run with MCPSPY_NATS_BATCH=0 uses
 * MCP_SUBJECT alone, one message per NATS message.
 *
 * Since session 15 the header says `"form":2`: a line's params/result may
 * then be sent as a slice of its `raw` (`"params":0,"error":[start,end]`:
 * the body travels once; libs/events
 * wire-form.ts). splitMcpBatch gives back every line in form 1 with the
 * contracts package's reader, so this consumer reads both.
 */
export const MCP_BATCH_SUBJECT = batchSubjectOf(Subjects.mcpMessage);

/** The payloads of one batch, each as bytes for decodeMcpMessage; a header that is not a batch's throws. */
export function splitMcpBatch(bytes) {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
  const lines = text.split('\n');
  let header;
  try {
    header = JSON.parse(lines[0]);
  } catch (err) {
    throw new InvalidEventError('mcp batch', 'header not JSON', { cause: err });
  }
  need('mcp batch', header !== null && typeof header === 'object' && typeof header.count === 'number', 'header without a count');
  const form = header.form ?? 1;
  need('mcp batch', KNOWN_WIRE_FORMS.includes(form), `wire form ${JSON.stringify(form)} is newer than this consumer`);
  return form === 1 ? lines.slice(1) : lines.slice(1).map(formOneLine);
}

/** A form-2 line as its form-1 text; a line that cannot be read stays as it came, for decodeMcpMessage to refuse. */
function formOneLine(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return text;
  const ref = expandWireBody(value, text);
  return ref !== null && typeof ref === 'object' ? wireLineText(text, ref) : text;
}

const RISKS = new Set(['low', 'medium', 'high', 'critical']);
const MCP_TYPES = new Set(['request', 'response', 'notification', 'error']);

/** Error for a payload that is not a v1 event; `reason` says which check failed. */
export class InvalidEventError extends Error {
  constructor(kind, reason, options) {
    super(`failed to decode ${kind}: ${reason}`, options);
    this.name = 'InvalidEventError';
    this.reason = reason;
  }
}

function decodeJson(kind, bytes) {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidEventError(kind, 'not JSON', { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidEventError(kind, 'not a JSON object');
  }
  return value;
}

function need(kind, cond, reason) {
  if (!cond) throw new InvalidEventError(kind, reason);
}

/** Parses and checks a security.alert payload (the fields this consumer prints). */
export function decodeAlert(bytes) {
  const a = decodeJson('alert', bytes);
  need('alert', a.type === 'security_alert', `type is ${JSON.stringify(a.type)}, expected "security_alert"`);
  need('alert', RISKS.has(a.risk), `unknown risk ${JSON.stringify(a.risk)}`);
  need('alert', typeof a.category === 'string', 'category missing');
  need('alert', typeof a.score === 'number' && a.score >= 0 && a.score <= 1, 'score not a number in 0..1');
  need('alert', typeof a.summary === 'string', 'summary missing');
  need('alert', a.message !== null && typeof a.message === 'object', 'message missing');
  need('alert', Array.isArray(a.evidence ?? []), 'evidence not an array');
  return a;
}

/** Parses and checks an mcp.message payload. */
export function decodeMcpMessage(bytes) {
  const m = decodeJson('mcp message', bytes);
  need('mcp message', m.transport_type === 'stdio' || m.transport_type === 'http', `unknown transport_type ${JSON.stringify(m.transport_type)}`);
  need('mcp message', MCP_TYPES.has(m.type), `unknown type ${JSON.stringify(m.type)}`);
  need('mcp message', typeof m.timestamp === 'string', 'timestamp missing');
  need('mcp message', m.error === undefined || (m.error !== null && typeof m.error === 'object' && !Array.isArray(m.error)), 'error is not an object (a wire-form-2 body reference this consumer could not read)');
  return m;
}

function idText(id) {
  return id === undefined ? '' : ` id=${JSON.stringify(id)}`;
}

/** `ALERT <time> <risk> <category> score=… detector=… <method> pid=… comm=… msg=… :: summary [evidence]` */
export function formatAlert(a) {
  const m = a.message ?? {};
  const parts = [
    'ALERT',
    a.timestamp ?? '-',
    a.risk.toUpperCase(),
    a.category,
    `score=${a.score.toFixed(2)}`,
  ];
  if (a.detector) parts.push(`detector=${a.detector}`);
  if (m.method) parts.push(m.method);
  if (m.pid !== undefined) parts.push(`pid=${m.pid}`);
  if (m.comm) parts.push(`comm=${m.comm}`);
  if (m.msg_id) parts.push(`msg=${m.msg_id}`);
  let line = `${parts.join(' ')}${idText(m.id)} :: ${a.summary}`;
  const ev = (a.evidence ?? [])[0];
  if (ev && typeof ev.text === 'string') line += ` [${ev.field ?? '?'}: ${JSON.stringify(ev.text)}]`;
  // Every field can come from a peer (a tool name, an error message): no control byte reaches the terminal.
  return visibleText(line);
}

/** `MCP <time> <type> <method> id=… <from> -> <to>` */
export function formatMcpMessage(m) {
  let route = '';
  if (m.transport_type === 'stdio' && m.stdio_transport) {
    const s = m.stdio_transport;
    route = `stdio ${s.from_comm}[${s.from_pid}] -> ${s.to_comm || '?'}[${s.to_pid}]`;
  } else if (m.transport_type === 'http' && m.http_transport) {
    const h = m.http_transport;
    route = `http ${h.comm}[${h.pid}] ${h.is_request ? '->' : '<-'} ${h.host}`;
  } else {
    route = m.transport_type;
  }
  const method = m.method ?? m.request?.method ?? '';
  const err = m.error && typeof m.error.message === 'string' ? ` error=${JSON.stringify(m.error.message)}` : '';
  return visibleText(`MCP ${m.timestamp} ${m.type}${method ? ' ' + method : ''}${idText(m.id)} ${route}${err}`);
}
