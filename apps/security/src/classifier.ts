/**
 * The local classifier: logistic regression over hashed features of a text
 * window (fastText-style, no vocabulary shipped): lower-cased word unigrams
 * and bigrams, and character 4-grams. Outside ASCII (round 18): letters of
 * every script are word characters, Latin letters with diacritics read as
 * their base letter (é → e), combining marks are skipped, and each letter of
 * a script written without spaces (Han, kana, Thai…) is a word of its own, so
 * its unigrams and bigrams are character 1- and 2-grams. A 4-gram made of
 * ASCII only hashes as before; one holding another letter hashes its code
 * units. Weights are int8 with one scale, so
 * the model holds numbers only; a Platt layer (a, b) fitted on
 * out-of-fold scores turns the raw margin into a calibrated probability.
 * Shared by the detector and the trainer (bench/security-train-classifier.mjs),
 * so both see exactly the same features.
 *
 * Long texts are judged in overlapping windows (WINDOW chars, STRIDE apart)
 * and the strongest window counts: an injection in the middle of a long
 * page is not diluted by the page around it.
 */
import { codeUnitsOf } from './code-units';
import { normalizeForMatch } from './normalize';
import { CHAR_CLASS, CharClass, LATIN_FOLD, unspaced } from './script';

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

/**
 * Code units from 128 up: WIDE_KIND 0 = separator (4-gram code 127, as every non-ASCII character was before round
 * 18), 1 = letter (a word character), 3 = a letter that is a word of its own (scripts without spaces), 4 = combining
 * mark (skipped: part of the letter before it). WIDE_CODE: the code hashed (the ASCII base letter of a folded Latin
 * letter, else the code unit itself; 127 for separators).
 */
const WIDE_KIND = new Uint8Array(65536);
const WIDE_CODE = new Uint16Array(65536);
for (let c = 128; c < 65536; c++) {
  const cls = CHAR_CLASS[c]!;
  if (cls === CharClass.Mark) WIDE_KIND[c] = 4;
  else if (cls === CharClass.Other) {
    WIDE_KIND[c] = 0;
    WIDE_CODE[c] = 127;
    continue;
  } else WIDE_KIND[c] = unspaced(cls) ? 3 : 1;
  const fold = c < LATIN_FOLD.length ? LATIN_FOLD[c]! : 0;
  WIDE_CODE[c] = fold || c;
}
const WIDE_SEED = 0x2c1b3c6d | 0;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Most features per character: a word unigram and bigram, a 4-gram, and (round 19) the 4-gram's script-blind twin
 * where it holds a letter beyond ASCII.
 */
export const FEATURES_PER_CHAR = 4;
/** Most features a window can have (words + bigrams + char grams + script-blind twins), for preallocated buffers. */
export const MAX_FEATURES = WINDOW * FEATURES_PER_CHAR + 8;

/** The text the features are computed on: lower case, and for non-ASCII text the matching normalisation (NFKC, look-alikes, invisibles). */
export function prepareText(text: string): string {
  return normalizeForMatch(text).text;
}

/** Windows start on multiples of BIN characters, so a window is BINS_PER_WINDOW whole bins (see scorePrepared). */
export const BIN = 80;
const BINS_PER_WINDOW = WINDOW / BIN;

/** Start offsets of the windows judged for a text of this length: every STRIDE, and one ending near the end. */
export function windowStarts(len: number): number[] {
  if (len <= WINDOW) return [0];
  const starts: number[] = [];
  for (let s = 0; starts.length < MAX_WINDOWS; s += STRIDE) {
    starts.push(s);
    if (s + WINDOW >= len) return starts;
  }
  // The last window: the bin-aligned one that reaches closest to the end.
  const last = Math.floor((len - WINDOW) / BIN) * BIN + (len % BIN === 0 ? 0 : BIN);
  starts.push(Math.min(last, Math.ceil(len / BIN) * BIN - WINDOW));
  return starts;
}

/**
 * Writes the feature buckets of t[start, end) into out and returns how many:
 * the features whose position (the end of their token or 4-gram) falls in
 * the range, computed over the whole text so that a window sees the same
 * features as the one-pass scorer (scorePrepared).
 */
export function featuresOf(t: string, start: number, end: number, out: Int32Array): number {
  const n = allFeatures(t);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const p = posBuf[i]!;
    if (p >= start && p < end && k < out.length) out[k++] = featBuf[i]!;
  }
  return k;
}

let featBuf = new Int32Array(4096);
let posBuf = new Int32Array(4096);

function grow(need: number): void {
  if (need <= featBuf.length) return;
  let size = featBuf.length;
  while (size < need) size *= 2;
  const f = new Int32Array(size);
  f.set(featBuf);
  featBuf = f;
  const p = new Int32Array(size);
  p.set(posBuf);
  posBuf = p;
}

/** The hash of the token hashWord last read. */
let wordHash = 0;

/**
 * The token starting at u[i] (a character of kind 1, 2 or 3, `c`): a run of word characters (combining marks inside it
 * skipped), or one punctuation character, or one letter of a script written without spaces. Its FNV hash goes to
 * `wordHash`; returns the index after it. The one word hasher of allFeatures and scorePrepared (session 17: they each
 * had a copy of this loop).
 */
function hashWord(u: Uint16Array, i: number, len: number, c: number, kind: number): number {
  let h = FNV_OFFSET;
  if (kind === 2 || kind === 3) {
    wordHash = Math.imul(h ^ c, FNV_PRIME);
    return i + 1;
  }
  while (i < len) {
    const d = u[i]!;
    if (d < 128) {
      if (CHAR_KIND[d] !== 1) break;
      h = Math.imul(h ^ d, FNV_PRIME);
    } else {
      const k = WIDE_KIND[d]!;
      if (k !== 1 && k !== 4) break;
      if (k === 1) h = Math.imul(h ^ WIDE_CODE[d]!, FNV_PRIME);
    }
    i++;
  }
  wordHash = h;
  return i;
}

/**
 * Every feature of a text (into featBuf) with its position (into posBuf):
 * word unigrams and bigrams, then character 4-grams with whitespace runs
 * collapsed. One pass per kind over the characters, no token strings: this
 * runs on every text.
 */
function allFeatures(t: string): number {
  const len = t.length;
  // At most two word features per character and two 4-grams per character (a 4-gram and its script-blind twin).
  grow(FEATURES_PER_CHAR * len + 8);
  const f = featBuf;
  const ps = posBuf;
  let n = 0;
  let prev = START;
  let i = 0;
  const u = codeUnitsOf(t);
  while (i < len) {
    const c = u[i]!;
    const kind = c < 128 ? CHAR_KIND[c]! : WIDE_KIND[c]!;
    if (kind === 0 || kind === 4) {
      i++;
      continue;
    }
    i = hashWord(u, i, len, c, kind);
    const h = wordHash;
    f[n] = h & MASK;
    ps[n++] = i - 1;
    f[n] = (Math.imul(prev ^ BIGRAM_SEED, FNV_PRIME) ^ h) & MASK;
    ps[n++] = i - 1;
    prev = h;
  }
  // Character 4-grams (whitespace runs collapsed): catch split, misspelt and unseen word forms.
  let g = 0;
  let have = 0;
  let lastSpace = true;
  // The last four codes, and how many more 4-grams hold a letter beyond ASCII (they hash the four codes).
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  let wide = 0;
  // The same window with every letter beyond ASCII read as one code (127): the script-blind twin (round 19).
  let g2 = 0;
  for (let j = 0; j < len; j++) {
    const c = u[j]!;
    let code: number;
    if (c < 128) code = CHAR_CODE[c]!;
    else if (WIDE_KIND[c] === 4) continue;
    else code = WIDE_CODE[c]!;
    if (code === 32) {
      if (lastSpace) continue;
      lastSpace = true;
    } else lastSpace = false;
    g = ((g << 7) | (code & 127)) & 0xfffffff;
    g2 = ((g2 << 7) | (code >= 128 ? 127 : code)) & 0xfffffff;
    if (code >= 128) wide = 4;
    else if (wide > 0) wide--;
    if (++have >= 4) {
      if (wide > 0) {
        f[n] = wideGram(c3, c2, c1, code) & MASK;
        ps[n++] = j;
        f[n] = Math.imul(g2 ^ CHAR_SEED, FNV_PRIME) & MASK;
      } else f[n] = Math.imul(g ^ CHAR_SEED, FNV_PRIME) & MASK;
      ps[n++] = j;
    }
    c3 = c2;
    c2 = c1;
    c1 = code;
  }
  return n;
}

/** The hash of a 4-gram holding a letter beyond ASCII: its four codes, oldest first. */
function wideGram(a: number, b: number, c: number, d: number): number {
  return Math.imul(Math.imul(Math.imul(Math.imul(WIDE_SEED ^ a, FNV_PRIME) ^ b, FNV_PRIME) ^ c, FNV_PRIME) ^ d, FNV_PRIME);
}

export interface ClassifierModel {
  bits: number;
  bias: number;
  weights: Float32Array;
  /** The same weights as int8 (weights = q8 * scale): a quarter of the memory, so lookups stay in cache. */
  q8?: Int8Array;
  scale?: number;
  /** Platt scaling of the margin: p = 1 / (1 + exp(-(a * z + b))). */
  plattA: number;
  plattB: number;
  /** Operating points chosen by the trainer: alone (out-of-fold FPR 0.2%), mid (1%) and corroborating (3%). */
  alone?: number;
  mid?: number;
  support?: number;
}


/** Raw margin of one window (before calibration), from the int8 weights the scorer uses. */
export function marginOf(model: ClassifierModel, t: string, start: number, end: number): number {
  const buf = new Int32Array(Math.max(8, FEATURES_PER_CHAR * (end - start) + 8));
  const n = featuresOf(t, start, end, buf);
  if (n === 0) return model.bias;
  const q = model.q8 ?? quantize(model);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += q[buf[k]!]!;
  return model.bias + (sum * model.scale!) / Math.sqrt(n);
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

/**
 * The strongest window of a prepared (prepareText) text. The features are
 * hashed and weighed in one pass (the loops of allFeatures, with the weight
 * lookup instead of a store), summed per BIN characters of position; a
 * window's margin is then the sum of its bins. spec: equals marginOf on
 * every window.
 */
export function scorePrepared(model: ClassifierModel, t: string): WindowScore {
  const len = t.length;
  const bins = Math.ceil(len / BIN) + 1;
  if (binSum.length < bins) {
    binSum = new Int32Array(bins * 2);
    binCnt = new Int32Array(bins * 2);
  }
  const sums = binSum;
  const cnts = binCnt;
  sums.fill(0, 0, bins);
  cnts.fill(0, 0, bins);
  const q = model.q8 ?? quantize(model);
  // The code units in a typed array: three times faster to read than charCodeAt (code-units.ts).
  const u = codeUnitsOf(t);
  let prev = START;
  let i = 0;
  while (i < len) {
    const c = u[i]!;
    const kind = c < 128 ? CHAR_KIND[c]! : WIDE_KIND[c]!;
    if (kind === 0 || kind === 4) {
      i++;
      continue;
    }
    i = hashWord(u, i, len, c, kind);
    const h = wordHash;
    const b = ((i - 1) / BIN) | 0;
    sums[b] = sums[b]! + q[h & MASK]! + q[(Math.imul(prev ^ BIGRAM_SEED, FNV_PRIME) ^ h) & MASK]!;
    cnts[b] = cnts[b]! + 2;
    prev = h;
  }
  // The 4-grams bin by bin, summed in locals (a store per bin, not per character: 15% of this function).
  const ascii = !NON_ASCII.test(t);
  let g = 0;
  let have = 0;
  let lastSpace = true;
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  let wide = 0;
  let g2 = 0;
  for (let b = 0, from = 0; from < len; b++, from += BIN) {
    const to = Math.min(len, from + BIN);
    let sum = 0;
    let cnt = 0;
    if (ascii) {
      // Only ASCII in the text: the loop without the bookkeeping for letters beyond it (the same features).
      for (let j = from; j < to; j++) {
        const code = CHAR_CODE[u[j]!]!;
        if (code === 32) {
          if (lastSpace) continue;
          lastSpace = true;
        } else lastSpace = false;
        g = ((g << 7) | code) & 0xfffffff;
        if (++have >= 4) {
          sum += q[Math.imul(g ^ CHAR_SEED, FNV_PRIME) & MASK]!;
          cnt++;
        }
      }
      sums[b] = sums[b]! + sum;
      cnts[b] = cnts[b]! + cnt;
      continue;
    }
    for (let j = from; j < to; j++) {
      const c = u[j]!;
      let code: number;
      if (c < 128) code = CHAR_CODE[c]!;
      else if (WIDE_KIND[c] === 4) continue;
      else code = WIDE_CODE[c]!;
      if (code === 32) {
        if (lastSpace) continue;
        lastSpace = true;
      } else lastSpace = false;
      g = ((g << 7) | (code & 127)) & 0xfffffff;
      g2 = ((g2 << 7) | (code >= 128 ? 127 : code)) & 0xfffffff;
      if (code >= 128) wide = 4;
      else if (wide > 0) wide--;
      if (++have >= 4) {
        if (wide > 0) {
          sum += q[wideGram(c3, c2, c1, code) & MASK]! + q[Math.imul(g2 ^ CHAR_SEED, FNV_PRIME) & MASK]!;
          cnt += 2;
        } else {
          sum += q[Math.imul(g ^ CHAR_SEED, FNV_PRIME) & MASK]!;
          cnt++;
        }
      }
      c3 = c2;
      c2 = c1;
      c1 = code;
    }
    sums[b] = sums[b]! + sum;
    cnts[b] = cnts[b]! + cnt;
  }
  const scale = model.scale!;
  let bestZ = -Infinity;
  let bestS = 0;
  for (const s of windowStarts(len)) {
    const b0 = s / BIN;
    let sum = 0;
    let cnt = 0;
    for (let b = b0; b < b0 + BINS_PER_WINDOW && b < bins; b++) {
      sum += sums[b]!;
      cnt += cnts[b]!;
    }
    const z = cnt === 0 ? model.bias : model.bias + (sum * scale) / Math.sqrt(cnt);
    if (z > bestZ) {
      bestZ = z;
      bestS = s;
    }
  }
  return { p: calibrate(model, bestZ), start: bestS, end: Math.min(len, bestS + WINDOW) };
}

let binSum = new Int32Array(64);
let binCnt = new Int32Array(64);

/** Int8 weights of a model given as floats (a model trained in memory, or built by a test). */
function quantize(model: ClassifierModel): Int8Array {
  let max = 0;
  for (let i = 0; i < model.weights.length; i++) max = Math.max(max, Math.abs(model.weights[i]!));
  const scale = max / 127 || 1;
  const q = new Int8Array(model.weights.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.round(model.weights[i]! / scale);
  model.q8 = q;
  model.scale = scale;
  return q;
}

/** Decodes the int8 weights shipped in classifier-weights.ts. */
export function decodeModel(data: { bits: number; bias: number; scale: number; plattA: number; plattB: number; alone?: number; mid?: number; support?: number; weights: string }): ClassifierModel {
  const bytes = Buffer.from(data.weights, 'base64');
  if (bytes.length !== 1 << data.bits) throw new Error(`failed to decode classifier weights: ${bytes.length} bytes for ${data.bits} bits`);
  const weights = new Float32Array(bytes.length);
  const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < signed.length; i++) weights[i] = signed[i]! * data.scale;
  return { bits: data.bits, bias: data.bias, weights, q8: Int8Array.from(signed), scale: data.scale, plattA: data.plattA, plattB: data.plattB, alone: data.alone, mid: data.mid, support: data.support };
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

/** The categories the category head names (bench/security-train-category.mjs), in the order of its weights. */
export const CATEGORY_LABELS = ['prompt_injection', 'jailbreak', 'tool_poisoning', 'data_leak', 'exfiltration'] as const;
export type CategoryLabel = (typeof CATEGORY_LABELS)[number];

/**
 * The category head: a softmax over the classifier's hashed features folded to `bits` buckets, one int8 weight row per
 * category. It names the kind of attack a classifier finding is; whether there is one stays the classifier's call.
 */
export interface CategoryHead {
  bits: number;
  labels: readonly string[];
  bias: number[];
  scale: number;
  q8: Int8Array;
  /** How far (in score units) another category must lead prompt_injection to be named instead (the default kind). */
  keep: number;
}

export function decodeCategoryHead(data: { bits: number; labels: readonly string[]; bias: number[]; scale: number; keep?: number; weights: string }): CategoryHead {
  const bytes = Buffer.from(data.weights, 'base64');
  if (bytes.length !== data.labels.length << data.bits || data.bias.length !== data.labels.length) {
    throw new Error(`failed to decode the category head: ${bytes.length} bytes for ${data.labels.length} labels of ${data.bits} bits`);
  }
  return { bits: data.bits, labels: data.labels, bias: data.bias, scale: data.scale, keep: data.keep ?? 0, q8: Int8Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length)) };
}

let categoryBuf = new Int32Array(4096);

/** The category the head gives a text (prepared with prepareText): the highest of its scores over the whole text. */
export function categoryOf(head: CategoryHead, t: string): string {
  const need = FEATURES_PER_CHAR * t.length + 8;
  if (categoryBuf.length < need) categoryBuf = new Int32Array(need);
  const n = featuresOf(t, 0, t.length, categoryBuf);
  const mask = (1 << head.bits) - 1;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) seen.add(categoryBuf[i]! & mask);
  const sc = head.scale / Math.sqrt(seen.size || 1);
  let best = 0;
  let bestV = -Infinity;
  let injection = -Infinity;
  for (let c = 0; c < head.labels.length; c++) {
    const row = c << head.bits;
    let v = 0;
    for (const f of seen) v += head.q8[row + f]!;
    v = head.bias[c]! + v * sc;
    if (head.labels[c] === 'prompt_injection') injection = v;
    if (v > bestV) [bestV, best] = [v, c];
  }
  return bestV - injection < head.keep ? 'prompt_injection' : head.labels[best]!;
}

let builtInHead: CategoryHead | null | undefined;

/** The category head trained by bench/security-train-category.mjs, decoded once (null when none is shipped). */
export function builtInCategoryHead(): CategoryHead | null {
  if (builtInHead === undefined) {
    let data: Parameters<typeof decodeCategoryHead>[0] | undefined;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      data = (require('./classifier-category-weights') as { CATEGORY_DATA: Parameters<typeof decodeCategoryHead>[0] }).CATEGORY_DATA;
    } catch {
      // (no head shipped: findings keep the default category)
    }
    builtInHead = data ? decodeCategoryHead(data) : null;
  }
  return builtInHead;
}
