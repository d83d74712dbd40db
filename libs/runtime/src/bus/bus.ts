/**
 * The Bus: how stages exchange events. Two implementations with one contract:
 * InProcessBus (embedded mode, one process) and NatsBus (distributed mode).
 * Nest sees either through BusServer (a custom transport strategy),
 * so handlers do not change between modes.
 *
 * Payloads: binary subjects (raw batches) carry Uint8Array; every other
 * subject carries a plain JSON-compatible object.
 */
import { Counters } from '../counters';

export interface BusContextInfo {
  /** Concrete subject the message arrived on. */
  subject: string;
  /** True when JetStream delivers the message again (consumer restart, no ack). */
  redelivered: boolean;
}

export type BusHandler = (payload: unknown, info: BusContextInfo) => Promise<void> | void;

export interface BusSubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  queue?: string;
  /**
   * Durable consumer name for subjects kept by JetStream. Instances using the
   * same name share the work and resume after a restart.
   */
  durable?: string;
  /**
   * The events of one NATS batch may be handled at once (NatsBus): the
   * handler is called for each event in order without waiting for the one
   * before, and the batch is acknowledged once all of them have finished.
   * For a stage whose handler mostly waits (security: the offline worker
   * thread), so the events of a batch reach that wait together. Single
   * events, and every event on the in-process Bus, stay one at a time.
   */
  concurrent?: boolean;
}

export interface BusSubscription {
  readonly pattern: string;
  unsubscribe(): Promise<void>;
}

export interface Bus {
  /**
   * Publishes one event; resolves when the Bus has taken it (waiting while its
   * window is full). For JetStream subjects, flush() resolves once everything
   * published so far is stored.
   */
  publish(subject: string, payload: unknown): Promise<void>;
  subscribe(pattern: string, handler: BusHandler, options?: BusSubscribeOptions): Promise<BusSubscription>;
  /** Resolves when everything published so far has been handed over. */
  flush(): Promise<void>;
  /**
   * Resolves when everything published so far has also been handled by this
   * process's subscriptions, including what those handlers published in turn,
   * or after `timeoutMs`; true when it settled. A replay calls it before
   * stopping, so the end of its input is not cut off. (InProcessBus: flush.)
   */
  settle?(timeoutMs?: number): Promise<boolean>;
  /**
   * Registers a hook that runs synchronously just before the acknowledgements
   * of handled messages are sent (NatsBus; a Bus without acks has nothing to
   * run it before). A stage that buffers output which must be stored before
   * its input is acknowledged flushes it there, once for many messages.
   */
  beforeAck?(hook: () => void): void;
  close(): Promise<void>;
  readonly counters: Counters;
  /** Human description for logs: "in-process" or the NATS URL. */
  readonly description: string;
}

export const BUS = Symbol('MCPSPY_BUS');
