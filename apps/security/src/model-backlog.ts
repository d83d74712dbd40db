/**
 * The model half of async analyses (engine.analyzeStaged's followUp), run
 * beside the stream instead of in it. A model answers in hundreds of
 * milliseconds (the HuggingFace API) or seconds (a local model on the CPU);
 * awaited per message, it would fill the security stage's input queue and,
 * through the Bus's backpressure, stall capture. Here at most `concurrency`
 * run at once and `maxQueued` wait; beyond that a message gets the offline
 * verdict only, counted as `model_backlog_skipped` and logged once.
 */
import type { SecurityAlertEvent } from '@mcpspy/events';
import type { Counters, Logger } from '@mcpspy/runtime';

export interface ModelBacklogOptions {
  counters: Counters;
  logger?: Logger;
  /** Called with the alerts of each finished job (none are lost to an error: errors are counted). */
  onAlerts(alerts: SecurityAlertEvent[]): void;
  /** Jobs running at once (default 2). */
  concurrency?: number;
  /** Jobs waiting (default 1000). */
  maxQueued?: number;
}

type Job = () => Promise<SecurityAlertEvent[]>;

export class ModelBacklog {
  private readonly queue: Job[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private closed = false;

  constructor(private readonly opts: ModelBacklogOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.maxQueued = Math.max(0, opts.maxQueued ?? 1000);
  }

  /** Jobs waiting plus jobs running. */
  get size(): number {
    return this.queue.length + this.running.size;
  }

  /** Takes a job, or refuses it (false, counted) when the backlog is full or closed. */
  submit(job: Job): boolean {
    if (this.closed || (this.running.size >= this.concurrency && this.queue.length >= this.maxQueued)) {
      this.opts.counters.reject(this.opts.logger, 'model_backlog_skipped', 'model detectors are behind: messages get the offline verdict only until they catch up', {
        queued: this.queue.length,
      });
      return false;
    }
    this.queue.push(job);
    this.pump();
    return true;
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      const run: Promise<void> = job()
        .then((alerts) => {
          if (alerts.length) this.opts.onAlerts(alerts);
        })
        .catch((err: unknown) => {
          this.opts.counters.reject(this.opts.logger, 'model_backlog_errors', (err as Error)?.message ?? String(err));
        })
        .finally(() => {
          this.running.delete(run);
          this.opts.counters.set('model_backlog', this.size);
          this.pump();
        });
      this.running.add(run);
    }
    this.opts.counters.set('model_backlog', this.size);
  }

  /**
   * Stops taking jobs. With `drain` (a replay: the input is finite and its
   * alerts are wanted) every job still waiting runs to the end; otherwise
   * (a live monitor stopping) those waiting are dropped, counted as
   * model_backlog_dropped, and the running ones get graceMs.
   */
  async close(opts: { drain?: boolean; graceMs?: number } = {}): Promise<void> {
    this.closed = true;
    if (opts.drain) {
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
      return;
    }
    if (this.queue.length) this.opts.counters.inc('model_backlog_dropped', this.queue.length);
    this.queue.length = 0;
    const grace = new Promise<void>((r) => setTimeout(r, opts.graceMs ?? 5000).unref());
    await Promise.race([Promise.allSettled([...this.running]), grace]);
  }
}
