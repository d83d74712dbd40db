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
import type { PairedRequest } from '@mcpspy/events';
import type { Counters, Logger, Store } from '@mcpspy/runtime';
import { ParserStoreError } from './errors';
import { TIMED_OUT, withDeadline } from './store-timeout';

export function pendingKey(scope: string, id: string | number | null): string {
  return `mcp:pending:${scope}:${JSON.stringify(id)}`;
}

export class RequestPairing {
  /** Keys this instance stored, oldest first, with their expiry: the local view of the bound. */
  private readonly local = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly maxPending: number,
    private readonly counters: Counters,
    private readonly logger: Logger,
    private readonly storeTimeoutMs = 0,
  ) {}

  get size(): number {
    return this.local.size;
  }

  async remember(scope: string, req: PairedRequest): Promise<void> {
    const key = pendingKey(scope, req.id);
    const now = Date.now();
    for (const [k, exp] of this.local) {
      if (exp > now) break;
      this.local.delete(k);
    }
    if (this.local.size >= this.maxPending && !this.local.has(key)) {
      this.counters.reject(this.logger, 'pending_bound_dropped', `more than ${this.maxPending} requests wait for a response`);
      return;
    }
    try {
      const r = await withDeadline(this.store.set(key, JSON.stringify(req), this.ttlMs), this.storeTimeoutMs);
      if (r === TIMED_OUT) {
        this.counters.reject(this.logger, 'store_timeouts', `Store did not answer within ${this.storeTimeoutMs} ms`);
        return;
      }
      this.local.delete(key);
      this.local.set(key, now + this.ttlMs);
    } catch (err) {
      this.counters.reject(this.logger, 'store_errors', new ParserStoreError('store', key, { cause: err }).message);
    }
  }

  /** The first pending request found under the scopes, tried in order, removed from the Store. */
  async take(scopes: string[], id: string | number | null): Promise<PairedRequest | undefined> {
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
      this.local.delete(key);
      if (value === null) continue;
      try {
        return JSON.parse(value) as PairedRequest;
      } catch {
        this.counters.reject(this.logger, 'store_errors', `pending request ${key} is not JSON`);
      }
    }
    return undefined;
  }
}
