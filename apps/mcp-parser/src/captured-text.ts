/**
 * The captured text of a message's `params` or `result`, when it is byte for
 * byte what `JSON.stringify` writes for the parsed value: the pairing's Store
 * value and the sink's JSONL line then take that text (`holdJsonText` in
 * @mcpspy/events) instead of stringifying the object again.
 *
 * `JSON.stringify(JSON.parse(x)) === x` holds only for a text in
 * JSON.stringify's own form. One walk proves it, jumping from quote to quote
 * with `indexOf` (native) and reading only what lies outside strings:
 *   - no whitespace, no fraction or exponent, integers in canonical form below
 *     2^53 (`-0` is written `0`), `true`, `false`, `null`;
 *   - in strings, only the escapes `\" \\ \b \f \n \r \t` (JSON.stringify
 *     writes `\u` only for other controls and lone surrogates), and no lone
 *     surrogate raw (`isWellFormed`: it would be escaped);
 *   - no key of digits only (V8 lists array-index keys first);
 *   - as many keys as the parsed value has (a duplicate key keeps its last
 *     value in the first key's place);
 *   - the member is the message's last, under a key written without escapes,
 *     so it is the one JSON.parse kept.
 * Anything else returns undefined and is stringified as before.
 */

/** String.prototype.isWellFormed (Node 20; not in the ES2022 lib types). */
interface WellFormed {
  isWellFormed(): boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The text of `raw`'s member `key` when it is the last member, its value is
 * an object or array, and that text is JSON.stringify(value); else undefined.
 * `raw` is a whole JSON object that JSON.parse read, and `value` what it made
 * of that member.
 */
export function capturedMemberText(raw: string, key: string, value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const n = raw.length;
  if (n < 4 || raw.charCodeAt(0) !== 0x7b || raw.charCodeAt(n - 1) !== 0x7d) return undefined;
  if (!(raw as unknown as WellFormed).isWellFormed()) return undefined;
  const w = new Walk(raw);
  let i = skipSpace(raw, 1);
  for (;;) {
    // A member: its key (no escapes, so the text is the name), a colon, its value.
    if (raw.charCodeAt(i) !== QUOTE) return undefined;
    const close = raw.indexOf('"', i + 1);
    if (close < 0 || w.backslashBefore(i + 1, close)) return undefined;
    const target = close - i - 1 === key.length && raw.startsWith(key, i + 1);
    i = skipSpace(raw, close + 1);
    if (raw.charCodeAt(i) !== 0x3a) return undefined;
    i = skipSpace(raw, i + 1);
    if (target) {
      const end = w.canonicalValue(i);
      if (end < 0) return undefined;
      // The last member: only the object's closing brace follows.
      if (end !== n - 1) return undefined;
      if (w.keys !== keyCount(value)) return undefined;
      return raw.slice(i, end);
    }
    i = w.skipValue(i);
    if (i < 0) return undefined;
    i = skipSpace(raw, i);
    if (raw.charCodeAt(i) !== 0x2c) return undefined;
    i = skipSpace(raw, i + 1);
  }
}

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

class Walk {
  /** Keys (colons) met by the last canonicalValue. */
  keys = 0;
  /** The first backslash at or after the last search start (Infinity: none left), so each is searched for once. */
  private nextBackslash = -1;
  /** Escapes met in the value, and where the value starts. */
  private escapes = 0;
  private start = 0;

  constructor(private readonly s: string) {}

  /** Whether a backslash lies in [from, to). */
  backslashBefore(from: number, to: number): boolean {
    return this.backslashFrom(from) < to;
  }

  private backslashFrom(from: number): number {
    if (this.nextBackslash < from) {
      const b = this.s.indexOf('\\', from);
      this.nextBackslash = b < 0 ? Infinity : b;
    }
    return this.nextBackslash;
  }

  /** End (exclusive) of the string opening at `i`, checking its escapes are JSON.stringify's; -1 otherwise. */
  private canonicalString(i: number): number {
    const s = this.s;
    let from = i + 1;
    let q = s.indexOf('"', from);
    for (;;) {
      if (q < 0) return -1;
      const b = this.backslashFrom(from);
      if (b > q) return q + 1;
      // An escape before the quote: it must be one JSON.stringify writes, and it may be the quote itself.
      const e = s.charCodeAt(b + 1);
      if (e !== QUOTE && e !== BACKSLASH && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1;
      // Each escape costs two native searches: past one per 16 characters JSON.stringify is the cheaper way.
      if (++this.escapes > 16 && this.escapes * 16 > b - this.start) return -1;
      from = b + 2;
      if (from > q) q = s.indexOf('"', from);
    }
  }

  /** End (exclusive) of the object or array at `i` when all of it is in JSON.stringify's form; -1 otherwise. */
  canonicalValue(i: number): number {
    const s = this.s;
    const first = s.charCodeAt(i);
    if (first !== 0x7b && first !== 0x5b) return -1;
    this.start = i;
    this.escapes = 0;
    let depth = 0;
    let keys = 0;
    const n = s.length;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        const end = this.canonicalString(i);
        if (end < 0) return -1;
        if (s.charCodeAt(end) === 0x3a) {
          // A key: one of digits only would be listed first by V8.
          const d = s.charCodeAt(i + 1);
          if (d >= 0x30 && d <= 0x39 && allDigits(s, i + 1, end - 1)) return -1;
          keys++;
          i = end + 1;
        } else i = end;
      } else if (c === 0x7b || c === 0x5b) {
        depth++;
        i++;
      } else if (c === 0x7d || c === 0x5d) {
        i++;
        if (--depth === 0) {
          this.keys = keys;
          return i;
        }
      } else if (c === 0x2c) i++;
      else if (c === 0x74 && s.startsWith('true', i)) i += 4;
      else if (c === 0x66 && s.startsWith('false', i)) i += 5;
      else if (c === 0x6e && s.startsWith('null', i)) i += 4;
      else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        i = canonicalInteger(s, i);
        if (i < 0) return -1;
      } else return -1;
    }
    return -1;
  }

  /** End (exclusive) of any JSON value at `i` (the text is known to parse), or -1. */
  skipValue(i: number): number {
    const s = this.s;
    const n = s.length;
    let depth = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        i = this.anyStringEnd(i);
        if (i < 0) return -1;
      } else if (c === 0x7b || c === 0x5b) {
        depth++;
        i++;
      } else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) return i;
        depth--;
        i++;
      } else if (c === 0x2c && depth === 0) return i;
      else i++;
      if (depth === 0 && (c === QUOTE || c === 0x7d || c === 0x5d)) return i;
    }
    return -1;
  }

  /** End (exclusive) of the string opening at `i`, whatever its escapes. */
  private anyStringEnd(i: number): number {
    const s = this.s;
    let from = i + 1;
    for (;;) {
      const q = s.indexOf('"', from);
      if (q < 0) return -1;
      let k = q - 1;
      while (s.charCodeAt(k) === BACKSLASH) k--;
      // An even run of backslashes before the quote: it closes the string.
      if ((q - 1 - k) % 2 === 0) return q + 1;
      from = q + 1;
    }
  }
}

function allDigits(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const d = s.charCodeAt(k);
    if (d < 0x30 || d > 0x39) return false;
  }
  return true;
}

/** End of the integer at `i` when JSON.stringify would write it the same (no `-0`, no leading zero, below 2^53); -1 otherwise. */
function canonicalInteger(s: string, i: number): number {
  const neg = s.charCodeAt(i) === 0x2d ? 1 : 0;
  const start = i + neg;
  let j = start;
  for (;;) {
    const d = s.charCodeAt(j);
    if (d < 0x30 || d > 0x39) break;
    j++;
  }
  const digits = j - start;
  const lead = s.charCodeAt(start);
  if (digits === 0 || (lead === 0x30 && (digits > 1 || neg === 1))) return -1;
  // 2^53 = 9007199254740992: every integer of up to 15 digits, and of 16 digits below 9e15, is exact.
  if (digits > 16 || (digits === 16 && lead > 0x38)) return -1;
  // A fraction or an exponent: JSON.stringify may write the number otherwise.
  const next = s.charCodeAt(j);
  if (next === 0x2e || next === 0x65 || next === 0x45) return -1;
  return j;
}

/** Own keys of every object in a parsed value (JSON.parse makes plain objects and arrays only). */
function keyCount(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) n += keyCount(v[i]);
    return n;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) n += 1 + keyCount(o[k]);
  return n;
}
