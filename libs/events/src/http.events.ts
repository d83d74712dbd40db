import 'reflect-metadata';
/** Rebuilt HTTP messages: `mcpspy.v1.http.message`, produced by http-session. */
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Min } from 'class-validator';
import { Subjects } from './subjects';

export const SCHEMA_HTTP_MESSAGE = 'mcpspy.http.v1.message' as const;
export const HTTP_SUBJECT = Subjects.httpMessage;

export interface HttpMessageEvent {
  /** RFC 3339 time of the last byte of this message (kernel clock). */
  timestamp: string;
  /** Kernel monotonic ns of the last byte, as a decimal string. */
  ts_ns: string;
  /** Stream key (see streamKeyOf): tls:<pid>:<ssl> or inet:<inode>. */
  stream: string;
  /** Observer process: the one whose reads/writes carried the bytes. */
  pid: number;
  comm: string;
  /** Whether the observer is the client or the server of this connection. */
  side: 'client' | 'server';
  /** How the bytes were seen: plain socket or TLS plaintext. */
  tls: boolean;
  /** With tls: the hook that saw the plaintext (`openssl`, `gnutls`, `go`, `boringssl`, `rustls`). */
  tls_library?: string;
  is_request: boolean;
  /** body: a whole request or response body; sse_event: one Server-Sent Event's data. */
  kind: 'body' | 'sse_event';
  method?: string;
  path?: string;
  status?: number;
  /** Host header of the request (on responses: of their request). */
  host?: string;
  content_type?: string;
  /** Mcp-Session-Id header (request's or response's). */
  session_id?: string;
  /** Lower-cased header names to values (repeated headers joined by ", "). */
  headers: Record<string, string>;
  /** Body (or SSE data) as UTF-8 text; binary bodies are base64 with body_encoding. */
  body: string;
  body_encoding?: 'utf8' | 'base64';
  /** SSE event name and id, for kind sse_event. */
  sse_event?: string;
  sse_id?: string;
  /** Index of the exchange on its connection (0-based); responses share it with their request. */
  exchange: number;
  /** True when bytes of this message were lost in capture. */
  gap?: boolean;
  /** HTTP version of the exchange: `1.0`, `1.1` or `2`. */
  http_version?: string;
  /** HTTP/2 stream id of the exchange (h2 and h2c only). */
  h2_stream?: number;
}

export class HttpMessageDto implements HttpMessageEvent {
  @IsString() timestamp!: string;
  @IsString() ts_ns!: string;
  @IsString() stream!: string;
  @IsInt() @Min(0) pid!: number;
  @IsString() comm!: string;
  @IsIn(['client', 'server']) side!: 'client' | 'server';
  @IsBoolean() tls!: boolean;
  @IsOptional() @IsString() tls_library?: string;
  @IsBoolean() is_request!: boolean;
  @IsIn(['body', 'sse_event']) kind!: 'body' | 'sse_event';
  @IsOptional() @IsString() method?: string;
  @IsOptional() @IsString() path?: string;
  @IsOptional() @IsInt() status?: number;
  @IsOptional() @IsString() host?: string;
  @IsOptional() @IsString() content_type?: string;
  @IsOptional() @IsString() session_id?: string;
  @IsObject() headers!: Record<string, string>;
  @IsString() body!: string;
  @IsOptional() @IsIn(['utf8', 'base64']) body_encoding?: 'utf8' | 'base64';
  @IsOptional() @IsString() sse_event?: string;
  @IsOptional() @IsString() sse_id?: string;
  @IsInt() @Min(0) exchange!: number;
  @IsOptional() @IsBoolean() gap?: boolean;
  @IsOptional() @IsString() http_version?: string;
  @IsOptional() @IsInt() @Min(0) h2_stream?: number;
}
