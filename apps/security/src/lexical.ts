/**
 * Features of the lexical model: lower-cased word unigrams and bigrams
 * hashed into a fixed number of buckets (FNV-1a). Shared by the detector and by the training
 * script (bench/security-train-lexical.mjs) so both see the same features.
 */
import type { TextContext } from './types';

export const LEXICAL_BITS = 18;
const MASK = (1 << LEXICAL_BITS) - 1;

/** FNV-1a kept in signed 32-bit arithmetic (no `>>> 0`), so V8 never boxes the hash as a double. */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** FNV-1a of "^", the token before the first one. */
const START = Math.imul(FNV_OFFSET ^ 0x5e, FNV_PRIME);

/** 1 = word character, 2 = punctuation that is a token of its own, 0 = separator. */
const CHAR_KIND = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789_\'') CHAR_KIND[c.charCodeAt(0)] = 1;
for (const c of '<>[]{}|!?:@#$%') CHAR_KIND[c.charCodeAt(0)] = 2;
/** Long texts are judged by their first words; the rules scan the rest. */
const MAX_TOKENS = 600;
const BIGRAM_SEED = 0x9e3779b1 | 0;

/**
 * Bucket indices of a text's features (duplicates kept: counts matter).
 * Hashes are computed in one pass over the characters, without building
 * token strings: this runs on every message.
 */
export function lexicalFeatures(normalized: string, context: TextContext): number[] {
  // No feature for the context: most definitions in the corpus are poisoned ones, so a context marker would learn "definition = attack".
  void context;
  const out: number[] = [];
  forEachFeature(normalized, (f) => out.push(f));
  return out;
}

/** Calls `emit` with every feature bucket of the text, in order. */
function forEachFeature(normalized: string, emit: (bucket: number) => void): void {
  let prev = START;
  let tokens = 0;
  const len = normalized.length;
  let i = 0;
  while (i < len && tokens < MAX_TOKENS) {
    const c = normalized.charCodeAt(i);
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
      while (i < len) {
        const d = normalized.charCodeAt(i);
        if (d >= 128 || CHAR_KIND[d] !== 1) break;
        h = Math.imul(h ^ d, FNV_PRIME);
        i++;
      }
    }
    emit(h & MASK);
    emit((Math.imul(prev ^ BIGRAM_SEED, FNV_PRIME) ^ h) & MASK);
    prev = h;
    tokens++;
  }
}

export interface LexicalModel {
  bits: number;
  bias: number;
  /** Weight per bucket (dense: one array read per feature). */
  weights: Float32Array;
}

/**
 * lexicalScore(model, lexicalFeatures(text)) without building the feature
 * list: the detector runs this on every message.
 */
export function lexicalScoreOfText(model: LexicalModel, normalized: string): number {
  // The loop of forEachFeature, inlined: a callback per feature cost a third of the time.
  const w = model.weights;
  let sum = 0;
  let n = 0;
  let prev = START;
  const len = normalized.length;
  let i = 0;
  while (i < len && n < 2 * MAX_TOKENS) {
    const c = normalized.charCodeAt(i);
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
      while (i < len) {
        const d = normalized.charCodeAt(i);
        if (d >= 128 || CHAR_KIND[d] !== 1) break;
        h = Math.imul(h ^ d, FNV_PRIME);
        i++;
      }
    }
    sum += w[h & MASK]! + w[(Math.imul(prev ^ BIGRAM_SEED, FNV_PRIME) ^ h) & MASK]!;
    n += 2;
    prev = h;
  }
  if (n === 0) return 1 / (1 + Math.exp(-model.bias));
  return 1 / (1 + Math.exp(-(model.bias + sum / Math.sqrt(n))));
}

/** Probability that the text is an attack, by logistic regression over the features. */
export function lexicalScore(model: LexicalModel, features: readonly number[]): number {
  let z = model.bias;
  // Features are scaled by 1/sqrt(n) so long benign texts do not pile up evidence word by word.
  const scale = 1 / Math.sqrt(features.length);
  let sum = 0;
  const w = model.weights;
  for (let i = 0; i < features.length; i++) sum += w[features[i]!]!;
  z += sum * scale;
  return 1 / (1 + Math.exp(-z));
}

let builtIn: LexicalModel | undefined;

/** The model trained on the dev split (lexical-model.ts), decoded once. */
export function builtInLexicalModel(): LexicalModel {
  if (!builtIn) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LEXICAL_MODEL_DATA } = require('./lexical-model') as { LEXICAL_MODEL_DATA: { bits: number; bias: number; weights: number[] } };
    const weights = new Float32Array(1 << LEXICAL_MODEL_DATA.bits);
    const w = LEXICAL_MODEL_DATA.weights;
    for (let i = 0; i + 1 < w.length; i += 2) weights[w[i]!] = w[i + 1]!;
    builtIn = { bits: LEXICAL_MODEL_DATA.bits, bias: LEXICAL_MODEL_DATA.bias, weights };
  }
  return builtIn;
}

/**
 * Weight of the model's opinion as one more rule hit: never enough to
 * alert on its own below 0.9, enough to confirm a weak rule above 0.7.
 * Cut-offs chosen on dev cross-validation (FPR ≤ 2% at 0.8).
 */
export function lexicalWeight(p: number): number {
  if (p >= 0.9) return 0.55;
  if (p >= 0.8) return 0.4;
  if (p >= 0.7) return 0.25;
  return 0;
}
