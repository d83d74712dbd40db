/**
 * Detectors backed by a text classifier (the HuggingFace API or a local ONNX
 * model). Texts go in windows, at most `maxCalls` per message so one huge
 * answer cannot queue minutes of inference; what is left out is counted.
 * A failed call is counted and logged once; the message still gets the
 * verdicts of the other detectors.
 */
import type { AlertCategory } from '@mcpspy/events';
import type { Counters, Logger } from '@mcpspy/runtime';
import { HfApiError } from '../errors';
import { HfClient, verdictOf, LabelScore } from '../hf-client';
import { AnalysisInput, clip, Detector, Finding } from '../types';
import { windowsOf } from '../windows';

export interface TextClassifier {
  classify(text: string): Promise<LabelScore[]>;
  init?(): Promise<void>;
  close?(): Promise<void>;
}

export interface ModelDetectorOptions {
  name: string;
  classifier: TextClassifier;
  counters: Counters;
  logger?: Logger;
  windowSize?: number;
  maxCalls?: number;
  concurrency?: number;
}

/** HTTP statuses a retry will not fix: the model is not served (404, 410) or the token is refused (401, 403). */
const PERMANENT_STATUS: ReadonlySet<number> = new Set([401, 403, 404, 410]);
const STATUS_MEANING: Record<number, string> = {
  400: 'the request was refused as malformed',
  401: 'the token was refused: check --hf-token',
  403: 'the token may not use this model: check --hf-token and the model licence',
  404: 'no such model: check --security-model',
  410: 'the model is no longer served by the Inference API: pick another with --security-model, e.g. protectai/deberta-v3-base-prompt-injection-v2',
  413: 'the text was too long',
  422: 'the model refused the input',
  429: 'rate limited, retries exhausted',
  503: 'the model is loading or overloaded, retries exhausted',
};

export class ModelDetector implements Detector {
  readonly name: string;
  /** The HTTP status that switched the model off, once a retry cannot help. */
  private disabled: number | undefined;
  private readonly windowSize: number;
  private readonly maxCalls: number;
  private readonly concurrency: number;

  constructor(private readonly opts: ModelDetectorOptions) {
    this.name = opts.name;
    this.windowSize = opts.windowSize ?? 2000;
    this.maxCalls = opts.maxCalls ?? 16;
    this.concurrency = opts.concurrency ?? 4;
  }

  async init(): Promise<void> {
    await this.opts.classifier.init?.();
  }

  async close(): Promise<void> {
    await this.opts.classifier.close?.();
  }

  /**
   * A failed call is counted; an HTTP error of the API becomes one clear line
   * per status. A status that will not change by retrying (the model is gone,
   * the token is refused) also stops further calls: the offline verdicts go on.
   */
  private failed(err: unknown): void {
    const e = err as Error;
    const status = err instanceof HfApiError ? err.status : undefined;
    if (status === undefined) {
      this.opts.counters.reject(this.opts.logger, `${this.name}_errors`, e.message.replace(/\d+/g, 'N'), { error: e.message });
      return;
    }
    const where = this.opts.classifier instanceof HfClient ? this.opts.classifier.url : 'the model API';
    const permanent = PERMANENT_STATUS.has(status);
    if (permanent) this.disabled = status;
    const why = STATUS_MEANING[status] ?? (status >= 500 ? 'the service failed' : 'the request was refused');
    const line = `${where} answered HTTP ${status} (${why})${permanent ? '; model verdicts are off from now on' : ''}; offline verdicts go on`;
    this.opts.counters.reject(this.opts.logger, `${this.name}_errors`, line, { status });
  }

  async detect(input: AnalysisInput): Promise<Finding[]> {
    if (this.disabled !== undefined) {
      this.opts.counters.inc(`${this.name}_skipped_off`);
      return [];
    }
    const jobs: { field: string; start: number; end: number; text: string; definition: boolean }[] = [];
    const seen = new Set<string>();
    let skipped = 0;
    for (const unit of input.texts) {
      if (unit.text.trim().length < 8) continue;
      for (const w of windowsOf(unit.text, this.windowSize)) {
        if (seen.has(w.text)) continue;
        seen.add(w.text);
        if (jobs.length >= this.maxCalls) {
          skipped++;
          continue;
        }
        jobs.push({ field: unit.field, start: w.start, end: w.end, text: w.text, definition: unit.context === 'definition' });
      }
    }
    if (skipped) this.opts.counters.inc(`${this.name}_windows_skipped`, skipped);
    const best = new Map<AlertCategory, Finding>();
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        let labels: LabelScore[];
        try {
          labels = await this.opts.classifier.classify(job.text);
          this.opts.counters.inc(`${this.name}_calls`);
        } catch (err) {
          this.failed(err);
          continue;
        }
        const v = verdictOf(labels);
        const category: AlertCategory = job.definition ? 'tool_poisoning' : v.kind;
        const prev = best.get(category);
        if (v.malicious > 0 && (!prev || v.malicious > prev.score)) {
          best.set(category, {
            category,
            score: v.malicious,
            detector: this.name,
            evidence: [{ text: clip(job.text), field: job.field, start: job.start, end: job.end, rule: v.label }],
            summary: `classifier label ${v.label} (${v.malicious.toFixed(2)})`,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
    return [...best.values()];
  }
}
