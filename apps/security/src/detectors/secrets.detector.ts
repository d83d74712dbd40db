/**
 * Secrets and personal data in arguments and results (category data_leak).
 * A single e-mail address is low risk (it shows up in every git log); many
 * distinct addresses in one message look like a dump and weigh more.
 */
import type { AlertEvidence } from '@mcpspy/events';
import { credentialFieldValue, SECRET_PATTERNS, SecretPattern } from '../secret-patterns';
import { clip, Detector, Finding, TextsInput } from '../types';
import { TriggerIndex } from '../trigger-index';
import { forEachMatch } from '../windows';

const MAX_WEIGHT = 0.97;

export class SecretsDetector implements Detector {
  readonly name = 'secrets';

  private readonly index: TriggerIndex;
  private readonly fired: Uint8Array;

  constructor(private readonly patterns: readonly SecretPattern[] = SECRET_PATTERNS) {
    // Case-insensitive gate: some patterns match case-insensitively ("ApiKey = ..."), and a gate may only be wider than its regex.
    this.index = new TriggerIndex(
      patterns.map((p) => p.triggers),
      true,
    );
    this.fired = new Uint8Array(patterns.length);
  }

  /**
   * @param gates secret gates of these texts from RulesDetector.detectGated
   *   (built-in patterns only); without them this detector runs its own pass.
   */
  detect(input: TextsInput, gates?: readonly Uint8Array[]): Finding[] {
    const best = new Map<string, { weight: number; evidence: AlertEvidence[]; summary: string }>();
    const emails = new Set<string>();
    const shared = this.patterns === SECRET_PATTERNS ? gates : undefined;
    const texts = input.texts;
    for (let ui = 0; ui < texts.length; ui++) {
      // Definitions are written by the server author once; a key there is a leak all the same.
      const text = texts[ui]!.text;
      const unit = texts[ui]!;
      let fired = shared && shared.length === texts.length ? shared[ui] : undefined;
      if (fired) {
        if (fired.indexOf(1) < 0) continue;
      } else {
        fired = this.fired;
        fired.fill(0);
        if (this.index.scan(text.toLowerCase(), fired) === 0) continue;
      }
      for (let pi = 0; pi < this.patterns.length; pi++) {
        if (fired[pi] === 0) continue;
        const p = this.patterns[pi]!;
        let found = 0;
        forEachMatch(p.re, text, (m) => {
          if (p.accept && !p.accept(m[0], m)) return true;
          found++;
          if (p.id === 'email') emails.add(m[0].toLowerCase());
          let entry = best.get(p.id);
          if (!entry) best.set(p.id, (entry = { weight: p.weight, evidence: [], summary: p.summary }));
          if (entry.evidence.length < 3) {
            entry.evidence.push({ text: clip(redact(m[0])), field: unit.field, start: m.index, end: m.index + m[0].length, rule: p.id });
          }
          return found < 50;
        });
      }
    }
    credentialFields(texts, best);
    if (best.size === 0) return [];
    const email = best.get('email');
    if (email && emails.size >= 3) {
      email.weight = emails.size >= 10 ? 0.75 : 0.6;
      email.summary = `${emails.size} e-mail addresses`;
    }
    const list = [...best.entries()].sort((a, b) => b[1].weight - a[1].weight);
    let miss = 1;
    for (const [, e] of list) miss *= 1 - e.weight;
    return [
      {
        category: 'data_leak',
        score: Math.min(MAX_WEIGHT, 1 - miss),
        detector: this.name,
        evidence: list.flatMap(([, e]) => e.evidence).slice(0, 8),
        summary: list
          .slice(0, 3)
          .map(([, e]) => e.summary)
          .join('; '),
        details: { kinds: list.map(([id]) => id) },
      },
    ];
  }
}

/** Credentials held as JSON values (an OAuth token response): the key is in the field path, not in the text. */
function credentialFields(texts: TextsInput['texts'], best: Map<string, { weight: number; evidence: AlertEvidence[]; summary: string }>): void {
  for (const unit of texts) {
    if (unit.context === 'definition' || !credentialFieldValue(unit.field, unit.text)) continue;
    let entry = best.get('credential_field');
    if (!entry) best.set('credential_field', (entry = { weight: 0.8, evidence: [], summary: 'credential in a JSON field' }));
    if (entry.evidence.length < 3) entry.evidence.push({ text: clip(redact(unit.text)), field: unit.field, start: 0, end: unit.text.length, rule: 'credential_field' });
  }
}

/** Evidence shows where a secret is, not the secret: alerts travel further than the traffic. */
export function redact(s: string): string {
  if (s.length <= 12) return s.slice(0, 2) + '…';
  if (s.includes('PRIVATE KEY')) return s.slice(0, s.indexOf('-----', 5) + 5) + '…';
  return s.slice(0, 8) + '…' + s.slice(-4);
}
