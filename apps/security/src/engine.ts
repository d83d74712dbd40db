/**
 * SecurityEngine: consumes McpMessageEvent, produces SecurityAlertEvent.
 * Picks the messages worth judging (extract.ts), extracts and decodes their
 * texts once, runs every detector on them and merges the findings into one
 * verdict per category (verdict.ts). Offline rules, the local classifier,
 * the context cues and secret patterns always run; the HuggingFace API runs
 * with a token; rug-pull and toxic-flow state live in the Store so every
 * worker and every restart shares them. Bad input and failing detectors are
 * counted, never thrown.
 */
import { McpMessageEvent, NoticeEvent, SecurityAlertEvent } from '@mcpspy/events';
import { Counters, Logger, Store, DEFAULT_HF_URL, DEFAULT_SECURITY_MODEL } from '@mcpspy/runtime';
import { ClassifierDetector } from './detectors/classifier.detector';
import { ContextDetector } from './detectors/context.detector';
import { NoticeThrottle } from './notices';
import { ModelDetector } from './detectors/model.detector';
import { ToxicFlowDetector } from './detectors/toxic-flow.detector';
import { INJECTION_RULES } from './injection-rules';
import { RugPullDetector } from './detectors/rug-pull.detector';
import { OfflineDetector } from './detectors/offline.detector';
import { extractTexts, subjectOf } from './extract';
import { HfClient } from './hf-client';
import { OnnxClassifier } from './onnx.classifier';
import type { TextClassifier } from './detectors/model.detector';
import type { AnalysisInput, Detector, Finding } from './types';
import { combineFindings } from './verdict';

export interface SecurityOptions {
  store: Store;
  logger: Logger;
  threshold: number;
  hfToken?: string;
  hfUrl?: string;
  model?: string;
  modelPath?: string;
  /** WebAssembly threads of one local inference (default 1). */
  modelThreads?: number;
  /**
   * A local classifier to use instead of loading modelPath, e.g. one model
   * shared by many engines (the evaluation harness). Its init and close are
   * the caller's business when it has none of its own.
   */
  modelClassifier?: TextClassifier;
  /** The local hashed n-gram classifier (default on); false falls back to the rules' lexical model. */
  classifier?: boolean;
  /** Rules and secret patterns on a worker thread with a per-message budget (default true); false runs them in this thread. */
  offlineWorker?: boolean;
  /** Per-message budget of the offline analysis in ms (default 2000); past it the analysis is abandoned and counted. */
  offlineBudgetMs?: number;
  /** Where the engine's notices go (`mcpspy.v1.notice`); once per (reason, pid, stream), counted. */
  notify?: (notice: NoticeEvent) => void;
}

export class SecurityEngine {
  readonly counters = new Counters();
  private readonly detectors: Detector[];
  /** The detectors without a model (rules, secrets, rug pulls) and those with one: the two halves of a staged analysis. */
  private readonly offline: Detector[];
  private readonly models: Detector[];
  private readonly rugPull: RugPullDetector;
  private readonly logger: Logger;
  private threshold: number;

  constructor(private readonly opts: SecurityOptions) {
    this.logger = opts.logger;
    this.threshold = Number.isFinite(opts.threshold) ? Math.min(1, Math.max(0, opts.threshold)) : 0.5;
    this.rugPull = new RugPullDetector(opts.store);
    const notices = opts.notify ? new NoticeThrottle(opts.notify) : undefined;
    // The local classifier replaces the rules' built-in lexical model: same role, trained on public data.
    const classifierOn = opts.classifier !== false;
    const offline = new OfflineDetector({
      counters: this.counters,
      logger: this.logger,
      worker: opts.offlineWorker,
      budgetMs: opts.offlineBudgetMs,
      lexical: !classifierOn,
      onOverBudget: (input) => notices?.raise('analysis_budget_exceeded', input.msg, `rules and secret patterns on a ${input.method} message passed their time budget; abandoned, no offline verdict for it`),
    });
    const classifier = classifierOn ? [new ClassifierDetector()] : [];
    this.detectors = [offline, ...classifier, new ContextDetector(), this.rugPull, new ToxicFlowDetector(opts.store)];
    if (opts.hfToken) {
      const client = new HfClient({ token: opts.hfToken, baseUrl: opts.hfUrl ?? DEFAULT_HF_URL, model: opts.model ?? DEFAULT_SECURITY_MODEL });
      this.detectors.push(new ModelDetector({ name: 'hf_api', classifier: client, counters: this.counters, logger: this.logger }));
    }
    const local = opts.modelClassifier ?? (opts.modelPath ? new OnnxClassifier(opts.modelPath, { threads: opts.modelThreads }) : undefined);
    if (local) this.detectors.push(new ModelDetector({ name: 'onnx', classifier: local, counters: this.counters, logger: this.logger }));
    this.offline = this.detectors.filter((d) => !(d instanceof ModelDetector));
    this.models = this.detectors.filter((d) => d instanceof ModelDetector);
  }

  /** Names of the active detectors, in the order they run. */
  get detectorNames(): string[] {
    return this.detectors.map((d) => d.name);
  }

  async init(): Promise<void> {
    for (const d of this.detectors) await d.init?.();
  }

  /** True when a model (HuggingFace API or local ONNX) runs: the slow part of an analysis. */
  get hasModelDetectors(): boolean {
    return this.models.length > 0;
  }

  /** Every detector on one message, one verdict per category (sync mode, scan). */
  async analyze(msg: McpMessageEvent): Promise<SecurityAlertEvent[]> {
    const input = await this.prepare(msg);
    if (!input) return [];
    const alerts = combineFindings(await this.run(this.detectors, input), msg, input.method, this.threshold, undefined, input.texts);
    this.countAlerts(alerts, true);
    return alerts;
  }

  /**
   * Async mode: the offline detectors now, the model detectors later. `alerts`
   * come from rules, secrets and rug pulls in microseconds; `followUp`, when
   * models run, resolves to the alerts of categories the models found and
   * the offline pass did not alert on (combined with the offline findings of
   * those categories, so agreement still raises the score). A category
   * already alerted is not alerted twice.
   */
  async analyzeStaged(msg: McpMessageEvent): Promise<{ alerts: SecurityAlertEvent[]; followUp?: () => Promise<SecurityAlertEvent[]> }> {
    const input = await this.prepare(msg);
    if (!input) return { alerts: [] };
    const fastFindings = await this.run(this.offline, input);
    const alerts = combineFindings(fastFindings, msg, input.method, this.threshold, undefined, input.texts);
    this.countAlerts(alerts, true);
    if (this.models.length === 0 || input.texts.length === 0) return { alerts };
    const followUp = async (): Promise<SecurityAlertEvent[]> => {
      const slowFindings = await this.run(this.models, input);
      const alerted = new Set(alerts.map((a) => a.category));
      const found = new Set(slowFindings.map((f) => f.category));
      const pool = [...fastFindings.filter((f) => !f.standalone), ...slowFindings].filter((f) => found.has(f.category) && !alerted.has(f.category));
      const extra = combineFindings(pool, msg, input.method, this.threshold, undefined, input.texts);
      this.countAlerts(extra, alerts.length === 0);
      return extra;
    };
    return { alerts, followUp };
  }

  /** Rug-pull bookkeeping, then the texts worth judging; undefined when there are none. */
  private async prepare(msg: McpMessageEvent): Promise<AnalysisInput | undefined> {
    this.counters.inc('messages');
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') {
      this.counters.reject(this.logger, 'invalid_messages', 'not an MCP message object');
      return undefined;
    }
    try {
      await this.rugPull.observe(msg);
    } catch (err) {
      this.counters.reject(this.logger, 'store_errors', (err as Error).message);
    }
    const subject = subjectOf(msg);
    if (!subject) {
      this.counters.inc('skipped');
      return undefined;
    }
    let input: AnalysisInput;
    try {
      const { texts, truncated } = extractTexts(msg, subject);
      if (truncated) this.counters.inc('texts_truncated');
      input = { msg, method: subject.method, direction: subject.direction, texts };
    } catch (err) {
      this.counters.reject(this.logger, 'invalid_messages', `failed to extract texts: ${(err as Error).message}`);
      return undefined;
    }
    this.counters.inc('analysed');
    this.counters.inc('texts', input.texts.length);
    return input;
  }

  /** Findings of some detectors; a failing detector is counted and the others still count. */
  private async run(detectors: Detector[], input: AnalysisInput): Promise<Finding[]> {
    const settled = await Promise.allSettled(detectors.map(async (d) => d.detect(input)));
    const findings: Finding[] = [];
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') findings.push(...r.value);
      else this.counters.reject(this.logger, `${detectors[i]!.name}_errors`, (r.reason as Error)?.message ?? String(r.reason));
    });
    return findings;
  }

  private countAlerts(alerts: SecurityAlertEvent[], newMessage: boolean): void {
    if (alerts.length === 0) return;
    if (newMessage) this.counters.inc('alerted_messages');
    this.counters.inc('alerts', alerts.length);
    for (const a of alerts) this.counters.inc(`alerts_${a.category}`);
  }

  async close(): Promise<void> {
    const failures: unknown[] = [];
    for (const d of this.detectors) {
      try {
        await d.close?.();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length) {
      const { CloseError } = await import('@mcpspy/runtime');
      throw new CloseError('security engine', failures);
    }
  }
}
