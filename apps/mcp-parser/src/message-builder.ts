/**
 * Message building: a parsed JSON-RPC message plus what the transport told
 * about it (a Draft) becomes one `McpMessageEvent` in the JSONL schema.
 * Pure: numbering and emission belong to the output.
 */
import { isUtf8 } from 'node:buffer';
import {
  describeMethod,
  HttpTransportInfo,
  McpMessageEvent,
  PairedRequest,
  StdioTransportInfo,
} from '@mcpspy/events';
import { Counters, Logger } from '@mcpspy/runtime';
import type { ParsedMessage } from './jsonrpc';

/** A message ready except for pairing and numbering. */
export interface Draft {
  parsed: ParsedMessage;
  timestamp: string;
  transportType: 'stdio' | 'http';
  stdio?: StdioTransportInfo;
  http?: HttpTransportInfo;
  session: string;
  /** Channel/stream and session: where a known method makes unknown ones acceptable. */
  mcpScopes: string[];
  /** Where a request is remembered (requests only). */
  requestScope?: string;
  /** Where a response looks for its request, in order. */
  responseScopes?: string[];
  /** Who sent it and on which stream (for notices). */
  origin: { pid: number; comm: string; stream: string };
  /** MCP headers of the HTTP request carrying it (requests in HTTP requests only). */
  headers?: { protocolVersion?: string; mcpMethod?: string; traceparent?: string; tracestate?: string };
  /** On a response: the method of the request of the same HTTP exchange, as the transport told it. */
  exchangeMethod?: string;
  /** Reports the protocol violations seen on its stream before it, once the stream is known to carry MCP. */
  reportViolations?: () => void;
}

/** The JSONL message of a draft, with its request when pairing found it; `seq`/`msg_id` are set by the output. */
export function buildMessage(d: Draft, request: PairedRequest | undefined): McpMessageEvent {
  const p = d.parsed;
  const out: McpMessageEvent = { timestamp: d.timestamp, transport_type: d.transportType } as McpMessageEvent;
  if (d.stdio) out.stdio_transport = d.stdio;
  if (d.http) out.http_transport = d.http;
  out.type = p.type;
  if (p.id !== undefined) out.id = p.id;
  if (p.method !== undefined) out.method = p.method;
  if ('params' in p) out.params = p.params;
  if ('result' in p) out.result = p.result;
  out.error = p.error;
  if (request) out.request = request;
  out.raw = p.raw;
  out.session = d.session;
  const description = p.method !== undefined ? describeMethod(p.method) : undefined;
  if (description) out.description = description;
  if (p.batch) out.batch = true;
  return out;
}

/** JSON must be UTF-8 (RFC 8259 §8.1); bad bytes become U+FFFD and are counted rather than losing the message. */
export function decodeUtf8(bytes: Buffer, stream: string, counters: Counters, logger: Logger): string {
  if (!isUtf8(bytes)) counters.reject(logger, 'invalid_utf8', 'bytes are not valid UTF-8; replaced with U+FFFD', { stream });
  return bytes.toString('utf8');
}
