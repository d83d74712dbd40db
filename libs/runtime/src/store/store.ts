/**
 * The Store: cross-message state shared by instances of a stage (pending
 * requests, pipe endpoints, tool fingerprints). Two implementations with one
 * contract: MemoryStore (embedded mode) and RedisStore (distributed mode).
 * Keys are strings; values are strings (callers JSON-encode). Every entry
 * should carry a TTL so state stays bounded.
 */
export interface Store {
  /** Value of a key, or null. */
  get(key: string): Promise<string | null>;
  /** Sets a key, expiring after ttlMs when given. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets a key only if absent; true when it was set. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Atomically reads and deletes a key: two concurrent takers never both get it. */
  take(key: string): Promise<string | null>;
  del(key: string): Promise<void>;
  /**
   * In-process stores only: one object per name for every user of this store,
   * made by `make` on first use. State that another Store keeps as keys (the
   * pending requests) is kept there in a structure of its user's own, so two
   * engines sharing one in-process store still share it.
   */
  shared?<T>(name: string, make: () => T): T;
  /** Hash field operations; ttlMs (re)arms the expiry of the whole hash. */
  hget(key: string, field: string): Promise<string | null>;
  hset(key: string, field: string, value: string, ttlMs?: number): Promise<void>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, field: string): Promise<void>;
  /**
   * Sets a field of a hash that nobody awaits in order with reads: a Store may
   * gather these writes for a while (RedisStore: one event-loop turn, one
   * HSET per hash), but every later call of this Store sees them. The hash
   * expires ttlMs after its last such write (the fields carry no TTL of their
   * own: callers that need one keep it in the value).
   */
  hput(key: string, field: string, value: string, ttlMs: number): Promise<void>;
  /** Deletes a field of a hash, gathered like `hput`. */
  hremove(key: string, field: string): Promise<void>;
  /**
   * Atomically reads and deletes a field of a hash: two concurrent takers
   * never both get it. When the field is absent and `orKey` is given, takes
   * that plain key instead (`take`), in the same atomic step.
   */
  htake(key: string, field: string, orKey?: string): Promise<string | null>;
  /** Atomically adds `by` to an integer key and returns the new value. */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Number of keys held (for bounds and metrics). */
  size(): Promise<number>;
  close(): Promise<void>;
}

export const STORE = Symbol('MCPSPY_STORE');

export interface StoreOptions {
  /** Prefix of every key, so several deployments can share one Redis. */
  prefix?: string;
  /** Upper bound on keys held (MemoryStore evicts oldest first). */
  maxKeys?: number;
  /** Called when an entry is evicted because of maxKeys. */
  onEvict?: (key: string) => void;
}
