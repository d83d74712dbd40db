/**
 * One trigger pass per text for both offline detectors. The rules detector
 * scans each text's normalised form with an automaton that also holds the
 * secret patterns' triggers (lower-cased), and returns the secret gates
 * to the secrets detector of the same message. Lower-casing only widens a
 * gate (the secret regexes themselves stay case-sensitive on the original
 * text), so a gate shared this way never hides a secret; it saved a second
 * full pass over every text. The gates travel as a value from
 * RulesDetector.detectGated to SecretsDetector.detect (offline-analysis.ts
 * calls both, in that order); no state is shared between the detectors.
 */
import { SECRET_PATTERNS } from './secret-patterns';

export const SHARED_SECRET_TRIGGERS: readonly (readonly string[])[] = SECRET_PATTERNS.map((p) => p.triggers);
