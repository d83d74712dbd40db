/**
 * In-memory Store for embedded mode. Bounded: past maxKeys the oldest-written
 * key is evicted (Map keeps insertion order) and counted. Expired keys are
 * dropped when touched and by a sweep every few seconds.
 *
 * String values of SLAB_MIN_CHARS characters or more (pending requests) are
 * kept as UTF-8 in a StringSlab, outside V8's heap, and freed the moment
 * their key goes: a long-lived value that is then taken or evicted leaves no
 * garbage in the old generation (see string-slab.ts). Shorter ones, and
 * values larger than a slot, stay JS strings.
 */
import { Store, StoreOptions } from './store';
import { StringSlab } from './string-slab';

/**
 * Expiry times are milliseconds since this module loaded: small integers (Smis)
 * for 12 days, where Date.now() values would each be a boxed HeapNumber in the
 * old generation, one per pending request.
 */
const T0 = Date.now();
const clock = (): number => Date.now() - T0;

/** Below this a JS string costs no more than a slot. */
const SLAB_MIN_CHARS = 48;

interface Entry {
  /** The value, or null when it is in the slab under `slot`. */
  value: string | Map<string, string> | null;
  /** The slab handle of a string value, or -1. */
  slot: number;
  expiresAt: number; // on `clock()`; 0 = never
}

export class MemoryStore implements Store {
  private readonly map = new Map<string, Entry>();
  private readonly slab = new StringSlab();
  private readonly objects = new Map<string, unknown>();
  private readonly maxKeys: number;
  private readonly sweeper: NodeJS.Timeout;
  evictions = 0;

  constructor(private readonly options: StoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 1_000_000;
    this.sweeper = setInterval(() => this.sweep(), 5000);
    this.sweeper.unref();
  }

  private live(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== 0 && e.expiresAt <= clock()) {
      this.drop(key, e);
      return undefined;
    }
    return e;
  }

  /** Removes a key and frees its slot. */
  private drop(key: string, e: Entry): void {
    this.map.delete(key);
    if (e.slot >= 0) this.slab.release(e.slot);
  }

  private put(key: string, entry: Entry): void {
    const old = this.map.get(key);
    // Rewritten keys move to the newest place.
    if (old) this.drop(key, old);
    this.map.set(key, entry);
    while (this.map.size > this.maxKeys) {
      const oldest = this.map.keys().next().value as string;
      this.drop(oldest, this.map.get(oldest)!);
      this.evictions++;
      this.options.onEvict?.(oldest);
    }
  }

  /** A string value's entry: in the slab when it is long enough and fits a slot. */
  private stringEntry(value: string, expiresAt: number): Entry {
    const slot = value.length >= SLAB_MIN_CHARS ? this.slab.put(value) : -1;
    return { value: slot >= 0 ? null : value, slot, expiresAt };
  }

  private stringOf(e: Entry): string | null {
    if (e.slot >= 0) return this.slab.get(e.slot);
    return typeof e.value === 'string' ? e.value : null;
  }

  /** String values held in the slab (tests, metrics). */
  get slabSlots(): number {
    return this.slab.size;
  }

  private static expiry(ttlMs?: number): number {
    return ttlMs && ttlMs > 0 ? clock() + ttlMs : 0;
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    return e ? this.stringOf(e) : null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.put(key, this.stringEntry(value, MemoryStore.expiry(ttlMs)));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, this.stringEntry(value, MemoryStore.expiry(ttlMs)));
    return true;
  }

  async take(key: string): Promise<string | null> {
    const e = this.live(key);
    if (!e) return null;
    const value = this.stringOf(e);
    if (value === null) return null;
    this.drop(key, e);
    return value;
  }

  async del(key: string): Promise<void> {
    const e = this.map.get(key);
    if (e) this.drop(key, e);
  }

  async hget(key: string, field: string): Promise<string | null> {
    const e = this.live(key);
    return e && e.value instanceof Map ? (e.value.get(field) ?? null) : null;
  }

  async hset(key: string, field: string, value: string, ttlMs?: number): Promise<void> {
    const e = this.live(key);
    const m = e && e.value instanceof Map ? e.value : new Map<string, string>();
    m.set(field, value);
    const expiresAt = ttlMs !== undefined ? MemoryStore.expiry(ttlMs) : (e?.expiresAt ?? 0);
    if (e && e.value === m) e.expiresAt = expiresAt;
    else this.put(key, { value: m, slot: -1, expiresAt });
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    const e = this.live(key);
    return e && e.value instanceof Map ? Object.fromEntries(e.value) : {};
  }

  async hdel(key: string, field: string): Promise<void> {
    const e = this.live(key);
    if (e && e.value instanceof Map) {
      e.value.delete(field);
      if (e.value.size === 0) this.drop(key, e);
    }
  }

  hput(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    return this.hset(key, field, value, ttlMs);
  }

  hremove(key: string, field: string): Promise<void> {
    return this.hdel(key, field);
  }

  async htake(key: string, field: string, orKey?: string): Promise<string | null> {
    const e = this.live(key);
    if (e && e.value instanceof Map) {
      const v = e.value.get(field);
      if (v !== undefined) {
        e.value.delete(field);
        if (e.value.size === 0) this.drop(key, e);
        return v;
      }
    }
    return orKey === undefined ? null : this.take(orKey);
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    const e = this.live(key);
    const text = e ? this.stringOf(e) : null;
    const cur = text !== null ? Number(text) || 0 : 0;
    const next = cur + by;
    this.put(key, this.stringEntry(String(next), ttlMs !== undefined ? MemoryStore.expiry(ttlMs) : (e?.expiresAt ?? 0)));
    return next;
  }

  shared<T>(name: string, make: () => T): T {
    let o = this.objects.get(name) as T | undefined;
    if (o === undefined) {
      o = make();
      this.objects.set(name, o);
    }
    return o;
  }

  async size(): Promise<number> {
    return this.map.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.map.clear();
    this.slab.clear();
    this.objects.clear();
  }

  private sweep(): void {
    const now = clock();
    for (const [k, e] of this.map) if (e.expiresAt !== 0 && e.expiresAt <= now) this.drop(k, e);
  }
}
