import 'reflect-metadata';
/**
 * MCP messages: `mcpspy.v1.mcp.message`, produced by mcp-parser. This is also
 * the JSONL line the sink writes, compatible with MCPSpy's schema: fields may
 * be added, never renamed.
 */
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
} from 'class-validator';
import { Subjects } from './subjects';

export const SCHEMA_MCP_MESSAGE = 'mcpspy.mcp.v1.message' as const;
export const MCP_SUBJECT = Subjects.mcpMessage;

export const McpMessageType = ['request', 'response', 'notification', 'error'] as const;
export type McpMessageTypeName = (typeof McpMessageType)[number];

export interface StdioTransportInfo {
  /** Writer of the bytes. */
  from_pid: number;
  from_comm: string;
  /** Reader of the bytes; 0 / "" when no reader was seen. */
  to_pid: number;
  to_comm: string;
}

export interface HttpTransportInfo {
  /** The reporting process: the client when it runs on this host, else the server. */
  pid: number;
  comm: string;
  /** The server the client called (Host header). */
  host: string;
  is_request: boolean;
  /** HTTP method and path of the exchange (added fields). */
  method?: string;
  path?: string;
  status?: number;
  /** Mcp-Session-Id of the exchange, when the server set one. */
  session_id?: string;
  /** True when the bytes were TLS plaintext. */
  tls?: boolean;
  /** With tls: the hook that saw the plaintext (`openssl`, `gnutls`, `go`, `boringssl`, `rustls`). */
  tls_library?: string;
  /** Which side of the connection the message was observed at. */
  side?: 'client' | 'server';
  /** HTTP version of the exchange (`1.1`, `2`). */
  http_version?: string;
}

export interface JsonRpcError {
  code?: number;
  message?: string;
  data?: unknown;
}

/** A request as embedded in its response (`request` field). */
export interface PairedRequest {
  type: 'request';
  id: string | number | null;
  method: string;
  params?: unknown;
  error: Record<string, never>;
  timestamp?: string;
}

export interface McpMessageEvent {
  /** RFC 3339 with ms, from the kernel's event time. */
  timestamp: string;
  transport_type: 'stdio' | 'http';
  stdio_transport?: StdioTransportInfo;
  http_transport?: HttpTransportInfo;
  type: McpMessageTypeName;
  id?: string | number | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  /** `{}` when the message carries no error, as in MCPSpy's output. */
  error: JsonRpcError;
  /** On responses: the request they answer, when it was seen. */
  request?: PairedRequest;
  /** The JSON text of this message exactly as captured. */
  raw: string;
  /** Conversation key used for pairing: stdio stream or HTTP session (added field). */
  session?: string;
  /** Short human description of the method (added field). */
  description?: string;
  /** True when this message came inside a JSON-RPC batch array (added field). */
  batch?: boolean;
  /** Per-process monotonically increasing sequence number (added field). */
  seq?: number;
  /** Unique id of this message (`<instance>:<seq>`), referenced by alerts and verdicts (added field). */
  msg_id?: string;
  /**
   * MCP protocol revision of this message (added field): the request's
   * `_meta["io.modelcontextprotocol/protocolVersion"]` (2026-07-28), else the
   * HTTP `MCP-Protocol-Version` header, else the version `initialize`
   * negotiated (2025-11-25 and earlier); a response takes its request's, and a
   * message that carries none the last one its conversation (`session`) used.
   */
  protocol_version?: string;
  /**
   * The client of the conversation, self-reported (added fields): the
   * request's `_meta["io.modelcontextprotocol/clientInfo"]` (2026-07-28) or
   * `initialize`'s `clientInfo` (earlier revisions), on every message of the
   * conversation once known.
   */
  client_name?: string;
  client_version?: string;
  /** The server, self-reported: a result's `_meta["io.modelcontextprotocol/serverInfo"]` or `initialize`'s `serverInfo` (added fields). */
  server_name?: string;
  server_version?: string;
  /**
   * W3C trace context a client propagated with this request (added fields):
   * `params._meta.traceparent` / `tracestate`, else the HTTP headers of the
   * same name. A response carries its request's.
   */
  traceparent?: string;
  tracestate?: string;
  /**
   * On a response whose request was not seen: the request's method as the
   * transport told it (the `Mcp-Method` header or the body of the HTTP request
   * of the same exchange). Absent when nothing told it; a response with
   * neither `request` nor `request_method` is one whose request was not seen.
   */
  request_method?: string;
  /**
   * `result.resultType` of a response when the result names one (added
   * field): `complete`, `input_required` (a Multi Round-Trip Requests interim
   * result: the server asks for `inputRequests` and the client re-issues the
   * call), `task` (Tasks extension).
   */
  result_type?: string;
  /**
   * A request that re-issues an earlier call after an `input_required` result
   * (Multi Round-Trip Requests; it carries `inputResponses` or `requestState`)
   * is one logical call with it (added fields): `retry_of` is the `msg_id` of
   * the first request of the call, `retry_of_id` its JSON-RPC id, `round` the
   * attempt number (2 for the first retry).
   */
  retry_of?: string;
  retry_of_id?: string | number;
  round?: number;
  /**
   * True when the method is defined by no MCP revision the table knows
   * (added field). Such messages are written only on a stream or conversation
   * that carries MCP; elsewhere they are another JSON-RPC protocol and stay out.
   */
  unknown_method?: boolean;
}

export class StdioTransportDto implements StdioTransportInfo {
  @IsInt() @Min(0) from_pid!: number;
  @IsString() from_comm!: string;
  @IsInt() @Min(0) to_pid!: number;
  @IsString() to_comm!: string;
}

export class HttpTransportDto implements HttpTransportInfo {
  @IsInt() @Min(0) pid!: number;
  @IsString() comm!: string;
  @IsString() host!: string;
  @IsBoolean() is_request!: boolean;
  @IsOptional() @IsString() method?: string;
  @IsOptional() @IsString() path?: string;
  @IsOptional() @IsInt() status?: number;
  @IsOptional() @IsString() session_id?: string;
  @IsOptional() @IsBoolean() tls?: boolean;
  @IsOptional() @IsString() tls_library?: string;
  @IsOptional() @IsIn(['client', 'server']) side?: 'client' | 'server';
  @IsOptional() @IsString() http_version?: string;
}

export class McpMessageDto implements McpMessageEvent {
  @IsString() timestamp!: string;
  @IsIn(['stdio', 'http']) transport_type!: 'stdio' | 'http';
  @IsOptional() @ValidateNested() @Type(() => StdioTransportDto) stdio_transport?: StdioTransportDto;
  @IsOptional() @ValidateNested() @Type(() => HttpTransportDto) http_transport?: HttpTransportDto;
  @IsIn(McpMessageType as unknown as string[]) type!: McpMessageTypeName;
  @IsOptional() id?: string | number | null;
  @IsOptional() @IsString() method?: string;
  @IsOptional() params?: unknown;
  @IsOptional() result?: unknown;
  @IsObject() error!: JsonRpcError;
  @IsOptional() @IsObject() request?: PairedRequest;
  @IsString() raw!: string;
  @IsOptional() @IsString() session?: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsBoolean() batch?: boolean;
  @IsOptional() @IsInt() seq?: number;
  @IsOptional() @IsString() msg_id?: string;
  @IsOptional() @IsString() protocol_version?: string;
  @IsOptional() @IsString() client_name?: string;
  @IsOptional() @IsString() client_version?: string;
  @IsOptional() @IsString() server_name?: string;
  @IsOptional() @IsString() server_version?: string;
  @IsOptional() @IsString() traceparent?: string;
  @IsOptional() @IsString() tracestate?: string;
  @IsOptional() @IsString() request_method?: string;
  @IsOptional() @IsString() result_type?: string;
  @IsOptional() @IsString() retry_of?: string;
  @IsOptional() retry_of_id?: string | number;
  @IsOptional() @IsInt() @Min(2) round?: number;
  @IsOptional() @IsBoolean() unknown_method?: boolean;
}
