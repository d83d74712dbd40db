/**
 * Pending requests in the Store, so a response can carry its request even
 * when another instance (or this one before a restart) saw the request.
 * `take` is atomic in every Store: two instances never both pair one request.
 *
 * Keys: `mcp:pending:<session>:<direction>:<id as JSON>`. The id is kept as
 * JSON so the number 1 and the string "1" stay different ids. The direction
 * tells who asked, because both MCP peers number their own requests from the
 * same start and a session routinely holds client id 1 and server id 1.
 */
import { holdJsonText, type PairedRequest } from '@mcpspy/events';
import type { Counters, Logger, Store } from '@mcpspy/runtime';
import { ParserStoreError } from './errors';
import { flatKey } from './flat-key';
import { LiveQueue } from './live-queue';
import { TIMED_OUT, withDeadline } from './store-timeout';

export function pendingKey(scope: string, id: string | number | null): string {
  return flatKey(`mcp:pending:${scope}:${JSON.stringify(id)}`);
}

/**
 * JSON.stringify(req); when `params` is an object and the last key (as
 * MessageOutput builds requests), its text is a tail of that text and is kept
 * (holdJsonText) for the sink, which writes the same params. Only the keys
 * before it (type, id, method, error, timestamp: strings, numbers, `{}`) come
 * first, and a JSON string never holds an unescaped `"`, so the first
 * `,"params":` is the key itself.
 */
export function pairedRequestText(req: PairedRequest): string {
  const text = JSON.stringify(req);
  const params = req.params;
  if (params === null || typeof params !== 'object') return text;
  let last: string | undefined;
  for (const k in req) last = k;
  if (last !== 'params') return text;
  const at = text.indexOf(PARAMS_KEY);
  if (at > 0) holdJsonText(params, text.slice(at + PARAMS_KEY.length, -1));
  return text;
}
const PARAMS_KEY = ',"params":';
const DONE: Promise<void> = Promise.resolve();

export interface PendingBudget {
  /** Bytes (of the requests' JSON) kept over all requests; past it the oldest are evicted. Default: unbounded. */
  maxBytes?: number;
  /** Bytes kept for one requesting process; past it that process's oldest are evicted. Default: a quarter of maxBytes. */
  maxProcessBytes?: number;
  /** Told of each request evicted by a bound (not of those expired or released at exit). */
  onEvict?: (e: { pid: number; bytes: number; cause: 'count' | 'total' | 'process' }) => void;
}

/** A request found for a response, and the `msg_id` its own line got when one was stored with it. */
export interface TakenRequest {
  request: PairedRequest;
  msgId?: string;
}

/**
 * The Store value: the request's JSON text, then a newline and its line's
 * `msg_id` (a JSON text never holds a raw newline). The msg_id lets an
 * interim result (`input_required`) start its call's retry chain without a
 * per-request entry kept in memory for that (Conversations).
 *
 * The text is kept without what every request built by MessageOutput has
 * and the key already says: `{"type":"request","id":<id>,"method":` before
 * the method and `,"error":{},"timestamp":` after it (a tab, which a JSON
 * text never holds raw, stands in for the latter). ~60 of ~430 bytes per
 * pending request; `storedText` puts them back byte for byte. A text of
 * another form (it starts with `{`, where a compact one starts with the
 * method's `"`) is kept whole.
 */
const REQ_PREFIX = '{"type":"request","id":';
const METHOD_KEY = ',"method":';
const ERROR_TIMESTAMP = ',"error":{},"timestamp":';

export function storedValue(text: string, id: string | number | null, msgId: string | undefined): string {
  let body = text;
  const idText = JSON.stringify(id);
  const start = REQ_PREFIX.length + idText.length + METHOD_KEY.length;
  if (text.startsWith(REQ_PREFIX) && text.startsWith(idText, REQ_PREFIX.length) && text.startsWith(METHOD_KEY, start - METHOD_KEY.length) && text.charCodeAt(start) === 0x22) {
    const at = text.indexOf(ERROR_TIMESTAMP, start);
    if (at > 0) body = `${text.slice(start, at)}\t${text.slice(at + ERROR_TIMESTAMP.length)}`;
  }
  return flatKey(msgId === undefined ? body : `${body}\n${msgId}`);
}

/** The request's JSON text and msg_id from a Store value (storedValue's inverse; the id is the key's). */
export function storedText(value: string, id: string | number | null): { text: string; msgId?: string } {
  const nl = value.indexOf('\n');
  const body = nl < 0 ? value : value.slice(0, nl);
  let text = body;
  if (body.charCodeAt(0) === 0x22) {
    const tab = body.indexOf('\t');
    if (tab > 0) text = `${REQ_PREFIX}${JSON.stringify(id)}${METHOD_KEY}${body.slice(0, tab)}${ERROR_TIMESTAMP}${body.slice(tab + 1)}`;
  }
  return nl < 0 ? { text } : { text, msgId: value.slice(nl + 1) };
}

/** Milliseconds since this module loaded: expiry times stay small integers (no boxed number per pending request for 12 days). */
const T0 = Date.now();

interface LocalEntry {
  /** Expiry, in ms since T0. */
  exp: number;
  bytes: number;
  owner: number;
}

/** One requester's pending keys, oldest first, and how many are live. */
interface OwnerKeys {
  queue: LiveQueue<LocalEntry>;
  live: number;
}

export class RequestPairing {
  /** Keys this instance stored, oldest first, with their expiry, size and requester: the local view of the bounds. */
  private readonly local = new Map<string, LocalEntry>();
  private readonly byOwner = new Map<number, OwnerKeys>();
  /** Every pending key, oldest first: expiry and the count and byte bounds take the oldest without walking the Map. */
  private readonly order = new LiveQueue<LocalEntry>((k, e) => this.local.get(k) === e);
  private readonly ownerBytes = new Map<number, number>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly maxProcessBytes: number;

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly maxPending: number,
    private readonly counters: Counters,
    private readonly logger: Logger,
    private readonly storeTimeoutMs = 0,
    private readonly budget: PendingBudget = {},
  ) {
    this.maxBytes = budget.maxBytes ?? Number.POSITIVE_INFINITY;
    this.maxProcessBytes = Math.min(this.maxBytes, budget.maxProcessBytes ?? this.maxBytes / 4);
  }

  get size(): number {
    return this.local.size;
  }

  /** Bytes of the pending requests this instance keeps. */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * Keeps a request until its response comes. Past a bound (count, bytes in
   * all, bytes of this requester) the oldest pending requests are evicted
   * first, the requester's own first for its share: the newest request is
   * always kept, and a process that never gets answers cannot fill memory.
   */
  remember(scope: string, req: PairedRequest, owner = 0, msgId?: string): Promise<void> {
    const key = pendingKey(scope, req.id);
    const now = Date.now() - T0;
    // Every entry lives ttlMs from its insertion, so the oldest expires first.
    // (The oldest's entry comes from the queue: one lookup in the big Map per request fewer.)
    for (let k = this.order.oldest(); k !== undefined && this.order.oldestTag()!.exp <= now; k = this.order.oldest()) this.forget(k);
    const value = storedValue(pairedRequestText(req), req.id, msgId);
    const size = value.length + key.length;
    if (size > this.maxProcessBytes) {
      this.counters.reject(this.logger, 'pending_too_large', `a request of ${size} bytes is larger than one process's share of pending requests (${this.maxProcessBytes} bytes); not kept for pairing`);
      return DONE;
    }
    this.forget(key);
    const evicted: string[] = [];
    while ((this.ownerBytes.get(owner) ?? 0) + size > this.maxProcessBytes) evicted.push(this.evictOldest('process', this.byOwner.get(owner)!.queue.oldest()!));
    while (this.bytes + size > this.maxBytes) evicted.push(this.evictOldest('total', this.order.oldest()!));
    while (this.local.size > 0 && this.local.size >= this.maxPending) evicted.push(this.evictOldest('count', this.order.oldest()!));
    this.track(key, { exp: now + this.ttlMs, bytes: size, owner });
    for (const k of evicted) this.deleteInStore(k);
    if (this.store.setNow) {
      // The in-process Store: stored before this returns, no promise and no turn of the microtask queue per request.
      try {
        this.store.setNow(key, value, this.ttlMs);
      } catch (err) {
        this.forget(key);
        this.counters.reject(this.logger, 'store_errors', new ParserStoreError('store', key, { cause: err }).message);
      }
      return DONE;
    }
    return this.setInStore(key, value);
  }

  private async setInStore(key: string, value: string): Promise<void> {
    try {
      const r = await withDeadline(this.store.set(key, value, this.ttlMs), this.storeTimeoutMs);
      if (r === TIMED_OUT) {
        this.counters.reject(this.logger, 'store_timeouts', `Store did not answer within ${this.storeTimeoutMs} ms`);
        return;
      }
    } catch (err) {
      this.forget(key);
      this.counters.reject(this.logger, 'store_errors', new ParserStoreError('store', key, { cause: err }).message);
    }
  }

  /** The requester exited: nobody reads the answers to its requests any more. Returns how many were let go. */
  releaseOwner(owner: number): number {
    const keys = this.byOwner.get(owner);
    if (!keys || owner === 0) return 0;
    const all = keys.queue.live();
    for (const k of all) {
      this.forget(k);
      this.deleteInStore(k);
    }
    this.counters.inc('pending_released_at_exit', all.length);
    return all.length;
  }

  private evictOldest(cause: 'count' | 'total' | 'process', key: string): string {
    const e = this.local.get(key)!;
    this.forget(key);
    this.counters.inc('pending_evicted');
    this.budget.onEvict?.({ pid: e.owner, bytes: e.bytes, cause });
    return key;
  }

  private track(key: string, e: LocalEntry): void {
    this.local.set(key, e);
    this.bytes += e.bytes;
    this.ownerBytes.set(e.owner, (this.ownerBytes.get(e.owner) ?? 0) + e.bytes);
    this.order.push(key, e);
    this.order.compact(this.local.size);
    let keys = this.byOwner.get(e.owner);
    if (!keys) {
      keys = { queue: new LiveQueue<LocalEntry>((k, entry) => this.local.get(k) === entry), live: 0 };
      this.byOwner.set(e.owner, keys);
    }
    keys.queue.push(key, e);
    keys.live++;
    keys.queue.compact(keys.live);
  }

  private forget(key: string): void {
    const e = this.local.get(key);
    if (!e) return;
    this.local.delete(key);
    this.bytes -= e.bytes;
    const left = (this.ownerBytes.get(e.owner) ?? 0) - e.bytes;
    if (left > 0) this.ownerBytes.set(e.owner, left);
    else this.ownerBytes.delete(e.owner);
    const keys = this.byOwner.get(e.owner);
    if (keys && --keys.live === 0) this.byOwner.delete(e.owner);
  }

  /** The Store copy of an evicted request goes too (in the background: the bound is on this side's view). */
  private deleteInStore(key: string): void {
    if (this.store.delNow) {
      // In-process: no promise per eviction (one per request once a bound is reached; 100,000 at once when a requester exits).
      try {
        this.store.delNow(key);
      } catch (err) {
        this.counters.reject(this.logger, 'store_errors', new ParserStoreError('store', key, { cause: err }).message);
      }
      return;
    }
    void withDeadline(this.store.del(key), this.storeTimeoutMs).catch((err: unknown) => {
      this.counters.reject(this.logger, 'store_errors', new ParserStoreError('store', key, { cause: err }).message);
    });
  }

  /** The first pending request found under the scopes, tried in order, removed from the Store. */
  async take(scopes: string[], id: string | number | null): Promise<TakenRequest | undefined> {
    for (const scope of scopes) {
      const key = pendingKey(scope, id);
      let value: string | null;
      try {
        const r = await withDeadline(this.store.take(key), this.storeTimeoutMs);
        if (r === TIMED_OUT) {
          this.counters.reject(this.logger, 'store_timeouts', `Store did not answer within ${this.storeTimeoutMs} ms`);
          return undefined;
        }
        value = r;
      } catch (err) {
        this.counters.reject(this.logger, 'store_errors', new ParserStoreError('take', key, { cause: err }).message);
        continue;
      }
      this.forget(key);
      if (value === null) continue;
      try {
        const { text, msgId } = storedText(value, id);
        const req = JSON.parse(text) as PairedRequest;
        // The text came from JSON.stringify (pairedRequestText): it is the request's own JSON text for the sink.
        holdJsonText(req, text);
        return msgId === undefined ? { request: req } : { request: req, msgId };
      } catch {
        this.counters.reject(this.logger, 'store_errors', `pending request ${key} is not JSON`);
      }
    }
    return undefined;
  }
}
