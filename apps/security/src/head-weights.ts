/**
 * What the classifier's second heads (semantic.ts, order.ts) share: the
 * logistic layer that combines a window's n-gram margin with the head's
 * score, and the loading of weights that a build may not ship.
 */

/** The stacking layer's weights, fitted by the head's trainer. */
export interface StackWeights {
  stackA: number;
  stackB: number;
  stackC: number;
}

/** The combined calibrated probability of a window whose n-gram margin is `margin` and head score `score`. */
export function stackedProbability(d: StackWeights, margin: number, score: number): number {
  return 1 / (1 + Math.exp(-(d.stackA * margin + d.stackB * score + d.stackC)));
}

/**
 * The weights `load` returns (it requires the weights module), or null when
 * the build has no such module (no weights shipped). Any other error is thrown.
 */
export function optionalWeights<T>(load: () => T | null): T | null {
  try {
    return load();
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
    return null;
  }
}
