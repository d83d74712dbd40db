/**
 * Byte accounting for what the engine holds between batches: a total across
 * streams, a share per process, and a share per stream. Callers ask before
 * they keep bytes. Past the total or a process's share, the streams holding
 * the oldest state are evicted first (the process's own first for its
 * share), so one process cannot starve the capture of the others; only when
 * nothing older can go does the refusal turn into a truncated message and a
 * counter. Never growth.
 */
export type EvictionCause = 'total' | 'process';

export class MemoryBudget {
  used = 0;
  /** Told after a stream was evicted to make room (the engine counts it and raises a `budget_evicted` notice). */
  onEvict?: (victim: StreamBudget, bytes: number, cause: EvictionCause) => void;
  /** Streams holding bytes, oldest first (by when they started holding). */
  private readonly holders = new Set<StreamBudget>();
  private readonly byOwner = new Map<number, number>();
  readonly processLimit: number;

  constructor(
    readonly limit: number,
    processLimit?: number,
  ) {
    this.processLimit = Math.min(limit, processLimit ?? limit);
  }

  ownerUsed(owner: number): number {
    return this.byOwner.get(owner) ?? 0;
  }

  /** @internal StreamBudget's accounting. */
  charge(s: StreamBudget, n: number): void {
    this.used += n;
    const left = this.ownerUsed(s.owner) + n;
    if (left > 0) this.byOwner.set(s.owner, left);
    else this.byOwner.delete(s.owner);
    if (s.used > 0) this.holders.add(s);
    else this.holders.delete(s);
  }

  /** @internal Evicts the oldest evictable stream other than `except` (of `owner` when given); false when there is none. */
  evictOldest(except: StreamBudget, cause: EvictionCause, owner?: number): boolean {
    for (const h of this.holders) {
      if (h === except || !h.evictor || (owner !== undefined && h.owner !== owner)) continue;
      const bytes = h.used;
      h.evictor();
      // The evictor drops the stream, which gives its bytes back; make sure of it.
      if (h.used > 0) h.releaseAll();
      this.holders.delete(h);
      this.onEvict?.(h, bytes, cause);
      return true;
    }
    return false;
  }
}

export type TakeResult = 'ok' | 'stream' | 'process' | 'total';

export class StreamBudget {
  used = 0;
  /** The process the stream's bytes count against (the first writer or reader seen on it). */
  owner = 0;
  /** Drops the stream to make room for newer state; without it the stream is never evicted. */
  evictor?: () => void;

  constructor(
    private readonly total: MemoryBudget,
    readonly limit: number,
  ) {}

  take(n: number): TakeResult {
    if (this.used + n > this.limit) return 'stream';
    const t = this.total;
    while (t.processLimit < t.limit && t.ownerUsed(this.owner) + n > t.processLimit) {
      if (!t.evictOldest(this, 'process', this.owner)) return 'process';
    }
    while (t.used + n > t.limit) {
      if (!t.evictOldest(this, 'total')) return 'total';
    }
    this.used += n;
    t.charge(this, n);
    return 'ok';
  }

  give(n: number): void {
    const k = Math.min(n, this.used);
    this.used -= k;
    this.total.charge(this, -k);
  }

  releaseAll(): void {
    this.give(this.used);
  }
}
