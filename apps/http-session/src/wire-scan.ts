/**
 * Recognising where HTTP/1.x messages start in bytes of unknown position:
 * at the first bytes of a stream (is this HTTP at all, and which side are
 * we on?) and after a capture gap (where does the next message begin?).
 * Only a prefix is checked here; the head parser validates the whole line.
 */
import type { MessageMode } from './http-head';

export type Classification = 'request' | 'response' | 'h2' | 'h2_frame' | 'tls' | 'other' | 'need_more';

// Methods accepted when guessing where a message starts. Once a stream is in
// sync the head parser accepts any token, as RFC 9110 allows.
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE'].map((m) =>
  Buffer.from(m + ' ', 'latin1'),
);
const STATUS_PREFIX = Buffer.from('HTTP/1.', 'latin1');
const H2_PREFACE = Buffer.from('PRI * HTTP/2', 'latin1');
/** Longest prefix any decision needs. */
export const MAX_PREFIX = 12;

/** Compares `pat` with bytes at `i`: 1 match, 0 mismatch, -1 data ends first (still a match so far). */
function prefixAt(buf: Uint8Array, i: number, pat: Uint8Array): 1 | 0 | -1 {
  const n = Math.min(pat.length, buf.length - i);
  for (let k = 0; k < n; k++) if (buf[i + k] !== pat[k]) return 0;
  return n === pat.length ? 1 : -1;
}

/** Does a message of `mode` plausibly start at `i`? */
export function startsMessage(buf: Uint8Array, i: number, mode: MessageMode): 1 | 0 | -1 {
  if (mode === 'response') return prefixAt(buf, i, STATUS_PREFIX);
  let pending = false;
  for (const m of METHODS) {
    const r = prefixAt(buf, i, m);
    if (r === 1) return 1;
    if (r === -1) pending = true;
  }
  return pending ? -1 : 0;
}

/** Classifies the first bytes of a stream direction. */
export function classifyStart(buf: Uint8Array): Classification {
  if (buf.length === 0) return 'need_more';
  // TLS record header: content type 20-23 then major version 3 (RFC 8446 §5.1).
  if (buf[0] >= 0x14 && buf[0] <= 0x17) {
    if (buf.length < 2) return 'need_more';
    if (buf[1] === 0x03) return 'tls';
  }
  const h2 = prefixAt(buf, 0, H2_PREFACE);
  if (h2 === 1) return 'h2';
  if (looksLikeH2Frame(buf)) return 'h2_frame';
  const req = startsMessage(buf, 0, 'request');
  if (req === 1) return 'request';
  const res = startsMessage(buf, 0, 'response');
  if (res === 1) return 'response';
  return h2 === -1 || req === -1 || res === -1 ? 'need_more' : 'other';
}

/**
 * A SETTINGS, HEADERS or DATA frame header (RFC 9113 §4.1) of a plausible
 * size where a stream starts: HTTP/2 picked up after its preface. Only
 * these three types, so text protocols are never taken for it.
 */
function looksLikeH2Frame(buf: Uint8Array): boolean {
  if (buf.length < 9) return false;
  const len = (buf[0] << 16) | (buf[1] << 8) | buf[2];
  const type = buf[3];
  const sid = ((buf[5] & 0x7f) << 24) | (buf[6] << 16) | (buf[7] << 8) | buf[8];
  if (buf[0] !== 0 || (buf[5] & 0x80) !== 0) return false;
  if (type === 4) return sid === 0 && len % 6 === 0 && (buf[4] & ~0x1) === 0;
  if (type === 1) return sid !== 0 && (buf[4] & ~0x2d) === 0 && len > 0;
  if (type === 0) return sid !== 0 && (buf[4] & ~0x9) === 0 && len > 0;
  return false;
}

/**
 * Looks for the start of a message at line starts. Keeps only the few bytes
 * a pending prefix needs across calls, so scanning never buffers a stream.
 */
export class StartLineScanner {
  private carry: Uint8Array = new Uint8Array(0);
  /** Whether the next byte begins a line (true after a gap: a new call often starts a message). */
  private atLineStart = true;
  /** Bytes examined since reset. */
  scanned = 0;

  constructor(private readonly modes: readonly MessageMode[]) {}

  /**
   * The next bytes begin a new call. While resynchronising that is a likely
   * message start: writers usually send a message per call, and a lost
   * record takes the rest of its call with it.
   */
  callStart(): void {
    if (this.carry.length === 0) this.atLineStart = true;
  }

  reset(atLineStart = true): void {
    this.carry = new Uint8Array(0);
    this.atLineStart = atLineStart;
    this.scanned = 0;
  }

  /**
   * Returns the bytes from the found start onward (carried prefix included)
   * and the mode that matched, or undefined when `data` holds no start.
   */
  scan(data: Uint8Array): { rest: Uint8Array; mode: MessageMode } | undefined {
    this.scanned += data.length;
    let buf = data;
    if (this.carry.length > 0) {
      buf = Buffer.concat([this.carry, data]);
      this.carry = new Uint8Array(0);
    }
    let i = this.atLineStart ? 0 : buf.indexOf(0x0a) + 1;
    if (!this.atLineStart && i === 0) return undefined;
    while (i < buf.length) {
      let pending = false;
      for (const mode of this.modes) {
        const r = startsMessage(buf, i, mode);
        if (r === 1) {
          this.reset(false);
          return { rest: buf.subarray(i), mode };
        }
        if (r === -1) pending = true;
      }
      if (pending) {
        this.carry = Uint8Array.from(buf.subarray(i));
        this.atLineStart = true;
        return undefined;
      }
      const nl = buf.indexOf(0x0a, i);
      if (nl < 0) break;
      i = nl + 1;
    }
    if (buf.length > 0) this.atLineStart = buf[buf.length - 1] === 0x0a;
    return undefined;
  }
}
