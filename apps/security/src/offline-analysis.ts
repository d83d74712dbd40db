/**
 * The CPU-bound half of an analysis: injection rules, Unicode checks, the
 * lexical model and secret patterns over the texts of one message. Pure and
 * synchronous, so it runs the same in the engine's thread or in the offline
 * worker (offline.worker.ts). The rules pass computes the secret gates and
 * hands them to the secrets pass as a value.
 */
import { RulesDetector } from './detectors/rules.detector';
import { SecretsDetector } from './detectors/secrets.detector';
import type { Finding, TextsInput } from './types';

export class OfflineAnalysis {
  constructor(
    private readonly rules = new RulesDetector(),
    private readonly secrets = new SecretsDetector(),
  ) {}

  analyze(input: TextsInput): Finding[] {
    const { findings, secretGates } = this.rules.detectGated(input);
    for (const f of this.secrets.detect(input, secretGates)) findings.push(f);
    return findings;
  }
}
