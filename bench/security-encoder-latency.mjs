#!/usr/bin/env node
// Alert latency of asynchronous verdicts with and without the sentence encoder: the time from a message to its
// offline alerts (analyzeStaged's first answer, what the sink gets at once), and, with the encoder, to its follow-up.
// One engine each, the same messages interleaved (A then B per message), one corpus file's messages.
// Usage: node bench/security-encoder-latency.mjs [--file prompt-injection.jsonl] [--max 200]
// Build first: npx tsc -b apps/security
import { readFileSync } from 'node:fs';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import { SecurityEngine, loadSentenceEncoder } from '@mcpspy/security';
import { loadCorpus, messagesOf } from '@mcpspy/security/dist/src/corpus.js';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const file = new URL(`../apps/security/corpus/${opt('--file', 'prompt-injection.jsonl')}`, import.meta.url).pathname;
const max = Number(opt('--max', '200'));
const messages = loadCorpus([file]).flatMap(messagesOf).slice(0, max);
const enc = await loadSentenceEncoder();
const make = (encoder) => new SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5, cacheEntries: 0, ...(encoder ? { encoder: true, encoderRate: 1e9, sentenceEncoder: async () => enc } : {}) });
const A = make(false);
const B = make(true);
await A.init();
await B.init();
const first = { A: [], B: [] };
const follow = [];
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
for (const m of messages) {
  for (const [k, e] of [['A', A], ['B', B]]) {
    const t = process.hrtime.bigint();
    const r = await e.analyzeStaged(m);
    first[k].push(ms(t));
    if (r.followUp) {
      await r.followUp();
      if (k === 'B') follow.push(ms(t));
    }
  }
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]?.toFixed(2) ?? '-';
};
console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').trim()}; ${messages.length} messages of ${opt('--file', 'prompt-injection.jsonl')}`);
console.log(`offline alerts, without the encoder: p50 ${pct(first.A, 0.5)} ms, p99 ${pct(first.A, 0.99)} ms`);
console.log(`offline alerts, with the encoder:    p50 ${pct(first.B, 0.5)} ms, p99 ${pct(first.B, 0.99)} ms`);
console.log(`encoder follow-up (after the offline alerts): ${follow.length} messages, p50 ${pct(follow, 0.5)} ms, p99 ${pct(follow, 0.99)} ms; windows embedded ${B.counters.get('encoder_windows')}, gate closed ${B.counters.get('encoder_gate_closed')}`);
await A.close();
await B.close();
enc.dispose();
