/**
 * Wire forms of a batched `mcp.message` line (batch-envelope.ts).
 *
 * Form 1 (a batch header without `form`) is the event exactly as the sink
 * writes it: the message's body travels twice, as `params`/`result` (JSON)
 * and inside `raw` (the captured text, escaped).
 *
 * Form 2 (header `"form":2`) sends the body once, inside `raw`. When the
 * text of the message's `params` (requests, notifications) or `result`
 * (responses) is exactly `raw.slice(start, end)` and its `error` is `{}`,
 * the member is written, at its place among the keys, as the placeholder
 * `0`, and `error` (the next key) as the slice:
 *
 *   …,"params":0,"error":[start,end],"raw":"{\"jsonrpc\":…}",…
 *
 * A reader parses `raw.slice(start, end)` for the member and sets `error`
 * back to `{}`; the form-1 line is the form-2 line with `0,"error":[s,e]`
 * replaced by the text and `,"error":{}`, no escaping involved (`raw` stays
 * on the wire escaped, as the sink writes it). `error` carries the slice so
 * that a reader of form 1 that meets such a line refuses it (the DTO wants
 * an object there) instead of taking the placeholder for the body. The
 * publisher proves, before it sends a reference, that the slice is the
 * member's JSON.stringify text; anything else (no body, a body whose text
 * is not inside `raw`, an error message, a short body) goes in form 1
 * inside the same form-2 batch.
 *
 * `expandWireBody` is the one reader: NatsBus calls it on every line of a
 * form-2 batch before validation, so handlers only ever see form-1 events.
 * `wireLineText` gives the form-1 line, byte for byte, for the sink's JSONL.
 */
import { eventJsonText, heldJsonText, jsonTextOf } from './json-text';

/** The form of a batch without a `form` field: each line the plain subject's event. */
export const WIRE_FORM_FULL = 1 as const;
/** The body once: a line's `params`/`result` may be a slice of its `raw` (`wire_body`). */
export const WIRE_FORM_BODY_ONCE = 2 as const;
/** Forms this build reads. A batch of any other form is counted and skipped whole (`unknown_wire_forms`). */
export const KNOWN_WIRE_FORMS: readonly number[] = [WIRE_FORM_FULL, WIRE_FORM_BODY_ONCE];

/** A body shorter than this is written in form 1: the reference would save next to nothing. */
const MIN_BODY = 24;

const PARAMS_KEY = ',"params":';
const RESULT_KEY = ',"result":';

/**
 * `s.startsWith(sub, at)` for `at >= 0`, as a slice compared with `===`: V8's
 * startsWith with a position compared a ~200-unit body with `raw` in
 * 0.9–2.3 µs, the slice (a view, no copy) and `===` in 0.05–0.18 µs (bench/README,
 * session 16 stack24). A slice that runs past the end is shorter, so unequal.
 */
export function textAt(s: string, sub: string, at: number): boolean {
  return at >= 0 && s.slice(at, at + sub.length) === sub;
}

/**
 * The event's line in form 2, or undefined when it must go in form 1 (the
 * caller then writes eventJsonText(ev)). The line is JSON.stringify of the
 * event with its body member written as `0` and `error` as the slice.
 */
export function bodyOnceJsonText(ev: unknown): string | undefined {
  if (ev === null || typeof ev !== 'object' || Object.getPrototypeOf(ev) !== Object.prototype) return undefined;
  const o = ev as Record<string, unknown>;
  const raw = o.raw;
  if (typeof raw !== 'string' || typeof (o as { toJSON?: unknown }).toJSON === 'function') return undefined;
  // `error` is `{}` (a plain empty object), the form-1 text the reader puts back.
  const error = o.error;
  if (error === null || typeof error !== 'object' || Object.getPrototypeOf(error) !== Object.prototype) return undefined;
  for (const _ in error) return undefined;
  const member = o.type === 'response' ? 'result' : o.type === 'request' || o.type === 'notification' ? 'params' : undefined;
  if (member === undefined) return undefined;
  const body = o[member];
  if (body === null || typeof body !== 'object') return undefined;
  // mcp-parser holds the captured text of the body when it is JSON.stringify's form of it (captured-text.ts).
  const text = heldJsonText(body) ?? jsonTextOf(body);
  if (text === undefined || text.length < MIN_BODY) return undefined;
  // Usually the body is the captured object's last member: `… + T + "}"`.
  let at = raw.length - 1 - text.length;
  if (!textAt(raw, text, at)) {
    at = raw.indexOf(text);
    if (at < 0) return undefined;
  }
  const copy: Record<string, unknown> = { ...o, [member]: 0, error: [at, at + text.length] };
  const line = eventJsonText(copy);
  if (line === undefined) return undefined;
  // The reader's rule must find the placeholder: the first `,"<member>":` of the line, then `0,"error":[s,e]`.
  const key = member === 'result' ? RESULT_KEY : PARAMS_KEY;
  const k = line.indexOf(key);
  if (k < 0 || !textAt(line, `0,"error":[${at},${at + text.length}]`, k + key.length)) return undefined;
  return line;
}

/** What wireLineText needs of a form-2 line that expandWireBody read. */
export interface WireBodyRef {
  /** Index in the line of the placeholder `0`. */
  at: number;
  /** The body's text (a slice of `raw`). */
  body: string;
  /** Length of `0,"error":[s,e]` in the line. */
  length: number;
}

const ERROR_FORM1 = ',"error":{}';

/**
 * Puts the body of a form-2 line back in place (`value.params` or
 * `value.result`, parsed from its slice of `raw`, at the same key position)
 * and `error` back to `{}`. Returns what wireLineText needs, `null` for a
 * line whose `error` is not a slice (form 1: nothing to do), or a reason
 * when the reference cannot be read (the caller counts it and drops the
 * line). Never throws.
 *
 * What it does not check, and need not: that `raw` around the slice is the
 * rest of the same message. A publisher on NATS could always send a `raw`
 * that disagrees with `params`; validation in every consumer stays the
 * guard (libs/events README, Validation).
 */
export function expandWireBody(value: Record<string, unknown>, text: string): WireBodyRef | null | string {
  const ref = value.error;
  if (!Array.isArray(ref)) return null;
  if (ref.length !== 2) return 'error is neither an object nor a [start, end] slice of raw';
  const start: unknown = ref[0];
  const end: unknown = ref[1];
  const raw = value.raw;
  if (typeof raw !== 'string') return 'a body slice without a raw text';
  if (typeof start !== 'number' || typeof end !== 'number' || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > raw.length) {
    return 'body slice: start and end must be integers with 0 <= start <= end <= raw.length';
  }
  const member = value.type === 'response' ? 'result' : value.type === 'request' || value.type === 'notification' ? 'params' : undefined;
  if (member === undefined) return `body slice on a message of type ${JSON.stringify(value.type) ?? 'undefined'}`;
  if (value[member] !== 0) return `body slice: ${member} is not the placeholder 0`;
  const key = member === 'result' ? RESULT_KEY : PARAMS_KEY;
  const k = text.indexOf(key);
  const at = k + key.length;
  const placed = `0,"error":[${start},${end}]`;
  if (k < 0 || !textAt(text, placed, at)) return `body slice: the line's first ${member} is not followed by its slice in JSON.stringify form`;
  const body = raw.slice(start, end);
  // Only text that cannot break a JSONL line goes back into it: JSON's own whitespace may hold a raw CR or tab.
  if (/[\u0000-\u001f]/.test(body)) return 'body slice: the slice of raw holds a control character';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    return `body slice: the slice of raw is not JSON (${(err as Error).message})`;
  }
  value[member] = parsed;
  value.error = {};
  return { at, body, length: placed.length };
}

/** The form-1 line of a form-2 line that expandWireBody read: the body's text in place of `0` and `error` back to `{}`. */
export function wireLineText(text: string, ref: WireBodyRef): string {
  return `${text.slice(0, ref.at)}${ref.body}${ERROR_FORM1}${text.slice(ref.at + ref.length)}`;
}
