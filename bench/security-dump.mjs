// Usage: node bench/security-dump.mjs OUT.jsonl FILE.jsonl[,FILE…] [--engine DIST_DIR]
// Judges every sample of the given corpus-format files (threshold 0.01, rules on this thread) and writes one line per
// sample: id, source, label, also, form and every alert (category, score, detector, rules in its evidence). A tuning
// aid for reading a tuning set's misses and false alarms by the finding that raised them; run it on tuning files only.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import * as current from '@mcpspy/security';
import { loadCorpus, messagesOf } from '@mcpspy/security/dist/src/corpus.js';

const args = process.argv.slice(2);
const opt = (n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const [out, files] = args;
const engineDir = opt('--engine');
const { SecurityEngine } = engineDir ? createRequire(resolve(engineDir, 'src', 'index.js'))(resolve(engineDir, 'src', 'index.js')) : current;
const lines = [];
for (const s of loadCorpus(files.split(',').map((f) => resolve(f)))) {
  const store = new MemoryStore();
  const engine = new SecurityEngine({ store, logger: silentLogger(), threshold: 0.01, offlineWorker: false });
  await engine.init();
  const alerts = [];
  for (const m of messagesOf(s)) alerts.push(...(await engine.analyze(m)));
  await engine.close();
  await store.close();
  lines.push(JSON.stringify({ id: s.id, source: s.source, label: s.label, also: s.also, form: s.form,
    alerts: alerts.map((a) => ({ c: a.category, s: Math.round(a.score * 1000) / 1000, d: a.detector, r: [...new Set(a.evidence.map((e) => e.rule))], sum: a.summary.slice(0, 300) })) }));
}
writeFileSync(out, lines.join('\n') + '\n');
