// Per-sample verdicts of one build over corpus-format JSONL files, one JSON line per sample: id, label, form, language
// (the `lang` field, else scriptOf), the categories alerted at 0.5, the highest score, and each alert's category, score
// and evidence rules (judged at 0.01, a fresh store per sample, rules on this thread: as security-eval.mjs --in-thread).
// Two builds' outputs compared line by line show which texts a change moved (session 18, lang26).
// Usage: node bench/security-sample-verdicts.mjs DIST_DIR OUT.jsonl FILE.jsonl [FILE.jsonl …]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
const [dist, out, ...files] = process.argv.slice(2);
const req = createRequire(resolve(dist, 'src', 'index.js'));
const { SecurityEngine } = req(resolve(dist, 'src', 'index.js'));
const { loadCorpus, messagesOf } = req(resolve(dist, 'src', 'corpus.js'));
const { scriptOf } = req(resolve(dist, 'src', 'script.js'));
const samples = loadCorpus(files.map((f) => resolve(f)));
const lines = [];
for (const s of samples) {
  const store = new MemoryStore();
  const engine = new SecurityEngine({ store, logger: silentLogger(), threshold: 0.01, offlineWorker: false });
  await engine.init();
  const all = [];
  for (const m of messagesOf(s)) all.push(...(await engine.analyze(m)));
  await engine.close(); await store.close();
  const cats = [...new Set(all.filter((a) => a.score >= 0.5).map((a) => a.category))];
  const max = all.reduce((m, a) => Math.max(m, a.score), 0);
  const rules = [...new Set(all.map((a) => `${a.category}:${a.score.toFixed(2)}:${(a.evidence ?? []).map((e) => e.rule ?? e.kind ?? '').join('+')}`))].slice(0, 8);
  lines.push(JSON.stringify({ id: s.id, label: s.label, form: s.form, lang: s.lang ?? scriptOf(s.text ?? JSON.stringify(s.messages ?? '')), cats, max: +max.toFixed(3), rules }));
}
writeFileSync(out, lines.join('\n') + '\n');
