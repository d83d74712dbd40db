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
 * the gathered writes, and ioredis runs commands in the order issued.
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

/** ARGV: a run of `S key value ttlMs` (SET PX), `s key value` (SET) and `D key` (DEL), applied in order. */
const WRITES_LUA = `
local i = 1
local n = #ARGV
while i <= n do
  local op = ARGV[i]
  if op == 'S' then
    redis.call('SET', ARGV[i + 1], ARGV[i + 2], 'PX', ARGV[i + 3])
    i = i + 4
  elseif op == 's' then
    redis.call('SET', ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  else
    redis.call('DEL', ARGV[i + 1])
    i = i + 2
  end
end
return n
`;

type RedisWithWrites = Redis & { mcpspyWrites(args: string[]): Promise<number> };

/** Arguments of one gathered-writes command (a few hundred writes). */
const MAX_ARGS_PER_COMMAND = 2048;

/** Arguments a write takes in WRITES_LUA's ARGV, op code included. */
function arity(op: string): number {
  return op === 'S' ? 4 : op === 's' ? 3 : 2;
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
  /** Gathered writes (flat ARGV of WRITES_LUA) and the turn that waits for them. */
  private writes: string[] = [];
  private turn: WriteTurn | undefined;
  /** Commands sent for gathered writes, and writes carried (for tests and metrics). */
  readonly writeStats = { commands: 0, writes: 0 };
  /** MCPSPY_REDIS_GATHER=0 sends each write at once, as its own command (for A/B benches). */
  private readonly gather = !/^(0|false|off|no)$/i.test(process.env.MCPSPY_REDIS_GATHER ?? '');

  private constructor(
    private readonly redis: RedisWithWrites,
    options: RedisStoreOptions,
  ) {
    this.prefix = options.prefix ?? 'mcpspy:';
    redis.defineCommand('mcpspyWrites', { numberOfKeys: 0, lua: WRITES_LUA });
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
      if (this.gather) setImmediate(() => this.sendWrites());
    }
    t.writes++;
    if (!this.gather) this.sendWrites();
    return t.promise;
  }

  /** Sends the gathered writes now (before any other command, so order holds). */
  private sendWrites(): void {
    const t = this.turn;
    if (!t) return;
    const args = this.writes;
    this.writes = [];
    this.turn = undefined;
    this.writeStats.writes += t.writes;
    let sent: Promise<unknown>;
    try {
      if (t.writes === 1) {
        // One write: the plain command, no script.
        this.writeStats.commands++;
        const [op, key, value, ttl] = args;
        sent = op === 'S' ? this.redis.set(key, value, 'PX', Number(ttl)) : op === 's' ? this.redis.set(key, value) : this.redis.del(key);
      } else {
        // A backlog can gather many thousands of writes in one turn: several
        // commands of bounded size, issued in order (never one huge argument list).
        const parts: Promise<unknown>[] = [];
        for (let from = 0; from < args.length; ) {
          // Walk whole writes (by their arity) so none is split between two commands.
          let to = from;
          while (to < args.length && to - from < MAX_ARGS_PER_COMMAND) to += arity(args[to]);
          this.writeStats.commands++;
          parts.push(this.redis.mcpspyWrites(args.slice(from, to)));
          from = to;
        }
        sent = Promise.all(parts);
      }
    } catch (err) {
      // Thrown synchronously (connection closed, say): the callers get it, never the event loop.
      sent = Promise.reject(err);
    }
    sent.then(t.resolve, t.reject);
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
    this.sendWrites();
    return this.redis.get(this.k(key));
  }

  /** Not async: the callers of one turn get the turn's own promise (one per turn, not one per call). */
  set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs && ttlMs > 0) this.writes.push('S', this.k(key), value, String(Math.ceil(ttlMs)));
    else this.writes.push('s', this.k(key), value);
    return this.queueWrite();
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    this.sendWrites();
    const r =
      ttlMs && ttlMs > 0
        ? await this.redis.set(this.k(key), value, 'PX', ttlMs, 'NX')
        : await this.redis.set(this.k(key), value, 'NX');
    return r === 'OK';
  }

  async take(key: string): Promise<string | null> {
    this.sendWrites();
    return this.redis.getdel(this.k(key));
  }

  del(key: string): Promise<void> {
    this.writes.push('D', this.k(key));
    return this.queueWrite();
  }

  async hget(key: string, field: string): Promise<string | null> {
    this.sendWrites();
    return this.redis.hget(this.k(key), field);
  }

  async hset(key: string, field: string, value: string, ttlMs?: number): Promise<void> {
    this.sendWrites();
    const m = this.redis.multi().hset(this.k(key), field, value);
    if (ttlMs && ttlMs > 0) m.pexpire(this.k(key), ttlMs);
    await m.exec();
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    this.sendWrites();
    return this.redis.hgetall(this.k(key));
  }

  async hdel(key: string, field: string): Promise<void> {
    this.sendWrites();
    await this.redis.hdel(this.k(key), field);
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    this.sendWrites();
    const m = this.redis.multi().incrby(this.k(key), by);
    if (ttlMs && ttlMs > 0) m.pexpire(this.k(key), ttlMs);
    const res = await m.exec();
    return Number(res?.[0]?.[1] ?? 0);
  }

  async size(): Promise<number> {
    this.sendWrites();
    return this.redis.dbsize();
  }

  async close(): Promise<void> {
    this.sendWrites();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
