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
import { isUnjudged } from './offline-worker';
import { VerdictCache } from './verdict-cache';

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
  /**
   * The verdict cache of the stateless detectors (verdict-cache.ts): most
   * entries (default 10,000; 0 turns it off) and most MB held (default 16).
   */
  cacheEntries?: number;
  cacheMb?: number;
  /**
   * A verdict cache shared with other engines (the evaluation harness, the
   * verdicts bench) instead of one of its own; keys still carry this engine's
   * configuration. Its hits and misses are counted where that cache counts them.
   */
  verdictCache?: VerdictCache;
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
  /**
   * The detectors whose findings depend on the message's texts alone (rules and
   * secrets, the classifier, the context cues): judged once per distinct input
   * through the verdict cache. `stateful`: the others of `offline` (rug pulls and
   * toxic flows read and write session state in the Store), run every time.
   */
  private readonly pure: Detector[];
  private readonly stateful: Detector[];
  readonly cache?: VerdictCache;
  private readonly cachePrefix: string;
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
    const pure: Detector[] = [offline, ...classifier, new ContextDetector()];
    this.detectors = [...pure, this.rugPull, new ToxicFlowDetector(opts.store)];
    this.pure = pure;
    this.stateful = this.detectors.slice(pure.length);
    const cache =
      opts.verdictCache ??
      new VerdictCache({ maxEntries: opts.cacheEntries, maxBytes: opts.cacheMb === undefined ? undefined : opts.cacheMb * 1048576, counters: this.counters });
    if (cache.enabled) this.cache = cache;
    this.cachePrefix = VerdictCache.prefixFor(JSON.stringify({ pure: pure.map((d) => d.name), lexical: !classifierOn }));
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
    const alerts = combineFindings(await this.runFast(input, this.models), msg, input.method, this.threshold, undefined, input.texts);
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
    const fastFindings = await this.runFast(input);
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

  /**
   * The findings of the offline detectors (then of `more`), in the order of
   * `this.detectors`: the pure ones from the verdict cache when this input was
   * judged before, else judged and remembered (only when every pure detector
   * answered and the offline worker judged the message: an abandoned or failed
   * analysis is not a verdict); the stateful ones always.
   */
  private async runFast(input: AnalysisInput, more: Detector[] = []): Promise<Finding[]> {
    const cache = this.cache;
    if (!cache || input.texts.length === 0) return this.run([...this.offline, ...more], input);
    // First sight: judged without a key, not remembered (verdict-cache.ts seenBefore).
    // The fingerprint once: first sight, then the chain the entry is looked up and stored under.
    const fp = cache.fingerprintOf(input);
    if (!cache.seenBefore(input, fp)) return this.run([...this.offline, ...more], input);
    const key = cache.keyOf(this.cachePrefix, input);
    const cached = cache.get(key, fp);
    const rest = more.length ? [...this.stateful, ...more] : this.stateful;
    if (cached) {
      const later = await this.run(rest, input);
      for (const f of later) cached.push(f);
      return cached;
    }
    // One allSettled over every detector, as without the cache: the first `pure.length` are the pure ones.
    const all = [...this.pure, ...rest];
    const settled = await Promise.allSettled(all.map(async (d) => d.detect(input)));
    const findings: Finding[] = [];
    let complete = true;
    for (let i = 0; i < settled.length; i++) {
      const r = settled[i]!;
      if (i === this.pure.length && complete) cache.set(key, findings, fp);
      if (r.status === 'fulfilled') {
        if (i < this.pure.length && isUnjudged(r.value)) complete = false;
        for (const f of r.value) findings.push(f);
      } else {
        if (i < this.pure.length) complete = false;
        this.counters.reject(this.logger, `${all[i]!.name}_errors`, (r.reason as Error)?.message ?? String(r.reason));
      }
    }
    if (settled.length === this.pure.length && complete) cache.set(key, findings, fp);
    return findings;
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
