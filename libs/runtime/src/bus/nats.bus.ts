/**
 * Distributed-mode Bus over NATS. Core NATS carries the high-rate subjects
 * (raw batches, HTTP messages, stats); JetStream keeps MCP messages and
 * alerts, and durable consumers let a restarted stage resume where it stopped.
 * Payloads are the events themselves (JSON, or the binary raw batch), with no
 * envelope, so other systems can consume the subjects directly.
 */
import { readFileSync } from 'node:fs';
import {
  AckPolicy,
  type Authenticator,
  connect,
  type ConnectionOptions,
  credsAuthenticator,
  DeliverPolicy,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  Msg,
  NatsConnection,
  nanos,
  nkeyAuthenticator,
  RetentionPolicy,
  StorageType,
  Subscription,
} from 'nats';
import type { Logger } from 'pino';
import { Counters } from '../counters';
import { BusConnectError } from '../errors';
import { type NatsAuth, redactUrl, splitUrlCredentials } from '../secrets';
import { DURABLE_SUBJECTS, isBinarySubject, JETSTREAM_STREAM, subjectMatches, validatePayload } from '@mcpspy/events';
import { Bus, BusHandler, BusSubscribeOptions, BusSubscription } from './bus';
import { JetStreamPublisher } from './jetstream-publisher';

export interface NatsBusOptions {
  /** Server URL(s); a user:password part is taken as credentials and never printed. */
  url: string;
  /** Credentials and TLS (files and values from MCPSPY_NATS_* / flags); stronger than the URL's credentials. */
  auth?: NatsAuth;
  /** Connection name shown by the NATS server. */
  name?: string;
  logger?: Logger;
  /** Validate JSON payloads against their DTO on receipt (default true). */
  validate?: boolean;
  /** JetStream retention of MCP messages and alerts. */
  maxAgeMs?: number;
  maxBytes?: number;
  /** Ack wait of durable consumers: after it, an unacknowledged message is delivered again. */
  ackWaitMs?: number;
  /** How long a JetStream publish keeps retrying while NATS is unreachable. */
  publishRetryMs?: number;
  /** How long close() waits for running handlers before closing the connection. */
  closeGraceMs?: number;
}

const encoder = new TextEncoder();
/** JetStream publishes awaiting their acknowledgement at once: a wide window keeps the server busy. */
const MAX_INFLIGHT_DURABLE = 8192;
const decoder = new TextDecoder();

function isDurable(subject: string): boolean {
  return DURABLE_SUBJECTS.some((d) => subjectMatches(d, subject) || subjectMatches(subject, d));
}

/**
 * The servers, credentials and TLS options for the nats client. Credentials
 * come from (strongest first) a creds file, an NKey seed file, a token, a
 * user and password; a URL's user:password is used when nothing else is
 * given (the client would otherwise ignore it). TLS is on with a CA, a client
 * certificate or a tls:// URL.
 */
export function natsSecurityOptions(url: string, auth: NatsAuth = {}): ConnectionOptions {
  const servers = url.split(',').map((u) => splitUrlCredentials(u.trim()));
  const opts: ConnectionOptions = { servers: servers.map((s) => s.url) };
  const fromUrl = servers.find((s) => s.user !== undefined || s.password !== undefined);
  let authenticator: Authenticator | undefined;
  if (auth.credsFile) {
    authenticator = credsAuthenticator(readAuthFile('NATS creds', auth.credsFile));
  } else if (auth.nkeyFile) {
    authenticator = nkeyAuthenticator(readAuthFile('NATS NKey seed', auth.nkeyFile, true));
  } else if (auth.token) {
    opts.token = auth.token;
  } else if (auth.user !== undefined || auth.password !== undefined) {
    opts.user = auth.user;
    opts.pass = auth.password;
  } else if (fromUrl) {
    // With a single user part and no password, NATS reads it as a token (nats://TOKEN@host).
    if (fromUrl.password === undefined) opts.token = fromUrl.user;
    else {
      opts.user = fromUrl.user;
      opts.pass = fromUrl.password;
    }
  }
  if (authenticator) opts.authenticator = authenticator;
  if (auth.tlsCa || auth.tlsCert || auth.tlsKey || servers.some((s) => /^tls:\/\//i.test(s.url))) {
    opts.tls = {
      ...(auth.tlsCa ? { caFile: auth.tlsCa } : {}),
      ...(auth.tlsCert ? { certFile: auth.tlsCert } : {}),
      ...(auth.tlsKey ? { keyFile: auth.tlsKey } : {}),
    };
  }
  return opts;
}

function readAuthFile(what: string, path: string, trim = false): Uint8Array {
  try {
    const b = readFileSync(path);
    return trim ? new TextEncoder().encode(b.toString('utf8').trim()) : new Uint8Array(b);
  } catch (err) {
    // connect() wraps it: `failed to connect to NATS at <url>: failed to read … from <path>: ENOENT`.
    throw new Error(`failed to read ${what} from ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

export class NatsBus implements Bus {
  readonly counters = new Counters();
  readonly description: string;
  private readonly subs = new Set<{ stop(): Promise<void>; idle(): boolean | Promise<boolean> }>();
  private readonly inflight = new Set<Promise<unknown>>();
  private roomWaiters: Array<() => void> = [];
  private closing = false;
  /**
   * Publishes and acks are handed to the client together once per event-loop
   * turn. The client writes its buffer to the socket in a microtask after the
   * first command, so commands issued from separate promise continuations
   * (one per message) each cost a socket write; gathered here they share one.
   */
  private outgoing: Array<{ subject: string; data: Uint8Array }> = [];
  private acks: JsMsg[] = [];
  private outgoingScheduled = false;
  private readonly durablePublisher: JetStreamPublisher;
  private readonly ackHooks: Array<() => void> = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: NatsBusOptions,
  ) {
    this.description = redactUrl(options.url);
    this.durablePublisher = new JetStreamPublisher(nc, 5000);
    void this.watchStatus();
  }

  /** Connects and makes sure the JetStream stream exists. Throws BusConnectError naming the URL. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    let nc: NatsConnection;
    const shown = redactUrl(options.url);
    try {
      nc = await connect({
        ...natsSecurityOptions(options.url, options.auth),
        name: options.name ?? 'mcpspy',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: 5000,
        // A stack trace captured per request cost an eighth of mcp-parser's CPU (two Error objects per JetStream publish).
        noAsyncTraces: true,
      });
    } catch (err) {
      throw new BusConnectError(shown, { cause: err });
    }
    try {
      const jsm = await nc.jetstreamManager();
      const bus = new NatsBus(nc, nc.jetstream(), jsm, options);
      await bus.ensureStream();
      return bus;
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw new BusConnectError(shown, {
        cause: new Error(`JetStream is not available (start nats-server with -js): ${(err as Error).message}`),
      });
    }
  }

  private async ensureStream(): Promise<void> {
    const config = {
      name: JETSTREAM_STREAM,
      subjects: [...DURABLE_SUBJECTS],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(this.options.maxAgeMs ?? 24 * 3600 * 1000),
      max_bytes: this.options.maxBytes ?? 1024 * 1024 * 1024,
    };
    try {
      await this.jsm.streams.info(JETSTREAM_STREAM);
      await this.jsm.streams.update(JETSTREAM_STREAM, config);
    } catch {
      await this.jsm.streams.add(config);
    }
  }

  private async watchStatus(): Promise<void> {
    const log = this.options.logger;
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.counters.inc('disconnects');
        log?.warn({ url: this.description }, 'lost connection to NATS; reconnecting');
      } else if (s.type === 'reconnect') {
        log?.info({ url: this.description }, 'reconnected to NATS');
      }
    }
  }

  private encode(subject: string, payload: unknown): Uint8Array {
    if (payload instanceof Uint8Array) return payload;
    return encoder.encode(JSON.stringify(payload));
  }

  private decode(subject: string, data: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
    if (isBinarySubject(subject)) return { ok: true, value: data };
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(data));
    } catch (err) {
      return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
    }
    if (this.options.validate !== false) {
      const v = validatePayload(subject, value);
      if (!v.ok) return { ok: false, reason: `${v.schema}: ${v.reasons.slice(0, 3).join('; ')}` };
    }
    return { ok: true, value };
  }

  async publish(subject: string, payload: unknown): Promise<void> {
    const data = this.encode(subject, payload);
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    if (data.byteLength > max) {
      this.counters.reject(
        this.options.logger,
        'oversized_payloads',
        `message of ${data.byteLength} bytes exceeds the NATS server's max_payload of ${max} bytes: raise max_payload (deploy/nats/nats.conf sets 64MB)`,
        { subject },
      );
      return;
    }
    this.counters.inc('published');
    this.outgoing.push({ subject, data });
    this.scheduleOutgoing();
    if (this.inflight.size + this.outgoing.length >= MAX_INFLIGHT_DURABLE) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  beforeAck(hook: () => void): void {
    this.ackHooks.push(hook);
  }

  private runAckHooks(): void {
    for (const hook of this.ackHooks) {
      try {
        hook();
      } catch (err) {
        this.counters.reject(this.options.logger, 'ack_hook_errors', (err as Error).message);
      }
    }
  }

  private scheduleOutgoing(): void {
    if (this.outgoingScheduled) return;
    this.outgoingScheduled = true;
    setImmediate(() => this.sendOutgoing());
  }

  /** Issues every queued ack and publish in one synchronous pass: the client sends them in one write. */
  private sendOutgoing(): void {
    this.outgoingScheduled = false;
    const acks = this.acks;
    this.acks = [];
    if (acks.length > 0) this.runAckHooks();
    // The client throws when the connection is closed or draining: counted, never thrown out of a timer.
    for (const m of acks) {
      try {
        m.ack();
      } catch (err) {
        this.counters.reject(this.options.logger, 'ack_failed', (err as Error).message);
      }
    }
    const out = this.outgoing;
    this.outgoing = [];
    for (const { subject, data } of out) {
      if (!isDurable(subject)) {
        try {
          this.nc.publish(subject, data);
        } catch (err) {
          this.counters.reject(this.options.logger, 'publish_failed', (err as Error).message, { subject });
        }
        continue;
      }
      const p = this.publishDurable(subject, data);
      this.inflight.add(p);
      void p.finally(() => {
        this.inflight.delete(p);
        // Wake one publisher waiting for room in the window.
        this.roomWaiters.shift()?.();
      });
    }
    // Publishers that found the window full while their messages were queued (core ones never wait on acks).
    while (this.roomWaiters.length > 0 && this.inflight.size < MAX_INFLIGHT_DURABLE) this.roomWaiters.shift()?.();
  }

  private async publishDurable(subject: string, data: Uint8Array): Promise<void> {
    const deadline = Date.now() + (this.options.publishRetryMs ?? 60_000);
    let delay = 100;
    for (;;) {
      try {
        await this.durablePublisher.publish(subject, data);
        return;
      } catch (err) {
        if (this.closing || Date.now() > deadline) {
          this.counters.reject(this.options.logger, 'publish_failed', (err as Error).message, { subject });
          return;
        }
        this.counters.inc('publish_retries');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  async subscribe(pattern: string, handler: BusHandler, options: BusSubscribeOptions = {}): Promise<BusSubscription> {
    if (isDurable(pattern)) return this.subscribeDurable(pattern, handler, options);
    const sub: Subscription = this.nc.subscribe(pattern, options.queue ? { queue: options.queue } : {});
    let busy = false;
    const done = (async () => {
      for await (const m of sub) {
        busy = true;
        await this.deliver(m, handler, false);
        busy = false;
      }
    })();
    const entry = {
      stop: async () => {
        sub.unsubscribe();
        await done.catch(() => undefined);
      },
      // Everything the server delivered has been taken out of the queue and handled.
      idle: () => !busy && sub.getReceived() === sub.getProcessed(),
    };
    this.subs.add(entry);
    return { pattern, unsubscribe: async () => (this.subs.delete(entry), entry.stop()) };
  }

  private async subscribeDurable(pattern: string, handler: BusHandler, options: BusSubscribeOptions): Promise<BusSubscription> {
    const base = options.durable ?? options.queue;
    if (!base) throw new Error(`failed to subscribe to ${pattern}: a durable name is required for JetStream subjects`);
    const durable = `${base}_${pattern.split('.').slice(2).join('_')}`.replace(/[^A-Za-z0-9_-]/g, '_');
    try {
      await this.jsm.consumers.info(JETSTREAM_STREAM, durable);
    } catch {
      await this.jsm.consumers.add(JETSTREAM_STREAM, {
        durable_name: durable,
        filter_subject: pattern,
        ack_policy: AckPolicy.Explicit,
        // A new consumer starts with what is published from now on; an
        // existing one resumes from its last acknowledgement.
        deliver_policy: DeliverPolicy.New,
        ack_wait: nanos(this.options.ackWaitMs ?? 10_000),
        max_ack_pending: 10_000,
      });
    }
    const consumer = await this.js.consumers.get(JETSTREAM_STREAM, durable);
    const messages = await consumer.consume({ max_messages: 512 });
    let busy = false;
    const done = (async () => {
      for await (const m of messages) {
        busy = true;
        await this.deliver(m, handler, m.info.redelivered);
        busy = false;
        this.acks.push(m);
        this.scheduleOutgoing();
      }
    })();
    const entry = {
      stop: async () => {
        await messages.close();
        await done.catch(() => undefined);
      },
      // Nothing left for this consumer on the server, nothing handled and not yet acknowledged.
      idle: async () => {
        if (busy) return false;
        const info = await this.jsm.consumers.info(JETSTREAM_STREAM, durable);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
    };
    this.subs.add(entry);
    return { pattern, unsubscribe: async () => (this.subs.delete(entry), entry.stop()) };
  }

  private async deliver(m: Msg | JsMsg, handler: BusHandler, redelivered: boolean): Promise<void> {
    this.counters.inc('received');
    const decoded = this.decode(m.subject, m.data);
    if (!decoded.ok) {
      this.counters.reject(this.options.logger, 'invalid_payloads', decoded.reason, { subject: m.subject });
      return;
    }
    try {
      await handler(decoded.value, { subject: m.subject, redelivered });
    } catch (err) {
      this.counters.reject(this.options.logger, 'handler_errors', (err as Error).message, { subject: m.subject });
    }
  }

  async flush(): Promise<void> {
    this.sendOutgoing();
    await Promise.allSettled([...this.inflight]);
    await this.nc.flush();
  }

  async settle(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Two idle rounds in a row: a handler that just finished may have published more.
    let quiet = 0;
    while (Date.now() < deadline) {
      await this.flush();
      const states = await Promise.all([...this.subs].map((s) => Promise.resolve(s.idle()).catch(() => false)));
      quiet = states.every(Boolean) ? quiet + 1 : 0;
      if (quiet >= 2) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.closing = true;
    // A handler that never returns must not keep the process alive: after the
    // grace period the connection closes anyway (unacknowledged messages are
    // delivered again to the next consumer).
    const grace = new Promise<void>((r) => setTimeout(r, this.options.closeGraceMs ?? 5000).unref());
    await Promise.race([Promise.allSettled([...this.subs].map((s) => s.stop())), grace]);
    this.subs.clear();
    // Acks of the last handled messages, so they are not delivered again.
    this.sendOutgoing();
    await Promise.race([this.nc.drain().catch(() => undefined), grace]);
    this.durablePublisher.close();
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined);
  }
}
