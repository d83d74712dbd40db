/**
 * Rules, Unicode checks, the lexical model and secret patterns as one
 * detector (offline-analysis.ts), run on the offline worker thread with a
 * time budget per message (offline-worker.ts), or in the caller's thread
 * when `worker` is false (the evaluation harness, benches). Its findings
 * keep the names of the detectors that made them (`rules`, `secrets`).
 */
import type { Counters, Logger } from '@mcpspy/runtime';
import { OfflineAnalysis } from '../offline-analysis';
import { DEFAULT_OFFLINE_BUDGET_MS, OfflineWorker } from '../offline-worker';
import type { AnalysisInput, Detector, Finding, TextsInput } from '../types';

export interface OfflineDetectorOptions {
  counters: Counters;
  logger: Logger;
  /** Run on a worker thread (default true). */
  worker?: boolean;
  /** Per-message budget in ms (default DEFAULT_OFFLINE_BUDGET_MS). */
  budgetMs?: number;
  /** The rules' built-in lexical model (default true); off when the local classifier plays its role. */
  lexical?: boolean;
  /** Called with each message whose analysis passed its budget (abandoned on the worker, only counted in this thread). */
  onOverBudget?: (input: TextsInput) => void;
}

export class OfflineDetector implements Detector {
  readonly name = 'offline';
  private readonly worker?: OfflineWorker;
  private readonly local?: OfflineAnalysis;
  private readonly budgetMs: number;

  constructor(private readonly opts: OfflineDetectorOptions) {
    this.budgetMs = opts.budgetMs && opts.budgetMs > 0 ? opts.budgetMs : DEFAULT_OFFLINE_BUDGET_MS;
    const analysis = { lexical: opts.lexical };
    if (opts.worker === false) this.local = new OfflineAnalysis(analysis);
    else this.worker = new OfflineWorker({ budgetMs: this.budgetMs, counters: opts.counters, logger: opts.logger, onOverBudget: opts.onOverBudget, analysis });
  }

  detect(input: AnalysisInput): Finding[] | Promise<Finding[]> {
    if (input.texts.length === 0) return [];
    if (this.worker) return this.worker.analyze(input);
    const t0 = performance.now();
    const findings = this.local!.analyze(input);
    // In the caller's thread an analysis cannot be stopped; it is only counted.
    if (performance.now() - t0 > this.budgetMs) {
      this.opts.counters.inc('offline_budget_exceeded');
      this.opts.onOverBudget?.(input);
    }
    return findings;
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }
}
