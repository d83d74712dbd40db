/**
 * Distributed-mode Bus over NATS. Core NATS carries the high-rate subjects
 * (raw batches, HTTP messages, stats); JetStream keeps MCP messages and
 * alerts, and durable consumers let a restarted stage resume where it stopped.
 * Payloads are the events themselves (JSON, or the binary raw batch), with no
 * envelope, so other systems can consume the subjects directly — except the
 * batched subjects (`BATCHED_SUBJECTS`: MCP messages), whose events published
 * in one event-loop turn travel together on `mcpspy.v1.batch.<subject>` in the
 * batch envelope of libs/events (batch-envelope.ts): one JetStream publish,
 * stored-ack, delivery and ack per batch instead of per message. Subscribing
 * to a batched subject takes both its batches and single events (a publisher
 * with batching off), one at a time and in order.
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
import {
  BatchEncoder,
  batchLineText,
  batchSubjectOf,
  bodyOnceJsonText,
  decodeBatchBytes,
  DURABLE_SUBJECTS,
  eventJsonText,
  holdJsonText,
  isBatchedSubject,
  isBinarySubject,
  JETSTREAM_STREAM,
  subjectMatches,
  subjectOfBatch,
  Subjects,
  validatorFor,
  WIRE_FORM_BODY_ONCE,
  WIRE_FORM_FULL,
} from '@mcpspy/events';
import { Bus, BusHandler, BusSubscribeOptions, BusSubscription } from './bus';
import { JetStreamPublisher } from './jetstream-publisher';
import { PUBLISHED } from './in-process.bus';

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
  /**
   * Publish the events of batched subjects in batches (default true; env
   * MCPSPY_NATS_BATCH=0 turns it off, for outside consumers that read single
   * events on mcpspy.v1.mcp.message). Subscribers take both forms either way.
   */
  batch?: boolean;
  /** A batch is sent at the end of the event-loop turn, or after this many ms when > 0 (default 0). */
  batchLingerMs?: number;
  /** Most events in one batch (default 500). */
  batchMaxEvents?: number;
  /** Most bytes in one batch, below the server's max_payload (default 1 MiB). */
  batchMaxBytes?: number;
  /**
   * Keep each received batched event's own line for `heldJsonText` (the sink
   * writes it as the JSONL line when the fields are in order; default true,
   * env MCPSPY_NATS_HOLD_TEXT=0 turns it off).
   */
  holdTexts?: boolean;
  /**
   * Wire form of the `mcp.message` batches this bus publishes (libs/events
   * wire-form.ts): 2 (default) sends a message's body once, 1 writes each
   * line as the plain subject's event, for outside consumers that read
   * batches without `expandWireBody` (env MCPSPY_WIRE_FORM=1). Subscribers
   * read both either way.
   */
  wireForm?: 1 | 2;
}

const encoder = new TextEncoder();
/** JetStream publishes awaiting their acknowledgement at once: a wide window keeps the server busy. */
const MAX_INFLIGHT_DURABLE = 8192;
const decoder = new TextDecoder();
/** Batches fetched ahead by a durable consumer: each holds up to batchMaxEvents events. */
const BATCH_CONSUMER_FETCH = 16;

interface Outgoing {
  subject: string;
  data: Uint8Array;
  /** Events carried (a batch carries many). */
  events: number;
}

/** Handlers of one subscription run one at a time even when two NATS subscriptions feed it. */
type Serial = <T>(fn: () => Promise<T>) => Promise<T>;

function serialRunner(): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const p = tail.then(fn);
    tail = p.catch(() => undefined);
    return p;
  };
}

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
  private outgoing: Outgoing[] = [];
  private acks: JsMsg[] = [];
  private outgoingScheduled = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** Events of batched subjects not yet sealed into a batch, by subject (each encoder kept for the next batch). */
  private readonly open = new Map<string, BatchEncoder>();
  /** Events published and not yet handed to the client, and durable events awaiting their stored-ack. */
  private queuedEvents = 0;
  private inflightEvents = 0;
  private readonly batching: boolean;
  private readonly holdTexts: boolean;
  private readonly bodyOnce: boolean;
  private readonly durablePublisher: JetStreamPublisher;
  private readonly ackHooks: Array<() => void> = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: NatsBusOptions,
  ) {
    this.description = redactUrl(options.url);
    this.batching = options.batch ?? !/^(0|false|off|no)$/i.test(process.env.MCPSPY_NATS_BATCH ?? '');
    this.holdTexts = options.holdTexts ?? !/^(0|false|off|no)$/i.test(process.env.MCPSPY_NATS_HOLD_TEXT ?? '');
    this.bodyOnce = (options.wireForm ?? (process.env.MCPSPY_WIRE_FORM?.trim() === '1' ? WIRE_FORM_FULL : WIRE_FORM_BODY_ONCE)) === WIRE_FORM_BODY_ONCE;
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
      const v = validatorFor(subject)(value);
      if (!v.ok) return { ok: false, reason: `${v.schema}: ${v.reasons.slice(0, 3).join('; ')}` };
    }
    return { ok: true, value };
  }

  /**
   * Queues the event for the end of the turn. Not async: when the window of
   * unacknowledged publishes has room (nearly always) it returns PUBLISHED,
   * the shared settled promise, so a PublishTracker keeps nothing for it (a
   * promise per message, its `catch` and the drain's Promise.all over them
   * were work for nothing: this method never rejects); only a publisher that
   * must wait for stored-acks gets a promise of its own.
   */
  publish(subject: string, payload: unknown): Promise<void> {
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    if (this.batching && isBatchedSubject(subject) && !(payload instanceof Uint8Array)) {
      let line: string;
      try {
        // JSON.stringify's text, byte for byte, with the members whose text the publisher already holds (a
        // request's captured params, a response's result, a paired response's request) not written again.
        // In wire form 2 an MCP message's body travels once: params/result as a slice of `raw` (wire-form.ts).
        line = ((this.bodyOnce && subject === Subjects.mcpMessage ? bodyOnceJsonText(payload) : undefined) ?? eventJsonText(payload)) as string;
      } catch (err) {
        // A payload JSON cannot encode (a cycle, a BigInt): the caller's promise rejects, as it did when this method was async.
        return Promise.reject(err);
      }
      // The envelope's header line comes on top of the event. A line's UTF-8 size is at most 3 bytes per UTF-16 unit: counted only when that bound is too big.
      if (line.length * 3 + 128 > max) {
        const bytes = Buffer.byteLength(line, 'utf8');
        if (bytes + 128 > max) return this.rejectOversized(subject, bytes, max);
      }
      this.counters.inc('published');
      this.addToBatch(subject, line, Math.min(this.options.batchMaxBytes ?? 1024 * 1024, max - 128));
    } else {
      let data: Uint8Array;
      try {
        data = this.encode(subject, payload);
      } catch (err) {
        // A payload JSON cannot encode (a cycle, a BigInt): the caller's promise rejects, as it did when this method was async.
        return Promise.reject(err);
      }
      if (data.byteLength > max) return this.rejectOversized(subject, data.byteLength, max);
      this.counters.inc('published');
      this.outgoing.push({ subject, data, events: 1 });
    }
    this.queuedEvents++;
    this.scheduleOutgoing();
    if (this.inflightEvents + this.queuedEvents < MAX_INFLIGHT_DURABLE) return PUBLISHED;
    // The publisher waits for stored-acks: a stage that queues because of NATS, not because of its own CPU.
    this.counters.inc('backpressure_waits');
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  private rejectOversized(subject: string, bytes: number, max: number): Promise<void> {
    this.counters.reject(
      this.options.logger,
      'oversized_payloads',
      `message of ${bytes} bytes exceeds the NATS server's max_payload of ${max} bytes: raise max_payload (deploy/nats/nats.conf sets 64MB)`,
      { subject },
    );
    return PUBLISHED;
  }

  private addToBatch(subject: string, line: string, maxBytes: number): void {
    let b = this.open.get(subject);
    if (!b) {
      b = new BatchEncoder(subject, undefined, this.bodyOnce && subject === Subjects.mcpMessage ? WIRE_FORM_BODY_ONCE : WIRE_FORM_FULL);
      this.open.set(subject, b);
    }
    // The exact size only when the upper bound says the line might not fit.
    if (b.count > 0 && b.bytes + line.length * 3 + 1 > maxBytes && b.bytes + Buffer.byteLength(line, 'utf8') + 1 > maxBytes) this.seal(subject, b);
    b.add(line);
    if (b.count >= (this.options.batchMaxEvents ?? 500)) this.seal(subject, b);
  }

  /** Closes the open batch of a subject into one outgoing NATS message (order kept: batches queue in order). */
  private seal(subject: string, b: BatchEncoder): void {
    const events = b.count;
    const data = b.seal();
    if (!data) return;
    this.counters.inc('batches_published');
    this.outgoing.push({ subject: batchSubjectOf(subject), data, events });
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
    if (this.outgoingScheduled) {
      // An ack or a single event does not wait for a lingering batch.
      if (this.lingerTimer && (this.outgoing.length > 0 || this.acks.length > 0)) {
        clearTimeout(this.lingerTimer);
        this.lingerTimer = undefined;
        setImmediate(() => this.sendOutgoing());
      }
      return;
    }
    this.outgoingScheduled = true;
    const linger = this.options.batchLingerMs ?? 0;
    // Lingering only helps batches: acks and single events go at the end of the turn.
    if (linger > 0 && this.outgoing.length === 0 && this.acks.length === 0) {
      this.lingerTimer = setTimeout(() => this.sendOutgoing(), linger);
    } else {
      setImmediate(() => this.sendOutgoing());
    }
  }

  /** Issues every queued ack and publish in one synchronous pass: the client sends them in one write. */
  private sendOutgoing(): void {
    this.outgoingScheduled = false;
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    for (const [subject, b] of this.open) this.seal(subject, b);
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
    this.queuedEvents = 0;
    for (const { subject, data, events } of out) {
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
      this.inflightEvents += events;
      void p.finally(() => {
        this.inflight.delete(p);
        this.inflightEvents -= events;
        this.wakePublishers();
      });
    }
    // Publishers that found the window full while their messages were queued (core ones never wait on acks).
    this.wakePublishers();
  }

  private wakePublishers(): void {
    while (this.roomWaiters.length > 0 && this.inflightEvents + this.queuedEvents < MAX_INFLIGHT_DURABLE) this.roomWaiters.shift()?.();
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
    const serial = serialRunner();
    if (!isBatchedSubject(pattern)) return this.subscribeOne(pattern, handler, options, serial);
    // Batches and single events of the subject, into one handler, one at a time.
    const single = await this.subscribeOne(pattern, handler, options, serial);
    const batches = await this.subscribeOne(batchSubjectOf(pattern), handler, options, serial).catch(async (err: unknown) => {
      await single.unsubscribe();
      throw err;
    });
    return { pattern, unsubscribe: async () => void (await Promise.all([single.unsubscribe(), batches.unsubscribe()])) };
  }

  private async subscribeOne(pattern: string, handler: BusHandler, options: BusSubscribeOptions, serial: Serial): Promise<BusSubscription> {
    if (isDurable(pattern)) return this.subscribeDurable(pattern, handler, options, serial);
    const sub: Subscription = this.nc.subscribe(pattern, options.queue ? { queue: options.queue } : {});
    let busy = false;
    const done = (async () => {
      for await (const m of sub) {
        busy = true;
        await serial(() => this.deliver(m, handler, false, options.concurrent === true));
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

  private async subscribeDurable(pattern: string, handler: BusHandler, options: BusSubscribeOptions, serial: Serial): Promise<BusSubscription> {
    const batches = subjectOfBatch(pattern) !== undefined;
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
        // A batch holds up to batchMaxEvents events: fewer of them wait unacknowledged.
        max_ack_pending: batches ? 256 : 10_000,
      });
    }
    const consumer = await this.js.consumers.get(JETSTREAM_STREAM, durable);
    const messages = await consumer.consume({ max_messages: batches ? BATCH_CONSUMER_FETCH : 512 });
    let busy = false;
    const done = (async () => {
      for await (const m of messages) {
        busy = true;
        await serial(() => this.deliver(m, handler, m.info.redelivered, options.concurrent === true));
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

  private async deliver(m: Msg | JsMsg, handler: BusHandler, redelivered: boolean, concurrent = false): Promise<void> {
    const batchOf = subjectOfBatch(m.subject);
    if (batchOf !== undefined) return this.deliverBatch(m, batchOf, handler, redelivered, concurrent);
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

  /**
   * The events of one batch, in order, each decoded and validated on its own:
   * a bad event is counted and skipped, the others are delivered. The batch is
   * acknowledged (by the caller) after the last one was handled.
   */
  private async deliverBatch(m: Msg | JsMsg, subject: string, handler: BusHandler, redelivered: boolean, concurrent: boolean): Promise<void> {
    this.counters.inc('batches_received');
    // Line by line from the bytes: no string of the whole batch (batch-envelope.ts).
    const batch = decodeBatchBytes(m.data);
    if (batch.unknownForm !== undefined) {
      // A publisher newer than this build: nothing of it is read, the batch is counted (reported once per form) and acknowledged.
      this.counters.reject(this.options.logger, 'unknown_wire_forms', batch.problem ?? 'unknown wire form', { subject: m.subject });
      return;
    }
    if (batch.problem) this.counters.reject(this.options.logger, 'invalid_batches', batch.problem, { subject: m.subject });
    else if (batch.subject !== subject) {
      this.counters.reject(this.options.logger, 'invalid_batches', `batch on ${m.subject} names ${String(batch.subject)}`, { subject: m.subject });
    }
    // The subject's validator, looked up once for the whole batch.
    const validate = this.options.validate !== false ? validatorFor(subject) : undefined;
    const info = { subject, redelivered };
    const running: Promise<void>[] | undefined = concurrent ? [] : undefined;
    let onError: ((err: unknown) => void) | undefined;
    for (const line of batch.lines) {
      this.counters.inc('received');
      if (!line.ok) {
        this.counters.reject(this.options.logger, 'invalid_payloads', line.reason, { subject });
        continue;
      }
      if (validate) {
        const v = validate(line.value);
        if (!v.ok) {
          this.counters.reject(this.options.logger, 'invalid_payloads', `${v.schema}: ${v.reasons.slice(0, 3).join('; ')}`, { subject });
          continue;
        }
      }
      // The sink writes a message's JSONL line from this text when its fields are already in MCPSpy's order (apps/sink received-line.ts).
            // A form-2 line is held as its form-1 text (the body put back in place), the line the sink writes.
      if (this.holdTexts) holdJsonText(line.value, line.wire === undefined ? line.text : batchLineText(line));
      if (running) {
        // Called here, not through an async wrapper: the wrapper's promise and
        // its await were one more promise and microtask turn per event. A sync
        // throw is counted now, a rejection when it comes; a handler that
        // finished synchronously is not waited for.
        let r: unknown;
        try {
          r = handler(line.value, info);
        } catch (err) {
          (onError ??= this.handlerError(subject))(err);
          continue;
        }
        if (r !== undefined && r !== null && typeof (r as Promise<void>).then === 'function') {
          running.push(Promise.resolve(r as Promise<void>).then(undefined, (onError ??= this.handlerError(subject))));
        }
        continue;
      }
      try {
        // A handler that finished synchronously (the sink's) is not awaited: an
        // `await` of its undefined cost a microtask turn per event of the batch.
        const r = handler(line.value, info);
        if (r !== undefined && r !== null && typeof (r as Promise<void>).then === 'function') await r;
      } catch (err) {
        this.counters.reject(this.options.logger, 'handler_errors', (err as Error).message, { subject });
      }
    }
    if (running) await Promise.all(running);
  }

  /** Counts a handler's throw or rejection (whatever was thrown, `null` included) on `subject`. */
  private handlerError(subject: string): (err: unknown) => void {
    return (err) => this.counters.reject(this.options.logger, 'handler_errors', (err as Error | null)?.message ?? String(err), { subject });
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
