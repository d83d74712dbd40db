// Temporary: times every rule on pumped inputs at a given size.
import { INJECTION_RULES } from '../src/injection-rules';
import { SECRET_PATTERNS } from '../src/secret-patterns';
import { RulesDetector } from '../src/detectors/rules.detector';
import { SecretsDetector } from '../src/detectors/secrets.detector';
import { pumpedInputs } from './pumped-inputs';
const size = Number(process.argv[2] ?? 10000);
const only = process.argv[3];
const cases: { id: string; run: (t: string) => void; source: string; triggers: readonly string[]; requires?: readonly string[] }[] = [];
for (const rule of INJECTION_RULES) {
  const det = new RulesDetector([rule], false);
  const ctx = (['definition', 'result', 'argument'] as const).find((c) => rule.weight[c] > 0)!;
  cases.push({ id: rule.id, source: rule.re.source, triggers: rule.triggers, requires: rule.requires, run: (text) => det.scanTexts([{ field: 'x', text, context: ctx, origin: 'plain' }]) });
}
for (const p of SECRET_PATTERNS) {
  const det = new SecretsDetector([p]);
  cases.push({ id: 'secret:' + p.id, source: p.re.source, triggers: p.triggers, run: (text) => det.detect({ msg: {} as never, method: 'x', direction: 'request', texts: [{ field: 'x', text, context: 'argument', origin: 'plain' }] }) });
}
for (const c of cases) {
  if (only && c.id !== only) continue;
  let worst = 0, worstName = '', total = 0, n = 0;
  for (const f of pumpedInputs(c.source, c.triggers, c.requires)) {
    const text = f.build(size);
    const t0 = performance.now();
    c.run(text);
    const dt = performance.now() - t0;
    total += dt; n++;
    if (dt > worst) { worst = dt; worstName = f.name; }
  }
  console.log(`${c.id.padEnd(32)} ${String(n).padStart(4)} inputs total ${total.toFixed(0).padStart(7)} ms worst ${worst.toFixed(0).padStart(6)} ms ${worstName}`);
}
