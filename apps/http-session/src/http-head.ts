/**
 * Start line and header block of one HTTP/1.x message (RFC 9112 §2-§6), and
 * the rule that says how its body is delimited. Pure functions: the framer
 * hands in the complete head bytes.
 */
import { HttpFramingError } from './errors';

export type MessageMode = 'request' | 'response';

export interface MessageHead {
  mode: MessageMode;
  method?: string;
  path?: string;
  status?: number;
  versionMajor: number;
  versionMinor: number;
  /** Lower-cased names; repeated fields joined by ", " (the http.message contract). */
  headers: Record<string, string>;
}

export type BodyFraming =
  | { type: 'none' }
  | { type: 'length'; length: number }
  | { type: 'chunked' }
  /** Delimited by connection close, which the capture never sees: ended by eviction. */
  | { type: 'eof' }
  /** 101 or a successful CONNECT: the connection stops speaking HTTP. */
  | { type: 'tunnel' };

// RFC 9110 §5.6.2 token characters.
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_CHARS[c.charCodeAt(0)] = 1;

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] === 0) return false;
  }
  return true;
}
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: .*)?$/;

/** Parses a head (start line through the empty line) decoded as UTF-8. */
export function parseHead(text: string, mode: MessageMode): MessageHead {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
  const start = lines[0];
  const head: MessageHead = { mode, versionMajor: 1, versionMinor: 1, headers: {} };
  if (mode === 'request') {
    if (start.startsWith('PRI * HTTP/2')) throw new HttpFramingError('not_http_h2', 'HTTP/2 connection preface');
    const m = REQUEST_LINE.exec(start);
    if (!m) {
      throw new HttpFramingError('bad_start_line', `bad request line ${JSON.stringify(start.slice(0, 80))}`);
    }
    head.method = m[1];
    head.path = m[2];
    head.versionMajor = Number(m[3]);
    head.versionMinor = Number(m[4]);
  } else {
    const m = STATUS_LINE.exec(start);
    if (!m) throw new HttpFramingError('bad_start_line', `bad status line ${JSON.stringify(start.slice(0, 80))}`);
    head.versionMajor = Number(m[1]);
    head.versionMinor = Number(m[2]);
    head.status = Number(m[3]);
  }
  if (head.versionMajor !== 1) {
    throw new HttpFramingError('bad_version', `HTTP/${head.versionMajor}.${head.versionMinor} is not HTTP/1.x`);
  }
  let last: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    // Obsolete line folding (RFC 9112 §5.2): a recipient may replace it with a space.
    if ((line[0] === ' ' || line[0] === '\t') && last !== undefined) {
      head.headers[last] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!isToken(name)) throw new HttpFramingError('bad_header', `bad header line ${JSON.stringify(line.slice(0, 80))}`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    head.headers[key] = key in head.headers ? `${head.headers[key]}, ${value}` : value;
    last = key;
  }
  return head;
}

/**
 * How the body after `head` is delimited (RFC 9112 §6.3). Responses need the
 * method of their request: HEAD and CONNECT change the answer.
 */
export function bodyFraming(head: MessageHead, requestMethod?: string): BodyFraming {
  const h = head.headers;
  if (head.mode === 'response') {
    const s = head.status ?? 0;
    if (s === 101) return { type: 'tunnel' };
    if (requestMethod === 'CONNECT' && s >= 200 && s < 300) return { type: 'tunnel' };
    if (requestMethod === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304) return { type: 'none' };
  }
  const te = h['transfer-encoding'];
  if (te !== undefined) {
    const codings = te.split(',').map((c) => c.trim().toLowerCase());
    if (codings[codings.length - 1] === 'chunked') return { type: 'chunked' };
    // A request whose final coding is not chunked cannot be delimited (§6.3 item 4).
    if (head.mode === 'request') throw new HttpFramingError('bad_framing', `request transfer-encoding ${te}`);
    return { type: 'eof' };
  }
  const cl = h['content-length'];
  if (cl !== undefined) {
    // A list of identical values is allowed (§6.3 item 5); anything else is fatal.
    const values = cl.split(',').map((v) => v.trim());
    if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) {
      throw new HttpFramingError('bad_framing', `content-length ${JSON.stringify(cl.slice(0, 40))}`);
    }
    const n = Number(values[0]);
    return n === 0 ? { type: 'none' } : { type: 'length', length: n };
  }
  return head.mode === 'request' ? { type: 'none' } : { type: 'eof' };
}
