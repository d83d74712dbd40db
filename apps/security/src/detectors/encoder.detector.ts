/**
 * The pretrained sentence encoder as a detector (`--security-encoder`, opt-in):
 * a cascade behind the n-gram classifier. Only the strongest window of a
 * message whose n-gram p reaches the encoder head's gate (the windows the
 * cheap model finds uncertain or suspicious) is embedded, at most `perSecond`
 * windows a second; the rest are counted (`encoder_rate_skipped`) and noticed
 * once per (reason, pid, stream). The head's score and the n-gram margin are
 * stacked by the head's calibrated layer; the stacked p is weighed like the
 * classifier's p (classifier.detector.ts findingOf) at the head's own
 * operating points, and in the verdict this finding replaces the classifier's
 * (the stack already holds the n-gram margin: one signal, not two).
 *
 * It is a slow detector (≈20–25 ms of CPU a window): with asynchronous verdicts
 * it runs in the model backlog after the offline alerts are out. The encoder
 * (≈150 MB more RSS at load, up to ≈300 MB once running) is loaded on the first
 * open gate, not at start; when it cannot be loaded, one line says why and the
 * detector stays silent while the others go on.
 */
import type { Counters, Logger } from '@mcpspy/runtime';
import type { McpMessageEvent } from '@mcpspy/events';
import { decodeEncoderHead, DecodedEncoderHead, EncoderHeadData, encoderHeadScore, encoderStackedP } from '../encoder-head';
import { loadSentenceEncoder, SentenceEncoder } from '../sentence-encoder';
import { prepareText } from '../classifier';
import { AnalysisInput, Detector, Finding } from '../types';
import { ClassifierDetector } from './classifier.detector';

/** 5 windows a second at ≈20–30 ms of CPU each: at most ≈15% of a core. */
export const ENCODER_RATE_DEFAULT = 5;

/**
 * 'replace' (round 10): the stacked p is weighed like the classifier's p and replaces its finding. 'second'
 * (session 8): the encoder only gives a second opinion, a zero finding carrying `encoder_second_p`; the verdict damps
 * an alert that rests on one soft signal when that p is under the head's `damp` point (verdict.ts).
 */
export type EncoderRole = 'replace' | 'second';

export interface EncoderDetectorOptions {
  counters: Counters;
  logger?: Logger;
  /** The head (default: the shipped encoder-head-weights.ts). */
  head?: EncoderHeadData | null;
  /** The encoder, or how to get one (default: load the installed package on first use). */
  encoder?: () => Promise<SentenceEncoder>;
  /** Most windows embedded per second (token bucket, burst = one second's worth). */
  perSecond?: number;
  /** Default 'replace'. */
  role?: EncoderRole;
  /** Called once per skipped window, for the notice. */
  onRateLimited?: (msg: McpMessageEvent) => void;
  now?: () => number;
}

export function builtInEncoderHead(): EncoderHeadData | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../encoder-head-weights') as { ENCODER_HEAD_DATA: EncoderHeadData | null }).ENCODER_HEAD_DATA;
  } catch {
    return null;
  }
}

export class EncoderDetector implements Detector {
  readonly name = 'encoder';
  private readonly classifier = new ClassifierDetector({ semantic: null, order: null });
  private readonly head: DecodedEncoderHead | null;
  private encoder?: Promise<SentenceEncoder | null>;
  private readonly perSecond: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;

  constructor(private readonly opts: EncoderDetectorOptions) {
    const data = opts.head === undefined ? builtInEncoderHead() : opts.head;
    this.head = data ? decodeEncoderHead(data) : null;
    this.perSecond = Math.max(0, opts.perSecond ?? ENCODER_RATE_DEFAULT);
    this.tokens = this.perSecond;
    this.now = opts.now ?? Date.now;
    this.last = this.now();
    if (!this.head) opts.counters.reject(opts.logger, 'encoder_errors', 'no encoder head weights in this build (apps/security/src/encoder-head-weights.ts); the encoder detector is off, the other detectors go on');
  }

  /** The encoder, loaded once on first use; null (said once) when it cannot be. */
  private load(): Promise<SentenceEncoder | null> {
    this.encoder ??= (this.opts.encoder ?? (() => loadSentenceEncoder()))().catch((err: Error) => {
      this.opts.counters.reject(this.opts.logger, 'encoder_errors', `${err.message}; the encoder detector is off, the other detectors go on`);
      return null;
    });
    return this.encoder;
  }

  private take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  async detect(input: AnalysisInput): Promise<Finding[]> {
    const head = this.head;
    if (!head) return [];
    const best = this.classifier.best(input.texts);
    if (!best.unit || best.ngram < head.gate) {
      this.opts.counters.inc('encoder_gate_closed');
      return [];
    }
    if (!this.take()) {
      this.opts.counters.inc('encoder_rate_skipped');
      this.opts.onRateLimited?.(input.msg);
      return [];
    }
    const encoder = await this.load();
    if (!encoder) return [];
    let v: Float32Array;
    try {
      [v] = await encoder.embed([prepareText(best.unit.text).slice(best.start, best.end)]);
    } catch (err) {
      this.opts.counters.reject(this.opts.logger, 'encoder_errors', (err as Error).message);
      return [];
    }
    this.opts.counters.inc('encoder_windows');
    const p = encoderStackedP(head, this.classifier.marginOf(best.ngram), encoderHeadScore(head, v));
    if (this.opts.role === 'second') {
      if (head.damp === undefined || p >= head.damp) return [];
      return [{ category: 'prompt_injection', score: 0, detector: this.name, floating: true, evidence: [], summary: `sentence encoder p=${p.toFixed(3)}`, details: { encoder_second_p: Math.round(p * 1000) / 1000 } }];
    }
    // Alone only at the stack's own stand-alone point: the n-gram p alone no longer decides (alone: Infinity).
    const found = this.classifier.findingOf({ ...best, p }, { alone: Infinity, stackedAlone: head.alone, mid: head.mid, support: head.support }, this.name);
    if (found.length) return found;
    // Below its support point the stack says "not an attack": a zero finding tells the verdict that the encoder
    // judged this message, so the classifier's own finding (the same n-gram signal, uncombined) is dropped there.
    return [{ category: 'prompt_injection', score: 0, detector: this.name, floating: true, evidence: [], summary: `sentence encoder p=${p.toFixed(2)}`, details: { encoder_p: Math.round(p * 1000) / 1000 } }];
  }
}
