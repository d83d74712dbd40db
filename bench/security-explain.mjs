// Usage: node bench/security-explain.mjs CORPUS_FILE ID[,ID…]|all [--benign]
// Prints, for each chosen corpus sample, every alert the engine raises at threshold 0.01 (category, score, detector,
// summary): a tuning aid that shows which detector and which rule made a false alarm or nearly caught a miss.
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import * as current from '@mcpspy/security';
import { loadCorpus, messagesOf } from '@mcpspy/security/dist/src/corpus.js';

const [file, which = 'all'] = process.argv.slice(2);
const onlyBenign = process.argv.includes('--benign');
const dir = new URL('../apps/security/corpus/', import.meta.url).pathname;
const ids = new Set(which.split(','));
for (const s of loadCorpus([`${dir}${file.replace(/\.jsonl$/, '')}.jsonl`])) {
  if (which !== 'all' && !ids.has(s.id)) continue;
  if (onlyBenign && s.label !== 'benign') continue;
  const engine = new current.SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.01 });
  await engine.init();
  const alerts = [];
  for (const m of messagesOf(s)) alerts.push(...(await engine.analyze(m)));
  await engine.close();
  const top = alerts.reduce((m, a) => Math.max(m, a.score), 0);
  console.log(`${s.id} [${s.label}] max ${top.toFixed(2)}`);
  for (const a of alerts) console.log(`   ${a.category} ${a.score} ${a.detector}: ${a.summary.slice(0, 400)}`);
}
