/**
 * The reorder window for answers whose request has not been seen (stdio).
 *
 * The probe takes a write's record at the syscall's exit. A writer preempted
 * between its pipe write and that hook lets its reader read the request,
 * answer it, and the answer's record reach the ring before the request's:
 * neither the ring's order nor the kernel times can tell. So an answer (a
 * stdio response or error) for which pairing found no pending request is
 * held here for a short time instead of being written at once. When a
 * request with a matching key (its requester/responder scope and its id) is
 * written, the oldest answer held under that key is let go right after it
 * and pairs with it. Otherwise it is let go when its wait ends (`waitMs`)
 * and written as before: an answer without its request, which is also what
 * legitimately happens when tracing began mid-conversation.
 *
 * Only answers that found no request wait; nothing else is delayed. And
 * only where a request could still come: in a conversation already known
 * to carry MCP, an answer waits only if its requester (the answer's
 * reader) has sent requests to its writer before (`requestHandedIn`);
 * a stream of answers to a process that never asks anything (a
 * synthetic load, a peer answering into the void) is written at once as
 * before. The first answers of a conversation not known yet always wait
 * (the race can hit its first request too). Held
 * answers are bounded per channel and in all, by count and by bytes; past a
 * bound the oldest is let go at once (never dropped), so a peer sending
 * thousands of answers nobody asked for costs at most the bounds' memory
 * and its own answers' wait, never the other messages' latency.
 *
 * Counters: `answers_held`, `answers_released_by_request`,
 * `answers_released_by_timeout`, `answers_released_by_bound`,
 * `answers_released_at_flush`; `answers_longest_wait_ms` is the longest an
 * answer waited for its request (a gauge: how much of the window the
 * machine needs).
 */
import type { Counters } from '@mcpspy/runtime';
import { FifoQueue } from './fifo-queue';
import type { Draft } from './message-builder';

export interface AnswerWindowBounds {
  /** How long an answer waits for its request (ms); 0 turns the window off. */
  waitMs: number;
  /** Answers held for one channel (the answer's stream); past it the channel's oldest goes. */
  maxPerChannel: number;
  /** Bytes (of the answers' captured text) held for one channel. */
  maxChannelBytes: number;
  /** Answers held in all. */
  maxHeld: number;
  /** Bytes held in all. */
  maxHeldBytes: number;
}

/**
 * 150 ms: the probe drains its ring every ~10 ms, and a writer preempted on
 * a loaded machine comes back after tens of ms; a request parsed from a
 * reader's reads (its writer not traced) is itself held for the reader wait
 * (75 ms) before it is written, and its answer may come in that time. Twice
 * the reader wait covers both with room. It is only ever paid by answers
 * that found no request.
 */
export const ANSWER_WINDOW_DEFAULTS: AnswerWindowBounds = {
  waitMs: 150,
  maxPerChannel: 256,
  maxChannelBytes: 4 * 1024 * 1024,
  maxHeld: 4096,
  maxHeldBytes: 32 * 1024 * 1024,
};

/** Requester scopes remembered; past it the set starts again (answers of a forgotten one write at once until it asks again). */
const MAX_ASKERS = 100_000;

/** Counted against the bytes bounds beside the text: the draft and the entry. */
const ENTRY_OVERHEAD = 256;

export type AnswerRelease = 'request' | 'timeout' | 'bound' | 'flush';

interface HeldAnswer {
  draft: Draft;
  channel: ChannelHold;
  keys: string[];
  bytes: number;
  heldAt: number;
  deadline: number;
  done: boolean;
}

interface ChannelHold {
  key: string;
  n: number;
  bytes: number;
  queue: FifoQueue<HeldAnswer>;
}

/** The key a request and its answer share: a pairing scope and the id as JSON (1 and "1" stay apart). */
export function answerKey(scope: string, id: string | number): string {
  return `${scope}\n${JSON.stringify(id)}`;
}

export class AnswerWindow {
  private readonly all = new FifoQueue<HeldAnswer>();
  private readonly channels = new Map<string, ChannelHold>();
  private readonly byKey = new Map<string, HeldAnswer[]>();
  /** Drafts already held once: when let go they go out, whatever pairing finds. */
  private readonly released = new WeakSet<Draft>();
  /** Scopes `stdio:<requester>><responder>` that carried a request. */
  private readonly askers = new Set<string>();
  private n = 0;
  private bytesHeld = 0;
  private longestWait = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  /** `release` puts a draft back into the output; it is called synchronously, oldest first. */
  constructor(
    private readonly bounds: AnswerWindowBounds,
    private readonly counters: Counters,
    private readonly release: (d: Draft) => void,
  ) {}

  /** Answers held now. */
  get size(): number {
    return this.n;
  }

  /** Bytes counted against the bounds now. */
  get heldBytes(): number {
    return this.bytesHeld;
  }

  /** A stdio request is handed to the output under `scope` (its requester>responder scope). */
  requestHandedIn(scope: string): void {
    if (this.bounds.waitMs <= 0 || this.askers.has(scope)) return;
    if (this.askers.size >= MAX_ASKERS) this.askers.clear();
    this.askers.add(scope);
  }

  /**
   * Holds `d` when it is a stdio answer that found no request, was not
   * held before, and a request may still come for it: its conversation is
   * not known yet (`conversationKnown` false), or its requester asked its
   * writer before. Returns whether it did (then the caller writes nothing now).
   */
  hold(d: Draft, conversationKnown: boolean): boolean {
    if (this.bounds.waitMs <= 0 || this.closed || d.transportType !== 'stdio') return false;
    const id = d.parsed.id;
    const scopes = d.responseScopes;
    if (id === null || id === undefined || !scopes || scopes.length === 0) return false;
    if (conversationKnown && !this.asked(scopes)) return false;
    if (this.released.has(d)) return false;
    const now = Date.now();
    const chKey = d.origin.stream;
    let ch = this.channels.get(chKey);
    if (!ch) this.channels.set(chKey, (ch = { key: chKey, n: 0, bytes: 0, queue: new FifoQueue<HeldAnswer>() }));
    const keys = scopes.map((s) => answerKey(s, id));
    const entry: HeldAnswer = { draft: d, channel: ch, keys, bytes: (d.parsed.raw?.length ?? 0) + ENTRY_OVERHEAD, heldAt: now, deadline: now + this.bounds.waitMs, done: false };
    for (const k of keys) {
      const list = this.byKey.get(k);
      if (list) list.push(entry);
      else this.byKey.set(k, [entry]);
    }
    this.all.push(entry);
    ch.queue.push(entry);
    ch.n++;
    ch.bytes += entry.bytes;
    this.n++;
    this.bytesHeld += entry.bytes;
    this.counters.inc('answers_held');
    // Over a bound: the oldest go now, in order (the channel's own first for its share).
    while (ch.n > this.bounds.maxPerChannel || (ch.n > 0 && ch.bytes > this.bounds.maxChannelBytes)) this.letGo(this.oldestOf(ch.queue), 'bound');
    while (this.n > this.bounds.maxHeld || (this.n > 0 && this.bytesHeld > this.bounds.maxHeldBytes)) this.letGo(this.oldestOf(this.all), 'bound');
    this.arm();
    return true;
  }

  /**
   * A request was written (`scope`: its requester/responder scope): the
   * oldest answer held under its key goes out now, after it.
   */
  requestWritten(scope: string, id: string | number | null | undefined): void {
    if (this.n === 0 || id === null || id === undefined) return;
    const list = this.byKey.get(answerKey(scope, id));
    if (list && list.length > 0) this.letGo(list[0], 'request');
  }

  /** Every held answer goes now, oldest first (the engine's flush and close). */
  flush(): void {
    for (let e = this.all.shift(); e; e = this.all.shift()) if (!e.done) this.letGo(e, 'flush');
  }

  close(): void {
    this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private asked(scopes: readonly string[]): boolean {
    for (const s of scopes) if (this.askers.has(s)) return true;
    return false;
  }

  private oldestOf(q: FifoQueue<HeldAnswer>): HeldAnswer {
    let e = q.first();
    while (e && e.done) {
      q.shift();
      e = q.first();
    }
    return e!;
  }

  private letGo(e: HeldAnswer, cause: AnswerRelease): void {
    if (e.done) return;
    e.done = true;
    const ch = e.channel;
    ch.n--;
    ch.bytes -= e.bytes;
    if (ch.n === 0) this.channels.delete(ch.key);
    // Answers mostly go oldest first: drop the done ones from the channel's front so its queue stays short.
    else if (ch.queue.first() === e) this.oldestOf(ch.queue);
    this.n--;
    this.bytesHeld -= e.bytes;
    for (const k of e.keys) {
      const list = this.byKey.get(k);
      if (!list) continue;
      const at = list.indexOf(e);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.byKey.delete(k);
    }
    switch (cause) {
      case 'request': {
        this.counters.inc('answers_released_by_request');
        const waited = Date.now() - e.heldAt;
        if (waited > this.longestWait) {
          this.longestWait = waited;
          this.counters.set('answers_longest_wait_ms', waited);
        }
        break;
      }
      case 'timeout':
        this.counters.inc('answers_released_by_timeout');
        break;
      case 'bound':
        this.counters.inc('answers_released_by_bound');
        break;
      case 'flush':
        this.counters.inc('answers_released_at_flush');
        break;
    }
    if (this.n === 0) {
      // Nothing held: the queues keep only done entries; let them go with the timer.
      this.all.clear();
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
    this.released.add(e.draft);
    this.release(e.draft);
  }

  private arm(): void {
    if (this.timer || this.closed || this.n === 0) return;
    const head = this.oldestOf(this.all);
    this.timer = setTimeout(() => this.fire(), Math.max(0, head.deadline - Date.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    const now = Date.now();
    while (this.n > 0) {
      const head = this.oldestOf(this.all);
      if (head.deadline > now) break;
      this.letGo(head, 'timeout');
    }
    this.arm();
  }
}
