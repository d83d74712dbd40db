/**
 * The web stage's state, with no Nest and no HTTP: the newest N MCP messages
 * (paired request ↔ response), the alerts and capture notices, and calls,
 * errors and latency per method and tool. Everything is bounded: a busy host
 * or a hostile peer can make it forget, never grow. Listeners (the event
 * streams of connected browsers) get every change as it happens.
 */
import type { McpMessageEvent, NoticeEvent, SecurityAlertEvent } from '@mcpspy/events';
import { Counters } from '@mcpspy/runtime';
import type { Logger } from '@mcpspy/runtime';
import type { ToolStat, WebAlert, WebCounts, WebMessage, WebNotice, WebSnapshot, WebStreamEvents } from './web-protocol';

export interface WebEngineOptions {
  /** Messages kept (the newest). */
  maxMessages: number;
  /** Alerts kept (the newest). */
  maxAlerts?: number;
  /** Distinct notices kept. */
  maxNotices?: number;
  /** Distinct method/tool rows of the latency table; past it, rows are counted under `(other)`. */
  maxTools?: number;
  /** A message whose raw text is longer is kept with raw, params and result cut to this many characters. */
  maxMessageChars?: number;
  /** Raw characters of all messages kept; past it, the oldest go even below maxMessages. */
  maxTotalChars?: number;
  /** How often the per-tool table is sent while it changes. */
  toolsIntervalMs?: number;
  logger?: Logger;
}

export type WebListener = <K extends keyof WebStreamEvents>(event: K, data: WebStreamEvents[K]) => void;

/** Latency samples kept per method/tool for the percentiles. */
const SAMPLES = 1024;

interface ToolAcc {
  method: string;
  target: string;
  calls: number;
  errors: number;
  timed: number;
  sum: number;
  max: number;
  samples: number[];
  next: number;
}

/** params.name of a tool call or prompt get; empty for every other method. */
export function targetName(method: string | undefined, params: unknown): string {
  if (method !== 'tools/call' && method !== 'prompts/get') return '';
  const name = params && typeof params === 'object' ? (params as Record<string, unknown>).name : undefined;
  return typeof name === 'string' ? name : '';
}

/** True for a JSON-RPC error and for a tool result with `isError: true`. */
export function isFailure(m: McpMessageEvent): boolean {
  if (m.type === 'error') return true;
  const e = m.error as Record<string, unknown> | undefined;
  if (e && typeof e === 'object' && (e.code !== undefined || e.message !== undefined)) return true;
  const r = m.result as Record<string, unknown> | undefined;
  return m.type === 'response' && !!r && typeof r === 'object' && r.isError === true;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function cutText(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export class WebEngine {
  readonly counters = new Counters();
  private readonly maxMessages: number;
  private readonly maxAlerts: number;
  private readonly maxNotices: number;
  private readonly maxTools: number;
  private readonly maxChars: number;
  private readonly maxTotal: number;
  private heldChars = 0;
  private messages: WebMessage[] = [];
  private readonly byN = new Map<number, WebMessage>();
  private readonly byMsgId = new Map<string, number>();
  /** Requests waiting for their response: `session \0 id` → ordinal. */
  private readonly pending = new Map<string, number>();
  private alerts: WebAlert[] = [];
  private readonly notices = new Map<string, WebNotice>();
  private readonly tools = new Map<string, ToolAcc>();
  private readonly listeners = new Set<WebListener>();
  private readonly counts: WebCounts = { messages: 0, evicted: 0, alerts: 0, cut: 0 };
  private nextN = 1;
  private toolsDirty = false;
  private readonly timer?: NodeJS.Timeout;

  constructor(private readonly opts: WebEngineOptions) {
    this.maxMessages = Math.max(1, opts.maxMessages);
    this.maxAlerts = opts.maxAlerts ?? 1000;
    this.maxNotices = opts.maxNotices ?? 500;
    this.maxTools = opts.maxTools ?? 500;
    this.maxChars = opts.maxMessageChars ?? 64 * 1024;
    this.maxTotal = opts.maxTotalChars ?? 64 * 1024 * 1024;
    if (opts.toolsIntervalMs !== 0) {
      this.timer = setInterval(() => this.flushTools(), opts.toolsIntervalMs ?? 1000);
      this.timer.unref();
    }
  }

  // ---- input ---------------------------------------------------------------

  onMessage(m: McpMessageEvent): void {
    try {
      this.addMessage(m);
    } catch (err) {
      // Hostile or malformed input never stops the stage: count it, log once, go on.
      this.counters.reject(this.opts.logger, 'invalid_message', (err as Error).message);
    }
  }

  onAlert(a: SecurityAlertEvent): void {
    try {
      const msg = a.message?.msg_id ? this.byMsgId.get(a.message.msg_id) : undefined;
      const wa: WebAlert = { n: this.nextN++, msg, a };
      this.alerts.push(wa);
      if (this.alerts.length > this.maxAlerts * 1.25) this.alerts = this.alerts.slice(-this.maxAlerts);
      this.counts.alerts++;
      this.counters.inc('alerts');
      this.emit('alert', wa);
    } catch (err) {
      this.counters.reject(this.opts.logger, 'invalid_alert', (err as Error).message);
    }
  }

  onNotice(e: NoticeEvent): void {
    try {
      const key = [e.reason, e.stage, e.pid ?? '', e.stream ?? ''].join('\u0000');
      // Re-inserting moves the key to the end: the oldest untouched notice goes first.
      this.notices.delete(key);
      this.notices.set(key, { key, e });
      if (this.notices.size > this.maxNotices) this.notices.delete(this.notices.keys().next().value as string);
      this.counters.inc('notices');
      this.emit('notice', { key, e });
    } catch (err) {
      this.counters.reject(this.opts.logger, 'invalid_notice', (err as Error).message);
    }
  }

  private addMessage(input: McpMessageEvent): void {
    const m = this.bounded(input);
    const wm: WebMessage = { n: this.nextN++, m };
    if (m !== input) wm.cut = true;
    this.counts.messages++;
    this.counters.inc('messages');
    const sessionKey = m.session ?? '';
    if (m.type === 'request' && m.id !== undefined && m.id !== null) {
      this.pending.set(`${sessionKey}\u0000${JSON.stringify(m.id)}`, wm.n);
      this.countCall(m.method, targetName(m.method, m.params));
    } else if ((m.type === 'response' || m.type === 'error') && m.id !== undefined && m.id !== null) {
      const key = `${sessionKey}\u0000${JSON.stringify(m.id)}`;
      const reqN = this.pending.get(key);
      const req = reqN !== undefined ? this.byN.get(reqN) : undefined;
      if (req) {
        this.pending.delete(key);
        wm.pair = req.n;
        req.pair = wm.n;
      }
      const reqTime = m.request?.timestamp ?? req?.m.timestamp;
      const ms = reqTime ? Date.parse(m.timestamp) - Date.parse(reqTime) : NaN;
      if (Number.isFinite(ms) && ms >= 0) wm.ms = ms;
      const method = m.request?.method ?? req?.m.method;
      if (method) this.countResult(method, targetName(method, m.request?.params ?? req?.m.params), isFailure(m), wm.ms);
    }
    this.messages.push(wm);
    this.heldChars += m.raw.length;
    this.byN.set(wm.n, wm);
    if (m.msg_id) this.byMsgId.set(m.msg_id, wm.n);
    // Evict in chunks: one copy per maxMessages/4 messages instead of a shift per message.
    if (this.messages.length > this.maxMessages + Math.max(1, this.maxMessages >> 2) || this.heldChars > this.maxTotal) this.evict();
    this.emit('message', wm);
  }

  private evict(): void {
    let drop = Math.max(0, this.messages.length - this.maxMessages);
    let chars = this.heldChars;
    for (let i = 0; i < drop; i++) chars -= this.messages[i].m.raw.length;
    // The budget keeps room for a quarter more, so a large message does not cause an eviction per message.
    while (chars > this.maxTotal * 0.75 && drop < this.messages.length - 1) chars -= this.messages[drop++].m.raw.length;
    this.heldChars = chars;
    for (const old of this.messages.slice(0, drop)) {
      this.byN.delete(old.n);
      if (old.m.msg_id && this.byMsgId.get(old.m.msg_id) === old.n) this.byMsgId.delete(old.m.msg_id);
      if (old.m.type === 'request' && old.m.id !== undefined && old.m.id !== null) {
        const key = `${old.m.session ?? ''}\u0000${JSON.stringify(old.m.id)}`;
        if (this.pending.get(key) === old.n) this.pending.delete(key);
      }
    }
    this.messages = this.messages.slice(drop);
    this.counts.evicted += drop;
  }

  /** The message itself, or a copy with its large parts cut (raw, params, result, the embedded request's params). */
  private bounded(m: McpMessageEvent): McpMessageEvent {
    if (typeof m.raw !== 'string') throw new Error('message without raw text');
    if (m.raw.length <= this.maxChars) return m;
    this.counts.cut++;
    this.counters.inc('messages_cut');
    const note = `[cut by the web view: the message is ${m.raw.length} characters; its first ${this.maxChars} are in raw]`;
    const small = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v).length > this.maxChars ? note : v);
    return {
      ...m,
      raw: cutText(m.raw, this.maxChars),
      params: small(m.params),
      result: small(m.result),
      request: m.request ? { ...m.request, params: small(m.request.params) } : undefined,
    };
  }

  private tool(method: string, target: string): ToolAcc {
    let key = `${method}\u0000${target}`;
    let t = this.tools.get(key);
    if (!t && this.tools.size >= this.maxTools) {
      key = '(other)';
      t = this.tools.get(key);
      if (!t) this.tools.set(key, (t = this.newTool('(other)', '')));
    }
    if (!t) this.tools.set(key, (t = this.newTool(method, target)));
    this.toolsDirty = true;
    return t;
  }

  private newTool(method: string, target: string): ToolAcc {
    return { method, target, calls: 0, errors: 0, timed: 0, sum: 0, max: 0, samples: [], next: 0 };
  }

  private countCall(method: string | undefined, target: string): void {
    if (method) this.tool(method, target).calls++;
  }

  private countResult(method: string, target: string, failed: boolean, ms: number | undefined): void {
    const t = this.tool(method, target);
    if (failed) t.errors++;
    if (ms === undefined) return;
    t.timed++;
    t.sum += ms;
    t.max = Math.max(t.max, ms);
    if (t.samples.length < SAMPLES) t.samples.push(ms);
    else t.samples[t.next++ % SAMPLES] = ms;
  }

  // ---- output --------------------------------------------------------------

  toolStats(): ToolStat[] {
    const out: ToolStat[] = [];
    for (const t of this.tools.values()) {
      const s: ToolStat = { method: t.method, target: t.target, calls: t.calls, errors: t.errors, timed: t.timed };
      if (t.timed > 0) {
        const sorted = [...t.samples].sort((a, b) => a - b);
        s.p50 = percentile(sorted, 0.5);
        s.p95 = percentile(sorted, 0.95);
        s.max = t.max;
        s.mean = Math.round((t.sum / t.timed) * 10) / 10;
      }
      out.push(s);
    }
    return out.sort((a, b) => b.calls - a.calls || a.method.localeCompare(b.method) || a.target.localeCompare(b.target));
  }

  snapshot(): WebSnapshot {
    return {
      maxMessages: this.maxMessages,
      messages: this.messages.slice(-this.maxMessages),
      alerts: this.alerts.slice(-this.maxAlerts),
      notices: [...this.notices.values()],
      tools: this.toolStats(),
      counts: { ...this.counts },
    };
  }

  /** Messages held right now (at most maxMessages + a quarter, between evictions). */
  get size(): number {
    return this.messages.length;
  }

  message(n: number): WebMessage | undefined {
    return this.byN.get(n);
  }

  subscribe(listener: WebListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Sends the per-tool table when it changed since the last time. */
  flushTools(): void {
    if (!this.toolsDirty) return;
    this.toolsDirty = false;
    if (this.listeners.size) this.emit('tools', { tools: this.toolStats(), counts: { ...this.counts } });
  }

  private emit<K extends keyof WebStreamEvents>(event: K, data: WebStreamEvents[K]): void {
    for (const l of this.listeners) {
      try {
        l(event, data);
      } catch (err) {
        this.counters.reject(this.opts.logger, 'listener_failed', (err as Error).message);
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.listeners.clear();
  }
}
