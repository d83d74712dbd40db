import 'reflect-metadata';
/**
 * `mcpspy.v1.notice`: what the monitor saw but cannot show, or saw done
 * wrong. A stage publishes one notice per (reason, process, stream) the first
 * time it happens, then only raises `count` in later notices at most every few
 * seconds; the sink writes each as a JSONL line `"type": "notice"` and a
 * console/TUI line, and `/metrics` counts them by reason.
 */
import { IsIn, IsInt, IsOptional, IsString, Min } from 'class-validator';
import { Subjects } from './subjects';

export const SCHEMA_NOTICE = 'mcpspy.notice.v1' as const;
export const NOTICE_SUBJECT = Subjects.notice;

/**
 * Why a notice was raised. Coverage (traffic that cannot be decoded), protocol
 * (a peer breaks the rules), and capacity (state evicted, budget hit).
 */
export const NOTICE_REASONS = [
  // coverage: seen, not shown
  'tls_unhooked', // TLS handshake on a connection no hooked library gives plaintext for
  'h2_unsupported', // HTTP/2 that cannot be followed
  'hpack_state_lost', // HTTP/2 connection picked up mid-way: header tables unknown
  'encoding_unsupported', // a content encoding that is not decoded
  'io_uring', // a monitored process does I/O through io_uring
  'kernel_copy', // splice/tee/sendfile moved bytes on a pipe or socket without a user buffer to read
  'capture_gap', // bytes lost between the kernel and the stages
  'quiet_unchecked', // a quiet stream (256 non-MCP calls) started MCP/HTTP: its calls before the check that caught it were not looked at
  // protocol: a peer breaks the rules
  'stdio_non_jsonrpc', // bytes that are not JSON-RPC on an MCP stdio stream (logs on stdout)
  'jsonrpc_nonconforming', // JSON-RPC 1.0, missing jsonrpc, bad id, ...
  'unknown_method', // a valid JSON-RPC message whose method no MCP revision defines
  'name_not_visible', // a name whose visible form differs from its bytes (controls, bidi, zero-width)
  // capacity
  'budget_evicted', // state evicted to stay within a memory budget
  'output_stuck', // an output does not accept data
  'analysis_budget_exceeded', // a message's security analysis passed its time budget and was abandoned
] as const;
export type NoticeReason = (typeof NOTICE_REASONS)[number];

export interface NoticeEvent {
  /** RFC 3339 with milliseconds: when the stage first saw it (kernel time where known). */
  timestamp: string;
  reason: NoticeReason;
  /** Stage that raised it (`probe`, `http-session`, `mcp-parser`, `security`, `sink`). */
  stage: string;
  /** Process concerned, when one is. */
  pid?: number;
  comm?: string;
  /** Stream or connection key, when one is. */
  stream?: string;
  /** One human sentence: what was seen and why it cannot be shown. Traffic text inside is escaped. */
  detail: string;
  /** Offending bytes, escaped and shortened (at most 200 characters). */
  sample?: string;
  /** How many times this (reason, pid, stream) happened so far; 1 on the first notice. */
  count: number;
}

export class NoticeDto implements NoticeEvent {
  @IsString() timestamp!: string;
  @IsIn(NOTICE_REASONS as unknown as string[]) reason!: NoticeReason;
  @IsString() stage!: string;
  @IsOptional() @IsInt() @Min(0) pid?: number;
  @IsOptional() @IsString() comm?: string;
  @IsOptional() @IsString() stream?: string;
  @IsString() detail!: string;
  @IsOptional() @IsString() sample?: string;
  @IsInt() @Min(1) count!: number;
}
