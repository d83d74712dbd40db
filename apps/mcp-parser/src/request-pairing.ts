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
import { heldJsonText, holdJsonText, jsonTextOf, type PairedRequest } from '@mcpspy/events';
import { type Counters, type Logger, type Store, StringSlab } from '@mcpspy/runtime';
import { ParserStoreError } from './errors';
import { flatKey } from './flat-key';
import { hashOf, PendingIndex } from './pending-index';
import { TIMED_OUT, withDeadline } from './store-timeout';

export function pendingKey(scope: string, id: string | number | null): string {
  return flatKey(`${PENDING_PREFIX}${scope}:${JSON.stringify(id)}`);
}
const PENDING_PREFIX = 'mcp:pending:';

/**
 * Through Redis (session 10) a pending request is a field of its session's
 * hash, `mcp:pending-h:<scope>`, the field its id as JSON: one HSET per
 * session and turn instead of a SET PX per request (`hput`). The hash's
 * name cannot be a pending key of the older form (`mcp:pending:stdio:…`,
 * `mcp:pending:http:…`), which is still taken when the field is absent, so
 * a request stored by an instance of before still pairs.
 */
export function pendingHash(scope: string): string {
  return flatKey(`mcp:pending-h:${scope}`);
}

/**
 * A pending key's scope and id text (the hash and field of its Store copy).
 * The id is JSON: a number or null holds no `:`, and a string's opening quote
 * is the last quote before the closing one that no backslash escapes
 * (JSON.stringify escapes every `"` and `\` inside it), so a scope or id
 * holding `:` or `"` splits right.
 */
export function splitPendingKey(key: string): { scope: string; field: string } {
  let at: number;
  if (key.length > PENDING_PREFIX.length + 1 && key.charCodeAt(key.length - 1) === 0x22) {
    at = key.length - 2;
    for (; at > PENDING_PREFIX.length; at--) {
      if (key.charCodeAt(at) !== 0x22) continue;
      let slashes = 0;
      while (key.charCodeAt(at - 1 - slashes) === 0x5c) slashes++;
      if (slashes % 2 === 0) break;
    }
  } else at = key.lastIndexOf(':') + 1;
  return { scope: key.slice(PENDING_PREFIX.length, at - 1), field: key.slice(at) };
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

/** The keys of a request as MessageOutput builds it, in its order (`params` only when the request has them). */
const REQUEST_KEYS = ['type', 'id', 'method', 'error', 'timestamp', 'params'];

/**
 * The Store value of a request: `storedValue(pairedRequestText(req), req.id,
 * msgId)`, byte for byte. A request as MessageOutput builds it (those keys in
 * that order, an empty `error`, string method and timestamp) has its value
 * written from its parts, without the whole request's JSON text first and
 * the slices that take the fixed parts out of it. `params`' text is kept for
 * the sink either way (the parser's held text, else jsonTextOf).
 */
export function requestValue(req: PairedRequest, msgId: string | undefined): string {
  let n = 0;
  for (const k in req) if (k !== REQUEST_KEYS[n++]) return storedValue(pairedRequestText(req), req.id, msgId);
  if (n < 5 || req.type !== 'request' || typeof req.method !== 'string' || typeof req.timestamp !== 'string') return storedValue(pairedRequestText(req), req.id, msgId);
  const e = req.error as unknown;
  if (e === null || typeof e !== 'object' || Array.isArray(e) || Object.getPrototypeOf(e) !== Object.prototype) return storedValue(pairedRequestText(req), req.id, msgId);
  for (const _ in e as object) return storedValue(pairedRequestText(req), req.id, msgId);
  let body = `${methodJson(req.method)}\t${timestampJson(req.timestamp)}`;
  if (n === 6) {
    const params = req.params;
    // The captured text when the parser proved it is JSON.stringify's (captured-text.ts), else stringified and kept.
    const text = params !== null && typeof params === 'object' ? (heldJsonText(params) ?? jsonTextOf(params)) : JSON.stringify(params);
    // params undefined: JSON.stringify leaves the key out.
    if (text !== undefined) body += PARAMS_KEY + text;
  }
  body += '}';
  return msgId === undefined ? body : `${body}\n${msgId}`;
}

/**
 * JSON.stringify of a request's method and timestamp, the last one's text kept: requests come in runs of one method,
 * and ten or so share each millisecond's timestamp (`===` compares strings by value: an equal string, the same text).
 */
let lastMethod: string | undefined;
let lastMethodText = '';
let lastTimestamp: string | undefined;
let lastTimestampText = '';
function methodJson(s: string): string {
  if (s !== lastMethod) {
    lastMethodText = JSON.stringify(s);
    lastMethod = s;
  }
  return lastMethodText;
}
function timestampJson(s: string): string {
  if (s !== lastTimestamp) {
    lastTimestampText = JSON.stringify(s);
    lastTimestamp = s;
  }
  return lastTimestampText;
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

/**
 * A value read from Redis without its expiry prefix, or null when the
 * expiry passed. A value of the older form (no prefix: it starts with the
 * method's `"` or a `{`) is returned whole.
 */
export function unexpired(value: string, now = Date.now()): string | null {
  const c = value.charCodeAt(0);
  if (c < 0x30 || c > 0x39) return value;
  const nl = value.indexOf('\n');
  if (nl < 0) return value;
  return Number(value.slice(0, nl)) > now ? value.slice(nl + 1) : null;
}

/** Milliseconds since this module loaded: expiry times stay small numbers. */
const T0 = Date.now();

/** The name of the table shared through an in-process Store (`Store.shared`). */
const SHARED_TABLE = 'mcp:pending';

export class RequestPairing {
  /**
   * The pending requests this instance answers for: with an in-process Store,
   * the one table that holds them (values included) for every engine sharing
   * that Store; otherwise this instance's view of its bounds (the values are
   * in the Store).
   */
  private readonly table: PendingIndex;
  /** True when `table` holds the values (the Store is in-process): no Store call per request. */
  private readonly inTable: boolean;
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
    this.inTable = store.shared !== undefined;
    this.table = store.shared ? store.shared(SHARED_TABLE, () => new PendingIndex(new StringSlab())) : new PendingIndex();
  }

  get size(): number {
    return this.table.size;
  }

  /** Bytes of the pending requests this instance keeps. */
  get heldBytes(): number {
    return this.table.heldBytes;
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
    const t = this.table;
    // Every entry lives ttlMs from its insertion, so the oldest expires first. Through Redis its field goes too:
    // the session's hash lives as long as the session sends requests.
    for (let r = t.oldest(); r >= 0 && t.expiry(r) <= now; r = t.oldest()) {
      if (!this.inTable) this.deleteInStore(t.keyOf(r));
      t.drop(r);
    }
    // Through Redis the value starts with its expiry (wall-clock ms, then a newline): the field has no TTL of its
    // own, so `take` refuses a request past it (an instance that did not store it has no row to expire).
    const value = this.inTable ? requestValue(req, msgId) : `${Date.now() + this.ttlMs}\n${requestValue(req, msgId)}`;
    const size = value.length + key.length;
    if (size > this.maxProcessBytes) {
      this.counters.reject(this.logger, 'pending_too_large', `a request of ${size} bytes is larger than one process's share of pending requests (${this.maxProcessBytes} bytes); not kept for pairing`);
      return DONE;
    }
    // The key's hash serves both the forget and the add (it was computed twice per request).
    const h = hashOf(key);
    t.forget(key, h);
    const evicted: string[] | undefined = this.inTable ? undefined : [];
    while (t.ownerBytes(owner) + size > this.maxProcessBytes) this.evictOldest('process', t.oldestOf(owner), evicted);
    while (t.heldBytes + size > this.maxBytes) this.evictOldest('total', t.oldest(), evicted);
    while (t.size > 0 && t.size >= this.maxPending) this.evictOldest('count', t.oldest(), evicted);
    if (this.inTable) {
      // The in-process Store: the value goes in the table, stored before this returns; no promise, no second Map.
      t.add(key, now + this.ttlMs, size, owner, value, h);
      return DONE;
    }
    t.add(key, now + this.ttlMs, size, owner, undefined, h);
    for (const k of evicted!) this.deleteInStore(k);
    return this.setInStore(key, this.hashOf(scope), JSON.stringify(req.id), value);
  }

  /**
   * The writes whose Store call returned one promise (a RedisStore hands every write of one event-loop turn the
   * same promise: they share one outcome), and the one watcher of that outcome. The keys are what a failure must
   * forget; one async watcher per turn instead of one async call, promise and continuation per request.
   */
  private lastWrite: Promise<void> | undefined;
  private lastWriteKeys: string[] = [];
  private lastWatch: Promise<void> = DONE;

  /** pendingHash, the last scope's kept (a session's requests come in runs). */
  private lastScope = '';
  private lastHash = '';
  private hashOf(scope: string): string {
    if (scope !== this.lastScope) {
      this.lastHash = pendingHash(scope);
      this.lastScope = scope;
    }
    return this.lastHash;
  }

  private setInStore(key: string, hash: string, field: string, value: string): Promise<void> {
    let p: Promise<void>;
    try {
      p = this.store.hput(hash, field, value, this.ttlMs);
    } catch (err) {
      // A Store that throws instead of rejecting: counted as a failed write all the same.
      p = Promise.reject(err);
    }
    if (p === this.lastWrite) {
      // Another write of the same turn: its outcome is already watched.
      this.lastWriteKeys.push(key);
      return this.lastWatch;
    }
    const keys = [key];
    this.lastWrite = p;
    this.lastWriteKeys = keys;
    this.lastWatch = this.watchWrites(p, keys);
    return this.lastWatch;
  }

  /** Each write of `keys` counted as it was one by one: a timeout or an error per request, a failed one forgotten. */
  private async watchWrites(p: Promise<void>, keys: string[]): Promise<void> {
    try {
      const r = await withDeadline(p, this.storeTimeoutMs);
      if (r === TIMED_OUT) {
        for (let i = 0; i < keys.length; i++) this.counters.reject(this.logger, 'store_timeouts', `Store did not answer within ${this.storeTimeoutMs} ms`);
      }
    } catch (err) {
      for (const key of keys) {
        this.table.forget(key);
        this.counters.reject(this.logger, 'store_errors', new ParserStoreError('store', key, { cause: err }).message);
      }
    } finally {
      // Let go of the keys once the turn is settled (a later write with another promise starts a new list).
      if (this.lastWriteKeys === keys) this.lastWrite = undefined;
    }
  }

  /** The requester exited: nobody reads the answers to its requests any more. Returns how many were let go. */
  releaseOwner(owner: number): number {
    if (owner === 0) return 0;
    const all = this.table.rowsOf(owner);
    for (const r of all) {
      if (!this.inTable) this.deleteInStore(this.table.keyOf(r));
      this.table.drop(r);
    }
    this.counters.inc('pending_released_at_exit', all.length);
    return all.length;
  }

  /** `row`: the table's oldest (or oldest of one requester). */
  private evictOldest(cause: 'count' | 'total' | 'process', row: number, evicted: string[] | undefined): void {
    const t = this.table;
    const pid = t.ownerOf(row);
    const bytes = t.bytesOf(row);
    evicted?.push(t.keyOf(row));
    t.drop(row);
    this.counters.inc('pending_evicted');
    this.budget.onEvict?.({ pid, bytes, cause });
  }

  /** The Store copy of an evicted request goes too (in the background: the bound is on this side's view). */
  private deleteInStore(key: string): void {
    const { scope, field } = splitPendingKey(key);
    void withDeadline(this.store.hremove(this.hashOf(scope), field), this.storeTimeoutMs).catch((err: unknown) => {
      this.counters.reject(this.logger, 'store_errors', new ParserStoreError('store', key, { cause: err }).message);
    });
  }

  /** True when `takeNow` may be called: the pending requests are in this process (no Store round trip). */
  get takesNow(): boolean {
    return this.inTable;
  }

  /** `take` done before it returns (only when `takesNow`): a response waits for no promise. */
  takeNow(scopes: string[], id: string | number | null): TakenRequest | undefined {
    const now = Date.now() - T0;
    for (const scope of scopes) {
      const key = pendingKey(scope, id);
      const value = this.table.take(key, now);
      if (value === null) continue;
      const taken = this.parseTaken(value, id, key);
      if (taken) return taken;
    }
    return undefined;
  }

  private parseTaken(value: string, id: string | number | null, key: string): TakenRequest | undefined {
    try {
      const { text, msgId } = storedText(value, id);
      const req = JSON.parse(text) as PairedRequest;
      // The text came from JSON.stringify (pairedRequestText): it is the request's own JSON text for the sink.
      holdJsonText(req, text);
      return msgId === undefined ? { request: req } : { request: req, msgId };
    } catch {
      this.counters.reject(this.logger, 'store_errors', `pending request ${key} is not JSON`);
      return undefined;
    }
  }

  /** The first pending request found under the scopes, tried in order, removed from the Store. */
  async take(scopes: string[], id: string | number | null): Promise<TakenRequest | undefined> {
    for (const scope of scopes) {
      const key = pendingKey(scope, id);
      let value: string | null;
      if (this.inTable) {
        value = this.table.take(key, Date.now() - T0);
      } else {
        try {
          // The session's hash, else the key of the older form (a request stored by an instance of before).
          const r = await withDeadline(this.store.htake(this.hashOf(scope), JSON.stringify(id), key), this.storeTimeoutMs);
          if (r === TIMED_OUT) {
            this.counters.reject(this.logger, 'store_timeouts', `Store did not answer within ${this.storeTimeoutMs} ms`);
            return undefined;
          }
          value = r === null ? null : unexpired(r);
        } catch (err) {
          this.counters.reject(this.logger, 'store_errors', new ParserStoreError('take', key, { cause: err }).message);
          continue;
        }
        this.table.forget(key);
      }
      if (value === null) continue;
      const taken = this.parseTaken(value, id, key);
      if (taken) return taken;
    }
    return undefined;
  }
}
