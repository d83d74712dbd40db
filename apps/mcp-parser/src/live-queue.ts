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
/** What a free slot holds (never read as a key). */
const DROPPED = '';
const MIN_CAPACITY = 1024;

/**
 * The entries live in a ring (two arrays of a power-of-two capacity, doubled
 * only when full): a queue that holds ~100,000 pending requests and drops one
 * at its front for each one it adds allocates nothing per entry. (Growing
 * JavaScript arrays by `push` and cutting their front by `slice` left copies
 * of up to 800 KB each in V8's large-object space, some 1 MB/s of garbage at
 * 10k requests/s that stayed until the next full collection.)
 */
export class LiveQueue<T> {
  private keys: string[] = new Array<string>(MIN_CAPACITY).fill(DROPPED);
  private tags: T[] = new Array<T>(MIN_CAPACITY).fill(undefined as T);
  /** capacity - 1 (a power of two minus one). */
  private mask = MIN_CAPACITY - 1;
  private head = 0;
  private count = 0;

  constructor(private readonly isLive: (key: string, tag: T) => boolean) {}

  /** Array slots holding an entry (tests: what the queue keeps alive; a freed slot holds nothing). */
  get slots(): number {
    return this.count;
  }

  /** Entries held, stale ones included. */
  get length(): number {
    return this.count;
  }

  push(key: string, tag: T): void {
    if (this.count > this.mask) this.resize((this.mask + 1) * 2);
    const at = (this.head + this.count) & this.mask;
    this.keys[at] = key;
    this.tags[at] = tag;
    this.count++;
  }

  /**
   * The oldest live key (stale entries before it are dropped and their slots
   * cleared, so the ring keeps no evicted key or value alive), or undefined.
   */
  oldest(): string | undefined {
    while (this.count > 0) {
      const k = this.keys[this.head];
      if (this.isLive(k, this.tags[this.head])) return k;
      this.keys[this.head] = DROPPED;
      this.tags[this.head] = undefined as T;
      this.head = (this.head + 1) & this.mask;
      this.count--;
    }
    return undefined;
  }

  /** The value the key `oldest()` just returned was added with (live: checked by `oldest()`). */
  oldestTag(): T | undefined {
    return this.count > 0 ? this.tags[this.head] : undefined;
  }

  /** The live keys, oldest first. */
  live(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) & this.mask;
      if (this.isLive(this.keys[at], this.tags[at])) out.push(this.keys[at]);
    }
    return out;
  }

  /**
   * Drops the stale entries, in one pass, when they are more than the `live`
   * ones (plus some slack). A key added again with the same value has two
   * live entries; only its newest is kept.
   */
  compact(live: number): void {
    const held = this.count;
    if (held < 1024 || held <= 2 * live) return;
    const keys: string[] = [];
    const tags: T[] = [];
    const seen = new Set<string>();
    for (let i = held - 1; i >= 0; i--) {
      const at = (this.head + i) & this.mask;
      const k = this.keys[at];
      if (seen.has(k) || !this.isLive(k, this.tags[at])) continue;
      seen.add(k);
      keys.push(k);
      tags.push(this.tags[at]);
    }
    keys.reverse();
    tags.reverse();
    // Rare (stale entries past twice the live ones): the kept entries go to the front of the same arrays.
    this.keys.fill(DROPPED);
    this.tags.fill(undefined as T);
    for (let i = 0; i < keys.length; i++) {
      this.keys[i] = keys[i];
      this.tags[i] = tags[i];
    }
    this.head = 0;
    this.count = keys.length;
  }

  private resize(capacity: number): void {
    const keys = new Array<string>(capacity).fill(DROPPED);
    const tags = new Array<T>(capacity).fill(undefined as T);
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) & this.mask;
      keys[i] = this.keys[at];
      tags[i] = this.tags[at];
    }
    this.keys = keys;
    this.tags = tags;
    this.mask = capacity - 1;
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
