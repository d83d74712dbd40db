/**
 * The data-leak head (round 16): the classifier's hashed n-grams and scorer (classifier.ts) with weights of its own,
 * trained on the writers' data-leak texts against every benign text (`bench/security-train-classifier.mjs --leak-head`).
 * The binary classifier shipped beside it is trained without those data leaks, so that a listing of records no longer
 * raises an injection score; whether a result hands out records is this head's question instead.
 *
 * It reads only what an agent is given (result and resource texts of a response), never arguments or definitions,
 * in a second pass of the classifier's scorer over the same windows (scorePrepared with the head's weights).
 * Above its stand-alone point it alerts as a data leak by itself (never on a short text, a blob or a printed listing);
 * above its corroborating point it only adds to a data-leak finding of another detector (the secrets detector's
 * e-mail addresses, records, keys): verdict.ts drops it when it is alone.
 */
import { ClassifierModel, decodeModel } from './classifier';
import { Finding, TextUnit } from './types';
import { redact } from './detectors/secrets.detector';

export const LEAK_DETECTOR = 'leak_head';
export const LEAK_ALONE_WEIGHT = 0.55;
export const LEAK_SUPPORT_WEIGHT = 0.2;
const MIN_WORDS_ALONE = 20;

export interface LeakHead {
  model: ClassifierModel;
  /** Calibrated p at which the head alerts alone. */
  alone: number;
  /** Calibrated p at which it corroborates another data-leak finding. */
  support: number;
}

type LeakData = Parameters<typeof decodeModel>[0];

export function decodeLeakHead(data: LeakData): LeakHead {
  const model = decodeModel(data);
  // The scorer reads the int8 weights only: the float copy decodeModel makes is not kept (2 MB).
  model.weights = new Float32Array(0);
  return { model, alone: data.alone ?? 0.99, support: data.mid ?? data.support ?? 0.9 };
}

let builtIn: LeakHead | null | undefined;

/** The head written by the trainer (`--leak-head --write`), decoded once; null when none is shipped. */
export function builtInLeakHead(): LeakHead | null {
  if (builtIn === undefined) {
    let data: LeakData | undefined;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      data = (require('./classifier-leak-weights') as { LEAK_DATA: LeakData }).LEAK_DATA;
    } catch {
      // (no head shipped: data leaks are the secrets detector's alone)
    }
    builtIn = data ? decodeLeakHead(data) : null;
  }
  return builtIn;
}

/** The head's strongest window over a message's result texts (filled by the classifier detector's pass). */
export interface LeakBest {
  p: number;
  unit?: TextUnit;
  start: number;
  end: number;
}

/**
 * The head's finding from its strongest window, or none. `mayAlone(window, unit, start, end)` says whether that window
 * may alert alone (the classifier detector's gates: no blob, no printed listing); a short window never does.
 */
export function leakFinding(head: LeakHead, best: LeakBest, mayAlone: (window: string, unit: TextUnit, start: number, end: number) => boolean): Finding | undefined {
  const unit = best.unit;
  if (!unit || best.p < head.support) return undefined;
  const start = Math.min(best.start, unit.text.length);
  const end = Math.min(best.end, unit.text.length);
  const window = unit.text.slice(start, end);
  const words = window.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  const alone = best.p >= head.alone && words >= MIN_WORDS_ALONE && mayAlone(window, unit, start, end);
  return {
    category: 'data_leak',
    score: alone ? LEAK_ALONE_WEIGHT : LEAK_SUPPORT_WEIGHT,
    detector: LEAK_DETECTOR,
    // The window holds the records themselves: redacted like a secret.
    evidence: [{ text: redact(window), field: unit.field, start, end, rule: LEAK_DETECTOR }],
    summary: `reads like leaked records (data-leak head p=${best.p.toFixed(2)})`,
    details: { leak_p: Math.round(best.p * 1000) / 1000 },
  };
}
