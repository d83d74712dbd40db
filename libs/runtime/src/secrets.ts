/**
 * Secrets of the Bus, the Store and the HuggingFace API: read from files or
 * environment variables (never required on the command line, where every
 * user sees them in `ps`), and kept out of every message: URLs are redacted
 * before they reach an error or a log line.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';

/** NATS authentication and TLS. At most one of creds / nkey / token / user+password is used, in that order. */
export interface NatsAuth {
  /** MCPSPY_NATS_USER (or the URL's user part). */
  user?: string;
  /** MCPSPY_NATS_PASSWORD / MCPSPY_NATS_PASSWORD_FILE / --nats-password-file (or the URL's password). */
  password?: string;
  /** MCPSPY_NATS_TOKEN / MCPSPY_NATS_TOKEN_FILE / --nats-token-file. */
  token?: string;
  /** MCPSPY_NATS_NKEY_FILE / --nats-nkey FILE: an NKey seed (SU…). */
  nkeyFile?: string;
  /** MCPSPY_NATS_CREDS / --nats-creds FILE: a creds file (user JWT and NKey seed). */
  credsFile?: string;
  /** MCPSPY_NATS_TLS_CA / --nats-tls-ca: CA bundle to verify the server (turns TLS on). */
  tlsCa?: string;
  /** MCPSPY_NATS_TLS_CERT / --nats-tls-cert: client certificate (mutual TLS). */
  tlsCert?: string;
  /** MCPSPY_NATS_TLS_KEY / --nats-tls-key: its private key. */
  tlsKey?: string;
}

/** Redis authentication and TLS (`rediss://` turns TLS on too). */
export interface RedisAuth {
  /** MCPSPY_REDIS_USER (an ACL user; default "default"). */
  user?: string;
  /** MCPSPY_REDIS_PASSWORD / MCPSPY_REDIS_PASSWORD_FILE / --redis-password-file (or the URL's password). */
  password?: string;
  /** MCPSPY_REDIS_TLS_CA / --redis-tls-ca: CA bundle to verify the server (turns TLS on). */
  tlsCa?: string;
}

/** Reads a secret file: its content without the trailing newline. Throws ConfigError naming the file, never the content. */
export function readSecretFile(what: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`failed to read ${what} from ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const v = text.replace(/\r?\n$/, '');
  if (v === '') throw new ConfigError(`failed to read ${what} from ${path}: the file is empty`);
  return v;
}

/** `NAME` from the environment, else the content of the file named by `NAME_FILE`. */
export function secretFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  if (v !== undefined && v !== '') return v;
  const f = env[`${name}_FILE`];
  if (f !== undefined && f !== '') return readSecretFile(name, f);
  return undefined;
}

/**
 * A URL (or a comma-separated list of them) with any user:password part
 * replaced by `***`, so it can be printed. `nats://u:p@h:4222` → `nats://***@h:4222`.
 */
export function redactUrl(url: string): string {
  return url
    .split(',')
    .map((u) => u.replace(/^(\s*(?:[a-z][a-z0-9+.-]*:\/\/)?)[^@/]*@/i, '$1***@'))
    .join(',');
}

/** Splits credentials out of a URL: the URL without them, and what they were (percent-decoded). */
export function splitUrlCredentials(url: string): { url: string; user?: string; password?: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@(.*)$/i.exec(url.trim());
  if (!m) return { url };
  const [user, ...rest] = m[2].split(':');
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { url: m[1] + m[3], user: user ? dec(user) : undefined, password: rest.length ? dec(rest.join(':')) : undefined };
}

/** Reads the NATS_* and REDIS_* secret variables (flags are applied over them by the command). */
export function authFromEnv(env: NodeJS.ProcessEnv): { nats: NatsAuth; redis: RedisAuth } {
  const s = (k: string) => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  const nats: NatsAuth = {
    user: s('MCPSPY_NATS_USER'),
    password: secretFromEnv(env, 'MCPSPY_NATS_PASSWORD'),
    token: secretFromEnv(env, 'MCPSPY_NATS_TOKEN'),
    nkeyFile: s('MCPSPY_NATS_NKEY_FILE'),
    credsFile: s('MCPSPY_NATS_CREDS'),
    tlsCa: s('MCPSPY_NATS_TLS_CA'),
    tlsCert: s('MCPSPY_NATS_TLS_CERT'),
    tlsKey: s('MCPSPY_NATS_TLS_KEY'),
  };
  const redis: RedisAuth = {
    user: s('MCPSPY_REDIS_USER'),
    password: secretFromEnv(env, 'MCPSPY_REDIS_PASSWORD'),
    tlsCa: s('MCPSPY_REDIS_TLS_CA'),
  };
  return { nats: dropUndefined(nats), redis: dropUndefined(redis) };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
