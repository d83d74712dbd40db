/**
 * Runs the offline analysis (offline-analysis.ts) on a worker thread, one
 * message at a time, each within a time budget. The thread that drains the
 * kernel ring and parses messages never runs a regex; it posts the texts and
 * awaits the findings. The messages that reach the worker in one event-loop
 * turn, or while it is busy, travel together: one post and one reply per
 * batch (at most OFFLINE_BATCH_MAX_JOBS messages, OFFLINE_BATCH_MAX_CHARS of
 * text), judged in order.
 *
 * Watchdog: when a message has been on the worker longer than `budgetMs`,
 * its analysis is abandoned: the worker is terminated (V8 interrupts even a
 * running regex), the message gets no offline findings (its other detectors
 * still count), `offline_budget_exceeded` is counted and logged (the first
 * time, then every 100th), and a fresh worker takes the messages queued
 * behind it (the rest of its batch included: the worker tells through a
 * shared buffer which message it is on and since when). So one hostile
 * message delays the verdicts behind it by at most one budget, never the
 * capture. A worker that dies (out of its memory
 * limit, say) is replaced the same way (`offline_worker_errors`).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Counters, Logger } from '@mcpspy/runtime';
import { SecurityError } from './errors';
import type { OfflineAnalysisOptions } from './offline-analysis';
import { packJobs, type PackedJobs } from './offline-pack';
import type { Finding, TextsInput } from './types';

export interface OfflineRequest {
  id: number;
  input: TextsInput;
}

/**
 * What the engine's thread posts: the messages queued in one event-loop turn
 * (or while the worker was busy), judged in order. One post and one reply per
 * batch instead of per message: at 10k msg/s a post and a wake-up of each
 * thread per message cost more than the analysis (bench/README.md).
 */
export interface OfflineBatch {
  /** The jobs as objects (a text whose context or origin packJobs has no code for). */
  jobs?: OfflineRequest[];
  /** The jobs packed into one string and one Int32Array (offline-pack.ts): the usual form, far cheaper to post. */
  packed?: PackedJobs;
}

/**
 * Sent once by a new worker when its rules are compiled: budgets are counted
 * from then on. `progress` is shared with the worker: [0] the index in the
 * current batch of the job it is judging, as an Int32; the worker writes the
 * start time of that job (performance.timeOrigin + now, ms) into the Float64
 * at byte 8 before the index, so the watchdog knows which message is over
 * its budget and since when.
 */
export interface OfflineReady {
  ready: true;
}

export type OfflineReply = { id: number; findings: Finding[]; ms: number } | { id: number; error: string; ms: number };

/**
 * The worker's answer to one batch: the replies of the jobs that had findings
 * or failed, in order; every other of the `judged` jobs had no findings (nearly
 * every message: an empty reply per message was cloned for nothing).
 */
export interface OfflineBatchReply {
  judged: number;
  replies: OfflineReply[];
}

/** Most messages in one post to the worker, and most characters of text (a cap on one structured clone). */
export const OFFLINE_BATCH_MAX_JOBS = 256;
export const OFFLINE_BATCH_MAX_CHARS = 4 << 20;

/** workerData of the offline worker thread. */
export interface OfflineWorkerData {
  analysis: OfflineAnalysisOptions;
  progress: SharedArrayBuffer;
}

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

/**
 * The empty findings of a message that was not judged (abandoned past its
 * budget, or the worker closed): "no findings" that is not a verdict, so the
 * verdict cache (verdict-cache.ts) must not remember it.
 */
const unjudged = new WeakSet<Finding[]>();
function notJudged(): Finding[] {
  const none: Finding[] = [];
  unjudged.add(none);
  return none;
}
/** True for the findings of a message the worker did not judge (see notJudged). */
export function isUnjudged(findings: readonly Finding[]): boolean {
  return unjudged.has(findings as Finding[]);
}

/** The Int32 slot of the progress buffer holding the index of the job being judged. */
const PROGRESS_INDEX = 0;

export class OfflineWorker {
  private worker?: Worker;
  /** The current worker has compiled its rules (budgets start counting only then). */
  private ready = false;
  private readonly queue: Job[] = [];
  /** The batch on the worker, in order. */
  private busy: Job[] = [];
  /** Shared with the current worker: which job of the batch it judges, since when. */
  private progress?: { index: Int32Array; started: Float64Array };
  private timer?: NodeJS.Timeout;
  private postScheduled = false;
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: OfflineWorkerOptions) {}

  /** Messages waiting for the worker, the running batch included. */
  get depth(): number {
    return this.queue.length + this.busy.length;
  }

  analyze(input: TextsInput): Promise<Finding[]> {
    if (this.closed) return Promise.resolve(notJudged());
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, resolve, reject });
      this.schedule();
    });
  }

  /**
   * The post waits for the end of the event-loop turn, so every message that
   * reaches the worker in this turn (a whole NATS batch handled at once)
   * travels in one post.
   */
  private schedule(): void {
    if (this.postScheduled || this.busy.length > 0 || this.closed) return;
    this.postScheduled = true;
    setImmediate(() => {
      this.postScheduled = false;
      this.pump();
    });
  }

  private start(): Worker {
    const buf = new SharedArrayBuffer(16);
    const w = new Worker(join(__dirname, 'offline.worker.js'), {
      workerData: { analysis: this.opts.analysis ?? {}, progress: buf } satisfies OfflineWorkerData,
      resourceLimits: { maxOldGenerationSizeMb: this.opts.heapMb ?? 512 },
    });
    this.progress = { index: new Int32Array(buf, 0, 1), started: new Float64Array(buf, 8, 1) };
    this.ready = false;
    w.on('message', (reply: OfflineBatchReply | OfflineReady) => {
      if ('ready' in reply) this.onReady(w);
      else this.onReply(w, reply);
    });
    w.on('error', (err) => this.onDeath(w, err));
    w.on('exit', (code) => this.onDeath(w, new Error(`offline worker exited with code ${code}`)));
    this.opts.counters.inc('offline_workers_started');
    return w;
  }

  private pump(): void {
    if (this.busy.length > 0 || this.closed) return;
    if (this.queue.length === 0) {
      // Idle: an idle worker must not keep a finished process (scan, tests) alive.
      this.worker?.unref();
      return;
    }
    let chars = 0;
    let n = 0;
    while (n < this.queue.length && n < OFFLINE_BATCH_MAX_JOBS) {
      const size = this.queue[n]!.input.texts.reduce((s, t) => s + t.text.length, 0);
      if (n > 0 && chars + size > OFFLINE_BATCH_MAX_CHARS) break;
      chars += size;
      n++;
    }
    const jobs = this.queue.splice(0, n);
    const w = (this.worker ??= this.start());
    w.ref();
    this.busy = jobs;
    this.opts.counters.inc('offline_batches');
    Atomics.store(this.progress!.index, PROGRESS_INDEX, 0);
    this.progress!.started[0] = performance.timeOrigin + performance.now();
    if (this.ready) this.arm(w, this.opts.budgetMs);
    try {
      const packed = packJobs(jobs);
      if (packed) w.postMessage({ packed } satisfies OfflineBatch, [packed.meta.buffer as ArrayBuffer]);
      else {
        w.postMessage({
          jobs: jobs.map((j) => ({ id: j.id, input: { method: j.input.method, direction: j.input.direction, texts: j.input.texts } })),
        } satisfies OfflineBatch);
      }
    } catch (err) {
      // Not cloneable (it always is: strings and plain objects), or the worker is gone.
      this.finish();
      for (const job of jobs) job.reject(new SecurityError(`failed to post texts to the offline worker: ${(err as Error).message}`, { cause: err }));
      this.schedule();
    }
  }

  private arm(w: Worker, ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.watch(w), Math.max(1, ms));
  }

  /** The watchdog: the job the worker is on, and how long it has been on it. */
  private watch(w: Worker): void {
    this.timer = undefined;
    if (w !== this.worker || this.busy.length === 0 || !this.progress) return;
    const index = Atomics.load(this.progress.index, PROGRESS_INDEX);
    const elapsed = performance.timeOrigin + performance.now() - this.progress.started[0]!;
    if (elapsed < this.opts.budgetMs) {
      this.arm(w, this.opts.budgetMs - elapsed + 1);
      return;
    }
    this.overBudget(w, Math.min(Math.max(0, index), this.busy.length - 1));
  }

  private onReady(w: Worker): void {
    if (w !== this.worker) return;
    this.ready = true;
    if (this.busy.length > 0 && !this.timer) {
      // Budgets count from now: the batch's first job starts its clock here.
      if (Atomics.load(this.progress!.index, PROGRESS_INDEX) === 0) this.progress!.started[0] = performance.timeOrigin + performance.now();
      this.arm(w, this.opts.budgetMs);
    }
  }

  private finish(): void {
    this.busy = [];
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onReply(w: Worker, reply: OfflineBatchReply): void {
    const jobs = this.busy;
    if (w !== this.worker || jobs.length === 0) return;
    this.finish();
    const byId = new Map(reply.replies.map((r) => [r.id, r]));
    const judged = typeof reply.judged === 'number' ? reply.judged : 0;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      const r = byId.get(job.id);
      if (!r && i < judged) job.resolve([]);
      else if (!r) job.reject(new SecurityError('failed to analyse texts: the offline worker answered without this message'));
      else if ('error' in r) job.reject(new SecurityError(`failed to analyse texts: ${r.error}`));
      else job.resolve(r.findings);
    }
    this.pump();
  }

  /**
   * The job at `index` is abandoned (no findings); the others of its batch go
   * back to the head of the queue, in order, for a fresh worker (those judged
   * before it are judged again: their answers were still on the dead worker).
   */
  private overBudget(w: Worker, index: number): void {
    const jobs = this.busy;
    const job = jobs[index]!;
    this.opts.counters.inc('offline_budget_exceeded');
    const n = this.opts.counters.get('offline_budget_exceeded');
    if (n === 1 || n % 100 === 0) {
      const chars = job.input.texts.reduce((s, u) => s + u.text.length, 0);
      this.opts.logger.warn(
        { count: n, budget_ms: this.opts.budgetMs, texts: job.input.texts.length, chars },
        `offline analysis of a ${job.input.method} message exceeded its ${this.opts.budgetMs} ms budget; abandoned (no rule or secret findings for it), worker restarted`,
      );
    }
    this.finish();
    this.retire(w);
    this.queue.unshift(...jobs.filter((_, i) => i !== index));
    job.resolve(notJudged());
    this.opts.onOverBudget?.(job.input);
    this.pump();
  }

  private onDeath(w: Worker, err: Error): void {
    if (w !== this.worker) return;
    const index = this.progress ? Atomics.load(this.progress.index, PROGRESS_INDEX) : 0;
    this.retire(w);
    if (this.closed) return;
    this.opts.counters.reject(this.opts.logger, 'offline_worker_errors', `offline worker died: ${err.message}`);
    const jobs = this.busy;
    if (jobs.length > 0) {
      // The message being judged when it died is failed; the rest of its batch goes to the new worker.
      const at = Math.min(Math.max(0, index), jobs.length - 1);
      this.finish();
      this.queue.unshift(...jobs.filter((_, i) => i !== at));
      jobs[at]!.reject(new SecurityError(`failed to analyse texts: offline worker died: ${err.message}`, { cause: err }));
    }
    this.pump();
  }

  private retire(w: Worker): void {
    if (this.worker === w) {
      this.worker = undefined;
      this.progress = undefined;
    }
    w.removeAllListeners('message');
    void w.terminate().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const jobs = this.busy;
    this.finish();
    for (const j of jobs) j.resolve(notJudged());
    for (const j of this.queue.splice(0)) j.resolve(notJudged());
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      w.removeAllListeners();
      w.on('error', () => undefined);
      await w.terminate();
    }
  }
}
