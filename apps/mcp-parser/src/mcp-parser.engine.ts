/**
 * mcp-parser engine. Consumes decoded raw batches (stdio: pipes and unix
 * socketpairs), HTTP messages from http-session and process events.
 * Produces MCP messages in the JSONL schema (McpMessageEvent), each once,
 * paired with its request when it is a response, in stream order.
 *
 * Flow: input (one at a time, in arrival order) → stdio channels
 * (`stdio-channels.ts`) or HTTP twins (`http-twins.ts`), each holding a
 * message briefly while its reader or twin is unknown (`deadline-queue.ts`)
 * → output (`message-output.ts`: unknown-method filter, pairing through the
 * Store, seq) → message building (`message-builder.ts`) → emit. The engine
 * only composes these and keeps the input in order.
 */
import { isStdioEvent, McpMessageEvent, NoticeEvent, ProcEvent, RawBatch, RawKind, HttpMessageEvent } from '@mcpspy/events';
import { Counters, Logger, MemoryStore, Store } from '@mcpspy/runtime';
import { Notices } from './notices';
import { DEFAULT_MAX_DEPTH } from './jsonrpc';
import { ByteBudget } from './ndjson-splitter';
import { RequestPairing } from './request-pairing';
import { HttpTwins } from './http-twins';
import { MessageOutput } from './message-output';
import { ANSWER_WINDOW_DEFAULTS, type AnswerWindowBounds } from './reorder-window';
import { ProcNames } from './proc-names';
import { StdioChannels } from './stdio-channels';

export interface McpParserOptions {
  store: Store;
  logger: Logger;
  /** Name of this instance: the prefix of every msg_id. */
  instance: string;
  emit(msg: McpMessageEvent): void;
  /** Publishes a notice (`mcpspy.v1.notice`): a stream that does something wrong, once per (reason, pid, stream) with a count. */
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
  /**
   * How long a stdio answer that found no request waits for it (ms; 0 = no wait): its request's record may reach
   * the ring after it (reorder-window.ts).
   */
  answerWaitMs?: number;
  /** Bounds on the answers held that way (count and bytes, per channel and in all; past one the oldest goes). */
  answerWindow?: Partial<Omit<AnswerWindowBounds, 'waitMs'>>;
}

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
  answerWaitMs: ANSWER_WINDOW_DEFAULTS.waitMs,
} as const;

export class McpParserEngine {
  readonly counters = new Counters();

  private readonly logger: Logger;
  private readonly cfg: Required<Omit<McpParserOptions, 'store' | 'logger' | 'instance' | 'emit' | 'emitNotice' | 'answerWindow'>>;
  readonly notices: Notices;
  private readonly budget: ByteBudget;
  private readonly pairing: RequestPairing;
  private closed = false;
  private readonly names = new ProcNames();
  private readonly out: MessageOutput;
  private readonly stdio: StdioChannels;
  private readonly http: HttpTwins;

  private inputChain: Promise<void> = Promise.resolve();
  private readonly background = new Set<Promise<void>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(opts: McpParserOptions) {
    this.logger = opts.logger;
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
      // The in-process Store answers at once: a deadline per call would only cost (a subclass, as in tests, keeps it).
      storeTimeoutMs: opts.store.constructor === MemoryStore ? 0 : (opts.storeTimeoutMs ?? d.storeTimeoutMs),
      answerWaitMs: opts.answerWaitMs ?? d.answerWaitMs,
    };
    this.notices = new Notices(opts.emitNotice);
    this.budget = new ByteBudget(this.cfg.maxTotalBytes, this.cfg.maxProcessBytes);
    this.budget.onEvict = (e) => {
      if (e.cause === 'exit') this.counters.inc('partial_lines_at_exit');
      else this.budgetEvicted(e.owner, () => `partial line of ${e.bytes} bytes evicted: ${e.cause === 'process' ? `this process held more than ${this.cfg.maxProcessBytes}` : `all processes held more than ${this.cfg.maxTotalBytes}`} bytes of unfinished lines`);
    };
    const pairing = new RequestPairing(opts.store, this.cfg.pendingTtlMs, this.cfg.maxPending, this.counters, this.logger, this.cfg.storeTimeoutMs, {
      maxBytes: this.cfg.maxPendingBytes,
      onEvict: (e) => this.budgetEvicted(e.pid, () => `pending request of ${e.bytes} bytes evicted: requests waiting for a response held more than ${this.cfg.maxPendingBytes} bytes`),
    });
    this.pairing = pairing;
    this.out = new MessageOutput(pairing, this.notices, opts.instance, opts.emit, this.counters, this.logger, {
      ...ANSWER_WINDOW_DEFAULTS,
      ...opts.answerWindow,
      waitMs: this.cfg.answerWaitMs,
    });
    const isMcp = (scopes: string[]) => this.out.isMcp(scopes);
    const output = (draft: Parameters<MessageOutput['output']>[0]) => this.out.output(draft);
    this.stdio = new StdioChannels(this.cfg, {
      store: opts.store,
      counters: this.counters,
      logger: this.logger,
      names: this.names,
      budget: this.budget,
      notices: this.notices,
      isMcp,
      output,
      inBackground: (p) => this.inBackground(p),
    });
    this.http = new HttpTwins(this.cfg, { counters: this.counters, logger: this.logger, names: this.names, notices: this.notices, isMcp, output });
    this.sweeper = setInterval(() => this.stdio.sweepIdle(), Math.min(30_000, Math.max(1000, this.cfg.streamIdleMs / 4)));
    this.sweeper.unref();
  }

  /** State let go to stay within a budget: counted, and one notice per process with a count. */
  private budgetEvicted(pid: number, detail: () => string): void {
    this.counters.inc('budget_evicted');
    // After the first, only the count rises: no timestamp, name or sentence built per eviction.
    if (this.notices.bump('budget_evicted', pid || undefined, undefined)) return;
    const comm = this.names.commOf({ pid, comm: '' });
    this.notices.report('budget_evicted', { timestamp: new Date().toISOString(), ...(pid ? { pid } : {}), ...(comm ? { comm } : {}), detail: detail() });
  }

  /** Bytes of the requests waiting for their response (the pending budget's view). */
  get pendingRequestBytes(): number {
    return this.pairing.heldBytes;
  }

  /** Partial-line bytes held over all stdio channels. */
  get bufferedBytes(): number {
    return this.budget.used;
  }

  /** Stdio answers held for a request not seen yet (reorder-window.ts), and their bytes. */
  get answersHeld(): number {
    return this.out.answers.size;
  }

  get answersHeldBytes(): number {
    return this.out.answers.heldBytes;
  }

  /** Stdio channels tracked. */
  get streamCount(): number {
    return this.stdio.size;
  }

  /** Feeds a decoded batch; only stdio events (pipes, unix sockets) and their gap markers are used. */
  onRawBatch(batch: RawBatch): Promise<void> {
    return this.input(async () => {
      for (const ev of batch.events) {
        if (isStdioEvent(ev)) {
          const opening = this.stdio.onEvent(ev, batch.wallOffsetNs);
          if (opening) await opening;
        }
        else if (ev.kind === RawKind.gap || ev.kind === RawKind.userGap) this.stdio.onGap(ev);
      }
    });
  }

  onHttpMessage(ev: HttpMessageEvent): Promise<void> {
    return this.input(async () => this.http.onMessage(ev));
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
      this.names.forget(ev.pid);
      this.stdio.onExit(ev.pid);
      return;
    }
    if (typeof ev.comm === 'string' && ev.comm.length > 0) this.names.set(ev.pid, ev.comm);
  }

  /** Emits everything held (reader waits, twin waits) and waits until it is out. */
  async flush(): Promise<void> {
    await this.inputChain;
    this.stdio.flush();
    this.http.flush();
    // After the held requests: an answer waiting for one of them goes out paired, the others as they are.
    this.out.answers.flush();
    await this.out.idle;
    this.notices.flush();
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.stdio.close();
    this.http.close();
    await this.inputChain;
    await this.out.idle;
    // Nothing held is dropped: what still waits goes out (close() without flush()).
    this.out.answers.close();
    await this.out.idle;
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  private input(fn: () => Promise<void>): Promise<void> {
    const run = this.inputChain.then(fn).catch((err: unknown) => {
      this.counters.reject(this.logger, 'internal_errors', `failed to process input: ${(err as Error)?.message ?? err}`);
    });
    this.inputChain = run;
    return run.then(() => this.out.idle);
  }

  private inBackground(p: Promise<void>): void {
    const q = p.finally(() => this.background.delete(q));
    this.background.add(q);
  }
}
