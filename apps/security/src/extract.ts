/**
 * Which messages are analysed, under which method, and the texts inside
 * them: argument values, content blocks (text, embedded resources, JSON in
 * strings), tool/prompt/resource definitions and templates, `initialize`
 * instructions and server info, sampling and elicitation requests, log and
 * progress notifications; plus whatever base64, percent encoding, HTML
 * entities, escapes or tag characters hide.
 */
import { judgedMethod, MCP_METHODS, methodsJudged, type McpMessageEvent } from '@mcpspy/events';
import { decodeBase64Runs, decodeEscapes, decodeHtmlEntities, decodePercent, decodeUnicodeTags } from './decode';
import type { TextContext, TextUnit } from './types';

/** Methods whose requests and responses carry text a model will read (from the one method table). */
export const CONTENT_METHODS: ReadonlySet<string> = new Set(methodsJudged('content'));

/** Methods whose responses carry definitions (tool poisoning, rug pulls). */
export const LISTING_METHODS: ReadonlySet<string> = new Set(methodsJudged('listing'));

/**
 * Methods whose responses the model reads as standing instructions: the
 * `initialize` result's `instructions` (a server-written addition to the
 * system prompt) and `serverInfo`. Judged like definitions.
 */
export const INSTRUCTION_METHODS: ReadonlySet<string> = new Set(methodsJudged('instructions'));

/** Server-to-client requests: their text is written by the server, so it is judged as data, not as the agent's own arguments. */
export const SERVER_REQUEST_METHODS: ReadonlySet<string> = new Set(
  MCP_METHODS.filter((m) => m.security === 'content' && m.direction === 'server_to_client').map((m) => m.method),
);

/** Notifications whose text reaches the model or the user: log messages and progress messages. */
export const NOTIFICATION_METHODS: ReadonlySet<string> = new Set(methodsJudged('notification'));

export interface Subject {
  method: string;
  direction: 'request' | 'response' | 'notification';
}

/**
 * The method a message is judged under (`judgedMethod` of the method table,
 * which the sink's synchronous mode also uses to decide what it holds).
 */
export function subjectOf(msg: McpMessageEvent): Subject | undefined {
  const j = judgedMethod(msg);
  return j && { method: j.method, direction: j.direction };
}

const MAX_UNITS = 4096;
const MAX_DEPTH = 24;
const JSON_IN_STRING_MAX = 1 << 20;
/** Keys whose values are protocol vocabulary, not text a model is steered by. */
const SKIP_KEYS = new Set(['type', 'mimeType', 'jsonrpc', 'role', 'progressToken', 'cursor', 'nextCursor', '_meta', 'protocolVersion']);
const BINARY_MIME = /^(image|audio|video)\/|^application\/(octet-stream|pdf|zip|gzip|x-tar)/;

export interface ExtractResult {
  texts: TextUnit[];
  /** True when the unit cap was reached and later texts were not scanned. */
  truncated: boolean;
}

export function extractTexts(msg: McpMessageEvent, subject: Subject): ExtractResult {
  const out: TextUnit[] = [];
  const state = { truncated: false };
  const push = (field: string, text: string, context: TextContext) => addWithDecodings(out, state, field, text, context);
  if (subject.direction === 'request' || subject.direction === 'notification') {
    const params = (msg.params ?? {}) as Record<string, unknown>;
    // Sampling and elicitation requests, logs and progress come from the server: data, not the agent's own arguments.
    const context: TextContext = subject.direction === 'notification' || SERVER_REQUEST_METHODS.has(subject.method) ? 'result' : 'argument';
    for (const [k, v] of Object.entries(params)) {
      // The tool name is an identifier chosen by the client; its arguments are the text.
      if (k === 'name' && subject.method === 'tools/call') continue;
      // Log levels and progress counters are protocol vocabulary.
      if (subject.direction === 'notification' && (k === 'level' || k === 'progress' || k === 'total')) continue;
      walk(v, `params.${k}`, context, push, 0, state);
    }
  } else {
    const context: TextContext = LISTING_METHODS.has(subject.method) || INSTRUCTION_METHODS.has(subject.method) ? 'definition' : 'result';
    if (msg.result !== undefined) walk(msg.result, 'result', context, push, 0, state);
    if (msg.error && typeof msg.error === 'object') {
      if (typeof msg.error.message === 'string') push('error.message', msg.error.message, 'result');
      if (msg.error.data !== undefined) walk(msg.error.data, 'error.data', 'result', push, 0, state);
    }
  }
  return { texts: out, truncated: state.truncated };
}

type Push = (field: string, text: string, context: TextContext) => void;

function walk(v: unknown, path: string, context: TextContext, push: Push, depth: number, state: { truncated: boolean }): void {
  if (depth > MAX_DEPTH || state.truncated) return;
  if (typeof v === 'string') {
    if (v.length === 0) return;
    const t = v.trimStart();
    if ((t[0] === '{' || t[0] === '[') && v.length <= JSON_IN_STRING_MAX) {
      try {
        const parsed: unknown = JSON.parse(v);
        if (parsed && typeof parsed === 'object') {
          walk(parsed, `${path}#json`, context, push, depth + 1, state);
          return;
        }
      } catch {
        // Not JSON after all: scan it as text.
      }
    }
    push(path, v, context);
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) walk(v[i], `${path}[${i}]`, context, push, depth + 1, state);
    return;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const mime = typeof o.mimeType === 'string' ? o.mimeType : '';
    const binaryBlock = o.type === 'image' || o.type === 'audio' || BINARY_MIME.test(mime);
    for (const [k, child] of Object.entries(o)) {
      if (SKIP_KEYS.has(k)) continue;
      if ((k === 'data' || k === 'blob') && binaryBlock) continue;
      walk(child, `${path}.${k}`, context, push, depth + 1, state);
    }
  }
}

const DECODERS: ReadonlyArray<[TextUnit['origin'], (s: string) => string | undefined]> = [
  ['unicode-tags', decodeUnicodeTags],
  ['base64', decodeBase64Runs],
  ['percent', decodePercent],
  ['html', decodeHtmlEntities],
  ['escape', decodeEscapes],
];

function addWithDecodings(out: TextUnit[], state: { truncated: boolean }, field: string, text: string, context: TextContext): void {
  if (out.length >= MAX_UNITS) {
    state.truncated = true;
    return;
  }
  out.push({ field, text, context, origin: 'plain' });
  decodeLayers(out, field, text, context, 0);
}

function decodeLayers(out: TextUnit[], field: string, text: string, context: TextContext, depth: number): void {
  for (const [origin, decode] of DECODERS) {
    const decoded = decode(text);
    if (decoded === undefined || decoded === text) continue;
    if (out.length >= MAX_UNITS) return;
    const f = `${field}#${origin}`;
    out.push({ field: f, text: decoded, context, origin });
    // One more layer catches the usual stacking (base64 of percent-encoded text) without unbounded work.
    if (depth < 1) decodeLayers(out, f, decoded, context, depth + 1);
  }
}
