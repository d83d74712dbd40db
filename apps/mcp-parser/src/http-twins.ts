/**
 * HTTP messages: the JSON-RPC messages of each HTTP body or SSE event, once
 * each although http-session may report a message twice (client side and
 * server side, when both run here). A client observation goes out at once; a
 * server observation waits a little for its client twin. See the README, "HTTP".
 */
import { createHash } from 'node:crypto';
import { HttpMessageEvent, HttpTransportInfo, visibleText } from '@mcpspy/events';
import { Counters, Logger } from '@mcpspy/runtime';
import { DeadlineQueue } from './deadline-queue';
import { BoundedMap, LiveQueue } from './live-queue';
import { ParsedMessage, parseJsonRpcText } from './jsonrpc';
import { decodeUtf8, Draft } from './message-builder';
import { Notices } from './notices';
import { ProcNames } from './proc-names';

/** How long a host counts as having local clients after the last client-side sight. */
const LOCAL_CLIENT_MEMORY_MS = 10 * 60_000;
/** How long an emitted HTTP observation can still swallow its late twin (ms, at least). */
const TWIN_MEMORY_MIN_MS = 2000;
const MAX_TWIN_KEYS = 100_000;
/** Exchanges whose request method is remembered for their response. */
const MAX_EXCHANGES = 10_000;

export interface HttpConfig {
  twinWaitMs: number;
  localClientTwinWaitMs: number;
  maxJsonDepth: number;
}

export interface HttpDeps {
  counters: Counters;
  logger: Logger;
  names: ProcNames;
  notices: Notices;
  isMcp(scopes: string[]): boolean;
  output(d: Draft): void;
}

interface HeldHttp {
  key: string;
  drafts: Draft[];
  deadline: number;
  done: boolean;
}

interface TwinCount {
  n: number;
  exp: number;
}

export class HttpTwins {
  private readonly held: DeadlineQueue<HeldHttp>;
  private readonly waitingServer = new Map<string, HeldHttp[]>();
  /** Hosts whose clients run on this machine (a client-side observation was seen), by last sight. */
  private readonly localClientHosts = new Map<string, number>();
  private readonly serverEmitted = new TwinCounts();
  private readonly clientEmitted = new TwinCounts();
  /** Request method of each recent exchange (`stream#exchange`), for a response whose request was not seen. */
  private readonly exchanges = new BoundedMap<string>(MAX_EXCHANGES);

  constructor(
    private readonly cfg: HttpConfig,
    private readonly deps: HttpDeps,
  ) {
    this.held = new DeadlineQueue<HeldHttp>((h) => this.releaseServerObservation(h));
  }

  onMessage(ev: HttpMessageEvent): void {
    const { counters, logger } = this.deps;
    counters.inc('http_messages');
    const exchange = `${ev.stream}#${ev.exchange}`;
    // The transport names the method even when the request body is lost: Mcp-Method (2026-07-28).
    if (ev.is_request) {
      const m = ev.headers?.['mcp-method'];
      if (m) this.exchanges.put(exchange, m.slice(0, 256));
    }
    if (ev.gap) {
      counters.reject(logger, 'http_gap', 'bytes of the HTTP message were lost in capture', { stream: ev.stream });
      return;
    }
    let body = typeof ev.body === 'string' ? ev.body : '';
    if (ev.body_encoding === 'base64') body = decodeUtf8(Buffer.from(body, 'base64'), ev.stream, counters, logger);
    if (ev.kind !== 'sse_event' && /text\/event-stream/i.test(ev.content_type ?? '')) {
      // http-session splits every event stream into events; a whole one comes only from an older producer.
      counters.reject(logger, 'sse_bodies_unsplit', 'an event stream arrived as one body instead of one message per event', { stream: ev.stream });
      return;
    }
    const result = parseJsonRpcText(body, this.cfg.maxJsonDepth);
    for (const r of result.rejects) {
      counters.reject(logger, r.counter, r.reason, { stream: ev.stream });
      if (r.nonconforming && this.deps.isMcp([ev.stream])) {
        this.deps.notices.report('jsonrpc_nonconforming', {
          timestamp: ev.timestamp,
          pid: ev.pid,
          comm: ev.comm,
          stream: ev.stream,
          detail: `a message on an MCP HTTP stream that is not conforming JSON-RPC 2.0 (${r.reason}); not written`,
          sample: visibleText(body, 200),
        });
      }
    }
    if (result.messages.length === 0) return;
    if (ev.is_request && !this.exchanges.has(exchange)) {
      const reqs = result.messages.filter((m) => m.type === 'request');
      if (reqs.length === 1 && reqs[0].method) this.exchanges.put(exchange, reqs[0].method);
    }
    const exchangeMethod = ev.is_request ? undefined : this.exchanges.get(exchange);
    const drafts = result.messages.map((m) => this.draft(ev, m, exchangeMethod));
    const key = createHash('sha1').update(ev.is_request ? 'q\0' : 'r\0').update(body.trim()).digest('base64');
    if (ev.side === 'client') this.clientObservation(key, drafts);
    else this.serverObservation(key, drafts);
  }

  /** Emits every held server observation now. */
  flush(): void {
    this.held.drain((h) => this.releaseServerObservation(h));
  }

  close(): void {
    this.held.close();
  }

  private draft(ev: HttpMessageEvent, parsed: ParsedMessage, exchangeMethod: string | undefined): Draft {
    const host = ev.host ?? ev.headers?.host ?? '';
    const http: HttpTransportInfo = { pid: ev.pid, comm: this.deps.names.commOf({ pid: ev.pid, comm: ev.comm }), host, is_request: ev.is_request };
    if (ev.method !== undefined) http.method = ev.method;
    if (ev.path !== undefined) http.path = ev.path;
    if (ev.status !== undefined) http.status = ev.status;
    if (ev.session_id !== undefined) http.session_id = ev.session_id;
    http.tls = ev.tls;
    http.side = ev.side;
    if (ev.tls_library !== undefined) http.tls_library = ev.tls_library;
    if (ev.http_version !== undefined) http.http_version = ev.http_version;
    // Without Mcp-Session-Id the conversation is this host as seen by this process.
    const fallback = `http:${host}:${ev.pid}`;
    const session = ev.session_id ? `http:${ev.session_id}` : fallback;
    const draft: Draft = {
      parsed,
      timestamp: ev.timestamp,
      transportType: 'http',
      http,
      session,
      mcpScopes: [ev.stream, session],
      origin: { pid: ev.pid, comm: http.comm, stream: ev.stream },
    };
    const h = ev.headers ?? {};
    if (ev.is_request) {
      const headers: NonNullable<Draft['headers']> = {};
      if (h['mcp-protocol-version']) headers.protocolVersion = h['mcp-protocol-version'].slice(0, 64);
      if (h['mcp-method']) headers.mcpMethod = h['mcp-method'].slice(0, 256);
      if (h.traceparent) headers.traceparent = h.traceparent.slice(0, 256);
      if (h.tracestate) headers.tracestate = h.tracestate.slice(0, 512);
      if (Object.keys(headers).length > 0) draft.headers = headers;
    } else if (exchangeMethod !== undefined && (parsed.type === 'response' || parsed.type === 'error')) draft.exchangeMethod = exchangeMethod;
    // A JSON-RPC request riding in an HTTP request was asked by the client;
    // one riding in a response (SSE) by the server.
    if (parsed.type === 'request') draft.requestScope = `${session}:${ev.is_request ? 'c' : 's'}`;
    else if (parsed.type === 'response' || parsed.type === 'error') {
      const asker = ev.is_request ? 's' : 'c';
      // initialize is sent before the server names the session: its request sits under the fallback.
      draft.responseScopes = ev.session_id ? [`${session}:${asker}`, `${fallback}:${asker}`] : [`${session}:${asker}`];
    }
    return draft;
  }

  private clientObservation(key: string, drafts: Draft[]): void {
    const host = drafts[0]?.http?.host;
    if (host !== undefined) {
      this.localClientHosts.delete(host);
      this.localClientHosts.set(host, Date.now());
      if (this.localClientHosts.size > 10_000) this.localClientHosts.delete(this.localClientHosts.keys().next().value as string);
    }
    const waiting = this.waitingServer.get(key);
    if (waiting && waiting.length > 0) {
      waiting.shift()!.done = true;
      if (waiting.length === 0) this.waitingServer.delete(key);
      this.deps.counters.inc('http_twins_merged');
      // The merged one may have been the head of the queue: wait for the next head only.
      this.held.rearm();
    } else if (this.serverEmitted.takeOne(key)) {
      // The server's view went out after the wait; this is its late twin.
      this.deps.counters.inc('http_twins_late');
      return;
    } else {
      this.clientEmitted.addOne(key, this.twinMemoryMs());
    }
    for (const d of drafts) this.deps.output(d);
  }

  private serverObservation(key: string, drafts: Draft[]): void {
    if (this.clientEmitted.takeOne(key)) {
      this.deps.counters.inc('http_twins_merged');
      return;
    }
    const host = drafts[0]?.http?.host;
    const seen = host !== undefined ? this.localClientHosts.get(host) : undefined;
    const local = seen !== undefined && Date.now() - seen < LOCAL_CLIENT_MEMORY_MS;
    const wait = local ? Math.max(this.cfg.twinWaitMs, this.cfg.localClientTwinWaitMs) : this.cfg.twinWaitMs;
    const h: HeldHttp = { key, drafts, deadline: Date.now() + wait, done: false };
    const list = this.waitingServer.get(key);
    if (list) list.push(h);
    else this.waitingServer.set(key, [h]);
    this.held.push(h);
  }

  private releaseServerObservation(h: HeldHttp): void {
    h.done = true;
    const list = this.waitingServer.get(h.key);
    if (list) {
      const i = list.indexOf(h);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.waitingServer.delete(h.key);
    }
    this.serverEmitted.addOne(h.key, this.twinMemoryMs());
    this.deps.counters.inc('http_server_only');
    for (const d of h.drafts) this.deps.output(d);
  }

  private twinMemoryMs(): number {
    return Math.max(TWIN_MEMORY_MIN_MS, this.cfg.twinWaitMs * 20);
  }
}

/**
 * Lines emitted lately, counted per key, each forgotten after its window.
 * Every entry gets the same window when refreshed, so the oldest-refreshed
 * expires first; a LiveQueue finds it without walking the Map's deleted
 * holes from its start on every call.
 */
class TwinCounts {
  private readonly m = new Map<string, TwinCount>();
  private readonly order = new LiveQueue<TwinCount>((k, e) => this.m.get(k) === e);

  takeOne(key: string): boolean {
    const m = this.m;
    const e = m.get(key);
    if (!e) return false;
    if (e.exp < Date.now()) {
      m.delete(key);
      return false;
    }
    if (--e.n <= 0) m.delete(key);
    return true;
  }

  addOne(key: string, windowMs: number): void {
    const m = this.m;
    const now = Date.now();
    const e = m.get(key);
    m.delete(key);
    const next: TwinCount = { n: e && e.exp >= now ? e.n + 1 : 1, exp: now + windowMs };
    m.set(key, next);
    this.order.push(key, next);
    for (let k = this.order.oldest(); k !== undefined; k = this.order.oldest()) {
      if (m.size <= MAX_TWIN_KEYS && m.get(k)!.exp >= now) break;
      m.delete(k);
    }
    this.order.compact(m.size);
  }
}

