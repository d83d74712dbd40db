/**
 * What the classifier's second heads (semantic.ts, order.ts) share: the
 * logistic layer that combines a window's n-gram margin with the head's
 * score, the loading of weights that a build may not ship, and how their
 * vocabularies are keyed.
 */

/** FNV-1a over UTF-16 code units: the hash both heads key their words by (their trainers use it too). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The 32-bit word hashes of a head's vocabulary, shipped as base64 of their little-endian bytes. */
export function wordHashes(b64: string): Uint32Array {
  const b = Buffer.from(b64, 'base64');
  return new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/** The stacking layer's weights, fitted by the head's trainer: p = 1 / (1 + exp(-(a * ngramMargin + b * headScore + c))). */
export interface StackWeights {
  stackA: number;
  stackB: number;
  stackC: number;
}

/** What every head's shipped data carries beside its own weights: the stack, its gate and its operating points. */
export interface StackedHeadData extends StackWeights {
  /** The head runs when the n-gram model's calibrated p is at least this. */
  gate: number;
  /** Operating points of the combined p (out-of-fold benign FPR 0.1%, 1%, 3%). */
  alone: number;
  mid: number;
  support: number;
}

/** The combined calibrated probability of a window whose n-gram margin is `margin` and head score `score`. */
export function stackedProbability(d: StackWeights, margin: number, score: number): number {
  return 1 / (1 + Math.exp(-(d.stackA * margin + d.stackB * score + d.stackC)));
}

/**
 * The built-in head of a build, decoded on first use and kept: `load`
 * requires the weights module and returns its data, `decode` makes the model.
 * Null when the build has no such module (no weights shipped); any other
 * error is thrown.
 */
export function builtInHead<D, M>(load: () => D | null, decode: (data: D) => M): () => M | null {
  let model: M | null | undefined;
  return () => {
    if (model === undefined) {
      let data: D | null;
      try {
        data = load();
      } catch (e) {
        if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
        data = null;
      }
      model = data ? decode(data) : null;
    }
    return model;
  };
}
