#!/usr/bin/env node
// The sentence encoder alone (apps/security/src/sentence-encoder.ts): load time and memory added by loading it, then
// CPU ms per text for 1-KB texts and 240-character windows (the window the encoder detector embeds), one at a time
// and in batches. Run on one core: taskset -c 1 node bench/security-encoder-speed.mjs [--rounds 64]
// Build first: npx tsc -b apps/security
import { loadSentenceEncoder } from '@mcpspy/security/dist/src/sentence-encoder.js';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const ROUNDS = Number(args.includes('--rounds') ? args[args.indexOf('--rounds') + 1] : '64');
const mb = (b) => (b / 1048576).toFixed(1);
console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
const r0 = process.memoryUsage();
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const enc = await loadSentenceEncoder();
const c1 = process.cpuUsage(c0);
const r1 = process.memoryUsage();
console.log(`load: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms wall, ${((c1.user + c1.system) / 1000).toFixed(0)} ms CPU; RSS ${mb(r0.rss)} → ${mb(r1.rss)} MB (+${mb(r1.rss - r0.rss)}), JS heap +${mb(r1.heapUsed - r0.heapUsed)} MB, array buffers and WebAssembly +${mb(r1.external + r1.arrayBuffers - r0.external - r0.arrayBuffers)} MB`);

const sentence = 'The quarterly report shows revenue grew in all regions; please review the attached figures before the meeting and send comments to the team by Friday. ';
const kb = sentence.repeat(8).slice(0, 1024);
async function measure(label, text, batch) {
  const texts = Array.from({ length: batch }, (_, i) => `${i} ${text}`);
  await enc.embed(texts);
  const n = Math.max(1, Math.floor(ROUNDS / batch));
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await enc.embed(texts);
  const cu = process.cpuUsage(c);
  const per = n * batch;
  console.log(`${label.padEnd(16)} batch ${String(batch).padStart(2)}: ${((cu.user + cu.system) / 1000 / per).toFixed(1)} ms CPU per text, ${(Number(process.hrtime.bigint() - t) / 1e6 / per).toFixed(1)} ms wall (${enc.ids(texts[0]).length} pieces)`);
}
for (const b of [1, 8, 32]) await measure('1 KB text', kb, b);
for (const b of [1, 16]) await measure('240-char window', kb.slice(0, 240), b);
const r2 = process.memoryUsage();
console.log(`after the runs: RSS ${mb(r2.rss)} MB (+${mb(r2.rss - r0.rss)} over the start)`);
enc.dispose();
