/**
 * Batch envelope: many JSON events of one subject in one NATS message.
 *
 * Through NATS, one NATS (and JetStream) message per MCP message costs more
 * than the message's own work: a publish, a stored-ack reply, a delivery with
 * its reply subject and an ack, each parsed and written by both ends. Events
 * of a batched subject (`BATCHED_SUBJECTS`) therefore travel on
 * `batchSubjectOf(subject)` (`mcpspy.v1.batch.<rest>`) in this format:
 *
 *   {"batch":"<subject>","count":N}\n
 *   <event 1 JSON>\n
 *   …
 *   <event N JSON>
 *
 * UTF-8, one event per line. JSON.stringify never writes a raw newline, so a
 * line is exactly one event; each line is the same object the plain subject
 * carries (its DTO and validation unchanged). A header may name a wire form
 * (`"form":2`, wire-form.ts: a message's body sent once); the decoders put
 * such lines back into the plain subject's object before anyone sees them,
 * and deliver nothing of a batch whose form they do not know. A line that is not JSON or fails
 * validation loses that event only; a count that does not match the lines
 * (a cut batch) is reported and the lines present are still delivered.
 */
import { SUBJECT_PREFIX, Subjects } from './subjects';
import { expandWireBody, KNOWN_WIRE_FORMS, WIRE_FORM_FULL, type WireBodyRef, wireLineText } from './wire-form';

/** Subjects whose events travel in batches through NATS (HTTP messages on core NATS, MCP messages on JetStream). */
export const BATCHED_SUBJECTS: readonly string[] = [Subjects.mcpMessage, Subjects.httpMessage];

/** Prefix of every batch subject. */
export const BATCH_SUBJECT_PREFIX = `${SUBJECT_PREFIX}.batch.` as const;

/** `mcpspy.v1.mcp.message` → `mcpspy.v1.batch.mcp.message`. */
export function batchSubjectOf(subject: string): string {
  return BATCH_SUBJECT_PREFIX + subject.slice(SUBJECT_PREFIX.length + 1);
}

/** The plain subject a batch subject carries, or undefined. */
export function subjectOfBatch(batchSubject: string): string | undefined {
  if (!batchSubject.startsWith(BATCH_SUBJECT_PREFIX)) return undefined;
  return `${SUBJECT_PREFIX}.${batchSubject.slice(BATCH_SUBJECT_PREFIX.length)}`;
}

export function isBatchedSubject(subject: string): boolean {
  return BATCHED_SUBJECTS.includes(subject);
}

/** The envelope's text from events already encoded as JSON (one line each). */
export function encodeBatchText(subject: string, jsonLines: readonly string[]): string {
  const header = `{"batch":${JSON.stringify(subject)},"count":${jsonLines.length}}`;
  return jsonLines.length === 0 ? header : `${header}\n${jsonLines.join('\n')}`;
}

/**
 * A batch being filled: each event's JSON is encoded to UTF-8 once, as it is
 * added, into a buffer kept between batches; sealing copies the header and
 * the lines into the message's own bytes. Byte for byte
 * `encodeBatchText(subject, lines)` in UTF-8, without the per-event byte
 * count, the join of all lines into one string and its second encoding.
 */
/** Largest buffer a BatchEncoder keeps between batches. */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;

export class BatchEncoder {
  private buf: Buffer;
  private used = 0;
  private events = 0;

  constructor(
    private readonly subject: string,
    private readonly initialBytes = 64 * 1024,
    /** The wire form the header announces (wire-form.ts); 1 writes no `form` field. */
    private readonly form: number = WIRE_FORM_FULL,
  ) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Events added since the last seal. */
  get count(): number {
    return this.events;
  }

  /** Bytes of the lines added since the last seal, newlines included. */
  get bytes(): number {
    return this.used;
  }

  /** Adds one event's JSON line; returns its size in UTF-8 bytes. */
  add(line: string): number {
    // A UTF-16 unit never takes more than 3 UTF-8 bytes (a surrogate pair: 4 for 2).
    let room = line.length * 3 + 1;
    if (this.used + room > this.buf.length) {
      // Grown by the exact size, not the bound: a 10 MB message must not keep 30 MB.
      room = Buffer.byteLength(line, 'utf8') + 1;
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + room));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
    }
    const n = this.buf.write(line, this.used, 'utf8');
    this.buf[this.used + n] = 0x0a;
    this.used += n + 1;
    this.events++;
    return n;
  }

  /** The envelope of the events added (their own copy), and a fresh start; undefined when none were added. */
  seal(): Uint8Array | undefined {
    if (this.events === 0) return undefined;
    const form = this.form === WIRE_FORM_FULL ? '' : `,"form":${this.form}`;
    const header = `{"batch":${JSON.stringify(this.subject)},"count":${this.events}${form}}\n`;
    const headerBytes = Buffer.byteLength(header, 'utf8');
    // The last line's newline is not part of the envelope.
    const out = Buffer.allocUnsafe(headerBytes + this.used - 1);
    out.write(header, 0, 'utf8');
    this.buf.copy(out, headerBytes, 0, this.used - 1);
    this.used = 0;
    this.events = 0;
    // A buffer grown for a big message is not kept: a batch is normally ≤ 1 MiB.
    if (this.buf.length > MAX_KEPT_BYTES) this.buf = Buffer.allocUnsafe(this.initialBytes);
    return out;
  }
}

/**
 * `text` is the event's own line (for holdJsonText: what the publisher's JSON.stringify wrote). A form-2 line
 * whose body was a slice of `raw` has it back in place and `wire` set: its form-1 text is `batchLineText(line)`.
 */
export type BatchLine = { ok: true; value: unknown; text: string; wire?: WireBodyRef } | { ok: false; reason: string };

/** The form-1 text of a delivered line: its own text, or for an expanded form-2 line the body put back in it. */
export function batchLineText(line: { text: string; wire?: WireBodyRef }): string {
  return line.wire === undefined ? line.text : wireLineText(line.text, line.wire);
}

export interface DecodedBatch {
  /** The subject named by the header (undefined when the header is unreadable). */
  subject?: string;
  /** The count the header announced. */
  count?: number;
  /** One entry per event line, in order. */
  lines: BatchLine[];
  /** What is wrong with the envelope itself (header, count); the lines are still delivered. */
  problem?: string;
  /** The header's wire form when it is not 1 (wire-form.ts). */
  form?: number;
  /** The header names a form this build does not read: `lines` is empty, the batch is to be counted and skipped. */
  unknownForm?: number;
}

const NOT_OBJECT: BatchLine = { ok: false, reason: 'payload is not a JSON object' };

/** One event line's verdict; in a batch of form 2 or more, a body sent as a slice of `raw` is put back (wire-form.ts). */
function lineOf(text: string, form: number): BatchLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return NOT_OBJECT;
  if (form !== WIRE_FORM_FULL) {
    const wire = expandWireBody(value as Record<string, unknown>, text);
    if (typeof wire === 'string') return { ok: false, reason: wire };
    if (wire !== null) return { ok: true, value, text, wire };
  }
  return { ok: true, value, text };
}

type Header = { batch?: unknown; count?: unknown; form?: unknown } | undefined;

function parseHeader(headerText: string): Header {
  try {
    return JSON.parse(headerText) as Header;
  } catch {
    return undefined;
  }
}

/** The form a header names: 1 without a `form` field (or an unreadable header), else the field as given. */
function formOf(header: Header): number | unknown {
  return header !== null && typeof header === 'object' && header.form !== undefined ? header.form : WIRE_FORM_FULL;
}

/** A header naming a form this build does not read: no line is delivered. */
function unknownFormBatch(header: Header, form: unknown): DecodedBatch {
  const out: DecodedBatch = { lines: [], unknownForm: typeof form === 'number' ? form : Number.NaN };
  out.subject = typeof header?.batch === 'string' ? header.batch : undefined;
  out.problem = `batch of unknown wire form ${JSON.stringify(form) ?? String(form)} (this build reads forms ${KNOWN_WIRE_FORMS.join(', ')})`;
  return out;
}

/** The header's verdict beside the lines. */
function withHeader(header: Header, lines: BatchLine[], form: number): DecodedBatch {
  const out: DecodedBatch = { lines };
  if (form !== WIRE_FORM_FULL) out.form = form;
  if (!header || typeof header !== 'object' || typeof header.batch !== 'string' || typeof header.count !== 'number') {
    out.problem = 'batch header is not {"batch":<subject>,"count":<n>}';
    return out;
  }
  out.subject = header.batch;
  out.count = header.count;
  if (header.count !== lines.length) out.problem = `batch announced ${header.count} events but holds ${lines.length}`;
  return out;
}

/**
 * Splits a batch into its events. Never throws: every line gets its own
 * verdict, and a broken header or count is reported beside the lines.
 */
export function decodeBatchText(text: string): DecodedBatch {
  const parts = text.split('\n');
  const header = parseHeader(parts[0]);
  const form = formOf(header);
  if (typeof form !== 'number' || !KNOWN_WIRE_FORMS.includes(form)) return unknownFormBatch(header, form);
  const lines: BatchLine[] = new Array(parts.length - 1);
  for (let i = 1; i < parts.length; i++) lines[i - 1] = lineOf(parts[i], form);
  return withHeader(header, lines, form);
}

/**
 * `decodeBatchText(new TextDecoder().decode(data))`, verdict for verdict,
 * from the message's bytes: each line is decoded on its own, between the
 * newline bytes (0x0A is never part of another character in UTF-8, and an
 * invalid sequence cut by a newline becomes U+FFFD either way). Decoding a
 * whole batch first made one string of ~170 KB per batch (a large-object
 * allocation, and every held line a slice that kept it alive); line by line
 * the strings are small and young. Like TextDecoder, a byte order mark at
 * the start of the batch is dropped.
 */
export function decodeBatchBytes(data: Uint8Array): DecodedBatch {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let nl = buf.indexOf(0x0a, bom);
  const header = parseHeader(buf.toString('utf8', bom, nl < 0 ? buf.length : nl));
  const form = formOf(header);
  if (typeof form !== 'number' || !KNOWN_WIRE_FORMS.includes(form)) return unknownFormBatch(header, form);
  const lines: BatchLine[] = [];
  while (nl >= 0) {
    const next = buf.indexOf(0x0a, nl + 1);
    lines.push(lineOf(buf.toString('utf8', nl + 1, next < 0 ? buf.length : next), form));
    nl = next;
  }
  return withHeader(header, lines, form);
}
