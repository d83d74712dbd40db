/**
 * Redis Store for distributed mode (ioredis). Commands issued while Redis is
 * away wait in ioredis's offline queue and run after the reconnect, so state
 * written by the stages is not dropped during a Redis restart.
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

  private constructor(
    private readonly redis: Redis,
    options: RedisStoreOptions,
  ) {
    this.prefix = options.prefix ?? 'mcpspy:';
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
    return new RedisStore(redis, options);
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.k(key));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs && ttlMs > 0) await this.redis.set(this.k(key), value, 'PX', ttlMs);
    else await this.redis.set(this.k(key), value);
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const r =
      ttlMs && ttlMs > 0
        ? await this.redis.set(this.k(key), value, 'PX', ttlMs, 'NX')
        : await this.redis.set(this.k(key), value, 'NX');
    return r === 'OK';
  }

  async take(key: string): Promise<string | null> {
    return this.redis.getdel(this.k(key));
  }

  async del(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async hget(key: string, field: string): Promise<string | null> {
    return this.redis.hget(this.k(key), field);
  }

  async hset(key: string, field: string, value: string, ttlMs?: number): Promise<void> {
    const m = this.redis.multi().hset(this.k(key), field, value);
    if (ttlMs && ttlMs > 0) m.pexpire(this.k(key), ttlMs);
    await m.exec();
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.k(key));
  }

  async hdel(key: string, field: string): Promise<void> {
    await this.redis.hdel(this.k(key), field);
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    const m = this.redis.multi().incrby(this.k(key), by);
    if (ttlMs && ttlMs > 0) m.pexpire(this.k(key), ttlMs);
    const res = await m.exec();
    return Number(res?.[0]?.[1] ?? 0);
  }

  async size(): Promise<number> {
    return this.redis.dbsize();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
