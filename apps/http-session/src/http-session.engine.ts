/**
 * http-session's engine. Consumes decoded raw batches (TLS plaintext and
 * inet socket chunks) and produces one http.message per request or response
 * body and per Server-Sent Event, partitioned by stream. Never throws on bad
 * input: everything odd becomes a counter.
 */
import {
  HttpMessageEvent,
  isHttpCandidate,
  RawBatch,
  RawEvent,
  RawKind,
  FdType,
  kernelTimeToIso,
  NoticeEvent,
  streamKeyOf,
} from '@mcpspy/events';
import { Counters, Logger } from '@mcpspy/runtime';
import { HttpStream, StreamContext, StreamNotice } from './http-stream';
import { MemoryBudget } from './memory-budget';

export interface HttpSessionOptions {
  logger: Logger;
  emit(ev: HttpMessageEvent): void;
  /** Traffic seen but not shown (HTTP/2 that cannot be followed, lost HPACK state, unsupported encodings): `mcpspy.v1.notice`. */
  notice?(n: NoticeEvent): void;
  /** Streams with no bytes for this long are finished and dropped by sweep(). Default 120 s. */
  idleTimeoutMs?: number;
  /** Largest body kept; longer bodies are emitted cut, with gap: true. Default 64 MiB. */
  maxBodyBytes?: number;
  /** Bytes one stream may hold (heads, bodies, events in progress). Default maxBodyBytes + 8 MiB. */
  maxStreamBytes?: number;
  /** Bytes all streams together may hold. Default 2 × maxStreamBytes. */
  maxTotalBytes?: number;
  /** Bytes the streams of one process may hold; past it its oldest streams are evicted. Default maxStreamBytes. */
  maxProcessBytes?: number;
  /** How long after a process's exit event its streams are closed (ms; its last batch may still be on its way). Default 2000. */
  exitGraceMs?: number;
}

export const HTTP_SESSION_DEFAULTS = {
  idleTimeoutMs: 120_000,
  maxBodyBytes: 64 * 1024 * 1024,
  maxHeadBytes: 64 * 1024,
  maxPending: 1024,
  maxUnknownScan: 16 * 1024,
  maxStreams: 100_000,
  /** Open event streams may legitimately be quiet for minutes. */
  sseIdleFactor: 10,
  /** A repeated notice (same reason and stream) is published again with its count at most this often. */
  noticeRepeatMs: 5_000,
  /** Notice keys remembered; beyond it the oldest are forgotten. */
  maxNoticeKeys: 10_000,
} as const;

export class HttpSessionEngine {
  readonly counters = new Counters();
  private readonly streams = new Map<string, HttpStream>();
  private readonly ctx: StreamContext;
  private readonly idleTimeoutMs: number;
  private readonly notices = new Map<string, { count: number; lastMs: number }>();
  private lastTime = { tsNs: 0n, wallOffsetNs: 0n };
  private readonly exitTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: HttpSessionOptions) {
    const maxBodyBytes = opts.maxBodyBytes ?? HTTP_SESSION_DEFAULTS.maxBodyBytes;
    const maxStreamBytes = opts.maxStreamBytes ?? maxBodyBytes + 8 * 1024 * 1024;
    const maxTotalBytes = opts.maxTotalBytes ?? 2 * maxStreamBytes;
    const total = new MemoryBudget(maxTotalBytes, opts.maxProcessBytes ?? maxStreamBytes);
    total.onEvict = (victim, bytes, cause) => this.budgetEvicted(victim.owner, bytes, cause);
    this.idleTimeoutMs = opts.idleTimeoutMs ?? HTTP_SESSION_DEFAULTS.idleTimeoutMs;
    this.ctx = {
      counters: this.counters,
      logger: opts.logger,
      emit: (ev) => opts.emit(ev),
      notice: (n) => this.notice(n),
      total,
      limits: {
        maxBodyBytes,
        maxHeadBytes: Math.min(HTTP_SESSION_DEFAULTS.maxHeadBytes, maxStreamBytes),
        maxStreamBytes,
        maxPending: HTTP_SESSION_DEFAULTS.maxPending,
        maxUnknownScan: HTTP_SESSION_DEFAULTS.maxUnknownScan,
      },
    };
  }

  /** Ignores events that are not isHttpCandidate (and gap markers of unknown streams). */
  onBatch(batch: RawBatch): void {
    for (const ev of batch.events) {
      try {
        this.onEvent(ev, batch.wallOffsetNs);
      } catch (err) {
        // A bug must not take every other stream down with it.
        this.counters.reject(this.opts.logger, 'internal_errors', err instanceof Error ? err.message : String(err), {
          stream: streamKeyOf(ev),
        });
        this.dropStream(streamKeyOf(ev));
      }
    }
    this.counters.set('streams', this.streams.size);
    this.counters.set('bytes_held', this.ctx.total.used);
  }

  /** Finishes and drops streams idle since before nowMs - idleTimeoutMs (event wall-clock time). */
  sweep(nowMs: number = Date.now()): void {
    for (const [key, s] of this.streams) {
      const limit = s.streamingSse ? this.idleTimeoutMs * HTTP_SESSION_DEFAULTS.sseIdleFactor : this.idleTimeoutMs;
      if (nowMs - s.lastSeenMs >= limit) {
        this.dropStream(key);
        this.counters.inc('streams_evicted');
      }
    }
    this.counters.set('streams', this.streams.size);
    this.counters.set('bytes_held', this.ctx.total.used);
  }

  streamCount(): number {
    return this.streams.size;
  }

  /** Bytes held across all streams now. */
  bytesHeld(): number {
    return this.ctx.total.used;
  }

  private onEvent(ev: RawEvent, wallOffsetNs: bigint): void {
    if (ev.kind === RawKind.gap) {
      // Kernel gap records carry the stream id; TLS ones have no fd type, so they name their stream as a TLS record would.
      const key = streamKeyOf({ kind: ev.fdType === FdType.inet ? RawKind.io : RawKind.tls, fdType: ev.fdType, pid: ev.pid, streamId: ev.streamId });
      this.streams.get(key)?.markGap(ev.direction);
      return;
    }
    if (ev.kind === RawKind.userGap) {
      // A dropped batch may have held bytes of any stream.
      for (const s of this.streams.values()) {
        s.markGap(0);
        s.markGap(1);
      }
      this.counters.inc('batches_lost');
      return;
    }
    if (!isHttpCandidate(ev)) {
      this.counters.inc('events_ignored');
      return;
    }
    const key = streamKeyOf(ev);
    let s = this.streams.get(key);
    if (!s) {
      if (this.streams.size >= HTTP_SESSION_DEFAULTS.maxStreams) this.evictOldest();
      s = new HttpStream(key, this.ctx);
      s.budget.owner = ev.pid;
      s.budget.evictor = () => this.dropStream(key);
      this.streams.set(key, s);
    }
    this.lastTime = { tsNs: ev.tsNs, wallOffsetNs };
    const wallMs = Number((ev.tsNs + wallOffsetNs) / 1_000_000n);
    s.onEvent(ev, wallOffsetNs, wallMs);
  }

  /** A process exited: its connections are over. What they hold is finished now (a body ended by the close), not after the idle sweep. */
  onProcExit(pid: number): void {
    const grace = this.opts.exitGraceMs ?? 2000;
    if (grace > 0) {
      const t = setTimeout(() => {
        this.exitTimers.delete(t);
        this.closeStreamsOf(pid);
      }, grace);
      t.unref();
      this.exitTimers.add(t);
      return;
    }
    this.closeStreamsOf(pid);
  }

  /** Cancels the exits waiting for their grace (the stage is stopping: nothing may be emitted after). */
  stop(): void {
    for (const t of this.exitTimers) clearTimeout(t);
    this.exitTimers.clear();
  }

  private closeStreamsOf(pid: number): void {
    let n = 0;
    for (const [key, s] of this.streams) {
      if (s.budget.owner !== pid) continue;
      try {
        this.dropStream(key);
      } catch (err) {
        this.counters.reject(this.opts.logger, 'internal_errors', err instanceof Error ? err.message : String(err), { stream: key });
      }
      n++;
    }
    if (n > 0) this.counters.inc('streams_closed_at_exit', n);
    this.counters.set('streams', this.streams.size);
    this.counters.set('bytes_held', this.ctx.total.used);
  }

  /** A stream evicted to make room (MemoryBudget): counted, and reported once per process with a count. */
  private budgetEvicted(pid: number, bytes: number, cause: 'total' | 'process'): void {
    this.counters.inc('budget_evicted');
    const limit = cause === 'process' ? `this process's connections held more than ${this.ctx.total.processLimit}` : `all connections held more than ${this.ctx.total.limit}`;
    this.notice({
      reason: 'budget_evicted',
      stream: `pid:${pid}`,
      pid,
      comm: '',
      detail: `an HTTP connection holding ${bytes} bytes of unfinished messages was dropped, oldest first: ${limit} bytes`,
      tsNs: this.lastTime.tsNs,
      wallOffsetNs: this.lastTime.wallOffsetNs,
    });
  }

  /** Once per (reason, pid, stream), then again with the count at most every noticeRepeatMs. */
  private notice(n: StreamNotice): void {
    const key = `${n.reason}\u0000${n.pid}\u0000${n.stream}`;
    const nowMs = Number((n.tsNs + n.wallOffsetNs) / 1_000_000n);
    let seen = this.notices.get(key);
    if (seen) {
      seen.count++;
      if (nowMs - seen.lastMs < HTTP_SESSION_DEFAULTS.noticeRepeatMs) return;
    } else {
      if (this.notices.size >= HTTP_SESSION_DEFAULTS.maxNoticeKeys) this.notices.delete(this.notices.keys().next().value as string);
      seen = { count: 1, lastMs: 0 };
      this.notices.set(key, seen);
    }
    seen.lastMs = nowMs;
    this.counters.inc('notices_published');
    if (!this.opts.notice) return;
    const ev: NoticeEvent = {
      timestamp: kernelTimeToIso(n.tsNs, n.wallOffsetNs),
      reason: n.reason,
      stage: 'http-session',
      pid: n.pid,
      comm: n.comm,
      stream: n.stream,
      detail: n.detail,
      count: seen.count,
    };
    if (n.sample !== undefined) ev.sample = n.sample;
    try {
      this.opts.notice(ev);
    } catch (err) {
      this.counters.reject(this.opts.logger, 'emit_failed', err instanceof Error ? err.message : String(err), { stream: n.stream });
    }
  }

  private evictOldest(): void {
    const first = this.streams.keys().next();
    if (first.done) return;
    this.dropStream(first.value);
    this.counters.inc('streams_evicted_for_room');
  }

  private dropStream(key: string): void {
    const s = this.streams.get(key);
    if (!s) return;
    this.streams.delete(key);
    try {
      s.close();
    } catch (err) {
      s.budget.releaseAll();
      this.counters.reject(this.opts.logger, 'internal_errors', err instanceof Error ? err.message : String(err), { stream: key });
    }
  }
}
