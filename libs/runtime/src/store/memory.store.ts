/**
 * In-memory Store for embedded mode. Bounded: past maxKeys the oldest-written
 * key is evicted (Map keeps insertion order) and counted. Expired keys are
 * dropped when touched and by a sweep every few seconds.
 */
import { Store, StoreOptions } from './store';

interface Entry {
  value: string | Map<string, string>;
  expiresAt: number; // 0 = never
}

export class MemoryStore implements Store {
  private readonly map = new Map<string, Entry>();
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
    if (e.expiresAt !== 0 && e.expiresAt <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  private put(key: string, entry: Entry): void {
    const size = this.map.size;
    this.map.set(key, entry);
    if (this.map.size === size) {
      // It was there: rewritten keys move to the newest place. A new key costs one lookup, not two.
      this.map.delete(key);
      this.map.set(key, entry);
    }
    while (this.map.size > this.maxKeys) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evictions++;
      this.options.onEvict?.(oldest);
    }
  }

  private static expiry(ttlMs?: number): number {
    return ttlMs && ttlMs > 0 ? Date.now() + ttlMs : 0;
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    return e && typeof e.value === 'string' ? e.value : null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.put(key, { value, expiresAt: MemoryStore.expiry(ttlMs) });
  }

  setNow(key: string, value: string, ttlMs?: number): void {
    this.put(key, { value, expiresAt: MemoryStore.expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, { value, expiresAt: MemoryStore.expiry(ttlMs) });
    return true;
  }

  async take(key: string): Promise<string | null> {
    const e = this.live(key);
    if (!e || typeof e.value !== 'string') return null;
    this.map.delete(key);
    return e.value;
  }

  async del(key: string): Promise<void> {
    this.map.delete(key);
  }

  delNow(key: string): void {
    this.map.delete(key);
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
    else this.put(key, { value: m, expiresAt });
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    const e = this.live(key);
    return e && e.value instanceof Map ? Object.fromEntries(e.value) : {};
  }

  async hdel(key: string, field: string): Promise<void> {
    const e = this.live(key);
    if (e && e.value instanceof Map) {
      e.value.delete(field);
      if (e.value.size === 0) this.map.delete(key);
    }
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    const e = this.live(key);
    const cur = e && typeof e.value === 'string' ? Number(e.value) || 0 : 0;
    const next = cur + by;
    this.put(key, { value: String(next), expiresAt: ttlMs !== undefined ? MemoryStore.expiry(ttlMs) : (e?.expiresAt ?? 0) });
    return next;
  }

  async size(): Promise<number> {
    return this.map.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.map.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.map) if (e.expiresAt !== 0 && e.expiresAt <= now) this.map.delete(k);
  }
}
