/**
 * The local classifier: logistic regression over hashed features of a text
 * window (fastText-style, no vocabulary shipped): lower-cased word unigrams
 * and bigrams, and character 4-grams. Weights are int8 with one scale, so
 * the model holds numbers only; a Platt layer (a, b) fitted on
 * out-of-fold scores turns the raw margin into a calibrated probability.
 * Shared by the detector and the trainer (bench/security-train-classifier.mjs),
 * so both see exactly the same features.
 *
 * Long texts are judged in overlapping windows (WINDOW chars, STRIDE apart)
 * and the strongest window counts: an injection in the middle of a long
 * page is not diluted by the page around it.
 */
import { normalizeForMatch } from './normalize';

export const CLASSIFIER_BITS = 19;
const MASK = (1 << CLASSIFIER_BITS) - 1;
export const WINDOW = 240;
export const STRIDE = 160;
/** Windows judged per text: the first ones and the last one (a payload appended at the end of a long page). */
export const MAX_WINDOWS = 40;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const START = Math.imul(FNV_OFFSET ^ 0x5e, FNV_PRIME);
const BIGRAM_SEED = 0x9e3779b1 | 0;
const CHAR_SEED = 0x7f4a7c15 | 0;

/** 1 = word character, 2 = punctuation that is a token of its own, 0 = separator. */
const CHAR_KIND = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyz0123456789_'") CHAR_KIND[c.charCodeAt(0)] = 1;
for (const c of '<>[]{}|!?:@#$%/~*`') CHAR_KIND[c.charCodeAt(0)] = 2;
/** Character code for the 4-grams: whitespace runs read as one space, non-ASCII as 127. */
const CHAR_CODE = new Uint8Array(128);
for (let c = 0; c < 128; c++) CHAR_CODE[c] = c <= 32 ? 32 : c;

/** Most features a window can have (words + bigrams + char grams), for preallocated buffers. */
export const MAX_FEATURES = WINDOW * 3 + 8;

/** The text the features are computed on: lower case, and for non-ASCII text the matching normalisation (NFKC, look-alikes, invisibles). */
export function prepareText(text: string): string {
  return normalizeForMatch(text).text;
}

/** Start offsets of the windows judged for a text of this length. */
export function windowStarts(len: number): number[] {
  if (len <= WINDOW) return [0];
  const starts: number[] = [];
  for (let s = 0; starts.length < MAX_WINDOWS; s += STRIDE) {
    starts.push(s);
    if (s + WINDOW >= len) return starts;
  }
  starts.push(len - WINDOW);
  return starts;
}

/**
 * Writes the feature buckets of t[start, end) into out and returns how many.
 * One pass over the characters, no token strings: this runs on every text.
 */
export function featuresOf(t: string, start: number, end: number, out: Int32Array): number {
  let n = 0;
  // Word unigrams and bigrams.
  let prev = START;
  let i = start;
  while (i < end) {
    const c = t.charCodeAt(i);
    const kind = c < 128 ? CHAR_KIND[c]! : 0;
    if (kind === 0) {
      i++;
      continue;
    }
    let h = FNV_OFFSET;
    if (kind === 2) {
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
    } else {
      while (i < end) {
        const d = t.charCodeAt(i);
        if (d >= 128 || CHAR_KIND[d] !== 1) break;
        h = Math.imul(h ^ d, FNV_PRIME);
        i++;
      }
    }
    out[n++] = h & MASK;
    out[n++] = (Math.imul(prev ^ BIGRAM_SEED, FNV_PRIME) ^ h) & MASK;
    prev = h;
  }
  // Character 4-grams (whitespace runs collapsed): catch split, misspelt and unseen word forms.
  let g = 0;
  let have = 0;
  let lastSpace = true;
  for (let j = start; j < end; j++) {
    const c = t.charCodeAt(j);
    const code = c < 128 ? CHAR_CODE[c]! : 127;
    if (code === 32) {
      if (lastSpace) continue;
      lastSpace = true;
    } else lastSpace = false;
    g = ((g << 7) | code) & 0xfffffff;
    if (++have >= 4) out[n++] = Math.imul(g ^ CHAR_SEED, FNV_PRIME) & MASK;
  }
  return n;
}

export interface ClassifierModel {
  bits: number;
  bias: number;
  weights: Float32Array;
  /** Platt scaling of the margin: p = 1 / (1 + exp(-(a * z + b))). */
  plattA: number;
  plattB: number;
  /** Operating points chosen by the trainer: alone (out-of-fold FPR 0.2%), mid (1%) and corroborating (3%). */
  alone?: number;
  mid?: number;
  support?: number;
}

const buffer = new Int32Array(MAX_FEATURES);

/** Raw margin of one window (before calibration). */
export function marginOf(model: ClassifierModel, t: string, start: number, end: number): number {
  const n = featuresOf(t, start, end, buffer);
  if (n === 0) return model.bias;
  const w = model.weights;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += w[buffer[k]!]!;
  return model.bias + sum / Math.sqrt(n);
}

export function calibrate(model: ClassifierModel, z: number): number {
  return 1 / (1 + Math.exp(-(model.plattA * z + model.plattB)));
}

export interface WindowScore {
  /** Calibrated probability that the window is an attack on the model reading it. */
  p: number;
  start: number;
  end: number;
}

/** The strongest window of a prepared (prepareText) text. */
export function scorePrepared(model: ClassifierModel, t: string): WindowScore {
  let best: WindowScore = { p: -1, start: 0, end: 0 };
  let bestZ = -Infinity;
  for (const s of windowStarts(t.length)) {
    const e = Math.min(t.length, s + WINDOW);
    const z = marginOf(model, t, s, e);
    if (z > bestZ) {
      bestZ = z;
      best = { p: 0, start: s, end: e };
    }
  }
  best.p = calibrate(model, bestZ);
  return best;
}

/** Decodes the int8 weights shipped in classifier-weights.ts. */
export function decodeModel(data: { bits: number; bias: number; scale: number; plattA: number; plattB: number; alone?: number; mid?: number; support?: number; weights: string }): ClassifierModel {
  const bytes = Buffer.from(data.weights, 'base64');
  if (bytes.length !== 1 << data.bits) throw new Error(`failed to decode classifier weights: ${bytes.length} bytes for ${data.bits} bits`);
  const weights = new Float32Array(bytes.length);
  const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < signed.length; i++) weights[i] = signed[i]! * data.scale;
  return { bits: data.bits, bias: data.bias, weights, plattA: data.plattA, plattB: data.plattB, alone: data.alone, mid: data.mid, support: data.support };
}

let builtIn: ClassifierModel | undefined;

/** The model trained by bench/security-train-classifier.mjs, decoded once. */
export function builtInClassifier(): ClassifierModel {
  if (!builtIn) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CLASSIFIER_DATA } = require('./classifier-weights') as { CLASSIFIER_DATA: Parameters<typeof decodeModel>[0] };
    builtIn = decodeModel(CLASSIFIER_DATA);
  }
  return builtIn;
}
