/**
 * What the web stage sends to the browser over its event stream
 * (`GET /api/stream`, Server-Sent Events). The first event is a snapshot of
 * everything the stage holds; then one event per message, alert and notice,
 * and the per-tool table every second while it changes. Shared with the
 * frontend as types only.
 */
import type { McpMessageEvent, NoticeEvent, SecurityAlertEvent } from '@mcpspy/events';

/** One MCP message as the stage keeps it. */
export interface WebMessage {
  /** Ordinal given by the web stage: increasing, never reused. */
  n: number;
  /** Ordinal of the paired request or response, when the stage holds it. */
  pair?: number;
  /** Latency of the call in ms (response - request kernel times), on responses. */
  ms?: number;
  /** True when params/result/raw were cut to keep the stage's memory bounded. */
  cut?: boolean;
  m: McpMessageEvent;
}

export interface WebAlert {
  n: number;
  /** Ordinal of the message it concerns, when the stage holds it. */
  msg?: number;
  a: SecurityAlertEvent;
}

export interface WebNotice {
  /** Key: reason, stage, pid and stream; a later notice with the same key replaces the former. */
  key: string;
  e: NoticeEvent;
}

/** Calls, errors and latency of one method and tool (or prompt, or resource). */
export interface ToolStat {
  method: string;
  /** params.name of tools/call and prompts/get; empty otherwise. */
  target: string;
  calls: number;
  /** JSON-RPC errors and `isError` results. */
  errors: number;
  /** Responses whose request was seen (the latency figures cover these). */
  timed: number;
  p50?: number;
  p95?: number;
  max?: number;
  mean?: number;
}

export interface WebCounts {
  /** Messages received since start. */
  messages: number;
  /** Messages no longer held (past the bound). */
  evicted: number;
  alerts: number;
  /** Messages whose payload was cut for size. */
  cut: number;
}

export interface WebSnapshot {
  maxMessages: number;
  messages: WebMessage[];
  alerts: WebAlert[];
  notices: WebNotice[];
  tools: ToolStat[];
  counts: WebCounts;
}

/** SSE event names and their data. */
export interface WebStreamEvents {
  snapshot: WebSnapshot;
  message: WebMessage;
  alert: WebAlert;
  notice: WebNotice;
  tools: { tools: ToolStat[]; counts: WebCounts };
}
