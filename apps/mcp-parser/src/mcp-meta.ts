/**
 * What an MCP message says about its conversation, read from the message
 * alone (pure): protocol version, client and server identity, trace context
 * and the Multi Round-Trip Requests fields. Both eras:
 * - 2026-07-28 (stateless): every request's `params._meta` carries
 *   `io.modelcontextprotocol/protocolVersion` and `/clientInfo`; results carry
 *   `_meta["io.modelcontextprotocol/serverInfo"]` and `resultType`.
 * - 2025-11-25 and earlier: `initialize` params carry `protocolVersion` and
 *   `clientInfo`, its result `protocolVersion` and `serverInfo`.
 * Trace context (`traceparent`, `tracestate`) sits in `params._meta` (SEP-414).
 * Values are the peer's own words: strings only, bounded in length.
 */
const MAX_FIELD = 256;

export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

export interface MessageFacts {
  protocolVersion?: string;
  clientName?: string;
  clientVersion?: string;
  serverName?: string;
  serverVersion?: string;
  traceparent?: string;
  tracestate?: string;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v.slice(0, MAX_FIELD) : undefined;
}

function setIf<K extends keyof MessageFacts>(f: MessageFacts, k: K, v: string | undefined): void {
  if (v !== undefined) f[k] = v;
}

/** Facts of a request or notification from its method and params. */
export function paramsFacts(method: string | undefined, params: unknown): MessageFacts {
  const f: MessageFacts = {};
  const p = obj(params);
  if (!p) return f;
  const meta = obj(p._meta);
  if (meta) {
    setIf(f, 'protocolVersion', str(meta[META_PROTOCOL_VERSION]));
    const ci = obj(meta[META_CLIENT_INFO]);
    if (ci) {
      setIf(f, 'clientName', str(ci.name));
      setIf(f, 'clientVersion', str(ci.version));
    }
    setIf(f, 'traceparent', str(meta.traceparent));
    setIf(f, 'tracestate', str(meta.tracestate));
  }
  if (method === 'initialize') {
    if (f.protocolVersion === undefined) setIf(f, 'protocolVersion', str(p.protocolVersion));
    const ci = obj(p.clientInfo);
    if (ci && f.clientName === undefined) {
      setIf(f, 'clientName', str(ci.name));
      setIf(f, 'clientVersion', str(ci.version));
    }
  }
  return f;
}

/** Facts of a result: the server's identity, and the version `initialize` settled on. */
export function resultFacts(requestMethod: string | undefined, result: unknown): MessageFacts {
  const f: MessageFacts = {};
  const r = obj(result);
  if (!r) return f;
  const si = obj(obj(r._meta)?.[META_SERVER_INFO]) ?? (requestMethod === 'initialize' ? obj(r.serverInfo) : undefined);
  if (si) {
    setIf(f, 'serverName', str(si.name));
    setIf(f, 'serverVersion', str(si.version));
  }
  if (requestMethod === 'initialize') setIf(f, 'protocolVersion', str(r.protocolVersion));
  return f;
}

/** A request re-issuing a call after an `input_required` result: it answers with `inputResponses` or hands back `requestState`. */
export function retryFacts(params: unknown): { retry: boolean; requestState?: string } {
  const p = obj(params);
  if (!p) return { retry: false };
  const requestState = typeof p.requestState === 'string' ? p.requestState : undefined;
  return { retry: obj(p.inputResponses) !== undefined || requestState !== undefined, requestState };
}

/** `requestState` of an `input_required` result, when it has one. */
export function resultRequestState(result: unknown): string | undefined {
  const s = obj(result)?.requestState;
  return typeof s === 'string' ? s : undefined;
}

/** params.name (tools, prompts) or params.uri (resources): what a call is about. */
export function targetOf(params: unknown): string {
  const p = obj(params);
  if (!p) return '';
  return typeof p.name === 'string' ? p.name : typeof p.uri === 'string' ? p.uri : '';
}
