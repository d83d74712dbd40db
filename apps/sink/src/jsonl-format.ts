/**
 * JSONL lines in MCPSpy's field order, whatever order the producer built the
 * object in, so files diff cleanly across versions and against the Go tool.
 * Fields we added come after `raw`; unknown fields are kept, at the end.
 * Lines go through `safeJsonText`: U+2028/U+2029 (line breaks to JavaScript
 * and some viewers), bidi and invisible characters appear as `\uXXXX`, and
 * every value parses back unchanged.
 */
import { heldJsonText, safeJsonText, type McpMessageEvent, type NoticeEvent, type SecurityAlertEvent } from '@mcpspy/events';

export const MESSAGE_ORDER = [
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

const MESSAGE_KEYS: ReadonlySet<string> = new Set(MESSAGE_ORDER);
/** `"key":` of the fixed fields, with and without the comma before it, built once. */
const MESSAGE_PREFIXES = MESSAGE_ORDER.map((k) => [`{${JSON.stringify(k)}:`, `,${JSON.stringify(k)}:`] as const);
// JSON.stringify lists array-index keys first: a message with such a field takes the generic path.
export const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;

/**
 * One message's line. Runs once per message, so it writes the fields in
 * order straight into the text instead of copying the message into a
 * reordered object first; the text is byte for byte the generic form's
 * (`messageToJsonlGeneric`, compared on every fixture in jsonl-format.spec.ts).
 * Objects whose JSON text an earlier stage kept (`jsonTextOf`), or that the
 * previous line had in the same field, are not stringified again.
 */
/**
 * Per field, the previous line's object and its text. Objects of a message
 * are never changed once built (see jsonTextOf in @mcpspy/events), so the same
 * object has the same text. Short strings are kept too (`type`, `method`,
 * `transport_type`, `description` repeat from line to line): `===` compares
 * strings by value, so an equal string has the same text, and a string of
 * fewer than SHORT units costs at most that many compares (measured in
 * bench/jsonl-line-micro.mjs: ~0.25 µs less per line).
 */
const SHORT = 64;
const lastObject: unknown[] = MESSAGE_ORDER.map(() => undefined);
const lastText: string[] = MESSAGE_ORDER.map(() => '');

export function messageToJsonl(m: McpMessageEvent): string {
  return safeLine(messageToJsonlText(m));
}

/**
 * messageToJsonl before its safeLine: the JSON text, where U+2028/2029, bidi,
 * invisible characters and DEL may still be raw. Only for a writer that checks
 * the encoded line itself (JsonlWriter.writeJsonText: a plain-ASCII line
 * without DEL is safe as is) and escapes it otherwise.
 */
export function messageToJsonlText(m: McpMessageEvent): string {
  return lineText(m, false);
}

/**
 * messageToJsonlText cut inside `raw`'s string, for a writer that escapes
 * `raw` itself (JsonlWriter.writeJsonWithRaw, from the bytes the text was
 * decoded from): returns the text up to `raw`'s opening quote (`…"raw":"`)
 * and leaves the text from its closing quote on in `jsonlCut.tail`. When the
 * line cannot be cut (no string `raw`, or a message only the generic form
 * writes) `jsonlCut.tail` is undefined and the whole line is returned.
 * head + JSON.stringify(m.raw).slice(1, -1) + tail is messageToJsonlText(m),
 * byte for byte (jsonl-format.spec.ts).
 */
export function messageToJsonlHead(m: McpMessageEvent): string {
  return lineText(m, true);
}

/** The text after `raw` of the last messageToJsonlHead, or undefined when it returned the whole line. */
export const jsonlCut: { tail: string | undefined } = { tail: undefined };

function lineText(m: McpMessageEvent, cut: boolean): string {
  // Each field read by name, not `m[key]` in a loop: named loads are cheaper than keyed ones (bench/
  // jsonl-line-micro.mjs). `present` counts the fields with a value; when the message has no other own
  // key (its key count says so), the walk over its keys for added fields is skipped.
  present = 0;
  jsonlCut.tail = undefined;
  let out = field('', 0, m.timestamp);
  out = field(out, 1, m.transport_type);
  out = field(out, 2, m.stdio_transport);
  out = field(out, 3, m.http_transport);
  out = field(out, 4, m.type);
  out = field(out, 5, m.id);
  out = field(out, 6, m.method);
  out = field(out, 7, m.params);
  out = field(out, 8, m.result);
  out = field(out, 9, m.error);
  out = field(out, 10, m.request);
  let head: string | undefined;
  const raw = m.raw;
  if (cut && typeof raw === 'string') {
    // What is inside `raw`'s quotes is left to the writer: the head ends with the opening quote, the tail starts
    // with the closing one (never empty, so the next field's comma follows).
    present++;
    head = `${out}${MESSAGE_PREFIXES[RAW_FIELD][out.length === 0 ? 0 : 1]}"`;
    out = '"';
  } else out = field(out, 11, raw);
  out = field(out, 12, m.session);
  out = field(out, 13, m.description);
  out = field(out, 14, m.batch);
  out = field(out, 15, m.seq);
  out = field(out, 16, m.msg_id);
  // A field inherited from another prototype is read above but is not an own key: count own keys only then.
  if (Object.getPrototypeOf(m) !== Object.prototype || Object.keys(m).length !== present) {
    const src = m as unknown as Record<string, unknown>;
    for (const k in src) {
      if (!Object.prototype.hasOwnProperty.call(src, k) || MESSAGE_KEYS.has(k)) continue;
      const v = src[k];
      if (v === undefined) continue;
      if (INDEX_KEY.test(k) || k in Object.prototype) return genericText(m);
      const text = JSON.stringify(v);
      if (text === undefined) continue;
      out += (out.length === 0 ? '{' : ',') + JSON.stringify(k) + ':' + text;
    }
  }
  if (head !== undefined) {
    jsonlCut.tail = `${out}}`;
    return head;
  }
  return out.length === 0 ? '{}' : `${out}}`;
}

const RAW_FIELD = MESSAGE_ORDER.indexOf('raw');

/** Fields of the message being written that have a value (messageToJsonlText's scratch). */
let present = 0;
const ERROR_FIELD = MESSAGE_ORDER.indexOf('error');

/** `out` and field `i` (MESSAGE_ORDER) with value `v`, as JSON.stringify of the reordered message writes it. */
function field(out: string, i: number, v: unknown): string {
  let text: string | undefined;
  if (v === undefined || v === null) {
    // MCPSpy always writes `error`, `{}` when there is none.
    if (i === ERROR_FIELD) text = '{}';
    else if (v === null) text = 'null';
    else return out;
  } else if (lastObject[i] === v) {
    // The same object as the previous line's (a channel's shared stdio_transport), or an equal short string.
    text = lastText[i];
  } else if (typeof v !== 'object') {
    text = JSON.stringify(v);
    if (text === undefined) {
      present++;
      return out;
    }
    if (typeof v === 'string' && v.length < SHORT) {
      lastObject[i] = v;
      lastText[i] = text;
    }
  } else {
    // An object an earlier stage of this process already stringified (a request's params, a paired request) has its text.
    text = heldJsonText(v) ?? JSON.stringify(v);
    if (text === undefined) {
      present++;
      return out;
    }
    lastObject[i] = v;
    lastText[i] = text;
  }
  if (v !== undefined) present++;
  return out + MESSAGE_PREFIXES[i][out.length === 0 ? 0 : 1] + text;
}

/** The reference form of messageToJsonl: a reordered copy, stringified whole. */
export function messageToJsonlGeneric(m: McpMessageEvent): string {
  return safeJsonText(genericText(m));
}

function genericText(m: McpMessageEvent): string {
  const src = m.error === undefined || m.error === null ? { ...m, error: {} } : m;
  return JSON.stringify(ordered(src, MESSAGE_ORDER));
}

/**
 * safeJsonText, skipped for a line of plain ASCII without DEL (nearly every
 * line): the characters it escapes all lie above U+007E, and a byte count
 * equal to the length says there are none (one native pass, no regex).
 */
export function safeLine(json: string): string {
  if (Buffer.byteLength(json, 'utf8') === json.length && json.indexOf('\u007f') === -1) return json;
  return safeJsonText(json);
}

export function alertToJsonl(a: SecurityAlertEvent): string {
  return safeJsonText(JSON.stringify(ordered({ ...a, type: 'security_alert' }, ALERT_ORDER)));
}

/** `{"type":"notice","timestamp":…,"reason":…,"stage":…,"pid":…,"comm":…,"stream":…,"detail":…,"sample":…,"count":…}`. */
export function noticeToJsonl(n: NoticeEvent): string {
  return safeJsonText(JSON.stringify(ordered({ ...n, type: 'notice' }, NOTICE_ORDER)));
}
