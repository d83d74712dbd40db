/**
 * The browser's copy of what the web stage holds, fed by the event stream
 * (`/api/stream`): a snapshot first, then one event per change. Nothing here
 * touches the DOM; views read it and re-render on `changed`.
 */
import type { McpMessageEvent } from '@mcpspy/events';
import type { ToolStat, WebAlert, WebCounts, WebMessage, WebNotice, WebSnapshot } from '../web-protocol';

export type Kind = 'REQ' | 'RESP' | 'NOTF' | 'ERR';

export function kindOf(m: McpMessageEvent): Kind {
  if (m.type === 'request') return 'REQ';
  if (m.type === 'notification') return 'NOTF';
  if (m.type === 'error') return 'ERR';
  const e = m.error as { code?: unknown; message?: unknown } | undefined;
  return e && (e.code !== undefined || e.message !== undefined) ? 'ERR' : 'RESP';
}

export function methodOf(m: McpMessageEvent): string {
  return m.method ?? m.request?.method ?? '';
}

/** params.name (tools, prompts) or params.uri (resources) of the message or its request. */
export function targetOf(m: McpMessageEvent): string {
  const p = (m.params ?? m.request?.params) as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object') return '';
  if (typeof p.name === 'string') return p.name;
  if (typeof p.uri === 'string') return p.uri;
  return '';
}

export function isErrorResult(m: McpMessageEvent): boolean {
  const r = m.result as { isError?: unknown } | undefined;
  return !!r && typeof r === 'object' && r.isError === true;
}

function endpoint(comm: string | undefined, pid: number | undefined): string {
  return pid ? `${comm || '?'}[${pid}]` : comm || '?';
}

/** Writer → reader for stdio; client → host or host → client for HTTP. */
export function endpointsOf(m: McpMessageEvent): { from: string; to: string } {
  const h = m.http_transport;
  if (m.transport_type === 'http' && h) {
    const proc = endpoint(h.comm, h.pid);
    return h.is_request ? { from: proc, to: h.host || '?' } : { from: h.host || '?', to: proc };
  }
  const s = m.stdio_transport;
  if (!s) return { from: '?', to: '?' };
  return { from: endpoint(s.from_comm, s.from_pid), to: endpoint(s.to_comm, s.to_pid) };
}

export function sessionOf(m: McpMessageEvent): string {
  if (m.session) return m.session;
  const s = m.stdio_transport;
  if (s) return `stdio:${Math.min(s.from_pid, s.to_pid)}-${Math.max(s.from_pid, s.to_pid)}`;
  const h = m.http_transport;
  return h ? `http:${h.host}:${h.pid}` : 'unknown';
}

export function clock(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts.slice(0, 12);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export type Connection = 'connecting' | 'live' | 'lost';

export class ViewState {
  maxMessages = 5000;
  messages: WebMessage[] = [];
  byN = new Map<number, WebMessage>();
  alerts: WebAlert[] = [];
  /** Alerts per msg_id: over NATS an alert may arrive before its message, so the link is made by id, not by arrival. */
  alertsById = new Map<string, WebAlert[]>();
  byMsgId = new Map<string, WebMessage>();
  notices = new Map<string, WebNotice>();
  tools: ToolStat[] = [];
  counts: WebCounts = { messages: 0, evicted: 0, alerts: 0, cut: 0 };
  connection: Connection = 'connecting';
  version = 0;
  private listeners = new Set<() => void>();
  private pending?: ReturnType<typeof setTimeout>;

  onChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Re-renders at most every 100 ms however fast events come. */
  changed(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.version++;
      for (const l of this.listeners) l();
    }, 100);
  }

  snapshot(s: WebSnapshot): void {
    this.maxMessages = s.maxMessages;
    this.messages = [];
    this.byN.clear();
    this.alerts = [];
    this.alertsById.clear();
    this.byMsgId.clear();
    this.notices.clear();
    for (const m of s.messages) this.message(m, false);
    for (const a of s.alerts) this.alert(a, false);
    for (const n of s.notices) this.notices.set(n.key, n);
    this.tools = s.tools;
    this.counts = s.counts;
    this.changed();
  }

  message(wm: WebMessage, notify = true): void {
    this.messages.push(wm);
    this.byN.set(wm.n, wm);
    if (wm.m.msg_id) this.byMsgId.set(wm.m.msg_id, wm);
    if (wm.pair !== undefined) {
      const other = this.byN.get(wm.pair);
      if (other) other.pair = wm.n;
    }
    if (this.messages.length > this.maxMessages + 500) {
      for (const old of this.messages.splice(0, this.messages.length - this.maxMessages)) {
        this.byN.delete(old.n);
        if (old.m.msg_id && this.byMsgId.get(old.m.msg_id) === old) this.byMsgId.delete(old.m.msg_id);
      }
    }
    if (notify) {
      this.counts.messages++;
      this.changed();
    }
  }

  alert(wa: WebAlert, notify = true): void {
    this.alerts.push(wa);
    if (this.alerts.length > 2000) {
      for (const old of this.alerts.splice(0, 500)) {
        const id = old.a.message?.msg_id;
        const rest = id ? this.alertsById.get(id)?.filter((x) => x !== old) : undefined;
        if (id && rest?.length) this.alertsById.set(id, rest);
        else if (id) this.alertsById.delete(id);
      }
    }
    const id = wa.a.message?.msg_id;
    if (typeof id === 'string') {
      const list = this.alertsById.get(id) ?? [];
      list.push(wa);
      this.alertsById.set(id, list);
    }
    if (notify) {
      this.counts.alerts++;
      this.changed();
    }
  }

  notice(n: WebNotice): void {
    this.notices.delete(n.key);
    this.notices.set(n.key, n);
    this.changed();
  }

  /** Alerts on a message. */
  alertsOf(wm: WebMessage): WebAlert[] | undefined {
    return wm.m.msg_id ? this.alertsById.get(wm.m.msg_id) : undefined;
  }

  /** The message an alert names, when held. */
  messageOf(wa: WebAlert): WebMessage | undefined {
    const id = wa.a.message?.msg_id;
    return (id ? this.byMsgId.get(id) : undefined) ?? (wa.msg !== undefined ? this.byN.get(wa.msg) : undefined);
  }

  connect(): void {
    // Same origin: the HttpOnly cookie set at the first load goes with it; the token is never in script reach.
    const es = new EventSource('/api/stream');
    const on = (name: string, f: (d: any) => void) =>
      es.addEventListener(name, (ev) => {
        try {
          f(JSON.parse((ev as MessageEvent<string>).data));
        } catch {
          // A malformed event is skipped; the next snapshot (on reconnect) repairs the view.
        }
      });
    on('snapshot', (d) => this.snapshot(d));
    on('message', (d) => this.message(d));
    on('alert', (d) => this.alert(d));
    on('notice', (d) => this.notice(d));
    on('tools', (d) => {
      this.tools = d.tools;
      this.counts = d.counts;
      this.changed();
    });
    es.onopen = () => {
      this.connection = 'live';
      this.changed();
    };
    es.onerror = () => {
      this.connection = es.readyState === EventSource.CLOSED ? 'lost' : 'connecting';
      this.changed();
    };
  }
}
