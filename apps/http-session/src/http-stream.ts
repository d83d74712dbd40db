/**
 * One connection as the observer saw it: two byte directions, the role of
 * the observer (client or server, decided by which direction carries
 * requests), the queue that pairs each response with its request, and the
 * assembly of http.message events from framed bytes.
 */
import {
  ChunkContinuity,
  Direction,
  HttpMessageEvent,
  kernelTimeToIso,
  RawEvent,
  RawFlags,
  tlsLibraryOf,
} from '@mcpspy/events';
import { Counters, Logger } from '@mcpspy/runtime';
import { bodyText, decodeContentEncoding } from './body-codec';
import type { HttpFramingError } from './errors';
import { BodyFraming, bodyFraming, MessageHead, MessageMode } from './http-head';
import { FramerHooks, HttpFramer } from './http-framer';
import { MemoryBudget, StreamBudget } from './memory-budget';
import { SseDecoder, SseEvent } from './sse-decoder';
import { SseInflater } from './sse-inflater';
import { classifyStart, StartLineScanner } from './wire-scan';
import { H2Connection, H2Host, HostMessage, sampleOf } from './h2-connection';
import type { NoticeReason } from '@mcpspy/events';

export interface StreamLimits {
  maxBodyBytes: number;
  maxHeadBytes: number;
  maxStreamBytes: number;
  /** Requests waiting for a response, per stream; beyond it the oldest is forgotten. */
  maxPending: number;
  /** Bytes scanned for a first start line before a stream is declared not HTTP. */
  maxUnknownScan: number;
}

/** What a stream reports about traffic it cannot show (engine-wide: once per reason and stream, with a count). */
export interface StreamNotice {
  reason: NoticeReason;
  stream: string;
  pid: number;
  comm: string;
  detail: string;
  sample?: string;
  tsNs: bigint;
  wallOffsetNs: bigint;
}

export interface StreamContext {
  counters: Counters;
  logger: Logger;
  emit(ev: HttpMessageEvent): void;
  notice(n: StreamNotice): void;
  total: MemoryBudget;
  limits: StreamLimits;
}

interface RequestInfo {
  exchange: number;
  method?: string;
  path?: string;
  host?: string;
  sessionId?: string;
}

interface LastEvent {
  tsNs: bigint;
  wallOffsetNs: bigint;
  pid: number;
  comm: string;
}

interface Message {
  head: MessageHead;
  exchange: number;
  /** HTTP/2 stream id, for messages of an h2 connection. */
  h2Stream?: number;
  req?: RequestInfo;
  interim: boolean;
  sse?: SseDecoder;
  /** A gzip or deflate event stream: bytes go through it, then into sse, as they arrive. */
  inflate?: SseInflater;
  /** Body ignored on purpose (e.g. an event stream in an encoding that cannot be decoded as it arrives). */
  discard: boolean;
  parts: Buffer[];
  len: number;
  /** Bytes charged to the stream budget for this message. */
  held: number;
  truncated: boolean;
}

class Side {
  readonly continuity = new ChunkContinuity();
  pendingGap = false;
  framer?: HttpFramer;
  msg?: Message;
  /** First bytes kept until they tell what the stream is. */
  prefix?: Buffer;
  unknown?: StartLineScanner;
  last: LastEvent = { tsNs: 0n, wallOffsetNs: 0n, pid: 0, comm: '' };
}

const EMPTY = new Uint8Array(0);
/** A stream that keeps failing before any message parsed is not HTTP after all. */
const MAX_ERRORS_BEFORE_FIRST = 8;

export class HttpStream {
  role?: 'client' | 'server';
  dead = false;
  lastSeenMs = 0;
  private readonly sides = [new Side(), new Side()];
  private readonly pending: RequestInfo[] = [];
  private nextExchange = 0;
  private heads = 0;
  private errors = 0;
  private unknownScanned = 0;
  readonly budget: StreamBudget;
  private readonly tls: boolean;
  /** Set once the connection speaks HTTP/2 (preface, or `Upgrade: h2c` then 101). */
  private h2?: H2Connection;
  /** The TLS hook that delivered this stream's plaintext (tls_library). */
  private tlsLibrary?: string;

  constructor(
    readonly key: string,
    private readonly ctx: StreamContext,
  ) {
    this.budget = new StreamBudget(ctx.total, ctx.limits.maxStreamBytes);
    this.tls = key.startsWith('tls:');
  }

  /** Whether an event stream is open: such connections idle for long between events. */
  get streamingSse(): boolean {
    return this.sides.some((s) => s.msg?.sse !== undefined) || (this.h2?.streamingSse ?? false);
  }

  /** Bytes went missing in `direction` (a gap record): the next chunk starts after a hole. */
  markGap(direction: number): void {
    this.sides[direction === Direction.write ? 1 : 0].pendingGap = true;
  }

  onEvent(ev: RawEvent, wallOffsetNs: bigint, wallMs: number): void {
    this.lastSeenMs = wallMs;
    const d = ev.direction === Direction.write ? 1 : 0;
    const side = this.sides[d];
    const gap = !side.continuity.follows(ev) || side.pendingGap;
    side.pendingGap = false;
    if (this.dead) return;
    side.last = { tsNs: ev.tsNs, wallOffsetNs, pid: ev.pid, comm: ev.comm };
    if (this.tls) this.tlsLibrary = tlsLibraryOf(ev.flags);
    // A truncated chunk's bytes could not be read: they are part of the hole.
    const data = (ev.flags & RawFlags.truncated) !== 0 ? EMPTY : ev.data;
    if (gap) this.ctx.counters.inc('gaps');
    if (this.h2) {
      if (gap) this.h2.gap(d);
      if (data.length > 0) this.h2.feed(d, data);
      return;
    }
    if (this.role === undefined) {
      this.classify(d, data, gap, ev.offset === 0);
      return;
    }
    const framer = side.framer!;
    if (gap) framer.gap();
    if (data.length > 0) framer.feed(data, ev.offset === 0);
    if (this.dead) this.close();
  }

  /** The stream is going away: finish what can be finished, release memory. */
  close(): void {
    if (!this.dead) {
      if (this.h2) this.h2.close();
      else for (const side of this.sides) side.framer?.finish();
    }
    this.budget.releaseAll();
    for (const side of this.sides) {
      side.msg = undefined;
      side.framer = undefined;
      side.prefix = undefined;
    }
  }

  private classify(d: number, data: Uint8Array, gap: boolean, callStart: boolean): void {
    const side = this.sides[d];
    if (gap) {
      side.prefix = undefined;
      side.unknown?.reset(true);
    }
    if (data.length === 0) return;
    if (side.unknown) {
      if (callStart) side.unknown.callStart();
      this.scanUnknown(d, data);
      return;
    }
    const buf = side.prefix ? Buffer.concat([side.prefix, data]) : data;
    side.prefix = undefined;
    const c = classifyStart(buf);
    switch (c) {
      case 'need_more':
        side.prefix = Buffer.from(buf);
        return;
      case 'h2':
        // The client's preface: d carries requests.
        this.startH2(d === 1 ? 'client' : 'server', d);
        this.h2!.feed(d, buf);
        return;
      case 'h2_frame':
        if (buf[3] === 4 && (buf[4] & 0x1) === 0) {
          // A SETTINGS frame first is the server's connection preface (RFC 9113 §3.4): the
          // client's preface is still to come on the other direction.
          this.startH2(d === 0 ? 'client' : 'server', 1 - d);
          this.h2!.feed(d, buf);
          return;
        }
        this.notice(d, 'hpack_state_lost', 'an HTTP/2 connection picked up mid-way: its header compression state is unknown, so its headers cannot be decoded', buf);
        this.die('not_http_h2_midway', 'HTTP/2 frames without the connection preface');
        return;
      case 'tls':
        this.die('not_http_tls', 'TLS records on a plain socket');
        return;
      case 'request':
      case 'response':
        this.setRole(d, c);
        this.sides[d].framer!.feed(buf);
        return;
      case 'other':
        side.unknown = new StartLineScanner(['request', 'response']);
        side.unknown.reset(false);
        this.scanUnknown(d, buf);
        return;
    }
  }

  private scanUnknown(d: number, data: Uint8Array): void {
    const found = this.sides[d].unknown!.scan(data);
    if (found) {
      this.setRole(d, found.mode);
      this.sides[d].framer!.feed(found.rest);
      return;
    }
    this.unknownScanned += data.length;
    if (this.unknownScanned > this.ctx.limits.maxUnknownScan) {
      this.die('not_http_other', 'no HTTP/1.x start line in the first bytes');
    }
  }

  private setRole(d: number, mode: MessageMode): void {
    const requestOnWrite = mode === 'request' ? d === 1 : d === 0;
    this.role = requestOnWrite ? 'client' : 'server';
    const reqDir = requestOnWrite ? 1 : 0;
    this.ctx.counters.inc('streams_http');
    for (let i = 0; i < 2; i++) {
      const side = this.sides[i];
      side.unknown = undefined;
      side.framer = new HttpFramer(i === reqDir ? 'request' : 'response', this.hooks(i), this.budget, this.ctx.limits.maxHeadBytes);
      const early = side.prefix;
      side.prefix = undefined;
      if (i !== d && early) side.framer.feed(early);
    }
  }

  private die(counter: string, reason: string): void {
    this.dead = true;
    this.ctx.counters.reject(this.ctx.logger, counter, reason, { stream: this.key });
    this.close();
  }

  private hooks(d: number): FramerHooks {
    const side = this.sides[d];
    return {
      onHead: (head) => this.onHead(d, head),
      onBody: (data) => this.onBody(side, data),
      onEnd: () => this.onEnd(d),
      onAbort: (reason, err) => this.onAbort(d, reason, err),
      keepThroughGap: () => {
        const sse = side.msg?.sse;
        // A compressed stream cannot resume after missing bytes: its message ends at the gap.
        if (!sse || side.msg?.inflate) return false;
        sse.gap();
        this.ctx.counters.inc('sse_gaps_skipped');
        return true;
      },
      onChunkResync: () => side.msg?.sse?.resumeAtBoundary(),
      onTunnel: (rest) => this.h2?.feed(d, rest),
    };
  }

  private onHead(d: number, head: MessageHead): BodyFraming {
    const side = this.sides[d];
    const h = head.headers;
    this.heads++;
    const msg: Message = { head, exchange: 0, interim: false, discard: false, parts: [], len: 0, held: 0, truncated: false };
    if (head.mode === 'request') {
      const framing = bodyFraming(head);
      const req: RequestInfo = { exchange: this.nextExchange++ };
      if (head.method !== undefined) req.method = head.method;
      if (head.path !== undefined) req.path = head.path;
      if (h.host !== undefined) req.host = h.host;
      if (h['mcp-session-id'] !== undefined) req.sessionId = h['mcp-session-id'];
      if (this.pending.length >= this.ctx.limits.maxPending) {
        this.pending.shift();
        this.ctx.counters.inc('pending_overflow');
      }
      this.pending.push(req);
      msg.req = req;
      msg.exchange = req.exchange;
      side.msg = msg;
      return framing;
    }
    const status = head.status ?? 0;
    if (status >= 100 && status < 200 && status !== 101) {
      // 1xx interim responses precede the real one and do not answer the request.
      msg.interim = true;
      side.msg = msg;
      return { type: 'none' };
    }
    const req = this.pending.shift();
    if (!req) this.ctx.counters.inc('responses_unpaired');
    const framing = bodyFraming(head, req?.method);
    msg.req = req;
    msg.exchange = req ? req.exchange : this.nextExchange++;
    side.msg = msg;
    if (framing.type === 'tunnel') {
      this.ctx.counters.inc('streams_upgraded');
      this.sides[1 - d].framer?.enterTunnel();
      if (status === 101 && /(^|,)\s*h2c\s*(,|$)/i.test(h.upgrade ?? '')) {
        // RFC 7540 §3.2: the response to the upgrade request comes on h2 stream 1.
        this.startH2(this.role!, 1 - d, req);
        this.ctx.counters.inc('h2_upgrades');
      }
      return framing;
    }
    this.setupSse(d, msg, status, h, framing.type !== 'none');
    return framing;
  }

  /**
   * A text/event-stream response: its events are decoded as they arrive, whatever its status, so this stage is
   * the only one that parses event streams (mcp-parser receives one event per message).
   */
  private setupSse(d: number, msg: Message, status: number, h: Record<string, string>, hasBody: boolean): void {
    const ct = (h['content-type'] ?? '').toLowerCase();
    if (status >= 200 && ct.startsWith('text/event-stream') && hasBody) {
      const ce = (h['content-encoding'] ?? 'identity').toLowerCase().trim();
      const compressed = ce === 'gzip' || ce === 'x-gzip' || ce === 'deflate' || (ce === 'br' && SseInflater.brotliAvailable());
      if (ce !== 'identity' && !compressed) {
        // No incremental decoder for this coding (or a stack of codings).
        this.ctx.counters.reject(this.ctx.logger, 'sse_encoded_unsupported', `event stream with content-encoding ${ce}`, {
          stream: this.key,
        });
        this.notice(d, 'encoding_unsupported', `an event stream in content-encoding ${JSON.stringify(ce)}, which is not decoded: its events are not shown`);
        msg.discard = true;
      } else {
        const sse = new SseDecoder((ev) => this.emitSse(d, msg, ev), this.ctx.limits.maxBodyBytes);
        msg.sse = sse;
        if (compressed) {
          // Compression middleware flushes after each event, so each event is decoded as it arrives.
          msg.inflate = new SseInflater(ce === 'deflate' ? 'deflate' : ce === 'br' ? 'br' : 'gzip', (chunk) => {
            sse.push(chunk);
            this.chargeSse(msg);
          });
          this.ctx.counters.inc('sse_decompressed_streams');
        }
      }
    }
  }

  private onBody(side: Side, data: Uint8Array): void {
    if (side.msg) this.bodyInto(side.msg, data);
  }

  private bodyInto(msg: Message, data: Uint8Array): void {
    if (msg.discard) return;
    if (msg.sse) {
      if (msg.inflate) this.inflate(msg, data, false);
      else {
        msg.sse.push(data);
        this.chargeSse(msg);
      }
      return;
    }
    if (msg.truncated) return;
    let n = data.length;
    const maxBody = this.ctx.limits.maxBodyBytes;
    let bound: string | undefined;
    if (msg.len + n > maxBody) {
      n = maxBody - msg.len;
      bound = 'body_truncated';
    }
    if (n > 0) {
      const r = this.budget.take(n);
      if (r !== 'ok') {
        n = 0;
        bound = r === 'stream' ? 'stream_bound_hit' : 'total_bound_hit';
      }
    }
    if (n > 0) {
      msg.parts.push(Buffer.from(data.subarray(0, n)));
      msg.len += n;
      msg.held += n;
    }
    if (bound) {
      msg.truncated = true;
      this.ctx.counters.reject(this.ctx.logger, bound, 'body cut at a memory bound', { stream: this.key, kept: msg.len });
    }
  }

  /** Feeds compressed bytes; corrupt data ends the message's decoding (counted), the stream goes on. */
  private inflate(msg: Message, data: Uint8Array, final: boolean): void {
    try {
      msg.inflate!.push(data, final);
    } catch (err) {
      msg.inflate = undefined;
      msg.discard = true;
      this.ctx.counters.reject(this.ctx.logger, 'sse_inflate_errors', 'compressed event stream that does not decompress', {
        stream: this.key,
        detail: (err as Error).message,
      });
    }
  }

  /** Keeps the stream budget equal to what the SSE decoder holds. */
  private chargeSse(msg: Message): void {
    const now = msg.sse!.held;
    if (now <= msg.held) {
      this.budget.give(msg.held - now);
      msg.held = now;
      return;
    }
    const r = this.budget.take(now - msg.held);
    if (r === 'ok') {
      msg.held = now;
      return;
    }
    msg.sse!.overflow();
    this.budget.give(msg.held);
    msg.held = 0;
    this.ctx.counters.reject(this.ctx.logger, r === 'stream' ? 'stream_bound_hit' : 'total_bound_hit', 'event cut at a memory bound', {
      stream: this.key,
    });
  }

  private onEnd(d: number): void {
    const side = this.sides[d];
    const msg = side.msg;
    side.msg = undefined;
    if (!msg) return;
    this.errors = 0;
    this.endMessage(d, msg);
  }

  private endMessage(d: number, msg: Message): void {
    if (msg.interim) {
      this.ctx.counters.inc('interim_responses');
      return;
    }
    if (msg.sse) {
      // The end of a compressed body may still hold the last event.
      if (msg.inflate && !msg.discard) this.inflate(msg, new Uint8Array(0), true);
      if (msg.sse.end()) this.ctx.counters.inc('sse_incomplete_dropped');
      this.release(msg);
      return;
    }
    if (msg.discard) return;
    this.emitBody(d, msg, false);
  }

  private onAbort(d: number, reason: 'gap' | 'error', err?: HttpFramingError): void {
    const side = this.sides[d];
    const msg = side.msg;
    side.msg = undefined;
    if (reason === 'error') {
      const counter = `parse_${err?.counter ?? 'error'}`;
      // A fixed reason, so hostile input with ever-different bytes is logged once, not once per variant.
      this.ctx.counters.reject(this.ctx.logger, counter, 'HTTP framing error', { stream: this.key, detail: err?.message });
      this.errors++;
      if (this.heads === 0 && this.errors >= MAX_ERRORS_BEFORE_FIRST) {
        // Released by onEvent once the framer returns: it is still on the stack here.
        this.dead = true;
        this.ctx.counters.reject(this.ctx.logger, 'not_http_other', 'start lines that never parse', { stream: this.key });
      }
    } else {
      this.ctx.counters.inc('messages_cut_by_gap');
    }
    if (msg) this.abortMessage(d, msg);
  }

  private abortMessage(d: number, msg: Message): void {
    if (msg.interim) return;
    if (msg.sse) {
      if (msg.sse.end()) this.ctx.counters.inc('sse_incomplete_dropped');
      this.release(msg);
      return;
    }
    if (msg.discard) return;
    this.emitBody(d, msg, true);
  }

  private release(msg: Message): void {
    this.budget.give(msg.held);
    msg.held = 0;
    msg.parts = [];
  }

  private emitBody(d: number, msg: Message, gap: boolean): void {
    const raw = msg.parts.length === 1 ? msg.parts[0] : Buffer.concat(msg.parts, msg.len);
    this.release(msg);
    const cut = gap || msg.truncated;
    const decoded = decodeContentEncoding(raw, msg.head.headers['content-encoding'], this.ctx.limits.maxBodyBytes, cut);
    if (decoded.error) {
      this.ctx.counters.reject(this.ctx.logger, 'body_decode_failed', 'content-encoding not undone', {
        stream: this.key,
        detail: decoded.error.message,
      });
      if (decoded.unsupported) {
        this.notice(d, 'encoding_unsupported', `a body in content-encoding ${JSON.stringify(decoded.unsupported)}, which is not decoded: it is shown as received`);
      }
    }
    const text = bodyText(decoded.bytes);
    const ev = this.baseEvent(d, msg, 'body');
    ev.body = text.body;
    ev.body_encoding = text.encoding;
    if (cut || decoded.capped) ev.gap = true;
    this.ctx.counters.inc(msg.head.mode === 'request' ? 'requests' : 'responses');
    this.send(ev);
  }

  private emitSse(d: number, msg: Message, sse: SseEvent): void {
    const ev = this.baseEvent(d, msg, 'sse_event');
    ev.body = sse.data;
    ev.body_encoding = 'utf8';
    ev.sse_event = sse.event;
    if (sse.id !== undefined) ev.sse_id = sse.id;
    if (sse.truncated) ev.gap = true;
    this.ctx.counters.inc('sse_events');
    this.send(ev);
  }

  private baseEvent(d: number, msg: Message, kind: 'body' | 'sse_event'): HttpMessageEvent {
    const last = this.sides[d].last;
    const h = msg.head.headers;
    const isRequest = msg.head.mode === 'request';
    const ev: HttpMessageEvent = {
      timestamp: kernelTimeToIso(last.tsNs, last.wallOffsetNs),
      ts_ns: last.tsNs.toString(),
      stream: this.key,
      pid: last.pid,
      comm: last.comm,
      side: this.role ?? 'client',
      tls: this.tls,
      is_request: isRequest,
      kind,
      headers: h,
      body: '',
      exchange: msg.exchange,
      http_version: `${msg.head.versionMajor}${msg.head.versionMajor >= 2 ? '' : `.${msg.head.versionMinor}`}`,
    };
    if (msg.h2Stream !== undefined) ev.h2_stream = msg.h2Stream;
    if (this.tlsLibrary !== undefined) ev.tls_library = this.tlsLibrary;
    const req = msg.req;
    if (req?.method !== undefined) ev.method = req.method;
    if (req?.path !== undefined) ev.path = req.path;
    if (!isRequest && msg.head.status !== undefined) ev.status = msg.head.status;
    if (req?.host !== undefined) ev.host = req.host;
    if (h['content-type'] !== undefined) ev.content_type = h['content-type'];
    const sid = isRequest ? req?.sessionId : (h['mcp-session-id'] ?? req?.sessionId);
    if (sid !== undefined) ev.session_id = sid;
    return ev;
  }

  private notice(d: number, reason: NoticeReason, detail: string, sample?: Uint8Array): void {
    const last = this.sides[d].last;
    this.ctx.counters.inc(`notices_${reason}`);
    this.ctx.notice({ reason, stream: this.key, pid: last.pid, comm: last.comm, detail, sample: sampleOf(sample), tsNs: last.tsNs, wallOffsetNs: last.wallOffsetNs });
  }

  /** Switches the connection to HTTP/2; `reqDir` carries requests (and the client's preface). */
  private startH2(role: 'client' | 'server', reqDir: number, upgradeReq?: RequestInfo): void {
    if (this.role === undefined) {
      this.role = role;
      this.ctx.counters.inc('streams_http');
    }
    this.ctx.counters.inc('streams_h2');
    for (const side of this.sides) {
      side.unknown = undefined;
      side.prefix = undefined;
    }
    const host: H2Host = {
      budget: this.budget,
      count: (name) => this.ctx.counters.inc(name),
      problem: (reason, counter, detail, sample) => {
        this.ctx.counters.reject(this.ctx.logger, counter, detail, { stream: this.key });
        this.notice(reqDir, reason, detail, sample);
      },
      newRequest: (head) => {
        const req: RequestInfo = { exchange: this.nextExchange++ };
        if (head.method !== undefined) req.method = head.method;
        if (head.path !== undefined) req.path = head.path;
        if (head.headers.host !== undefined) req.host = head.headers.host;
        if (head.headers['mcp-session-id'] !== undefined) req.sessionId = head.headers['mcp-session-id'];
        return req;
      },
      open: (d, head, req, h2Stream, hasBody) => {
        this.heads++;
        const msg: Message = { head, exchange: req ? req.exchange : this.nextExchange++, req, h2Stream, interim: false, discard: false, parts: [], len: 0, held: 0, truncated: false };
        if (head.mode === 'response') this.setupSse(d, msg, head.status ?? 0, head.headers, hasBody);
        return msg;
      },
      body: (msg, data) => this.bodyInto(msg as Message, data),
      end: (d, msg) => this.endMessage(d, msg as Message),
      abort: (d, msg, cause) => {
        const m = msg as Message;
        if (cause === 'gap') {
          this.ctx.counters.inc('messages_cut_by_gap');
          this.abortMessage(d, m);
          return;
        }
        // A peer cancelled the stream: events already out stay out, a cut body is not a message.
        this.ctx.counters.inc('messages_cut_by_reset');
        if (m.sse) {
          if (m.sse.end()) this.ctx.counters.inc('sse_incomplete_dropped');
        }
        this.release(m);
      },
      isSse: (msg: HostMessage) => (msg as Message).sse !== undefined,
    };
    this.h2 = new H2Connection(host, reqDir, upgradeReq);
  }

  private send(ev: HttpMessageEvent): void {
    try {
      this.ctx.emit(ev);
    } catch (err) {
      this.ctx.counters.reject(this.ctx.logger, 'emit_failed', err instanceof Error ? err.message : String(err), { stream: this.key });
    }
  }
}
