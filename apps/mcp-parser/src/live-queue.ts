/**
 * Keys in the order they were added, for "which is the oldest?" on a Map
 * that deletes from its front. A JavaScript Map keeps deleted entries as
 * holes until it grows again, and `map.keys().next()` walks over every hole
 * from the start: with 100,000 pending requests evicted oldest first that
 * walk cost 11–55 µs per eviction, and the monitor saturated a core once the
 * pending bound was reached. Here an entry is a key and the value object it
 * was added with; an entry whose key was removed, or set to another value
 * since, is stale and skipped once, so finding the oldest is O(1) amortized. Stale entries are dropped as they reach the front, and all
 * at once when they outnumber the live ones.
 */
/** What a dropped slot holds (before `head` only: never read as a key). */
const DROPPED = '';

export class LiveQueue<T> {
  private keys: string[] = [];
  private tags: T[] = [];
  private head = 0;

  constructor(private readonly isLive: (key: string, tag: T) => boolean) {}

  /** Array slots in use, the dropped front included (tests: what the queue keeps alive). */
  get slots(): number {
    return this.keys.length;
  }

  /** Entries held, stale ones included. */
  get length(): number {
    return this.keys.length - this.head;
  }

  push(key: string, tag: T): void {
    this.keys.push(key);
    this.tags.push(tag);
  }

  /**
   * The oldest live key (stale entries before it are dropped), or undefined.
   * A dropped entry's slots are cleared, and the dropped front is cut off once
   * it is half the arrays: when a bound evicts the oldest for every new entry
   * (no stale entries behind the front, so `compact` never runs) the arrays
   * used to keep every evicted key and value, ~150 MB per 10 minutes at 10k
   * unanswered requests a second.
   */
  oldest(): string | undefined {
    while (this.head < this.keys.length) {
      const k = this.keys[this.head];
      if (this.isLive(k, this.tags[this.head])) {
        if (this.head >= 1024 && this.head * 2 >= this.keys.length) this.cutFront();
        return k;
      }
      this.keys[this.head] = DROPPED;
      this.tags[this.head] = undefined as T;
      this.head++;
    }
    this.keys = [];
    this.tags = [];
    this.head = 0;
    return undefined;
  }

  private cutFront(): void {
    this.keys = this.keys.slice(this.head);
    this.tags = this.tags.slice(this.head);
    this.head = 0;
  }

  /** The value the key `oldest()` just returned was added with (live: checked by `oldest()`). */
  oldestTag(): T | undefined {
    return this.head < this.tags.length ? this.tags[this.head] : undefined;
  }

  /** The live keys, oldest first. */
  live(): string[] {
    const out: string[] = [];
    for (let i = this.head; i < this.keys.length; i++) if (this.isLive(this.keys[i], this.tags[i])) out.push(this.keys[i]);
    return out;
  }

  /**
   * Drops the stale entries, in one pass, when they are more than the `live`
   * ones (plus some slack). A key added again with the same value has two
   * live entries; only its newest is kept.
   */
  compact(live: number): void {
    const held = this.keys.length - this.head;
    if (held < 1024 || held <= 2 * live) return;
    const keys: string[] = [];
    const tags: T[] = [];
    const seen = new Set<string>();
    for (let i = this.keys.length - 1; i >= this.head; i--) {
      const k = this.keys[i];
      if (seen.has(k) || !this.isLive(k, this.tags[i])) continue;
      seen.add(k);
      keys.push(k);
      tags.push(this.tags[i]);
    }
    this.keys = keys.reverse();
    this.tags = tags.reverse();
    this.head = 0;
  }
}

/**
 * A Map bounded to its newest entries, whose oldest is found without walking
 * the Map's holes (LiveQueue). A key put again with the very same value may
 * keep its older place in the eviction order (its first queue entry is still
 * live): it can go a little early once the bound is reached; the bound holds.
 */
export class BoundedMap<V> {
  readonly map = new Map<string, V>();
  private readonly order = new LiveQueue<V>((k, v) => this.map.get(k) === v);
  constructor(private readonly max: number) {}

  get(k: string): V | undefined {
    return this.map.get(k);
  }

  has(k: string): boolean {
    return this.map.has(k);
  }

  delete(k: string): void {
    this.map.delete(k);
  }

  /** Insert as newest; the oldest entry goes past the bound. */
  put(k: string, v: V): void {
    const m = this.map;
    const size = m.size;
    m.set(k, v);
    if (m.size === size) {
      // It was there: move it to the newest place. A new key (nearly always) costs one lookup, not two.
      m.delete(k);
      m.set(k, v);
    }
    this.order.push(k, v);
    if (m.size > this.max) m.delete(this.order.oldest()!);
    this.order.compact(m.size);
  }
}
