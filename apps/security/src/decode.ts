/**
 * Decoders for text that hides from a plain scan: base64 runs, percent
 * encoding, HTML entities, backslash escapes and Unicode tag characters
 * (the invisible U+E0020..E007E block that mirrors ASCII). Each returns the
 * decoded text, or undefined when there was nothing worth decoding, so a
 * clean text costs one regex test per decoder.
 */

import { codeUnitsOf } from './code-units';

const B64_MIN_RUN = 24;
const B64_MAX_RUN = 1 << 20;
/** Base64 and base64url alphabet membership per ASCII code. */
const B64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') B64_CHAR[c.charCodeAt(0)] = 1;

/** Printable share of a decoded candidate: binary blobs are not hidden text. */
function mostlyText(s: string): boolean {
  if (s.length < 12) return false;
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09 || c >= 0xa0) ok++;
  }
  return ok / s.length >= 0.9 && !s.includes('\ufffd');
}

/** Decodes every base64 (or base64url) run that turns into readable text; runs are joined by newlines. */
export function decodeBase64Runs(text: string): string | undefined {
  if (text.length < B64_MIN_RUN) return undefined;
  let out: string[] | undefined;
  // A plain loop over runs of the alphabet: a `{24,}` regex restarts inside every shorter word, which made it the costliest step of a clean text.
  // It reads a typed array of the code units (code-units.ts: ~3x faster than charCodeAt); the array is read before any other text's is asked for.
  const codes = codeUnitsOf(text);
  const len = text.length;
  let i = 0;
  while (i < len) {
    const c = codes[i]!;
    if (c >= 128 || B64_CHAR[c] === 0) {
      i++;
      continue;
    }
    const start = i;
    while (i < len) {
      const d = codes[i]!;
      if (d >= 128 || B64_CHAR[d] === 0) break;
      i++;
    }
    if (i - start < B64_MIN_RUN || i - start > B64_MAX_RUN) continue;
    let end = i;
    if (end < len && text.charCodeAt(end) === 61) end++;
    if (end < len && text.charCodeAt(end) === 61) end++;
    const run = text.slice(start, end);
    // Identifiers, hex digests and paths also match the alphabet; real base64 mixes cases and digits.
    if (!/[a-z]/.test(run) || !/[A-Z]/.test(run) || /^[0-9a-f]+$/i.test(run)) continue;
    const decoded = Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    if (mostlyText(decoded)) (out ??= []).push(decoded);
  }
  return out?.join('\n');
}

const PERCENT = /%[0-9a-fA-F]{2}/g;

export function decodePercent(text: string): string | undefined {
  if (text.indexOf('%') < 0) return undefined;
  const hits = text.match(PERCENT);
  if (!hits || hits.length < 3) return undefined;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    // A lone bad sequence makes decodeURIComponent give up: decode byte by byte instead.
    return text.replace(PERCENT, (h) => String.fromCharCode(parseInt(h.slice(1), 16)));
  }
}

const NAMED_ENTITIES: Record<string, string> = {
  lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ', sol: '/', colon: ':', lpar: '(', rpar: ')',
  lsqb: '[', rsqb: ']', excl: '!', quest: '?', equals: '=', num: '#', period: '.', comma: ',', tab: '\t', newline: '\n',
};
const ENTITY = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g;

export function decodeHtmlEntities(text: string): string | undefined {
  if (text.indexOf('&') < 0) return undefined;
  const hits = text.match(ENTITY);
  if (!hits || hits.length < 2) return undefined;
  return text.replace(ENTITY, (whole, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

const ESCAPE = /\\u\{[0-9a-fA-F]{1,6}\}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}/g;

export function decodeEscapes(text: string): string | undefined {
  if (text.indexOf('\\') < 0) return undefined;
  const hits = text.match(ESCAPE);
  if (!hits || hits.length < 2) return undefined;
  return text.replace(ESCAPE, (e) => {
    const hex = e[2] === '{' ? e.slice(3, -1) : e.slice(2);
    const cp = parseInt(hex, 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : e;
  });
}

const TAG_CHARS = /[\u{E0000}-\u{E007F}]/u;
const TAG_RUN = /[\u{E0000}-\u{E007F}]+/gu;

/** Text smuggled in Unicode tag characters, which render as nothing but models read as ASCII. */
export function decodeUnicodeTags(text: string): string | undefined {
  if (!TAG_CHARS.test(text)) return undefined;
  const parts: string[] = [];
  for (const m of text.matchAll(TAG_RUN)) {
    let s = '';
    for (const ch of m[0]) {
      const cp = ch.codePointAt(0)! - 0xe0000;
      if (cp >= 0x20 && cp < 0x7f) s += String.fromCharCode(cp);
    }
    if (s.length > 0) parts.push(s);
  }
  return parts.length ? parts.join('\n') : undefined;
}
