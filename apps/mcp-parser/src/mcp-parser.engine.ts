/**
 * mcp-parser engine. Consumes decoded raw batches (stdio: pipes and unix
 * socketpairs), HTTP messages from http-session and process events.
 * Produces MCP messages in the JSONL schema (McpMessageEvent), each once,
 * paired with its request when it is a response, in stream order.
 *
 * Flow: input (one at a time, in arrival order) → per-channel reassembly and
 * line splitting → JSON-RPC validation → a short hold while the reader of a
 * pipe or the client-side twin of an HTTP message is still unknown → output
 * (one at a time: unknown-method filter, pairing through the Store, seq) → emit.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import {
  Direction,
  FdType,
  HttpMessageEvent,
  HttpTransportInfo,
  kernelTimeToIso,
  isStdioEvent,
  McpMessageEvent,
  NoticeEvent,
  PairedRequest,
  ProcEvent,
  RawBatch,
  RawEvent,
  RawFlags,
  RawKind,
  StdioTransportInfo,
  streamKeyOf,
  describeMethod,
  isKnownMethod,
  visibleText,
} from '@mcpspy/events';
import { Counters, Logger, Store } from '@mcpspy/runtime';
import { EmitError, ParserStoreError } from './errors';
import { DEFAULT_MAX_DEPTH, ParsedMessage, parseJsonRpcText } from './jsonrpc';
import { FifoQueue } from './fifo-queue';
import { ByteBudget, DropReason, NdjsonSplitter } from './ndjson-splitter';
import { RequestPairing } from './request-pairing';
import { ssePayloads } from './sse';
import { TIMED_OUT, withDeadline } from './store-timeout';

export interface McpParserOptions {
  store: Store;
  logger: Logger;
  /** Name of this instance: the prefix of every msg_id. */
  instance: string;
  emit(msg: McpMessageEvent): void;
  /** Publishes a notice (`mcpspy.v1.notice`): here, state evicted to stay within a budget. */
  emitNotice?(notice: NoticeEvent): void;
  /** How long a pipe message waits for a read that names its reader (ms). */
  readerWaitMs?: number;
  /**
   * The same for the first messages of a channel whose reader was never seen:
   * a freshly spawned server takes hundreds of ms to start reading its stdin,
   * and its first read is what names it.
   */
  firstReaderWaitMs?: number;
  /** How long a server-side HTTP observation waits for its client-side twin (ms). */
  twinWaitMs?: number;
  /**
   * The same when a client of that host was recently seen on this machine:
   * its twin is on its way, only slower (a large body still being read).
   */
  localClientTwinWaitMs?: number;
  /** How long a request waits in the Store for its response (ms). */
  pendingTtlMs?: number;
  /** Longest stdio line kept; longer lines are dropped and counted. */
  maxLineBytes?: number;
  /** Bound on partial-line bytes held over all streams. */
  maxTotalBytes?: number;
  /** Bound on partial-line bytes held for one writing process (its oldest lines are evicted first). */
  maxProcessBytes?: number;
  /** Bound on the bytes of pending requests (their JSON) this instance keeps in the Store; the oldest are evicted. */
  maxPendingBytes?: number;
  /**
   * How long after a process's exit event its unfinished lines and pending
   * requests are let go (ms). The exit can overtake the process's last batch
   * (published as soon as seen, while batches wait to fill): the grace lets it land.
   */
  exitGraceMs?: number;
  /** Bound on pending requests this instance keeps in the Store. */
  maxPending?: number;
  /** Bound on stdio channels tracked; the oldest is evicted past it. */
  maxStreams?: number;
  /** A channel silent this long is forgotten (ms). */
  streamIdleMs?: number;
  /** JSON nesting refused past this depth. */
  maxJsonDepth?: number;
  /** A Store call not answered within this goes on without its answer (ms; 0 = wait forever). */
  storeTimeoutMs?: number;
}

/** How long a host counts as having local clients after the last client-side sight. */
const LOCAL_CLIENT_MEMORY_MS = 10 * 60_000;

export const MCP_PARSER_DEFAULTS = {
  readerWaitMs: 75,
  firstReaderWaitMs: 3000,
  twinWaitMs: 100,
  localClientTwinWaitMs: 3000,
  pendingTtlMs: 10 * 60_000,
  maxLineBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxProcessBytes: 64 * 1024 * 1024,
  maxPending: 100_000,
  maxPendingBytes: 256 * 1024 * 1024,
  exitGraceMs: 2000,
  maxStreams: 100_000,
  streamIdleMs: 10 * 60_000,
  maxJsonDepth: DEFAULT_MAX_DEPTH,
  storeTimeoutMs: 2000,
} as const;

/** Pipe endpoints outlive this process in the Store for an hour after their last change. */
const ENDPOINT_TTL_MS = 60 * 60_000;
/** How long an emitted HTTP observation can still swallow its late twin (ms, at least). */
const TWIN_MEMORY_MIN_MS = 2000;
const MAX_TWIN_KEYS = 100_000;
const MAX_MCP_SCOPES = 100_000;
const MAX_PROC_COMMS = 65_536;

interface Endpoint {
  pid: number;
  comm: string;
}

const NOBODY: Endpoint = { pid: 0, comm: '' };

/** A message ready except for pairing and numbering. */
interface Draft {
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
}

interface LineMeta {
  pid: number;
  comm: string;
  tsNs: bigint;
  wallOffsetNs: bigint;
}

interface HeldStdio {
  channel: StdioChannel;
  parsed: ParsedMessage;
  from: Endpoint;
  /** Known reader when the bytes came from the reader's own reads. */
  to?: Endpoint;
  timestamp: string;
  deadline: number;
  done: boolean;
}

/** Continuity of the calls feeding one byte stream: any hole is a gap. */
class CallCursor {
  private callId = -1n;
  private next = 0;
  private total = 0;

  /** False when bytes are missing between the previous chunk and this one. */
  follows(ev: RawEvent): boolean {
    let ok = (ev.flags & RawFlags.lostBefore) === 0;
    if (ev.callId === this.callId) {
      if (ev.offset !== this.next) ok = false;
    } else {
      if (this.callId !== -1n && this.next < this.total) ok = false;
      if (ev.offset !== 0) ok = false;
      this.callId = ev.callId;
      this.total = ev.totalLen;
    }
    this.next = ev.offset + ev.data.byteLength;
    return ok;
  }
}

class StdioChannel {
  /** write: the writes are the byte stream; read: no writer seen, the reads are. */
  mode: 'none' | 'write' | 'read' = 'none';
  reader?: Endpoint;
  writer?: Endpoint;
  held = new FifoQueue<HeldStdio>();
  /** Set once a message went out without its reader: later ones wait only the short time. */
  readerWaitExpired = false;
  lastSeen = Date.now();
  readonly writeCursor = new CallCursor();
  readonly readCursor = new CallCursor();
  writeSplit!: NdjsonSplitter<LineMeta>;
  readSplit!: NdjsonSplitter<LineMeta>;
  constructor(readonly key: string) {}

  get idle(): boolean {
    return this.held.length === 0 && this.writeSplit.idle && this.readSplit.idle;
  }
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

export class McpParserEngine {
  readonly counters = new Counters();

  private readonly store: Store;
  private readonly logger: Logger;
  private readonly instance: string;
  private readonly emitFn: (msg: McpMessageEvent) => void;
  private readonly cfg: Required<Omit<McpParserOptions, 'store' | 'logger' | 'instance' | 'emit' | 'emitNotice'>>;
  private readonly budget: ByteBudget;
  private readonly pairing: RequestPairing;

  private readonly channels = new Map<string, StdioChannel>();
  private readonly procComm = new Map<number, string>();
  private readonly mcpScopes = new Set<string>();

  private heldStdio: HeldStdio[] = [];
  private heldStdioHead = 0;
  private stdioTimer: NodeJS.Timeout | null = null;

  private heldHttp: HeldHttp[] = [];
  private heldHttpHead = 0;
  private httpTimer: NodeJS.Timeout | null = null;
  private readonly waitingServer = new Map<string, HeldHttp[]>();
  /** Hosts whose clients run on this machine (a client-side observation was seen), by last sight. */
  private readonly localClientHosts = new Map<string, number>();
  private readonly serverEmitted = new Map<string, TwinCount>();
  private readonly clientEmitted = new Map<string, TwinCount>();

  private inputChain: Promise<void> = Promise.resolve();
  private outputChain: Promise<void> = Promise.resolve();
  private readonly background = new Set<Promise<void>>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly emitNotice: ((n: NoticeEvent) => void) | undefined;
  private readonly evictionNotices = new Map<number, { count: number; sent: number }>();
  private seq = 0;
  private closed = false;

  constructor(opts: McpParserOptions) {
    this.store = opts.store;
    this.logger = opts.logger;
    this.instance = opts.instance;
    this.emitFn = opts.emit;
    this.emitNotice = opts.emitNotice;
    const d = MCP_PARSER_DEFAULTS;
    this.cfg = {
      readerWaitMs: opts.readerWaitMs ?? d.readerWaitMs,
      firstReaderWaitMs: opts.firstReaderWaitMs ?? d.firstReaderWaitMs,
      twinWaitMs: opts.twinWaitMs ?? d.twinWaitMs,
      localClientTwinWaitMs: opts.localClientTwinWaitMs ?? d.localClientTwinWaitMs,
      pendingTtlMs: opts.pendingTtlMs ?? d.pendingTtlMs,
      maxLineBytes: opts.maxLineBytes ?? d.maxLineBytes,
      maxTotalBytes: opts.maxTotalBytes ?? d.maxTotalBytes,
      maxProcessBytes: opts.maxProcessBytes ?? d.maxProcessBytes,
      maxPending: opts.maxPending ?? d.maxPending,
      maxPendingBytes: opts.maxPendingBytes ?? d.maxPendingBytes,
      exitGraceMs: opts.exitGraceMs ?? d.exitGraceMs,
      maxStreams: opts.maxStreams ?? d.maxStreams,
      streamIdleMs: opts.streamIdleMs ?? d.streamIdleMs,
      maxJsonDepth: opts.maxJsonDepth ?? d.maxJsonDepth,
      storeTimeoutMs: opts.storeTimeoutMs ?? d.storeTimeoutMs,
    };
    this.budget = new ByteBudget(this.cfg.maxTotalBytes, this.cfg.maxProcessBytes);
    this.budget.onEvict = (e) => {
      if (e.cause === 'exit') this.counters.inc('partial_lines_at_exit');
      else this.budgetEvicted(e.owner, `partial line of ${e.bytes} bytes evicted: ${e.cause === 'process' ? `this process held more than ${this.cfg.maxProcessBytes}` : `all processes held more than ${this.cfg.maxTotalBytes}`} bytes of unfinished lines`);
    };
    this.pairing = new RequestPairing(this.store, this.cfg.pendingTtlMs, this.cfg.maxPending, this.counters, this.logger, this.cfg.storeTimeoutMs, {
      maxBytes: this.cfg.maxPendingBytes,
      onEvict: (e) => this.budgetEvicted(e.pid, `pending request of ${e.bytes} bytes evicted: requests waiting for a response held more than ${this.cfg.maxPendingBytes} bytes`),
    });
    this.sweeper = setInterval(() => this.sweepIdle(), Math.min(30_000, Math.max(1000, this.cfg.streamIdleMs / 4)));
    this.sweeper.unref();
  }

  /**
   * State let go to stay within a budget: counted (`budget_evicted`) and
   * reported once per process with a count, again at most every 5 s.
   */
  private budgetEvicted(pid: number, detail: string): void {
    this.counters.inc('budget_evicted');
    const now = Date.now();
    const key = pid;
    const seen = this.evictionNotices.get(key) ?? { count: 0, sent: 0 };
    seen.count++;
    this.evictionNotices.delete(key);
    this.evictionNotices.set(key, seen);
    if (this.evictionNotices.size > MAX_PROC_COMMS) this.evictionNotices.delete(this.evictionNotices.keys().next().value as number);
    if (now - seen.sent < 5000) return;
    seen.sent = now;
    const comm = this.procComm.get(pid);
    this.emitNotice?.({
      timestamp: new Date(now).toISOString(),
      reason: 'budget_evicted',
      stage: 'mcp-parser',
      ...(pid ? { pid } : {}),
      ...(comm ? { comm: visibleText(comm, 64) } : {}),
      detail,
      count: seen.count,
    });
  }

  /** Partial-line bytes held over all stdio channels. */
  get bufferedBytes(): number {
    return this.budget.used;
  }

  /** Bytes of the requests waiting for their response (the pending budget's view). */
  get pendingRequestBytes(): number {
    return this.pairing.heldBytes;
  }

  /** Stdio channels tracked. */
  get streamCount(): number {
    return this.channels.size;
  }

  /** Feeds a decoded batch; only stdio events (pipes, unix sockets) and their gap markers are used. */
  onRawBatch(batch: RawBatch): Promise<void> {
    return this.input(async () => {
      for (const ev of batch.events) {
        if (isStdioEvent(ev)) await this.onStdioEvent(ev, batch.wallOffsetNs);
        else if (ev.kind === RawKind.gap || ev.kind === RawKind.userGap) this.onGapEvent(ev);
      }
    });
  }

  onHttpMessage(ev: HttpMessageEvent): Promise<void> {
    return this.input(async () => this.handleHttp(ev));
  }

  /** Queued behind the inputs already given, so an exit never cuts into a batch being processed. */
  onProc(ev: ProcEvent): void {
    this.inputChain = this.inputChain
      .then(() => this.handleProc(ev))
      .catch((err: unknown) => {
        this.counters.reject(this.logger, 'internal_errors', `failed to process proc event: ${(err as Error)?.message ?? err}`);
      });
  }

  private handleProc(ev: ProcEvent): void {
    if (ev.kind === 'exit') {
      // Its unfinished lines can never end: give their bytes back soon, not after the idle sweep.
      const pid = ev.pid;
      const release = () => {
        this.budget.releaseOwner(pid);
        this.pairing.releaseOwner(pid);
      };
      if (this.cfg.exitGraceMs <= 0) release();
      else {
        setTimeout(() => {
          if (!this.closed) this.inputChain = this.inputChain.then(release);
        }, this.cfg.exitGraceMs).unref();
      }
      this.procComm.delete(ev.pid);
      for (const [key, ch] of this.channels) {
        if (ch.reader?.pid === ev.pid) ch.reader = undefined;
        // A channel nobody reads any more and holding nothing is dead state.
        if (ch.reader === undefined && ch.idle && (ch.writer?.pid === ev.pid || ch.writer === undefined)) {
          this.channels.delete(key);
        }
      }
      return;
    }
    if (typeof ev.comm === 'string' && ev.comm.length > 0) {
      this.procComm.delete(ev.pid);
      this.procComm.set(ev.pid, ev.comm);
      if (this.procComm.size > MAX_PROC_COMMS) this.procComm.delete(this.procComm.keys().next().value as number);
    }
  }

  /** Emits everything held (reader waits, twin waits) and waits until it is out. */
  async flush(): Promise<void> {
    await this.inputChain;
    while (this.heldStdioHead < this.heldStdio.length) {
      const item = this.heldStdio[this.heldStdioHead++];
      if (!item.done) this.releaseChannelUpTo(item.channel, item);
    }
    this.compactStdio();
    while (this.heldHttpHead < this.heldHttp.length) {
      const h = this.heldHttp[this.heldHttpHead++];
      if (!h.done) this.releaseServerObservation(h);
    }
    this.compactHttp();
    await this.outputChain;
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    if (this.stdioTimer) clearTimeout(this.stdioTimer);
    if (this.httpTimer) clearTimeout(this.httpTimer);
    this.stdioTimer = null;
    this.httpTimer = null;
    await this.inputChain;
    await this.outputChain;
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  // ---------------------------------------------------------------- chains

  private input(fn: () => Promise<void>): Promise<void> {
    const run = this.inputChain.then(fn).catch((err: unknown) => {
      this.counters.reject(this.logger, 'internal_errors', `failed to process input: ${(err as Error)?.message ?? err}`);
    });
    this.inputChain = run;
    return run.then(() => this.outputChain);
  }

  /**
   * Filters, starts the Store call of this message at once, and queues its
   * emission behind the previous one. Store calls are issued in message order
   * on one connection (Redis runs them in that order), so a request is stored
   * before its response looks for it, while many lookups are in flight
   * together instead of one round trip per message.
   */
  private output(d: Draft): void {
    const p = d.parsed;
    if (p.method !== undefined) {
      if (isKnownMethod(p.method)) this.markMcp(d.mcpScopes);
      else if (!d.mcpScopes.some((s) => this.mcpScopes.has(s))) {
        this.counters.reject(this.logger, 'unknown_method_dropped', 'JSON-RPC with an unknown method on a stream without MCP traffic', {
          method: p.method.slice(0, 100),
        });
        return;
      }
    }
    let pairing: Promise<PairedRequest | undefined> | undefined;
    if (p.type === 'request' && d.requestScope) {
      const req: PairedRequest = { type: 'request', id: p.id ?? null, method: p.method ?? '', error: {}, timestamp: d.timestamp };
      if ('params' in p) req.params = p.params;
      pairing = this.pairing.remember(d.requestScope, req, d.stdio?.from_pid ?? d.http?.pid ?? 0).then(() => undefined);
    } else if (d.responseScopes && p.id !== null && p.id !== undefined) {
      pairing = this.pairing.take(d.responseScopes, p.id);
    }
    this.outputChain = this.outputChain
      .then(async () => this.finalize(d, pairing ? await pairing : undefined))
      .catch((err: unknown) => {
        this.counters.reject(this.logger, 'internal_errors', `failed to finalize message: ${(err as Error)?.message ?? err}`);
      });
  }

  private inBackground(p: Promise<void>): void {
    const q = p.finally(() => this.background.delete(q));
    this.background.add(q);
  }

  // ---------------------------------------------------------------- stdio

  private async onStdioEvent(ev: RawEvent, wallOffsetNs: bigint): Promise<void> {
    this.counters.inc('stdio_events');
    const key = streamKeyOf(ev);
    const ch = this.channels.get(key) ?? (await this.openChannel(key));
    ch.lastSeen = Date.now();
    const me: Endpoint = { pid: ev.pid, comm: ev.comm };
    if (ev.direction === Direction.write) {
      if (ch.mode === 'read') this.supersedeReads(ch);
      ch.mode = 'write';
      // Only a new pid is worth a Store write; thread names of one process vary.
      if (ch.writer?.pid !== me.pid) this.persistEndpoint(key, 'writer', me);
      ch.writer = me;
      this.feed(ch.writeCursor, ch.writeSplit, ev, wallOffsetNs);
      return;
    }
    if (ch.reader?.pid !== me.pid) this.persistEndpoint(key, 'reader', me);
    ch.reader = me;
    if (ch.mode === 'write') {
      if (ch.held.length > 0) {
        this.releaseChannelUpTo(ch, ch.held.last()!);
        this.rearmStdioTimer();
      }
      return;
    }
    ch.mode = 'read';
    this.feed(ch.readCursor, ch.readSplit, ev, wallOffsetNs);
  }

  private feed(cursor: CallCursor, split: NdjsonSplitter<LineMeta>, ev: RawEvent, wallOffsetNs: bigint): void {
    if (!cursor.follows(ev)) {
      this.counters.inc('stdio_gaps');
      split.gap();
    }
    if (ev.flags & RawFlags.truncated) {
      // The kernel could not read these bytes from the writer's memory.
      this.counters.inc('stdio_gaps');
      split.gap();
      return;
    }
    if (ev.data.byteLength === 0) return;
    split.feed(ev.data, { pid: ev.pid, comm: ev.comm, tsNs: ev.tsNs, wallOffsetNs });
  }

  /** Kernel or user-space gap markers on a stdio channel poison its current line. */
  private onGapEvent(ev: RawEvent): void {
    if (ev.fdType !== FdType.pipe && ev.fdType !== FdType.unix) {
      if (ev.kind === RawKind.userGap && ev.streamId === 0n) {
        // A dropped batch: any channel may have lost bytes.
        for (const ch of this.channels.values()) {
          ch.writeSplit.gap();
          ch.readSplit.gap();
        }
        this.counters.inc('stdio_gaps');
      }
      return;
    }
    const ch = this.channels.get(streamKeyOf({ kind: RawKind.io, fdType: ev.fdType, pid: ev.pid, streamId: ev.streamId }));
    if (!ch) return;
    this.counters.inc('stdio_gaps');
    if (ev.direction === Direction.write) ch.writeSplit.gap();
    else ch.readSplit.gap();
  }

  private async openChannel(key: string): Promise<StdioChannel> {
    if (this.channels.size >= this.cfg.maxStreams) this.evictOldestChannel();
    const ch = new StdioChannel(key);
    ch.writeSplit = this.makeSplitter(ch, false);
    ch.readSplit = this.makeSplitter(ch, true);
    try {
      const stored = await withDeadline(this.store.hgetall(`mcp:pipe:${key}`), this.cfg.storeTimeoutMs);
      if (stored === TIMED_OUT) {
        this.counters.reject(this.logger, 'store_timeouts', `Store did not answer within ${this.cfg.storeTimeoutMs} ms`);
      } else {
        if (stored.reader) ch.reader = parseEndpoint(stored.reader);
        if (stored.writer) ch.writer = parseEndpoint(stored.writer);
      }
    } catch (err) {
      this.counters.reject(this.logger, 'store_errors', new ParserStoreError('load', `mcp:pipe:${key}`, { cause: err }).message);
    }
    // Another event for the same key may have opened it while the Store answered.
    const existing = this.channels.get(key);
    if (existing) return existing;
    this.channels.set(key, ch);
    return ch;
  }

  private makeSplitter(ch: StdioChannel, fromRead: boolean): NdjsonSplitter<LineMeta> {
    return new NdjsonSplitter<LineMeta>(
      this.cfg.maxLineBytes,
      this.budget,
      {
        line: (bytes, meta) => this.onStdioLine(ch, bytes, meta, fromRead),
        drop: (reason: DropReason) => this.counters.reject(this.logger, reason, dropText(reason, this.cfg.maxLineBytes, this.cfg.maxTotalBytes), { stream: ch.key }),
      },
      (meta) => meta.pid,
    );
  }

  private persistEndpoint(key: string, field: 'reader' | 'writer', ep: Endpoint): void {
    const storeKey = `mcp:pipe:${key}`;
    this.inBackground(
      withDeadline(this.store.hset(storeKey, field, JSON.stringify(ep), ENDPOINT_TTL_MS), this.cfg.storeTimeoutMs).then(
        (r) => {
          if (r === TIMED_OUT) this.counters.reject(this.logger, 'store_timeouts', `Store did not answer within ${this.cfg.storeTimeoutMs} ms`);
        },
        (err: unknown) => {
          this.counters.reject(this.logger, 'store_errors', new ParserStoreError('store', storeKey, { cause: err }).message);
        },
      ),
    );
  }

  private onStdioLine(ch: StdioChannel, bytes: Buffer, meta: LineMeta, fromRead: boolean): void {
    this.counters.inc('stdio_lines');
    const text = this.decode(bytes, ch.key);
    const result = parseJsonRpcText(text, this.cfg.maxJsonDepth);
    for (const r of result.rejects) this.counters.reject(this.logger, r.counter, r.reason, { stream: ch.key });
    if (result.messages.length === 0) return;
    const timestamp = kernelTimeToIso(meta.tsNs, meta.wallOffsetNs);
    const self: Endpoint = { pid: meta.pid, comm: meta.comm };
    for (const parsed of result.messages) {
      const item: HeldStdio = {
        channel: ch,
        parsed,
        from: fromRead ? (ch.writer ?? NOBODY) : self,
        to: fromRead ? self : undefined,
        timestamp,
        deadline:
          Date.now() + (ch.reader || ch.readerWaitExpired || fromRead ? this.cfg.readerWaitMs : this.cfg.firstReaderWaitMs),
        done: false,
      };
      // Reads-as-stream are held too: the write of the same bytes may still be on its way.
      if (!fromRead && ch.reader && ch.held.length === 0) {
        this.releaseStdio(item);
        continue;
      }
      ch.held.push(item);
      this.heldStdio.push(item);
      this.armStdioTimer();
    }
  }

  /** A write arrived on a channel parsed from its reads: the write carries those bytes. */
  private supersedeReads(ch: StdioChannel): void {
    for (const item of ch.held) item.done = true;
    if (ch.held.length > 0) this.counters.inc('read_messages_superseded', ch.held.length);
    ch.held.clear();
    ch.readSplit.reset();
  }

  private releaseChannelUpTo(ch: StdioChannel, last: HeldStdio): void {
    while (ch.held.length > 0) {
      const item = ch.held.shift()!;
      this.releaseStdio(item);
      if (item === last) break;
    }
  }

  private releaseStdio(item: HeldStdio): void {
    item.done = true;
    const ch = item.channel;
    const from = item.from;
    const to = item.to ?? ch.reader ?? NOBODY;
    const lo = Math.min(from.pid, to.pid);
    const hi = Math.max(from.pid, to.pid);
    const session = `stdio:${lo}-${hi}`;
    const draft: Draft = {
      parsed: item.parsed,
      timestamp: item.timestamp,
      transportType: 'stdio',
      stdio: { from_pid: from.pid, from_comm: this.commOf(from), to_pid: to.pid, to_comm: this.commOf(to) },
      session,
      mcpScopes: [ch.key, session],
    };
    const p = item.parsed;
    if (p.type === 'request') draft.requestScope = `stdio:${from.pid}>${to.pid}`;
    else if (p.type === 'response' || p.type === 'error') {
      // The requester is this response's reader; when both ends are known also
      // try the keys a request gets when one of its ends was not seen.
      const scopes = [`stdio:${to.pid}>${from.pid}`];
      if (to.pid !== 0 && from.pid !== 0) scopes.push(`stdio:${to.pid}>0`, `stdio:0>${from.pid}`);
      draft.responseScopes = scopes;
    }
    this.output(draft);
  }

  /** The head of the held queue may have gone: wait for the new head's deadline instead. */
  private rearmStdioTimer(): void {
    if (this.stdioTimer) clearTimeout(this.stdioTimer);
    this.stdioTimer = null;
    this.armStdioTimer();
  }

  private armStdioTimer(): void {
    if (this.stdioTimer || this.closed) return;
    while (this.heldStdioHead < this.heldStdio.length && this.heldStdio[this.heldStdioHead].done) this.heldStdioHead++;
    if (this.heldStdioHead >= this.heldStdio.length) {
      this.compactStdio();
      return;
    }
    const wait = Math.max(0, this.heldStdio[this.heldStdioHead].deadline - Date.now());
    this.stdioTimer = setTimeout(() => this.onStdioTimer(), wait);
    this.stdioTimer.unref();
  }

  private onStdioTimer(): void {
    this.stdioTimer = null;
    const now = Date.now();
    while (this.heldStdioHead < this.heldStdio.length) {
      const item = this.heldStdio[this.heldStdioHead];
      if (!item.done) {
        if (item.deadline > now) break;
        if (!item.to && !item.channel.reader) {
          this.counters.inc('reader_wait_timeouts');
          item.channel.readerWaitExpired = true;
        }
        this.releaseChannelUpTo(item.channel, item);
      }
      this.heldStdioHead++;
    }
    this.compactStdio();
    this.armStdioTimer();
  }

  private compactStdio(): void {
    if (this.heldStdioHead > 1024 && this.heldStdioHead * 2 > this.heldStdio.length) {
      this.heldStdio = this.heldStdio.slice(this.heldStdioHead);
      this.heldStdioHead = 0;
    } else if (this.heldStdioHead >= this.heldStdio.length) {
      this.heldStdio = [];
      this.heldStdioHead = 0;
    }
  }

  private evictOldestChannel(): void {
    const first = this.channels.entries().next().value as [string, StdioChannel] | undefined;
    if (!first) return;
    this.dropChannel(first[0], first[1]);
  }

  private dropChannel(key: string, ch: StdioChannel): void {
    if (ch.held.length > 0) this.releaseChannelUpTo(ch, ch.held.last()!);
    ch.writeSplit.reset();
    ch.readSplit.reset();
    this.channels.delete(key);
    this.counters.inc('streams_evicted');
  }

  private sweepIdle(): void {
    const cutoff = Date.now() - this.cfg.streamIdleMs;
    for (const [key, ch] of this.channels) if (ch.lastSeen < cutoff) this.dropChannel(key, ch);
  }

  // ---------------------------------------------------------------- http

  private handleHttp(ev: HttpMessageEvent): void {
    this.counters.inc('http_messages');
    if (ev.gap) {
      this.counters.reject(this.logger, 'http_gap', 'bytes of the HTTP message were lost in capture', { stream: ev.stream });
      return;
    }
    let body = typeof ev.body === 'string' ? ev.body : '';
    if (ev.body_encoding === 'base64') {
      const bytes = Buffer.from(body, 'base64');
      body = this.decode(bytes, ev.stream);
    }
    const payloads =
      ev.kind === 'sse_event' ? [body] : /text\/event-stream/i.test(ev.content_type ?? '') ? ssePayloads(body) : [body];
    for (const payload of payloads) {
      const result = parseJsonRpcText(payload, this.cfg.maxJsonDepth);
      for (const r of result.rejects) this.counters.reject(this.logger, r.counter, r.reason, { stream: ev.stream });
      if (result.messages.length === 0) continue;
      const drafts = result.messages.map((m) => this.httpDraft(ev, m));
      const key = createHash('sha1').update(ev.is_request ? 'q\0' : 'r\0').update(payload.trim()).digest('base64');
      if (ev.side === 'client') this.clientObservation(key, drafts);
      else this.serverObservation(key, drafts);
    }
  }

  private httpDraft(ev: HttpMessageEvent, parsed: ParsedMessage): Draft {
    const host = ev.host ?? ev.headers?.host ?? '';
    const http: HttpTransportInfo = { pid: ev.pid, comm: this.commOf({ pid: ev.pid, comm: ev.comm }), host, is_request: ev.is_request };
    if (ev.method !== undefined) http.method = ev.method;
    if (ev.path !== undefined) http.path = ev.path;
    if (ev.status !== undefined) http.status = ev.status;
    if (ev.session_id !== undefined) http.session_id = ev.session_id;
    http.tls = ev.tls;
    http.side = ev.side;
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
    };
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
      this.counters.inc('http_twins_merged');
      // The merged one may have been the head of the queue: wait for the next head only.
      if (this.httpTimer) clearTimeout(this.httpTimer);
      this.httpTimer = null;
      this.armHttpTimer();
    } else if (takeOne(this.serverEmitted, key)) {
      // The server's view went out after the wait; this is its late twin.
      this.counters.inc('http_twins_late');
      return;
    } else {
      addOne(this.clientEmitted, key, this.twinMemoryMs());
    }
    for (const d of drafts) this.output(d);
  }

  private serverObservation(key: string, drafts: Draft[]): void {
    if (takeOne(this.clientEmitted, key)) {
      this.counters.inc('http_twins_merged');
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
    this.heldHttp.push(h);
    this.armHttpTimer();
  }

  private releaseServerObservation(h: HeldHttp): void {
    h.done = true;
    const list = this.waitingServer.get(h.key);
    if (list) {
      const i = list.indexOf(h);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.waitingServer.delete(h.key);
    }
    addOne(this.serverEmitted, h.key, this.twinMemoryMs());
    this.counters.inc('http_server_only');
    for (const d of h.drafts) this.output(d);
  }

  private twinMemoryMs(): number {
    return Math.max(TWIN_MEMORY_MIN_MS, this.cfg.twinWaitMs * 20);
  }

  private armHttpTimer(): void {
    if (this.httpTimer || this.closed) return;
    while (this.heldHttpHead < this.heldHttp.length && this.heldHttp[this.heldHttpHead].done) this.heldHttpHead++;
    if (this.heldHttpHead >= this.heldHttp.length) {
      this.compactHttp();
      return;
    }
    const wait = Math.max(0, this.heldHttp[this.heldHttpHead].deadline - Date.now());
    this.httpTimer = setTimeout(() => this.onHttpTimer(), wait);
    this.httpTimer.unref();
  }

  private onHttpTimer(): void {
    this.httpTimer = null;
    const now = Date.now();
    while (this.heldHttpHead < this.heldHttp.length) {
      const h = this.heldHttp[this.heldHttpHead];
      if (!h.done) {
        if (h.deadline > now) break;
        this.releaseServerObservation(h);
      }
      this.heldHttpHead++;
    }
    this.compactHttp();
    this.armHttpTimer();
  }

  private compactHttp(): void {
    if (this.heldHttpHead > 1024 && this.heldHttpHead * 2 > this.heldHttp.length) {
      this.heldHttp = this.heldHttp.slice(this.heldHttpHead);
      this.heldHttpHead = 0;
    } else if (this.heldHttpHead >= this.heldHttp.length) {
      this.heldHttp = [];
      this.heldHttpHead = 0;
    }
  }

  // ---------------------------------------------------------------- output

  private finalize(d: Draft, request: PairedRequest | undefined): void {
    const p = d.parsed;
    if (d.responseScopes) {
      if (request) {
        this.counters.inc('paired_responses');
        this.markMcp(d.mcpScopes);
      } else this.counters.inc('unpaired_responses');
    }
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
    out.seq = ++this.seq;
    out.msg_id = `${this.instance}:${out.seq}`;
    this.counters.inc('messages_emitted');
    try {
      this.emitFn(out);
    } catch (err) {
      this.counters.reject(this.logger, 'emit_errors', new EmitError(out.msg_id, { cause: err }).message);
    }
  }

  private markMcp(scopes: string[]): void {
    for (const s of scopes) {
      if (this.mcpScopes.has(s)) continue;
      this.mcpScopes.add(s);
      if (this.mcpScopes.size > MAX_MCP_SCOPES) this.mcpScopes.delete(this.mcpScopes.values().next().value as string);
    }
  }

  // ---------------------------------------------------------------- helpers

  private commOf(ep: Endpoint): string {
    // The event's own comm is the name at the time of the call (a process may
    // rename itself after exec); the process table only fills in a blank.
    if (ep.pid === 0 || ep.comm) return ep.comm;
    return this.procComm.get(ep.pid) ?? ep.comm;
  }

  /** JSON must be UTF-8 (RFC 8259 §8.1); bad bytes become U+FFFD and are counted rather than losing the message. */
  private decode(bytes: Buffer, stream: string): string {
    if (!isUtf8(bytes)) this.counters.reject(this.logger, 'invalid_utf8', 'bytes are not valid UTF-8; replaced with U+FFFD', { stream });
    return bytes.toString('utf8');
  }
}

function parseEndpoint(v: string): Endpoint | undefined {
  try {
    const o = JSON.parse(v) as Endpoint;
    if (typeof o?.pid === 'number' && typeof o.comm === 'string') return { pid: o.pid, comm: o.comm };
  } catch {
    /* a corrupt entry is treated as unknown */
  }
  return undefined;
}

function dropText(reason: DropReason, maxLine: number, maxTotal: number): string {
  switch (reason) {
    case 'non_json_lines':
      return 'line does not start with { or [; skipped to the next newline';
    case 'line_too_long':
      return `line longer than ${maxLine} bytes; dropped, stream resynced at the next newline`;
    case 'total_bytes_exceeded':
      return `partial lines would exceed ${maxTotal} bytes over all streams; line dropped`;
    case 'process_bytes_exceeded':
      return 'one process holds its share of partial-line bytes in this line alone; dropped';
    case 'partial_line_evicted':
      return 'partial line evicted to stay within the memory budget (oldest first); dropped, stream resynced at the next newline';
    case 'gap_lines_dropped':
      return 'bytes were lost inside this line; dropped rather than glued';
  }
}

function takeOne(m: Map<string, TwinCount>, key: string): boolean {
  const e = m.get(key);
  if (!e) return false;
  if (e.exp < Date.now()) {
    m.delete(key);
    return false;
  }
  if (--e.n <= 0) m.delete(key);
  return true;
}

function addOne(m: Map<string, TwinCount>, key: string, windowMs: number): void {
  const now = Date.now();
  const e = m.get(key);
  m.delete(key);
  m.set(key, { n: e && e.exp >= now ? e.n + 1 : 1, exp: now + windowMs });
  // Oldest-refreshed first: expired entries sit at the head.
  for (const [k, v] of m) {
    if (m.size <= MAX_TWIN_KEYS && v.exp >= now) break;
    m.delete(k);
  }
}
