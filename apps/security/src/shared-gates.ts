/**
 * One trigger pass per text for both offline detectors. The rules detector
 * scans each text's normalised form with an automaton that also holds the
 * secret patterns' triggers (lower-cased), and leaves the secret gates here
 * for the secrets detector of the same message. Lower-casing only widens a
 * gate (the secret regexes themselves stay case-sensitive on the original
 * text), so a gate shared this way never hides a secret; it saved a second
 * full pass over every text. Keyed by the AnalysisInput object, so a gate
 * never outlives the message it was computed for.
 */
import type { AnalysisInput } from './types';
import { SECRET_PATTERNS } from './secret-patterns';

/** Per message: for each text unit, which SECRET_PATTERNS may match (1) or cannot (0). */
export const secretGates = new WeakMap<AnalysisInput, Uint8Array[]>();

export const SHARED_SECRET_TRIGGERS: readonly (readonly string[])[] = SECRET_PATTERNS.map((p) => p.triggers);
