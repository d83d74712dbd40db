/**
 * Stdio channels: the byte streams of pipes and unix socketpairs, split into
 * lines, validated as JSON-RPC, and held until the reader of the channel is
 * known (a read names it) or a short wait passes. Each message leaves as a
 * Draft naming its writer (`from`) and reader (`to`) and the pairing keys of
 * its direction. See the README, "stdio".
 */
import { isAscii } from 'node:buffer';
import {
  Direction,
  ChunkContinuity,
  FdType,
  holdCapturedBytes,
  kernelTimeToIso,
  NoticeReason,
  RawEvent,
  RawFlags,
  RawKind,
  releaseCapturedBytes,
  type StdioTransportInfo,
  streamKeyOf,
  visibleBytes,
  visibleText,
} from '@mcpspy/events';
import { Counters, Logger, Store } from '@mcpspy/runtime';
import { DeadlineQueue } from './deadline-queue';
import { FifoQueue } from './fifo-queue';
import { ParserStoreError } from './errors';
import { ParsedMessage, parseJsonRpcText, recoverJsonRpc } from './jsonrpc';
import { decodeUtf8, Draft } from './message-builder';
import { ByteBudget, DropReason, NdjsonSplitter } from './ndjson-splitter';
import { Notices } from './notices';
import { Endpoint, NOBODY, ProcNames } from './proc-names';
import { TIMED_OUT, withDeadline } from './store-timeout';

/** `{` tried as message starts when a stdio line does not parse (messages glued to log output). */
const MAX_RESYNC_TRIES = 16;
const SAMPLE_MAX = 200;

const VIOLATION_DETAIL: Partial<Record<NoticeReason, string>> = {
  stdio_non_jsonrpc:
    'the process wrote bytes that are not JSON-RPC to an MCP stdio stream (logs or a banner on stdout corrupt it); the messages around them were resynchronised and written',
  jsonrpc_nonconforming:
    'a message on an MCP stdio stream that is not conforming JSON-RPC 2.0 (version 1.0, no "jsonrpc": "2.0", a bad id or shape); not written',
};

/** Pipe endpoints outlive this process in the Store for an hour after their last change. */
const ENDPOINT_TTL_MS = 60 * 60_000;

export interface StdioConfig {
  readerWaitMs: number;
  firstReaderWaitMs: number;
  maxLineBytes: number;
  maxTotalBytes: number;
  maxStreams: number;
  streamIdleMs: number;
  maxJsonDepth: number;
  storeTimeoutMs: number;
}

export interface StdioDeps {
  store: Store;
  counters: Counters;
  logger: Logger;
  names: ProcNames;
  budget: ByteBudget;
  notices: Notices;
  /** Whether these channels/sessions are known to carry MCP. */
  isMcp(scopes: string[]): boolean;
  /** Where finished drafts go, in order. */
  output(d: Draft): void;
  /** Store writes nobody waits for, but `flush()` does. */
  inBackground(p: Promise<void>): void;
}

interface LineMeta {
  pid: number;
  comm: string;
  tsNs: bigint;
  wallOffsetNs: bigint;
}

interface Violation {
  count: number;
  /** Of the first occurrence since the last report. */
  sample: string;
  pid: number;
  comm: string;
  timestamp: string;
}

interface HeldStdio {
  channel: StdioChannel;
  parsed: ParsedMessage;
  from: Endpoint;
  /** Known reader when the bytes came from the reader's own reads. */
  to?: Endpoint;
  timestamp: string;
  /** Kernel time of the line's last byte: orders two channels' held messages when both are let go at once. */
  tsNs: bigint;
  deadline: number;
  done: boolean;
}

/**
 * What a message's draft takes from its two ends: frozen and shared by the
 * messages of a channel (they are never changed once built), so a message
 * costs fewer objects and the sink can reuse `stdio_transport`'s JSON text
 * from the channel's previous line.
 */
interface ChannelEnds {
  fromPid: number;
  fromComm: string;
  toPid: number;
  toComm: string;
  stdio: Readonly<StdioTransportInfo>;
  session: string;
  mcpScopes: string[];
  origin: Draft['origin'];
  requestScope: string;
  responseScopes: string[];
}

class StdioChannel {
  /** write: the writes are the byte stream; read: no writer seen, the reads are. */
  mode: 'none' | 'write' | 'read' = 'none';
  reader?: Endpoint;
  writer?: Endpoint;
  // A queue, not an array: one batch line of 600k elements released with Array.shift took minutes.
  held = new FifoQueue<HeldStdio>();
  /** Set once a message went out without its reader: later ones wait only the short time. */
  readerWaitExpired = false;
  lastSeen = Date.now();
  readonly writeCursor = new ChunkContinuity();
  readonly readCursor = new ChunkContinuity();
  writeSplit!: NdjsonSplitter<LineMeta>;
  readSplit!: NdjsonSplitter<LineMeta>;
  /** Protocol violations not reported yet (the channel was not known to carry MCP). */
  readonly violations = new Map<NoticeReason, Violation>();
  /** The parts of the last message's draft that depend only on its two ends, reused while the ends stay the same. */
  ends?: ChannelEnds;
  constructor(readonly key: string) {}

  get idle(): boolean {
    return this.held.length === 0 && this.writeSplit.idle && this.readSplit.idle;
  }
}

export class StdioChannels {
  private readonly channels = new Map<string, StdioChannel>();
  /** Counters of every event and every line, taken when first counted (Counters.cell). */
  private eventsCell: { n: number } | undefined;
  private linesCell: { n: number } | undefined;
  private readonly held: DeadlineQueue<HeldStdio>;
  /**
   * Channels holding messages for a reader no read named yet, by writer pid
   * (checked lazily: an entry may have been named or emptied since). Empty
   * on a steady system, so the events of known channels pay one size test.
   */
  private readonly awaiting = new Map<number, Set<StdioChannel>>();
  /** The channels each process writes (its last writer), for "does Q already have a channel read by P?". */
  private readonly byWriter = new Map<number, Set<StdioChannel>>();

  constructor(
    private readonly cfg: StdioConfig,
    private readonly deps: StdioDeps,
  ) {
    this.held = new DeadlineQueue<HeldStdio>((item) => {
      if (!item.to && !item.channel.reader) {
        this.deps.counters.inc('reader_wait_timeouts');
        item.channel.readerWaitExpired = true;
      }
      this.releaseChannelUpTo(item.channel, item);
      if (item.channel.held.length === 0) this.unawait(item.channel);
    });
  }

  get size(): number {
    return this.channels.size;
  }

  /** Returns a promise only when the channel is new (its endpoints are loaded from the Store first). */
  onEvent(ev: RawEvent, wallOffsetNs: bigint): Promise<void> | undefined {
    (this.eventsCell ??= this.deps.counters.cell('stdio_events')).n++;
    const key = streamKeyOf(ev);
    const ch = this.channels.get(key);
    if (ch) {
      this.onChannelEvent(ch, key, ev, wallOffsetNs);
      return undefined;
    }
    return this.openChannel(key).then((opened) => this.onChannelEvent(opened, key, ev, wallOffsetNs));
  }

  private onChannelEvent(ch: StdioChannel, key: string, ev: RawEvent, wallOffsetNs: bigint): void {
    ch.lastSeen = Date.now();
    const me: Endpoint = { pid: ev.pid, comm: ev.comm };
    if (ev.direction === Direction.write) {
      if (ch.mode === 'read') this.supersedeReads(ch);
      ch.mode = 'write';
      // Only a new pid is worth a Store write; thread names of one process vary.
      if (ch.writer?.pid !== me.pid) {
        this.persistEndpoint(key, 'writer', me);
        this.indexWriter(ch, me.pid);
      }
      ch.writer = me;
      // A process answering Q has read what Q wrote to it: let that go first (inferReader).
      if (this.awaiting.size > 0 && ch.reader) this.inferReader(me, ch.reader.pid, ch);
      this.feed(ch.writeCursor, ch.writeSplit, ev, wallOffsetNs);
      return;
    }
    if (ch.reader?.pid !== me.pid) this.persistEndpoint(key, 'reader', me);
    ch.reader = me;
    if (ch.mode === 'write') {
      if (this.awaiting.size > 0) {
        this.unawait(ch);
        if (ch.writer) this.inferReader(ch.writer, me.pid, ch);
      }
      if (ch.held.length > 0) {
        this.releaseChannelUpTo(ch, ch.held.last()!);
        this.held.rearm();
      }
      return;
    }
    ch.mode = 'read';
    this.feed(ch.readCursor, ch.readSplit, ev, wallOffsetNs);
  }

  /** Kernel or user-space gap markers on a stdio channel poison its current line. */
  onGap(ev: RawEvent): void {
    if (ev.fdType !== FdType.pipe && ev.fdType !== FdType.unix) {
      if (ev.kind === RawKind.userGap && ev.streamId === 0n) {
        // A dropped batch: any channel may have lost bytes.
        for (const ch of this.channels.values()) {
          ch.writeSplit.gap();
          ch.readSplit.gap();
        }
        this.deps.counters.inc('stdio_gaps');
      }
      return;
    }
    const ch = this.channels.get(streamKeyOf({ kind: RawKind.io, fdType: ev.fdType, pid: ev.pid, streamId: ev.streamId }));
    if (!ch) return;
    this.deps.counters.inc('stdio_gaps');
    if (ev.direction === Direction.write) ch.writeSplit.gap();
    else ch.readSplit.gap();
  }

  /** A process exited: it reads nothing any more, and channels only it used are dead state. */
  onExit(pid: number): void {
    for (const [key, ch] of this.channels) {
      if (ch.reader?.pid === pid) ch.reader = undefined;
      if (ch.reader === undefined && ch.idle && (ch.writer?.pid === pid || ch.writer === undefined)) {
        this.channels.delete(key);
        this.unindex(ch);
      }
    }
  }

  /** Emits every held message now. */
  flush(): void {
    this.held.drain((item) => this.releaseChannelUpTo(item.channel, item));
  }

  close(): void {
    this.held.close();
  }

  /** Forgets channels silent for `streamIdleMs`. */
  sweepIdle(): void {
    const cutoff = Date.now() - this.cfg.streamIdleMs;
    for (const [key, ch] of this.channels) if (ch.lastSeen < cutoff) this.dropChannel(key, ch);
  }

  private feed(cursor: ChunkContinuity, split: NdjsonSplitter<LineMeta>, ev: RawEvent, wallOffsetNs: bigint): void {
    if (!cursor.follows(ev)) {
      this.deps.counters.inc('stdio_gaps');
      split.gap();
    }
    // A truncated chunk's bytes could not be read from the writer's memory: they are part of the hole.
    if (ev.flags & RawFlags.truncated) return;
    if (ev.data.byteLength === 0) return;
    split.feed(ev.data, { pid: ev.pid, comm: ev.comm, tsNs: ev.tsNs, wallOffsetNs });
  }

  private async openChannel(key: string): Promise<StdioChannel> {
    if (this.channels.size >= this.cfg.maxStreams) this.evictOldest();
    const ch = new StdioChannel(key);
    ch.writeSplit = this.makeSplitter(ch, false);
    ch.readSplit = this.makeSplitter(ch, true);
    const { store, counters, logger } = this.deps;
    try {
      const stored = await withDeadline(store.hgetall(`mcp:pipe:${key}`), this.cfg.storeTimeoutMs);
      if (stored === TIMED_OUT) {
        counters.reject(logger, 'store_timeouts', `Store did not answer within ${this.cfg.storeTimeoutMs} ms`);
      } else {
        if (stored.reader) ch.reader = parseEndpoint(stored.reader);
        if (stored.writer) ch.writer = parseEndpoint(stored.writer);
      }
    } catch (err) {
      counters.reject(logger, 'store_errors', new ParserStoreError('load', `mcp:pipe:${key}`, { cause: err }).message);
    }
    // Another event for the same key may have opened it while the Store answered.
    const existing = this.channels.get(key);
    if (existing) return existing;
    this.channels.set(key, ch);
    return ch;
  }

  private makeSplitter(ch: StdioChannel, fromRead: boolean): NdjsonSplitter<LineMeta> {
    return new NdjsonSplitter<LineMeta>(this.cfg.maxLineBytes, this.deps.budget, {
      line: (bytes, meta, resync) => this.onLine(ch, bytes, meta, fromRead, resync),
      noise: (bytes, meta, lineStart) => {
        if (lineStart) this.violation(ch, 'stdio_non_jsonrpc', meta, fromRead, visibleBytes(bytes, SAMPLE_MAX));
      },
      drop: (reason: DropReason) =>
        this.deps.counters.reject(this.deps.logger, reason, dropText(reason, this.cfg.maxLineBytes, this.cfg.maxTotalBytes), {
          stream: ch.key,
        }),
    }, (meta) => meta.pid);
  }

  private persistEndpoint(key: string, field: 'reader' | 'writer', ep: Endpoint): void {
    const storeKey = `mcp:pipe:${key}`;
    const { store, counters, logger } = this.deps;
    this.deps.inBackground(
      withDeadline(store.hset(storeKey, field, JSON.stringify(ep), ENDPOINT_TTL_MS), this.cfg.storeTimeoutMs).then(
        (r) => {
          if (r === TIMED_OUT) counters.reject(logger, 'store_timeouts', `Store did not answer within ${this.cfg.storeTimeoutMs} ms`);
        },
        (err: unknown) => {
          counters.reject(logger, 'store_errors', new ParserStoreError('store', storeKey, { cause: err }).message);
        },
      ),
    );
  }

  private onLine(ch: StdioChannel, bytes: Buffer, meta: LineMeta, fromRead: boolean, resync: boolean): void {
    const { counters, logger } = this.deps;
    (this.linesCell ??= counters.cell('stdio_lines')).n++;
    // Plain ASCII (nearly every line) is its own text, copied as it is; only other bytes are checked and decoded as
    // UTF-8. An ASCII line's bytes also serve the embedded sink's escape of `raw` (holdCapturedBytes below).
    const ascii = isAscii(bytes);
    const text = ascii ? bytes.toString('latin1') : decodeUtf8(bytes, ch.key, counters, logger);
    let result = parseJsonRpcText(text, this.cfg.maxJsonDepth);
    // Messages glued to other output on one line (`[DEBUG] done {"jsonrpc":…}`, `{…}trailing log`, `{…}{…}`): only a
    // line that is not one JSON text is searched. A valid JSON document that is not JSON-RPC (a program's own records,
    // which may quote JSON-RPC messages inside) is another protocol's data, never mined for nested objects.
    const notOneJsonText = result.rejects.some((r) => r.counter === 'non_json' || r.counter === 'invalid_json');
    if (result.messages.length === 0 && notOneJsonText) {
      const found = recoverJsonRpc(text, this.cfg.maxJsonDepth, MAX_RESYNC_TRIES);
      if (found.messages.length > 0) {
        if (!resync && found.noise) this.violation(ch, 'stdio_non_jsonrpc', meta, fromRead, visibleText(found.noise, SAMPLE_MAX));
        resync = true;
        result = { messages: found.messages, rejects: [] };
      }
    }
    if (result.messages.length === 0) {
      for (const r of result.rejects) counters.reject(logger, r.counter, r.reason, { stream: ch.key });
      const nonconforming = result.rejects.some((r) => r.nonconforming);
      // A noisy line already counted at its start is not counted again.
      if (nonconforming || !resync) {
        this.violation(ch, nonconforming ? 'jsonrpc_nonconforming' : 'stdio_non_jsonrpc', meta, fromRead, visibleText(text, SAMPLE_MAX));
      }
      return;
    }
    for (const r of result.rejects) {
      counters.reject(logger, r.counter, r.reason, { stream: ch.key });
      if (r.nonconforming) this.violation(ch, 'jsonrpc_nonconforming', meta, fromRead, visibleText(text, SAMPLE_MAX));
    }
    if (resync) counters.inc('stdio_resynced', result.messages.length);
    const timestamp = kernelTimeToIso(meta.tsNs, meta.wallOffsetNs);
    const self: Endpoint = { pid: meta.pid, comm: meta.comm };
    // A message released now reaches the embedded sink inside this call: its line can escape `raw` from these bytes
    // (holdCapturedBytes, @mcpspy/events). Let go before returning: the bytes may be reused once this call is over.
    // Only plain ASCII: the sink's escape takes nothing else, and would only start and give up.
    if (ascii) holdCapturedBytes(text, bytes);
    try {
      this.releaseOrHold(ch, result.messages, fromRead, self, timestamp, meta.tsNs);
    } finally {
      releaseCapturedBytes();
    }
  }

  private releaseOrHold(ch: StdioChannel, messages: ParsedMessage[], fromRead: boolean, self: Endpoint, timestamp: string, tsNs: bigint): void {
    for (const parsed of messages) {
      const item: HeldStdio = {
        channel: ch,
        parsed,
        from: fromRead ? (ch.writer ?? NOBODY) : self,
        to: fromRead ? self : undefined,
        timestamp,
        tsNs,
        deadline: Date.now() + (ch.reader || ch.readerWaitExpired || fromRead ? this.cfg.readerWaitMs : this.cfg.firstReaderWaitMs),
        done: false,
      };
      // Reads-as-stream are held too: the write of the same bytes may still be on its way.
      if (!fromRead && ch.reader && ch.held.length === 0) {
        this.release(item);
        continue;
      }
      if (!fromRead && !ch.reader && ch.held.length === 0) this.await(ch, self.pid);
      ch.held.push(item);
      this.held.push(item);
    }
  }

  private await(ch: StdioChannel, writerPid: number): void {
    let set = this.awaiting.get(writerPid);
    if (!set) this.awaiting.set(writerPid, (set = new Set()));
    set.add(ch);
  }

  private unawait(ch: StdioChannel): void {
    const pid = ch.writer?.pid;
    if (pid === undefined) return;
    const set = this.awaiting.get(pid);
    if (set?.delete(ch) && set.size === 0) this.awaiting.delete(pid);
  }

  private indexWriter(ch: StdioChannel, pid: number): void {
    const old = ch.writer?.pid;
    if (old !== undefined) {
      const set = this.byWriter.get(old);
      if (set?.delete(ch) && set.size === 0) this.byWriter.delete(old);
    }
    let set = this.byWriter.get(pid);
    if (!set) this.byWriter.set(pid, (set = new Set()));
    set.add(ch);
  }

  private unindex(ch: StdioChannel): void {
    this.unawait(ch);
    const pid = ch.writer?.pid;
    if (pid === undefined) return;
    const set = this.byWriter.get(pid);
    if (set?.delete(ch) && set.size === 0) this.byWriter.delete(pid);
  }

  /**
   * P writes to Q on `via` (or is named as the reader of what P writes):
   * Q's channel that holds messages for a reader no read record named yet
   * is read by P, when it is the only such channel of Q and Q has no
   * channel P is already known to read (a client starting a second server
   * keeps its first one's answers out of the new channel). Its messages go
   * out now, naming P, merged in kernel-time order with what `via` holds:
   * what P answers is never written before what P read. Without this, a
   * reader named by no read record (a folded read, a read the probe cannot
   * hook: splice, io_uring) left Q's requests waiting for the reader wait
   * while P's responses went out (`readers_inferred`).
   */
  private inferReader(p: Endpoint, q: number, via: StdioChannel): void {
    if (p.pid === q) return;
    const set = this.awaiting.get(q);
    if (!set) return;
    let target: StdioChannel | undefined;
    let candidates = 0;
    for (const a of set) {
      if (a.reader || a.held.length === 0 || a.mode !== 'write' || a.writer?.pid !== q || this.channels.get(a.key) !== a) {
        set.delete(a);
        continue;
      }
      if (a !== via) {
        target = a;
        candidates++;
      }
    }
    if (set.size === 0) this.awaiting.delete(q);
    if (candidates !== 1 || !target) return;
    for (const c of this.byWriter.get(q) ?? []) if (c !== target && c.reader?.pid === p.pid) return;
    set.delete(target);
    if (set.size === 0) this.awaiting.delete(q);
    this.deps.counters.inc('readers_inferred');
    this.persistEndpoint(target.key, 'reader', p);
    target.reader = p;
    // Both channels' held messages, oldest line first (via's are P's, held only if its reader was just named).
    while (target.held.length > 0 || (via.mode === 'write' && via.held.length > 0)) {
      const a = target.held.first();
      const b = via.mode === 'write' ? via.held.first() : undefined;
      if (a && (!b || a.tsNs <= b.tsNs)) this.release(target.held.shift()!);
      else this.release(via.held.shift()!);
    }
    this.held.rearm();
  }

  /** A write arrived on a channel parsed from its reads: the write carries those bytes. */
  private supersedeReads(ch: StdioChannel): void {
    for (const item of ch.held) item.done = true;
    if (ch.held.length > 0) this.deps.counters.inc('read_messages_superseded', ch.held.length);
    ch.held.clear();
    ch.readSplit.reset();
  }

  private releaseChannelUpTo(ch: StdioChannel, last: HeldStdio): void {
    while (ch.held.length > 0) {
      const item = ch.held.shift()!;
      this.release(item);
      if (item === last) break;
    }
  }

  private release(item: HeldStdio): void {
    item.done = true;
    const ch = item.channel;
    const from = item.from;
    const to = item.to ?? ch.reader ?? NOBODY;
    const ends = this.endsOf(ch, from, to);
    const draft: Draft = {
      parsed: item.parsed,
      timestamp: item.timestamp,
      transportType: 'stdio',
      stdio: ends.stdio,
      session: ends.session,
      mcpScopes: ends.mcpScopes,
      origin: ends.origin,
    };
    if (ch.violations.size > 0) draft.reportViolations = () => this.reportViolations(ch);
    const p = item.parsed;
    if (p.type === 'request') draft.requestScope = ends.requestScope;
    else if (p.type === 'response' || p.type === 'error') draft.responseScopes = ends.responseScopes;
    this.deps.output(draft);
  }

  private endsOf(ch: StdioChannel, from: Endpoint, to: Endpoint): ChannelEnds {
    const names = this.deps.names;
    const fromComm = names.commOf(from);
    const toComm = names.commOf(to);
    const last = ch.ends;
    if (last && last.fromPid === from.pid && last.toPid === to.pid && last.fromComm === fromComm && last.toComm === toComm) return last;
    const lo = Math.min(from.pid, to.pid);
    const hi = Math.max(from.pid, to.pid);
    const session = `stdio:${lo}-${hi}`;
    // The requester is a response's reader; when both ends are known also
    // try the keys a request gets when one of its ends was not seen.
    const responseScopes = [`stdio:${to.pid}>${from.pid}`];
    if (to.pid !== 0 && from.pid !== 0) responseScopes.push(`stdio:${to.pid}>0`, `stdio:0>${from.pid}`);
    const stdio: StdioTransportInfo = { from_pid: from.pid, from_comm: fromComm, to_pid: to.pid, to_comm: toComm };
    const ends: ChannelEnds = {
      fromPid: from.pid,
      fromComm,
      toPid: to.pid,
      toComm,
      stdio: Object.freeze(stdio),
      session,
      mcpScopes: Object.freeze([ch.key, session]) as string[],
      origin: Object.freeze({ pid: from.pid, comm: fromComm, stream: ch.key }),
      requestScope: `stdio:${from.pid}>${to.pid}`,
      responseScopes: Object.freeze(responseScopes) as string[],
    };
    ch.ends = ends;
    return ends;
  }

  /** Counts a protocol violation; reported at once on a channel known to carry MCP, else with its next MCP message. */
  private violation(ch: StdioChannel, reason: NoticeReason, meta: LineMeta, fromRead: boolean, sample: string): void {
    this.deps.counters.inc(`violation_${reason}`);
    const who: Endpoint = fromRead ? (ch.writer ?? NOBODY) : { pid: meta.pid, comm: meta.comm };
    let v = ch.violations.get(reason);
    if (!v) {
      v = { count: 0, sample, pid: who.pid, comm: this.deps.names.commOf(who), timestamp: kernelTimeToIso(meta.tsNs, meta.wallOffsetNs) };
      ch.violations.set(reason, v);
    }
    v.count++;
    if (this.deps.isMcp([ch.key])) this.reportViolations(ch);
  }

  private reportViolations(ch: StdioChannel): void {
    for (const [reason, v] of ch.violations) {
      this.deps.notices.report(
        reason,
        { timestamp: v.timestamp, pid: v.pid, comm: v.comm, stream: ch.key, detail: VIOLATION_DETAIL[reason] ?? reason, sample: v.sample },
        v.count,
      );
    }
    ch.violations.clear();
  }

  private evictOldest(): void {
    const first = this.channels.entries().next().value as [string, StdioChannel] | undefined;
    if (!first) return;
    this.dropChannel(first[0], first[1]);
  }

  private dropChannel(key: string, ch: StdioChannel): void {
    if (ch.held.length > 0) this.releaseChannelUpTo(ch, ch.held.last()!);
    ch.writeSplit.reset();
    ch.readSplit.reset();
    this.channels.delete(key);
    this.unindex(ch);
    this.deps.counters.inc('streams_evicted');
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
      return 'partial lines of this process would exceed its share of the budget; line dropped';
    case 'partial_line_evicted':
      return 'an unfinished line was evicted to make room (oldest first); its bytes are lost';
    case 'gap_lines_dropped':
      return 'bytes were lost inside this line; dropped rather than glued';
  }
}
