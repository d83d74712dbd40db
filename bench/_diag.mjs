import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import { SecurityEngine } from '@mcpspy/security';
import { loadCorpus, messagesOf } from '@mcpspy/security/dist/src/corpus.js';
import { readdirSync } from 'node:fs';
const dir = '/work/wt/detect4/apps/security/corpus/';
const ids = new Set(process.argv.slice(2));
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl') && !f.startsWith('blind7')).map((f) => dir + f);
for (const s of loadCorpus(files)) {
  if (!ids.has(s.id)) continue;
  const store = new MemoryStore();
  const e = new SecurityEngine({ store, logger: silentLogger(), threshold: 0.01 });
  await e.init();
  const al = [];
  for (const m of messagesOf(s)) al.push(...(await e.analyze(m)));
  await e.close(); await store.close();
  const t = JSON.stringify(s.text ?? s.tools ?? s.items ?? s.args ?? s.after).slice(0, 260);
  console.log(`\n== ${s.id} [${s.label}${s.also ? '+' + s.also : ''}] ${t}`);
  for (const a of al) console.log(`   ${a.category} ${a.score.toFixed(2)} ${a.detector} ${JSON.stringify(a.details ?? {}).slice(0, 200)} rules=${a.evidence.map((e) => e.rule).join(",")}`);
}
