/**
 * The CPU-bound half of an analysis: injection rules, Unicode checks, the
 * lexical model and secret patterns over the texts of one message. Pure and
 * synchronous, so it runs the same in the engine's thread or in the offline
 * worker (offline.worker.ts). The rules pass computes the secret gates and
 * hands them to the secrets pass as a value.
 */
import { RulesDetector } from './detectors/rules.detector';
import { INJECTION_RULES } from './injection-rules';
import { SecretsDetector } from './detectors/secrets.detector';
import type { Finding, TextsInput } from './types';

export interface OfflineAnalysisOptions {
  /** The rules' built-in lexical model (default true); off when the local classifier plays its role. */
  lexical?: boolean;
}

export class OfflineAnalysis {
  private readonly rules: RulesDetector;
  private readonly secrets = new SecretsDetector();

  constructor(opts: OfflineAnalysisOptions = {}) {
    this.rules = new RulesDetector(INJECTION_RULES, opts.lexical === false ? false : undefined);
  }

  analyze(input: TextsInput): Finding[] {
    const { findings, secretGates } = this.rules.detectGated(input);
    for (const f of this.secrets.detect(input, secretGates)) findings.push(f);
    return findings;
  }
}
