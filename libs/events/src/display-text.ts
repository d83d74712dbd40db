/**
 * Text from traffic made safe for a person to read. Every string a peer can
 * choose (tool names, error messages, Host headers, process names, evidence)
 * goes through `visibleText` before it reaches a terminal, a log line or the
 * TUI: C0/C1 controls, DEL, bidi overrides and isolates, zero-width and other
 * invisible format characters become visible escapes (`\x1b`, `\u202e`), so no
 * byte can move the cursor, erase a line or reorder what is shown.
 */

// C0 (but not nothing else), DEL, C1; bidi embeddings/overrides/isolates and marks;
// zero-width and invisible format characters; line/paragraph separators; BOM;
// interlinear annotation and object replacement helpers; tag characters.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]|[\u{e0000}-\u{e007f}]|[\ud800-\udfff]/gu;

function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp === 0x09) return '\\t';
  if (cp === 0x0a) return '\\n';
  if (cp === 0x0d) return '\\r';
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\u{${cp.toString(16)}}`;
}

/** `s` with every control and invisible character written as an escape; cut to `max` characters (with `…`). */
export function visibleText(s: string, max = Infinity): string {
  let out = s.replace(UNSAFE, escapeChar);
  if (out.length > max) out = `${out.slice(0, Math.max(0, max - 1))}…`;
  return out;
}

/** True when `visibleText(s)` would differ from `s`: the name a person sees is not the name on the wire. */
export function hasInvisible(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const r = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return r;
}

/**
 * Raw bytes shown as text: printable ASCII as is, everything else as `\xNN`
 * (valid UTF-8 is not decoded: a sample is for spotting what went wrong, and
 * bytes are what went wrong). At most `max` characters.
 */
export function visibleBytes(b: Uint8Array, max = 200): string {
  let out = '';
  let i = 0;
  for (; i < b.length && out.length < max; i++) {
    const c = b[i];
    if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return i < b.length ? `${out}…` : out;
}

/**
 * JSON text that is safe to print or embed: `JSON.stringify` output with
 * U+2028/U+2029, bidi controls and other invisible characters written as
 * `\uXXXX` escapes (still valid JSON, same value when parsed).
 */
export function safeJsonText(json: string): string {
  // Tag characters (U+E0000-E007F, "ASCII smuggling" in prompts) are surrogate pairs: each half is escaped.
  return json.replace(
    /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g,
    (s) => Array.from({ length: s.length }, (_, i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
