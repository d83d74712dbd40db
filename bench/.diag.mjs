import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore, silentLogger } from '@mcpspy/events';
import { SecurityEngine } from '@mcpspy/security';
import { loadCorpus, messagesOf } from '@mcpspy/security/dist/src/corpus.js';
const dir = '/work/wt/detect/apps/security/corpus/';
const samples = loadCorpus(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => join(dir, f)));
const want = process.argv[2];
for (const s of samples) {
  if (want === 'fp' && s.label !== 'benign') continue;
  if (want === 'miss' && (s.label === 'benign' || !/blind[23]/.test(s.source))) continue;
  const engine = new SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5 });
  const alerts = [];
  for (const m of messagesOf(s)) alerts.push(...(await engine.analyze(m)));
  if (want === 'fp' && alerts.length) console.log(s.id, alerts.map((a) => `${a.category} ${a.score} ${a.detector} ${a.summary}`).join(' || '), '\n   ', JSON.stringify(s.text ?? s.tools ?? s).slice(0, 300));
  if (want === 'miss' && !alerts.some((a) => a.category === s.label || (s.also ?? []).includes(a.category))) console.log(s.id, s.label, alerts.map((a) => `${a.category} ${a.score}`).join(','), '\n   ', JSON.stringify(s.text ?? s.tools ?? s).slice(0, 300));
}
