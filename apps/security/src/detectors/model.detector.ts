/**
 * Detectors backed by a text classifier (the HuggingFace API or a local ONNX
 * model). Texts go in windows, at most `maxCalls` per message so one huge
 * answer cannot queue minutes of inference; what is left out is counted.
 * A failed call is counted and logged once; the message still gets the
 * verdicts of the other detectors.
 */
import type { AlertCategory } from '@mcpspy/events';
import type { Counters, Logger } from '@mcpspy/runtime';
import { verdictOf, LabelScore } from '../hf-client';
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

export class ModelDetector implements Detector {
  readonly name: string;
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

  async detect(input: AnalysisInput): Promise<Finding[]> {
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
          this.opts.counters.reject(this.opts.logger, `${this.name}_errors`, (err as Error).message.replace(/\d+/g, 'N'), { error: (err as Error).message });
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
