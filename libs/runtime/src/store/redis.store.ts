/**
 * Redis Store for distributed mode (ioredis). Commands issued while Redis is
 * away wait in ioredis's offline queue and run after the reconnect, so state
 * written by the stages is not dropped during a Redis restart.
 *
 * Writes nobody reads the answer of (`set`, `del`) are gathered for one
 * event-loop turn and sent as one command: a Lua script that runs them in
 * order (`WRITES_LUA`). mcp-parser writes a pending request and deletes an
 * evicted one per MCP message: one command per turn instead of two per
 * message saves the client's per-command work (a Command, a promise, the
 * reply parsed) and Redis's. Order is kept: every other call first sends
 * the gathered writes, and ioredis runs commands in the order issued. The
 * op codes travel as one string and the TTL once per run of equal TTLs, so a
 * write is two arguments (key, value), not four.
 *
 * Hash writes (`hput`, `hremove`: mcp-parser's pending requests, one hash per
 * session since session 10) are gathered per hash: the turn keeps the last
 * write of each field, then sends one HSET of every field set (and one
 * PEXPIRE) and one HDEL of every field deleted, plain commands with no
 * script. A field set and deleted in the same turn is never sent. Per
 * pending request redis-server spends ~1.3 µs on a field of an HSET against
 * ~4 µs on a SET PX inside the script (`bench/redis-writes-micro.mjs`).
 */
import { readFileSync } from 'node:fs';
import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { StoreConnectError } from '../errors';
import { type RedisAuth, redactUrl } from '../secrets';
import { Store, StoreOptions } from './store';

export interface RedisStoreOptions extends StoreOptions {
  /** redis:// or rediss:// (TLS); a password in it is used and never printed. */
  url: string;
  /** Password, ACL user and TLS CA (from MCPSPY_REDIS_* / files); stronger than the URL's password. */
  auth?: RedisAuth;
  logger?: Logger;
  /** How long the first connection may take before failing (ms). */
  connectTimeoutMs?: number;
}

const redact = redactUrl;

/** A joined string made flat: reading a character makes V8 copy a rope once (as mcp-parser's flat-key.ts). */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

/**
 * ARGV[1]: one op code per write, in order: `S` (SET PX with the current
 * TTL), `s` (SET), `D` (DEL), `T` (the following `S` writes take the next
 * argument as their TTL). The other arguments follow in op order: key and
 * value, key, or TTL. A turn's writes nearly all share one TTL, so a pending
 * request costs the client two arguments (key, value) instead of four, and
 * Lua two strings fewer.
 */
const WRITES_LUA = `
local ops = ARGV[1]
local ttl = '0'
local i = 2
for j = 1, #ops do
  local op = string.byte(ops, j)
  if op == 83 then
    redis.call('SET', ARGV[i], ARGV[i + 1], 'PX', ttl)
    i = i + 2
  elseif op == 115 then
    redis.call('SET', ARGV[i], ARGV[i + 1])
    i = i + 2
  elseif op == 84 then
    ttl = ARGV[i]
    i = i + 1
  else
    redis.call('DEL', ARGV[i])
    i = i + 1
  end
end
return #ops
`;

/**
 * The takes of one turn (`htake`): take i has KEYS[2i-1] (a hash), KEYS[2i]
 * (a plain key, or '' for none) and ARGV[i] (a field). Each gets the field's
 * value, deleted in the same step; when the field is absent and a plain key
 * is given, GETDEL of that key. The replies come back in order (nil: none).
 */
const TAKES_LUA = `
local out = {}
for i = 1, #ARGV do
  local h = KEYS[2 * i - 1]
  local v = redis.call('HGET', h, ARGV[i])
  if v then
    redis.call('HDEL', h, ARGV[i])
  elseif KEYS[2 * i] ~= '' then
    v = redis.call('GETDEL', KEYS[2 * i])
  end
  out[i] = v
end
return out
`;

/** Takes per script call (a backlog's takes go as several). */
const MAX_TAKES_PER_COMMAND = 1000;

/** The gathered takes of one turn: keys (hash, plain key or ''), fields, and who waits for each. */
interface TakeBatch {
  keys: string[];
  fields: string[];
  waiters: Array<{ resolve(v: string | null): void; reject(err: unknown): void }>;
  /** hash + NUL + field of each take, so a write of one of them first sends the takes. */
  index: Set<string>;
}

type RedisWithWrites = Redis & {
  mcpspyWrites(args: string[]): Promise<number>;
  mcpspyTakes(numKeys: number, ...args: string[]): Promise<Array<string | null>>;
};

/** The gathered writes of one hash in a turn: the last write of each field (null: deleted), and the TTL to arm. */
interface HashWrites {
  fields: Map<string, string | null>;
  ttlMs: number;
}

/** Arguments of one gathered-writes command (about a thousand writes). */
const MAX_ARGS_PER_COMMAND = 2048;

/** One gathered-writes command being filled: its op codes and its other arguments (ARGV[2..]). */
interface WriteCommand {
  ops: string;
  args: string[];
  /** The TTL its `S` writes take now ('' before its first `T`). */
  ttl: string;
}

/** The gathered writes of one turn: every caller of the turn waits on the same promise. */
interface WriteTurn {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
  writes: number;
}

function newTurn(): WriteTurn {
  const t = { writes: 0 } as WriteTurn;
  t.promise = new Promise<void>((resolve, reject) => {
    t.resolve = resolve;
    t.reject = reject;
  });
  return t;
}

/** The ioredis options for the password, user and TLS (`rediss://` or a CA file turn TLS on). */
export function redisSecurityOptions(url: string, auth: RedisAuth = {}): RedisOptions {
  const o: RedisOptions = {};
  if (auth.password !== undefined) o.password = auth.password;
  if (auth.user !== undefined) o.username = auth.user;
  if (auth.tlsCa || /^rediss:\/\//i.test(url)) {
    let ca: Buffer | undefined;
    if (auth.tlsCa) {
      try {
        ca = readFileSync(auth.tlsCa);
      } catch (err) {
        throw new StoreConnectError(redactUrl(url), { cause: new Error(`failed to read the Redis TLS CA from ${auth.tlsCa}: ${(err as NodeJS.ErrnoException).code}`) });
      }
    }
    o.tls = ca ? { ca } : {};
  }
  return o;
}

export class RedisStore implements Store {
  private readonly prefix: string;
  /** Gathered writes (WRITES_LUA commands, filled in order) and the turn that waits for them. */
  private commands: WriteCommand[] = [];
  /** Gathered hash writes of the turn, per (prefixed) hash key. */
  private hashes = new Map<string, HashWrites>();
  /** Gathered takes of the turn (`htake`). */
  private takes: TakeBatch | undefined;
  /** A send of what is gathered waits in setImmediate. */
  private scheduled = false;
  private turn: WriteTurn | undefined;
  /** Commands sent for gathered writes, and writes carried (for tests and metrics). */
  readonly writeStats = { commands: 0, writes: 0, takeCommands: 0, takes: 0, takenInTurn: 0 };
  /** MCPSPY_REDIS_GATHER=0 sends each write at once, as its own command (for A/B benches). */
  private readonly gather = !/^(0|false|off|no)$/i.test(process.env.MCPSPY_REDIS_GATHER ?? '');

  private constructor(
    private readonly redis: RedisWithWrites,
    options: RedisStoreOptions,
  ) {
    this.prefix = options.prefix ?? 'mcpspy:';
    redis.defineCommand('mcpspyWrites', { numberOfKeys: 0, lua: WRITES_LUA });
    redis.defineCommand('mcpspyTakes', { lua: TAKES_LUA });
  }

  /**
   * Counts the write just pushed onto `writes`; resolves when its turn's
   * command has run. The writes of one turn share one promise (a promise and
   * two closures per write were a tenth of the Store path's cost).
   */
  private queueWrite(): Promise<void> {
    let t = this.turn;
    if (!t) {
      t = this.turn = newTurn();
      this.schedule();
    }
    t.writes++;
    if (!this.gather) this.sendWrites();
    return t.promise;
  }

  /** What is gathered goes at the end of the turn. */
  private schedule(): void {
    if (this.scheduled || !this.gather) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sendAll();
    });
  }

  /** Sends every gathered write, then every gathered take (a take never needs a later write: see htake). */
  private sendAll(): void {
    this.sendWrites();
    this.sendTakes();
  }

  private sendTakes(): void {
    const b = this.takes;
    if (!b) return;
    this.takes = undefined;
    this.writeStats.takes += b.fields.length;
    for (let start = 0; start < b.fields.length; start += MAX_TAKES_PER_COMMAND) {
      const end = Math.min(b.fields.length, start + MAX_TAKES_PER_COMMAND);
      const keys = b.keys.slice(2 * start, 2 * end);
      this.writeStats.takeCommands++;
      let sent: Promise<Array<string | null>>;
      try {
        sent = this.redis.mcpspyTakes(keys.length, ...keys, ...b.fields.slice(start, end));
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.then(
        (values) => {
          for (let i = start; i < end; i++) b.waiters[i].resolve(values[i - start] ?? null);
        },
        (err: unknown) => {
          for (let i = start; i < end; i++) b.waiters[i].reject(err);
        },
      );
    }
  }

  /** The command the next write goes into: a new one when the last is full. */
  private commandFor(): WriteCommand {
    const last = this.commands[this.commands.length - 1];
    if (last !== undefined && last.args.length < MAX_ARGS_PER_COMMAND) return last;
    const c: WriteCommand = { ops: '', args: [], ttl: '' };
    this.commands.push(c);
    return c;
  }

  /** Sends the gathered writes now (before any other command, so order holds). */
  private sendWrites(): void {
    const t = this.turn;
    if (!t) return;
    const commands = this.commands;
    const hashes = this.hashes;
    this.commands = [];
    this.hashes = new Map();
    this.turn = undefined;
    this.writeStats.writes += t.writes;
    let sent: Promise<unknown>;
    try {
      const parts: Promise<unknown>[] = [];
      const c = commands[0];
      if (commands.length === 1 && (c.ops === 'TS' || c.ops === 's' || c.ops === 'D')) {
        // One plain write: the plain command, no script.
        this.writeStats.commands++;
        const op = c.ops[c.ops.length - 1];
        const [key, value] = c.args.slice(c.ops.length === 2 ? 1 : 0);
        parts.push(op === 'S' ? this.redis.set(key, value, 'PX', Number(c.ttl)) : op === 's' ? this.redis.set(key, value) : this.redis.del(key));
      } else {
        // A backlog can gather many thousands of writes in one turn: several commands of bounded size, issued
        // in order (never one huge argument list); a write is never split between two of them.
        for (const cmd of commands) {
          this.writeStats.commands++;
          parts.push(this.redis.mcpspyWrites([cmd.ops, ...cmd.args]));
        }
      }
      // Plain writes and hash writes touch different keys (callers never mix the two on one key): their order
      // between each other does not matter; each hash's fields are disjoint between its HSET and its HDEL.
      for (const [key, h] of hashes) this.sendHash(key, h, parts);
      sent = parts.length === 1 ? parts[0] : Promise.all(parts);
    } catch (err) {
      // Thrown synchronously (connection closed, say): the callers get it, never the event loop.
      sent = Promise.reject(err);
    }
    sent.then(t.resolve, t.reject);
  }

  /** One hash's gathered writes: HSET of the fields set (bounded argument lists) then PEXPIRE, HDEL of the others. */
  private sendHash(key: string, h: HashWrites, parts: Promise<unknown>[]): void {
    let set: string[] = [];
    let del: string[] = [];
    let anySet = false;
    for (const [field, value] of h.fields) {
      if (value === null) {
        del.push(field);
        if (del.length >= MAX_ARGS_PER_COMMAND) {
          this.writeStats.commands++;
          parts.push(this.redis.hdel(key, ...del));
          del = [];
        }
      } else {
        set.push(field, value);
        anySet = true;
        if (set.length >= MAX_ARGS_PER_COMMAND) {
          this.writeStats.commands++;
          parts.push(this.redis.hset(key, ...set));
          set = [];
        }
      }
    }
    if (set.length > 0) {
      this.writeStats.commands++;
      parts.push(this.redis.hset(key, ...set));
    }
    if (h.ttlMs > 0 && anySet) {
      this.writeStats.commands++;
      parts.push(this.redis.pexpire(key, h.ttlMs));
    }
    if (del.length > 0) {
      this.writeStats.commands++;
      parts.push(this.redis.hdel(key, ...del));
    }
  }

  /** Connects; throws StoreConnectError naming the URL when Redis cannot be reached. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const redis = new Redis(options.url, {
      ...redisSecurityOptions(options.url, options.auth),
      lazyConnect: true,
      enableAutoPipelining: true,
      maxRetriesPerRequest: null,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      retryStrategy: (times) => Math.min(100 * times, 2000),
    });
    // Errors after the first connection are reconnect noise: log them once in a while.
    // Before it, the first error is the cause reported to the caller.
    let connected = false;
    let firstError: Error | undefined;
    let lastLog = 0;
    redis.on('error', (err) => {
      if (!connected) {
        firstError ??= err;
        return;
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        options.logger?.warn({ url: redact(options.url), err: err.message }, 'Redis connection problem; retrying');
      }
    });
    try {
      await redis.connect();
      await redis.ping();
      connected = true;
    } catch (err) {
      redis.disconnect();
      throw new StoreConnectError(redact(options.url), { cause: firstError ?? err });
    }
    return new RedisStore(redis as RedisWithWrites, options);
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async get(key: string): Promise<string | null> {
    this.sendAll();
    return this.redis.get(this.k(key));
  }

  /** Not async: the callers of one turn get the turn's own promise (one per turn, not one per call). */
  set(key: string, value: string, ttlMs?: number): Promise<void> {
    // A gathered take may name this key as its plain key: it goes first.
    if (this.takes) this.sendTakes();
    const c = this.commandFor();
    if (ttlMs && ttlMs > 0) {
      const ttl = String(Math.ceil(ttlMs));
      if (ttl !== c.ttl) {
        c.ops += 'T';
        c.args.push(ttl);
        c.ttl = ttl;
      }
      c.ops += 'S';
    } else c.ops += 's';
    c.args.push(this.k(key), value);
    return this.queueWrite();
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    this.sendAll();
    const r =
      ttlMs && ttlMs > 0
        ? await this.redis.set(this.k(key), value, 'PX', ttlMs, 'NX')
        : await this.redis.set(this.k(key), value, 'NX');
    return r === 'OK';
  }

  async take(key: string): Promise<string | null> {
    this.sendAll();
    return this.redis.getdel(this.k(key));
  }

  del(key: string): Promise<void> {
    if (this.takes) this.sendTakes();
    const c = this.commandFor();
    c.ops += 'D';
    c.args.push(this.k(key));
    return this.queueWrite();
  }

  async hget(key: string, field: string): Promise<string | null> {
    this.sendAll();
    return this.redis.hget(this.k(key), field);
  }

  async hset(key: string, field: string, value: string, ttlMs?: number): Promise<void> {
    this.sendAll();
    const m = this.redis.multi().hset(this.k(key), field, value);
    if (ttlMs && ttlMs > 0) m.pexpire(this.k(key), ttlMs);
    await m.exec();
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    this.sendAll();
    return this.redis.hgetall(this.k(key));
  }

  async hdel(key: string, field: string): Promise<void> {
    this.sendAll();
    await this.redis.hdel(this.k(key), field);
  }

  /** The turn's writes of one hash (made on first use). */
  private hashOf(key: string): HashWrites {
    let h = this.hashes.get(key);
    if (h === undefined) {
      h = { fields: new Map(), ttlMs: 0 };
      this.hashes.set(key, h);
    }
    return h;
  }

  /** `k(key)` of the last hash named, kept: a session's writes come in runs, and the joined key is hashed once. */
  private lastHashKey = '';
  private lastHashPrefixed = '';
  private hk(key: string): string {
    if (key !== this.lastHashKey) {
      this.lastHashKey = key;
      this.lastHashPrefixed = flat(this.k(key));
    }
    return this.lastHashPrefixed;
  }

  /** Gathered for the turn: the last write of a field wins, so one set and removed in the turn is never sent. */
  hput(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    const k = this.hk(key);
    // A gathered take of this field goes first: it must not get this value.
    if (this.takes?.index.has(`${k}\0${field}`)) this.sendTakes();
    const h = this.hashOf(k);
    h.fields.set(field, value);
    if (ttlMs > 0) h.ttlMs = Math.ceil(ttlMs);
    return this.queueWrite();
  }

  hremove(key: string, field: string): Promise<void> {
    const k = this.hk(key);
    if (this.takes?.index.has(`${k}\0${field}`)) this.sendTakes();
    this.hashOf(k).fields.set(field, null);
    return this.queueWrite();
  }

  /**
   * Gathered for the turn like the writes: the takes of one turn are one
   * script call. A field set in this turn and not sent yet is taken here,
   * with no round trip (nobody else can have seen it; a removal of the field
   * is sent in its place, for a value of an earlier turn under it). The
   * gathered writes of other fields do not change what a take finds, and a
   * write of a field with a take gathered sends the takes first, so the
   * order of calls is the order of effects.
   */
  htake(key: string, field: string, orKey?: string): Promise<string | null> {
    const k = this.hk(key);
    const h = this.hashes.get(k);
    if (h !== undefined) {
      const v = h.fields.get(field);
      if (typeof v === 'string') {
        h.fields.set(field, null);
        this.writeStats.takenInTurn++;
        return Promise.resolve(v);
      }
      // Removed in this turn: the removal goes first.
      if (v === null) this.sendWrites();
    }
    let b = this.takes;
    if (b === undefined) b = this.takes = { keys: [], fields: [], waiters: [], index: new Set() };
    b.keys.push(k, orKey === undefined ? '' : this.k(orKey));
    b.fields.push(field);
    b.index.add(`${k}\0${field}`);
    const p = new Promise<string | null>((resolve, reject) => b.waiters.push({ resolve, reject }));
    if (this.gather) this.schedule();
    else this.sendAll();
    return p;
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    this.sendAll();
    const m = this.redis.multi().incrby(this.k(key), by);
    if (ttlMs && ttlMs > 0) m.pexpire(this.k(key), ttlMs);
    const res = await m.exec();
    return Number(res?.[0]?.[1] ?? 0);
  }

  async size(): Promise<number> {
    this.sendAll();
    return this.redis.dbsize();
  }

  async close(): Promise<void> {
    this.sendAll();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
