/**
 * Nest custom transport strategy over any Bus. Each `@EventPattern(subject)`
 * handler becomes one subscription; handlers of one subscription run one at a
 * time, in order. A handler error is counted and logged once, never thrown
 * into the transport.
 */
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { Logger } from 'pino';
import { Counters } from '../counters';
import { Bus, BusContextInfo, BusSubscription } from './bus';
import { BusContext } from './bus.context';
import type { DirectHandler } from './direct-handlers';

export interface BusServerOptions {
  bus: Bus;
  logger?: Logger;
  /** Queue group shared by instances of the stage (work sharing). */
  queue?: string;
  /** Durable consumer name for JetStream subjects (defaults to queue). */
  durable?: string;
  /**
   * Partitions this instance owns: a handler on `<base>.*` subscribes to
   * `<base>.<p>` for each owned partition only.
   */
  partitions?: number[];
  /** Counters of the stage, for handler failures. */
  counters?: Counters;
}

export class BusServer extends Server implements CustomTransportStrategy {
  private subscriptions: BusSubscription[] = [];
  /** Messages handed to handlers, handlers finished: a stage whose queue does not move has started > finished for long. */
  readonly progress = { started: 0, finished: 0 };

  /** Handlers called without Nest's per-call layers, by pattern (see direct-handlers.ts). */
  private direct = new Map<string, DirectHandler>();

  constructor(private readonly options: BusServerOptions) {
    super();
  }

  /** Set before listen(): these patterns call the controller method straight. */
  useDirect(handlers: Map<string, DirectHandler>): void {
    this.direct = handlers;
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.messageHandlers) {
        // `@EventPattern(subject, { fanout: true })`: every instance gets every message.
        // `{ partitioned: true }`: instances own partitions; splitting one partition's
        // batches across a queue group would tear its streams apart.
        // `{ concurrent: true }`: the events of a NATS batch are handled at once (BusSubscribeOptions.concurrent).
        const extras = handler.extras as { fanout?: boolean; partitioned?: boolean; concurrent?: boolean } | undefined;
        const fanout = extras?.fanout === true || extras?.partitioned === true;
        for (const subject of this.expand(pattern)) {
          // Resolved once: Nest's lookup by pattern parses the pattern on every call.
          const direct = this.direct.get(pattern);
          const deliver = direct
            ? (payload: unknown, info: BusContextInfo) => this.dispatchDirect(direct, pattern, payload, info)
            : (payload: unknown, info: BusContextInfo) => this.dispatch(handler, pattern, payload, info);
          const sub = await this.options.bus.subscribe(subject, deliver, {
            queue: fanout ? undefined : this.options.queue,
            durable: fanout ? undefined : (this.options.durable ?? this.options.queue),
            concurrent: extras?.concurrent === true,
          });
          this.subscriptions.push(sub);
        }
      }
      callback();
    } catch (err) {
      callback(err);
    }
  }

  private expand(pattern: string): string[] {
    const parts = this.options.partitions;
    if (!parts || !pattern.endsWith('.*')) return [pattern];
    const base = pattern.slice(0, -2);
    return parts.map((p) => `${base}.${p}`);
  }

  private async dispatch(
    handler: (data: unknown, ctx: BusContext) => unknown,
    pattern: string,
    payload: unknown,
    info: BusContextInfo,
  ): Promise<void> {
    this.progress.started++;
    try {
      const result = await handler(payload, new BusContext([info.subject, info.redelivered]));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    } catch (err) {
      const c = this.options.counters ?? this.options.bus.counters;
      c.reject(this.options.logger, 'handler_errors', (err as Error)?.message ?? String(err), { pattern });
    } finally {
      this.progress.finished++;
    }
  }

  /** A synchronous handler finishes here, without a promise; an async one is awaited like dispatch(). */
  private dispatchDirect(handler: DirectHandler, pattern: string, payload: unknown, info: BusContextInfo): Promise<void> | undefined {
    this.progress.started++;
    let result: unknown;
    try {
      result = handler(payload, info);
    } catch (err) {
      this.failed(err, pattern);
      this.progress.finished++;
      return undefined;
    }
    if (isObservable(result)) result = lastValueFrom(result, { defaultValue: undefined });
    if (result === undefined || result === null || typeof (result as { then?: unknown }).then !== 'function') {
      this.progress.finished++;
      return undefined;
    }
    return (result as Promise<unknown>).then(
      () => {
        this.progress.finished++;
      },
      (err: unknown) => {
        this.failed(err, pattern);
        this.progress.finished++;
      },
    );
  }

  private failed(err: unknown, pattern: string): void {
    const c = this.options.counters ?? this.options.bus.counters;
    c.reject(this.options.logger, 'handler_errors', (err as Error)?.message ?? String(err), { pattern });
  }

  async close(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.allSettled(subs.map((s) => s.unsubscribe()));
  }

  on(): never {
    throw new Error('BusServer does not emit transport events');
  }

  unwrap<T>(): T {
    return this.options.bus as T;
  }
}
