/**
 * Runs the offline analysis (offline-analysis.ts) on a worker thread, one
 * message at a time, each within a time budget. The thread that drains the
 * kernel ring and parses messages never runs a regex; it posts the texts and
 * awaits the findings.
 *
 * Watchdog: when a message has been on the worker longer than `budgetMs`,
 * its analysis is abandoned: the worker is terminated (V8 interrupts even a
 * running regex), the message gets no offline findings (its other detectors
 * still count), `offline_budget_exceeded` is counted and logged (the first
 * time, then every 100th), and a fresh worker takes the messages queued
 * behind it. So one hostile message delays the verdicts behind it by at most
 * one budget, never the capture. A worker that dies (out of its memory
 * limit, say) is replaced the same way (`offline_worker_errors`).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Counters, Logger } from '@mcpspy/runtime';
import { SecurityError } from './errors';
import type { OfflineAnalysisOptions } from './offline-analysis';
import type { Finding, TextsInput } from './types';

export interface OfflineRequest {
  id: number;
  input: TextsInput;
}

/** Sent once by a new worker when its rules are compiled: budgets are counted from then on. */
export interface OfflineReady {
  ready: true;
}

export type OfflineReply = { id: number; findings: Finding[]; ms: number } | { id: number; error: string; ms: number };

export interface OfflineWorkerOptions {
  /** Wall time one message may spend on the worker before its analysis is abandoned. */
  budgetMs: number;
  counters: Counters;
  logger: Logger;
  /** Called for each message whose analysis was abandoned (the engine turns it into a notice). */
  onOverBudget?: (input: TextsInput) => void;
  /** How the worker's analysis is built (the lexical model on or off). */
  analysis?: OfflineAnalysisOptions;
  /** Heap limit of the worker thread in MB (default 512): a message that would exhaust it kills the worker, not the monitor. */
  heapMb?: number;
}

/** Default budget per message: a bounded 1 MB text takes well under this on a busy core. */
export const DEFAULT_OFFLINE_BUDGET_MS = 2000;

interface Job {
  id: number;
  input: TextsInput;
  resolve(findings: Finding[]): void;
  reject(err: Error): void;
}

export class OfflineWorker {
  private worker?: Worker;
  /** The current worker has compiled its rules (budgets start counting only then). */
  private ready = false;
  private readonly queue: Job[] = [];
  private busy?: Job;
  private timer?: NodeJS.Timeout;
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: OfflineWorkerOptions) {}

  /** Messages waiting for the worker, the running one included. */
  get depth(): number {
    return this.queue.length + (this.busy ? 1 : 0);
  }

  analyze(input: TextsInput): Promise<Finding[]> {
    if (this.closed) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, resolve, reject });
      this.pump();
    });
  }

  private start(): Worker {
    const w = new Worker(join(__dirname, 'offline.worker.js'), {
      workerData: this.opts.analysis ?? {},
      resourceLimits: { maxOldGenerationSizeMb: this.opts.heapMb ?? 512 },
    });
    this.ready = false;
    w.on('message', (reply: OfflineReply | OfflineReady) => {
      if ('ready' in reply) this.onReady(w);
      else this.onReply(w, reply);
    });
    w.on('error', (err) => this.onDeath(w, err));
    w.on('exit', (code) => this.onDeath(w, new Error(`offline worker exited with code ${code}`)));
    this.opts.counters.inc('offline_workers_started');
    return w;
  }

  private pump(): void {
    if (this.busy || this.closed) return;
    const job = this.queue.shift();
    if (!job) {
      // Idle: an idle worker must not keep a finished process (scan, tests) alive.
      this.worker?.unref();
      return;
    }
    const w = (this.worker ??= this.start());
    w.ref();
    this.busy = job;
    if (this.ready) this.arm(w, job);
    try {
      w.postMessage({ id: job.id, input: { method: job.input.method, direction: job.input.direction, texts: job.input.texts } } satisfies OfflineRequest);
    } catch (err) {
      // Not cloneable (it always is: strings and plain objects), or the worker is gone.
      this.finish(job);
      job.reject(new SecurityError(`failed to post texts to the offline worker: ${(err as Error).message}`, { cause: err }));
      this.pump();
    }
  }

  private arm(w: Worker, job: Job): void {
    this.timer = setTimeout(() => this.overBudget(w, job), this.opts.budgetMs);
  }

  private onReady(w: Worker): void {
    if (w !== this.worker) return;
    this.ready = true;
    if (this.busy && !this.timer) this.arm(w, this.busy);
  }

  private finish(job: Job): void {
    if (this.busy === job) this.busy = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onReply(w: Worker, reply: OfflineReply): void {
    const job = this.busy;
    if (w !== this.worker || !job || job.id !== reply.id) return;
    this.finish(job);
    if ('error' in reply) job.reject(new SecurityError(`failed to analyse texts: ${reply.error}`));
    else job.resolve(reply.findings);
    this.pump();
  }

  private overBudget(w: Worker, job: Job): void {
    if (this.busy !== job) return;
    this.opts.counters.inc('offline_budget_exceeded');
    const n = this.opts.counters.get('offline_budget_exceeded');
    if (n === 1 || n % 100 === 0) {
      const chars = job.input.texts.reduce((s, u) => s + u.text.length, 0);
      this.opts.logger.warn(
        { count: n, budget_ms: this.opts.budgetMs, texts: job.input.texts.length, chars },
        `offline analysis of a ${job.input.method} message exceeded its ${this.opts.budgetMs} ms budget; abandoned (no rule or secret findings for it), worker restarted`,
      );
    }
    this.finish(job);
    this.retire(w);
    job.resolve([]);
    this.opts.onOverBudget?.(job.input);
    this.pump();
  }

  private onDeath(w: Worker, err: Error): void {
    if (w !== this.worker) return;
    this.retire(w);
    if (this.closed) return;
    this.opts.counters.reject(this.opts.logger, 'offline_worker_errors', `offline worker died: ${err.message}`);
    const job = this.busy;
    if (job) {
      this.finish(job);
      job.reject(new SecurityError(`failed to analyse texts: offline worker died: ${err.message}`, { cause: err }));
    }
    this.pump();
  }

  private retire(w: Worker): void {
    if (this.worker === w) this.worker = undefined;
    w.removeAllListeners('message');
    void w.terminate().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const job = this.busy;
    if (job) {
      this.finish(job);
      job.resolve([]);
    }
    for (const j of this.queue.splice(0)) j.resolve([]);
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      w.removeAllListeners();
      w.on('error', () => undefined);
      await w.terminate();
    }
  }
}
