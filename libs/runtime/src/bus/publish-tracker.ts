/**
 * Engines emit synchronously; the Bus publishes asynchronously. The tracker
 * keeps the promises of what an engine emitted so the handler can await them
 * before taking the next input: that is how backpressure reaches the source.
 */
import type { Logger } from 'pino';
import { Counters } from '../counters';
import { Bus } from './bus';
import { PUBLISHED } from './in-process.bus';

export class PublishTracker {
  private pending: Promise<void>[] = [];
  /** `published`, taken when first counted (Counters.cell). */
  private publishedCell: { n: number } | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly counters: Counters,
    private readonly logger?: Logger,
  ) {}

  /** Publishes without waiting; failures are counted and logged once. */
  emit(subject: string, payload: unknown): void {
    (this.publishedCell ??= this.counters.cell('published')).n++;
    const published = this.bus.publish(subject, payload);
    // In one process a message taken at once leaves nothing to track (no promise per message).
    if (published === PUBLISHED) return;
    const p = published.catch((err: Error) => {
      this.counters.reject(this.logger, 'publish_errors', err.message, { subject });
    });
    this.pending.push(p);
    if (this.pending.length > 4096) void this.drain();
  }

  /** Resolves when everything emitted so far has been accepted by the Bus. */
  async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      await Promise.all(batch);
    }
  }
}
