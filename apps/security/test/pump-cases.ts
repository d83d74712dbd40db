/**
 * What the backtracking test pumps: every injection rule alone (through the
 * rules detector, so windows, refinements and quote checks run as in
 * production), every secret pattern alone (through the secrets detector),
 * the Unicode checks, and the whole offline analysis at once.
 */
import { INJECTION_RULES } from '../src/injection-rules';
import { SECRET_PATTERNS } from '../src/secret-patterns';
import { RulesDetector } from '../src/detectors/rules.detector';
import { SecretsDetector } from '../src/detectors/secrets.detector';
import type { AnalysisInput, TextContext } from '../src/types';
import { pumpedInputs, Pumped } from './pumped-inputs';

export interface PumpCase {
  id: string;
  families: Pumped[];
  run(text: string): void;
}

const input = (text: string, context: TextContext): AnalysisInput => ({
  msg: {} as AnalysisInput['msg'],
  method: 'tools/call',
  direction: context === 'argument' ? 'request' : 'response',
  texts: [{ field: 'params.arguments.x', text, context, origin: 'plain' }],
});

const UNICODE_CHARS = ['\u200b', '\u200d', '\u202e', '\u2066', '\u0430', 'a\u0430', '\u{E0041}', '\u{1F600}\u200d', '\ufeff'];

export function pumpCases(): PumpCase[] {
  const cases: PumpCase[] = [];
  for (const rule of INJECTION_RULES) {
    const det = new RulesDetector([rule], false);
    const ctx = (['definition', 'result', 'argument'] as const).find((c) => rule.weight[c] > 0)!;
    cases.push({ id: `rule:${rule.id}`, families: pumpedInputs(rule.re.source, rule.triggers, rule.requires), run: (t) => void det.detect(input(t, ctx)) });
  }
  for (const p of SECRET_PATTERNS) {
    const det = new SecretsDetector([p]);
    cases.push({ id: `secret:${p.id}`, families: pumpedInputs(p.re.source, p.triggers), run: (t) => void det.detect(input(t, 'argument')) });
  }
  const none = new RulesDetector([], false);
  cases.push({ id: 'unicode', families: pumpedInputs('', ['a'], [], UNICODE_CHARS), run: (t) => void none.detect(input(t, 'result')) });
  // Everything at once, as a message goes through the offline pass: all rules, the lexical model, secrets.
  const rules = new RulesDetector();
  const secrets = new SecretsDetector();
  const triggers = [...new Set(INJECTION_RULES.flatMap((r) => [...r.triggers, ...(r.requires ?? [])]))];
  cases.push({
    id: 'offline:all',
    families: pumpedInputs(INJECTION_RULES.map((r) => r.re.source).join('|'), triggers, [], UNICODE_CHARS),
    run: (t) => {
      const inp = input(t, 'result');
      rules.detect(inp);
      secrets.detect(inp);
    },
  });
  return cases;
}
