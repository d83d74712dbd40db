/**
 * What the OpenTelemetry and Prometheus outputs read from an MCP message, in
 * one place: the W3C trace context and protocol version a client propagated,
 * the call's target (tool, prompt, resource), how it ended, the transport and
 * the two processes. Pure functions, no OpenTelemetry import.
 *
 * The parser adds `traceparent`, `tracestate` and `protocol_version` to the
 * message when it finds them (issue 15); until those fields reach every
 * build, the same values are read from `params._meta` and from `initialize`
 * here, so pointing at the new fields is a change in this file only.
 */
import { methodInfo, visibleText, type McpMessageEvent } from '@mcpspy/events';

/** The added fields of issue 15 this file reads when they are there. */
type WithConversation = McpMessageEvent & {
  traceparent?: unknown;
  tracestate?: unknown;
  protocol_version?: unknown;
  request_method?: unknown;
};

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

function metaOf(params: unknown): Record<string, unknown> | undefined {
  if (!params || typeof params !== 'object') return undefined;
  const meta = (params as Record<string, unknown>)._meta;
  return meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : undefined;
}

function str(v: unknown, max = 512): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
}

/**
 * The W3C trace context a client put in the request (`params._meta.traceparent`
 * / `tracestate`, as the OpenTelemetry MCP conventions propagate it). A
 * response reads its request's. Only a well-formed traceparent is returned.
 */
export function traceContextOf(m: McpMessageEvent): { traceparent: string; tracestate?: string } | undefined {
  const w = m as WithConversation;
  const meta = metaOf(m.type === 'response' || m.type === 'error' ? m.request?.params : m.params);
  const traceparent = str(w.traceparent) ?? str(meta?.traceparent);
  if (!traceparent || !TRACEPARENT.test(traceparent.toLowerCase())) return undefined;
  const tracestate = str(w.tracestate) ?? str(meta?.tracestate);
  return { traceparent: traceparent.toLowerCase(), ...(tracestate ? { tracestate } : {}) };
}

/**
 * The protocol revision the message states itself: the parser's
 * `protocol_version`, the 2026-07-28 `_meta` key, or `initialize`'s
 * `protocolVersion` (request or result). Undefined when the message says
 * nothing: the caller remembers the conversation's.
 */
export function statedProtocolVersion(m: McpMessageEvent): string | undefined {
  const w = m as WithConversation;
  const own = str(w.protocol_version, 32);
  if (own) return own;
  const meta = metaOf(m.params) ?? metaOf(m.request?.params);
  const modern = str(meta?.['io.modelcontextprotocol/protocolVersion'], 32);
  if (modern) return modern;
  const method = methodOf(m);
  if (method !== 'initialize') return undefined;
  if (m.type === 'request') return str((m.params as Record<string, unknown> | undefined)?.protocolVersion, 32);
  if (m.type === 'response') return str((m.result as Record<string, unknown> | undefined)?.protocolVersion, 32);
  return undefined;
}

/** The method of a message, a response's from its request (or what the transport told). */
export function methodOf(m: McpMessageEvent): string | undefined {
  if (m.type === 'request' || m.type === 'notification') return m.method;
  return m.request?.method ?? m.method ?? str((m as WithConversation).request_method, 200);
}

export interface CallTarget {
  /** `gen_ai.tool.name` (tools/call). */
  tool?: string;
  /** `gen_ai.prompt.name` (prompts/get). */
  prompt?: string;
  /** `mcp.resource.uri` (resources/read|subscribe|unsubscribe, notifications/resources/updated). */
  uri?: string;
}

const URI_METHODS = new Set(['resources/read', 'resources/subscribe', 'resources/unsubscribe', 'notifications/resources/updated']);

/** Tool, prompt or resource a request or notification is about (the params of the request for a response). */
export function targetOf(method: string | undefined, params: unknown): CallTarget {
  if (!params || typeof params !== 'object' || !method) return {};
  const p = params as Record<string, unknown>;
  if (method === 'tools/call') return { tool: str(p.name) };
  if (method === 'prompts/get') return { prompt: str(p.name) };
  if (URI_METHODS.has(method)) return { uri: str(p.uri, 2048) };
  return {};
}

export interface CallOutcome {
  /** `error.type`: the JSON-RPC error code as a string, or `tool_error` for a tool result with `isError`. */
  errorType?: string;
  /** Span status description: the JSON-RPC error message. */
  message?: string;
  /** `rpc.response.status_code`: the JSON-RPC error code. */
  code?: string;
}

/** How a response ended, as the conventions name it. */
export function outcomeOf(m: McpMessageEvent): CallOutcome {
  const err = m.error as { code?: unknown; message?: unknown } | undefined;
  if (m.type === 'error' || (err && (typeof err.code === 'number' || typeof err.message === 'string'))) {
    const code = typeof err?.code === 'number' && Number.isFinite(err.code) ? String(err.code) : undefined;
    return { errorType: code ?? '_OTHER', code, message: str(err?.message, 1024) };
  }
  const r = m.result as Record<string, unknown> | undefined;
  if (r && typeof r === 'object' && r.isError === true) return { errorType: 'tool_error' };
  return {};
}

export interface ProcessInfo {
  pid?: number;
  comm?: string;
}

export interface CallPeers {
  /** `network.transport`: `pipe` for stdio, `tcp` for HTTP. */
  transport: 'pipe' | 'tcp';
  client: ProcessInfo;
  server: ProcessInfo;
  /** HTTP: the Host header, split into `server.address` / `server.port`. */
  serverAddress?: string;
  serverPort?: number;
  /** HTTP: `http`. */
  protocolName?: string;
}

/**
 * Who is the client and who the server of a message. stdio: `clientPid`, when
 * the conversation told it (the writer of `initialize`), decides; else the
 * writer of a request or notification is its initiator, which is the client
 * unless the method goes server → client (sampling, roots, elicitation,
 * logging); a response swaps them back. HTTP:
 * the reporting process is the side it was seen at (`side`), the Host header
 * names the server.
 */
export function peersOf(m: McpMessageEvent, clientPid?: number): CallPeers {
  if (m.transport_type === 'http' && m.http_transport) {
    const h = m.http_transport;
    const me: ProcessInfo = { pid: h.pid, comm: h.comm };
    const { address, port } = splitHost(h.host);
    const isServer = h.side === 'server';
    return {
      transport: 'tcp',
      client: isServer ? {} : me,
      server: isServer ? me : {},
      serverAddress: address,
      serverPort: port,
      protocolName: 'http',
    };
  }
  const s = m.stdio_transport;
  const writer: ProcessInfo = s ? { pid: s.from_pid, comm: s.from_comm } : {};
  const reader: ProcessInfo = s && s.to_pid ? { pid: s.to_pid, comm: s.to_comm } : {};
  const method = methodOf(m);
  const serverInitiated = methodInfo(method)?.direction === 'server_to_client';
  const writerIsInitiator = m.type === 'request' || m.type === 'notification';
  const writerIsClient =
    clientPid !== undefined && s && (s.from_pid === clientPid || s.to_pid === clientPid)
      ? s.from_pid === clientPid
      : writerIsInitiator !== serverInitiated;
  return { transport: 'pipe', client: writerIsClient ? writer : reader, server: writerIsClient ? reader : writer };
}

function splitHost(host: string | undefined): { address?: string; port?: number } {
  if (!host) return {};
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return { address: visibleText(host, 256) };
  const port = m[2] ? Number(m[2]) : undefined;
  return { address: visibleText(m[1].replace(/^\[|\]$/g, ''), 256), port: port && port <= 65535 ? port : undefined };
}

/** Epoch milliseconds of an RFC 3339 timestamp, or undefined when it does not parse. */
export function epochMs(ts: string | undefined): number | undefined {
  if (typeof ts !== 'string') return undefined;
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * A bounded set of label values: the first `max` distinct values keep their
 * name, later ones become `other`. Keeps a peer that invents a tool name per
 * call from growing the series without end.
 */
export class BoundedLabels {
  private readonly seen = new Set<string>();
  overflowed = 0;
  constructor(private readonly max: number, private readonly maxLength = 64) {}

  label(v: string | undefined): string {
    if (v === undefined || v === '') return '';
    // Messages come in runs of the same tool: the last value kept needs no second visibleText.
    if (v === this.lastValue) return this.lastShown;
    const shown = visibleText(v, this.maxLength);
    if (!this.seen.has(shown)) {
      if (this.seen.size >= this.max) {
        this.overflowed++;
        return 'other';
      }
      this.seen.add(shown);
    }
    this.lastValue = v;
    this.lastShown = shown;
    return shown;
  }
  private lastValue: string | undefined;
  private lastShown = '';
}

/** A method as a label: one the method table knows keeps its name, anything else (peer-chosen) is `other`. */
export function methodLabel(method: string | undefined): string {
  if (!method) return 'unknown';
  return methodInfo(method) ? method : 'other';
}
