/**
 * Wire forms of a batched `mcp.message` line (batch-envelope.ts).
 *
 * Form 1 (a batch header without `form`) is the event exactly as the sink
 * writes it: `params`/`result` as parsed JSON and `raw` as the captured text,
 * so the body of the message is on the wire twice, the second time escaped
 * (every `"` as `\"`).
 *
 * Form 2 (header `"form":2`) sends the body once. When the captured text is
 * `prefix + T + suffix`, where `T` is exactly the text the line carries for
 * the message's `params` (requests, notifications) or `result` (responses),
 * the line's `raw` is written as a reference instead of the text:
 *
 *   "raw":[<prefix>,"params"|"result",<length of T in UTF-16 units>,<suffix>]
 *
 * A reader finds `T` as the value written after the line's first `,"params":`
 * (or `,"result":`), `length` units long, and rebuilds `raw` as
 * `prefix + T + suffix`. The publisher proves, before it sends one, that the
 * reader's rule gives back the captured text; anything else (no body, a
 * body whose text is not inside `raw`, an error message) is written in
 * form 1 inside the same form-2 batch. In form 1 `raw` is always a string,
 * so a reference is never mistaken for a text: a form-1 reader that meets
 * one rejects the line (DTO: `raw` must be a string) rather than read it
 * wrong.
 *
 * `expandWireRaw` is the one reader of form 2: NatsBus calls it on every line
 * of a form-2 batch before validation, so handlers only ever see form-1
 * events (`raw` a string, at its place among the keys). `wireLineText`
 * rebuilds the form-1 line, byte for byte, for the sink's JSONL.
 */
import { eventJsonText, heldJsonText, jsonTextOf } from './json-text';

/** The form of a batch without a `form` field: each line the plain subject's event. */
export const WIRE_FORM_FULL = 1 as const;
/** The body once: `raw` may be a reference into the line's `params`/`result`. */
export const WIRE_FORM_BODY_ONCE = 2 as const;
/** Forms this build reads. A batch of any other form is counted and skipped whole (`unknown_wire_forms`). */
export const KNOWN_WIRE_FORMS: readonly number[] = [WIRE_FORM_FULL, WIRE_FORM_BODY_ONCE];

/** A body shorter than this is written in form 1: the reference would save next to nothing. */
const MIN_BODY = 24;

const PARAMS_KEY = ',"params":';
const RESULT_KEY = ',"result":';

/**
 * The event's line in form 2, or undefined when it must go in form 1 (the
 * caller then writes eventJsonText(ev)). The line is JSON.stringify of the
 * event with `raw` replaced, in its place, by the reference; the members
 * whose text is held are taken from it as eventJsonText does.
 */
export function bodyOnceJsonText(ev: unknown): string | undefined {
  if (ev === null || typeof ev !== 'object' || Object.getPrototypeOf(ev) !== Object.prototype) return undefined;
  const o = ev as Record<string, unknown>;
  const raw = o.raw;
  if (typeof raw !== 'string' || typeof (o as { toJSON?: unknown }).toJSON === 'function') return undefined;
  const member = o.type === 'response' ? 'result' : o.type === 'request' || o.type === 'notification' ? 'params' : undefined;
  if (member === undefined) return undefined;
  const body = o[member];
  if (body === null || typeof body !== 'object') return undefined;
  // mcp-parser holds the captured text of the body when it is JSON.stringify's form of it (captured-text.ts);
  // otherwise it is made here once and kept for the line's own eventJsonText.
  const text = heldJsonText(body) ?? jsonTextOf(body);
  if (text === undefined || text.length < MIN_BODY) return undefined;
  // Usually the body is the captured object's last member: `prefix + T + "}"`.
  let at = raw.length - 1 - text.length;
  if (at < 0 || !raw.startsWith(text, at)) {
    at = raw.indexOf(text);
    if (at < 0) return undefined;
  }
  const ref = [raw.slice(0, at), member, text.length, raw.slice(at + text.length)];
  const copy: Record<string, unknown> = { ...o, raw: ref };
  const line = eventJsonText(copy);
  if (line === undefined) return undefined;
  // The reader's rule must find this very text: the first `,"<member>":` of the line, followed by T.
  const key = member === 'result' ? RESULT_KEY : PARAMS_KEY;
  const k = line.indexOf(key);
  if (k < 0 || !line.startsWith(text, k + key.length)) return undefined;
  return line;
}

/** What wireLineText needs of a form-2 line that expandWireRaw read. */
export interface WireRawRef {
  /** Index in the line just past the body's text: the reference is written after it. */
  end: number;
  /** The reference as the line carried it. */
  ref: readonly unknown[];
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Rebuilds `raw` of a form-2 line in place (`value.raw` becomes the string,
 * at the same key position). Returns where the body ends in `text`, or a
 * reason when the reference cannot be read (the caller counts it and drops
 * the line). A line whose `raw` is already a string is form 1: `null`,
 * nothing to do. Never throws.
 *
 * What it does not check, and need not: that the rebuilt `raw` is what the
 * line's parsed `params` would give. A publisher on NATS could always send a
 * `raw` that disagrees with `params`; validation in every consumer stays the
 * guard (libs/events README, Validation). Where the reference sits in the
 * line is looked up only by wireLineText (only the sink needs the form-1
 * text).
 */
export function expandWireRaw(value: Record<string, unknown>, text: string): WireRawRef | null | string {
  const ref = value.raw;
  if (typeof ref === 'string') return null;
  if (!Array.isArray(ref) || ref.length !== 4) return 'raw is neither a string nor a [prefix, member, length, suffix] reference';
  const prefix: unknown = ref[0];
  const member: unknown = ref[1];
  const length: unknown = ref[2];
  const suffix: unknown = ref[3];
  if (typeof prefix !== 'string' || typeof suffix !== 'string') return 'raw reference: prefix and suffix must be strings';
  if (member !== 'params' && member !== 'result') return 'raw reference: member must be "params" or "result"';
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) return 'raw reference: length must be a non-negative integer';
  if (!hasOwn.call(value, member)) return `raw reference: the event has no ${member}`;
  const key = member === 'result' ? RESULT_KEY : PARAMS_KEY;
  const k = text.indexOf(key);
  if (k < 0) return `raw reference: no ${member} member in the line`;
  const start = k + key.length;
  const end = start + length;
  const after = text.charCodeAt(end);
  // The member's text ends where the next member (",") or the event ("}") begins.
  if (end > text.length - 1 || (after !== 0x2c && after !== 0x7d)) return `raw reference: ${member} is not ${length} units long`;
  value.raw = prefix + text.slice(start, end) + suffix;
  return { end, ref };
}

/**
 * The form-1 line of a form-2 line that expandWireRaw read: `text` with the
 * reference replaced by JSON.stringify(raw), byte for byte what the
 * publisher's form-1 line would have been. Undefined when the reference is
 * not written in JSON.stringify's form after the body (a publisher other than
 * ours): the caller then has no line to hold and the sink writes the value.
 */
export function wireLineText(text: string, raw: string, ref: WireRawRef): string | undefined {
  const refText = `,"raw":${JSON.stringify(ref.ref)}`;
  const at = text.indexOf(refText, ref.end);
  if (at < 0) return undefined;
  return `${text.slice(0, at)},"raw":${JSON.stringify(raw)}${text.slice(at + refText.length)}`;
}
