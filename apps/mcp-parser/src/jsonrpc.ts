/**
 * JSON-RPC 2.0 validation of one captured JSON text (a stdio line, an HTTP
 * body, an SSE data payload). Never throws: bad input comes back as a list
 * of rejects (counter name + reason) that the engine counts.
 */
import { holdJsonText, type JsonRpcError, type McpMessageEvent } from '@mcpspy/events';
import { capturedMemberText } from './captured-text';

/** The JSON-RPC part of an MCP message; `raw` is its text as captured (a batch element's own slice). */
export interface ParsedMessage extends Pick<McpMessageEvent, 'type' | 'id' | 'method' | 'params' | 'result' | 'error' | 'raw'> {
  batch?: boolean;
}

export interface Reject {
  counter: string;
  reason: string;
  /**
   * The value looks like JSON-RPC (an object with `method`, `id` or
   * `jsonrpc`) but breaks JSON-RPC 2.0: version 1.0, a missing `jsonrpc`, a
   * bad id... On an MCP stream that is a `jsonrpc_nonconforming` notice.
   */
  nonconforming?: boolean;
}

export interface ParseResult {
  messages: ParsedMessage[];
  rejects: Reject[];
}

/** Nesting deeper than this is refused before JSON.parse: downstream stages stringify params recursively. */
export const DEFAULT_MAX_DEPTH = 256;

interface Scan {
  tooDeep: boolean;
  /** For a top-level array: [start, end) of each element in the text. */
  spans?: Array<[number, number]>;
}

/**
 * One pass over the text outside strings: nesting depth, and for arrays the
 * depth-1 separators, so batch elements keep their exact captured text.
 */
function scan(text: string, start: number, maxDepth: number): Scan {
  const isArray = text.charCodeAt(start) === 0x5b;
  // Valid JSON closes what it opens, so nesting past the bound takes more than
  // twice the bound in characters; arrays still need their spans.
  if (!isArray && (text.length - start <= 2 * maxDepth || !moreOpenersThan(text, start, maxDepth))) return { tooDeep: false };
  const cuts: number[] = [];
  let depth = 0;
  let tooDeep = false;
  walkStructure(text, start, (c, i) => {
    if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return (tooDeep = true);
      if (isArray && depth === 1) cuts.push(i);
    } else if (c === 0x7d || c === 0x5d) {
      if (isArray && depth === 1) cuts.push(i);
      depth--;
    } else if (isArray && depth === 1) cuts.push(i);
    return false;
  });
  if (tooDeep) return { tooDeep: true };
  if (!isArray) return { tooDeep: false };
  const spans: Array<[number, number]> = [];
  for (let k = 0; k + 1 < cuts.length; k++) spans.push([cuts[k] + 1, cuts[k + 1]]);
  return { tooDeep: false, spans };
}

/**
 * Whether the text from `start` holds more than `n` of `{` and `[` (in
 * strings or not): nesting deeper than `n` needs that many. Counted with
 * indexOf, which runs natively, so a large message with few brackets (a
 * long tool result) is not walked character by character in JavaScript.
 */
function moreOpenersThan(text: string, start: number, n: number): boolean {
  let count = 0;
  for (const ch of ['{', '[']) {
    for (let i = text.indexOf(ch, start); i !== -1; i = text.indexOf(ch, i + 1)) if (++count > n) return true;
  }
  return false;
}

/**
 * Walks the text from `start` and calls `on` with each `{`, `}`, `[`, `]`
 * and `,` outside strings and its index, until `on` returns true. The one
 * place that tells JSON structure from string content by scanning.
 */
function walkStructure(text: string, start: number, on: (c: number, i: number) => boolean): void {
  let inString = false;
  let escaped = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if ((c === 0x7b || c === 0x5b || c === 0x7d || c === 0x5d || c === 0x2c) && on(c, i)) return;
  }
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Parses one JSON text into JSON-RPC messages (several for a batch). */
export function parseJsonRpcText(text: string, maxDepth = DEFAULT_MAX_DEPTH): ParseResult {
  let s = 0;
  let e = text.length;
  while (s < e && isWhitespace(text.charCodeAt(s))) s++;
  while (e > s && isWhitespace(text.charCodeAt(e - 1))) e--;
  const raw = s === 0 && e === text.length ? text : text.slice(s, e);
  if (raw.length === 0) return { messages: [], rejects: [] };
  const first = raw.charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) {
    return { messages: [], rejects: [{ counter: 'non_json', reason: 'text does not start with { or [' }] };
  }
  const sc = scan(raw, 0, maxDepth);
  if (sc.tooDeep) {
    return { messages: [], rejects: [{ counter: 'json_too_deep', reason: `JSON nests deeper than ${maxDepth}` }] };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { messages: [], rejects: [{ counter: 'invalid_json', reason: (err as Error).message.slice(0, 120) }] };
  }
  if (!Array.isArray(value)) {
    const c = classify(value);
    if ('reason' in c) return { messages: [], rejects: [{ counter: 'not_jsonrpc', reason: c.reason, nonconforming: looksLikeJsonRpc(value) }] };
    c.raw = raw;
    holdCapturedText(c);
    return { messages: [c], rejects: [] };
  }
  if (value.length === 0) return { messages: [], rejects: [{ counter: 'not_jsonrpc', reason: 'empty batch' }] };
  const out: ParseResult = { messages: [], rejects: [] };
  const spans = sc.spans ?? [];
  for (let i = 0; i < value.length; i++) {
    const c = classify(value[i]);
    if ('reason' in c) {
      out.rejects.push({ counter: 'not_jsonrpc', reason: `batch element: ${c.reason}`, nonconforming: looksLikeJsonRpc(value[i]) });
      continue;
    }
    const span = spans[i];
    c.raw = span ? raw.slice(span[0], span[1]).trim() : JSON.stringify(value[i]);
    c.batch = true;
    if (span) holdCapturedText(c);
    out.messages.push(c);
  }
  return out;
}

/**
 * Keeps the captured text of a request's or notification's `params`, or of a
 * response's `result`, as that object's JSON text (holdJsonText) when it is
 * JSON.stringify's form of it (captured-text.ts): the pairing's Store value and
 * the sink's line then take it instead of stringifying the object again.
 */
function holdCapturedText(c: ParsedMessage): void {
  if (c.type === 'error') return;
  const key = c.type === 'response' ? 'result' : 'params';
  const value = c.type === 'response' ? c.result : c.params;
  const text = capturedMemberText(c.raw, key, value);
  if (text !== undefined) holdJsonText(value, text);
}

function looksLikeJsonRpc(v: unknown): boolean {
  return isPlainObject(v) && (has(v, 'jsonrpc') || has(v, 'method') || (has(v, 'id') && (has(v, 'result') || has(v, 'error'))));
}

function isId(v: unknown): v is string | number {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Classifies one decoded value per JSON-RPC 2.0 (sections 4 and 5). `raw` is filled by the caller. */
export function classify(v: unknown): ParsedMessage | { reason: string } {
  if (!isPlainObject(v)) return { reason: 'not an object' };
  if (v.jsonrpc !== '2.0') return { reason: 'jsonrpc is not "2.0"' };
  if (has(v, 'method')) {
    if (typeof v.method !== 'string') return { reason: 'method is not a string' };
    if (has(v, 'result') || has(v, 'error')) return { reason: 'message has both method and result/error' };
    const msg: ParsedMessage = { type: 'notification', method: v.method, error: {}, raw: '' };
    if (has(v, 'id')) {
      // MCP forbids null request ids; JSON-RPC reserves null for unknown-id errors.
      if (!isId(v.id)) return { reason: 'request id is neither a string nor a number' };
      msg.type = 'request';
      msg.id = v.id;
    }
    if (has(v, 'params')) msg.params = v.params;
    return msg;
  }
  if (!has(v, 'id')) return { reason: 'neither method nor id' };
  if (!isId(v.id) && v.id !== null) return { reason: 'response id is neither a string, a number nor null' };
  const hasResult = has(v, 'result');
  const hasError = has(v, 'error');
  if (hasResult === hasError) return { reason: 'response carries both or neither of result and error' };
  if (hasError) {
    if (!isPlainObject(v.error)) return { reason: 'error is not an object' };
    return { type: 'error', id: v.id as string | number | null, error: v.error as JsonRpcError, raw: '' };
  }
  return { type: 'response', id: v.id as string | number | null, result: v.result, error: {}, raw: '' };
}

/** End (exclusive) of the JSON object starting at `start` (a `{`), by balance outside strings; -1 when it does not close. */
export function objectEnd(text: string, start: number): number {
  let depth = 0;
  let end = -1;
  walkStructure(text, start, (c, i) => {
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) end = i + 1;
      return depth <= 0;
    }
    return false;
  });
  return end;
}

export interface Recovered {
  messages: ParsedMessage[];
  /** Bytes around the recovered messages that are not JSON-RPC (before, between, after), trimmed; '' when none. */
  noise: string;
}

/**
 * The JSON-RPC messages inside a line that is not one JSON text: logs before
 * or after a message, or several messages glued together. Each `{` is tried
 * as the start of an object cut at its balanced end; at most `maxTries`
 * candidates are parsed, so a long line of braces costs a bounded amount.
 */
export function recoverJsonRpc(text: string, maxDepth = DEFAULT_MAX_DEPTH, maxTries = 16): Recovered {
  const messages: ParsedMessage[] = [];
  const noise: string[] = [];
  let pos = 0;
  let skipFrom = 0;
  for (let tries = 0; tries < maxTries; ) {
    const k = text.indexOf('{', pos);
    if (k === -1) break;
    const end = objectEnd(text, k);
    if (end === -1) break;
    tries++;
    const r = parseJsonRpcText(text.slice(k, end), maxDepth);
    if (r.messages.length === 0) {
      pos = k + 1;
      continue;
    }
    noise.push(text.slice(skipFrom, k));
    messages.push(...r.messages);
    pos = skipFrom = end;
  }
  if (messages.length === 0) return { messages, noise: text.trim() };
  noise.push(text.slice(skipFrom));
  return { messages, noise: noise.map((n) => n.trim()).filter(Boolean).join(' … ') };
}
