#!/usr/bin/env node
// The verdict cache of the security engine (apps/security/src/verdict-cache.ts): what a miss and a hit cost.
// 1) the first-sight fingerprint alone (seenBefore: a seeded 32-bit hash and a table probe), the key alone
//    (VerdictCache.keyOf, SHA-256 of the canonical serialisation) on one ~1 KB tool result, and a hit's get (LRU move
//    + copy of no findings), in ns;
// 2) CPU per message of SecurityEngine.analyzeStaged (the stage's default path: rules and secrets on the offline
//    worker, classifier and context cues in this thread; CPU of both threads), 64 messages at once as the controller
//    judges a NATS batch, three engines interleaved in rounds:
//    off    cache off (MCPSPY_SECURITY_CACHE_ENTRIES=0), unique texts: today's cost;
//    miss   cache on, unique texts (the worst case: every message a first sight, its fingerprint for nothing);
//    hit    cache on, the same 64 texts again and again (every message a hit after the first round).
//   node bench/security-cache-micro.mjs [--rounds 10] [--per-round 1024] [--text-bytes 1024]
import { loadavg } from 'node:os';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import { SecurityEngine, VerdictCache } from '@mcpspy/security';
import { extractTexts, subjectOf } from '@mcpspy/security/dist/src/extract.js';
import { toolResult } from '../apps/security/dist/src/test-builders.js';
import { text as benchText } from './security-offline-texts.mjs';
import { parseArgs } from './pipeline-common.mjs';

const opt = parseArgs({ rounds: 10, perRound: 1024, textBytes: 1024 });
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`security-cache-micro: ${opt.rounds} rounds of ${opt.perRound} messages per engine, ~${opt.textBytes}-byte texts, load ${load()}`);
let serial = 0;
// A unique text: the speed bench's 1 KB text with its own number in the middle (so no two share a key or a prefix).
const uniqueText = (i) => {
  const t = benchText(i % 1000, 0);
  const n = ` [item ${++serial}] `;
  const at = Math.min(400, opt.textBytes >> 1);
  // Flat, as a text parsed off the wire is (a concatenation would be a rope, slower to read character by character).
  return JSON.parse(JSON.stringify((t.slice(0, at) + n + t.slice(at)).slice(0, opt.textBytes)));
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ------------------------------------------------------------------ 1) the key and a hit alone
{
  const cache = new VerdictCache({ maxEntries: 100_000 });
  const prefix = VerdictCache.prefixFor('{}');
  const inputs = Array.from({ length: 4096 }, (_, i) => {
    const m = toolResult(uniqueText(i));
    const s = subjectOf(m);
    return { method: s.method, direction: s.direction, texts: extractTexts(m, s).texts };
  });
  const keys = inputs.map((x) => cache.keyOf(prefix, x));
  for (const k of keys) cache.set(k, []);
  const keyNs = [];
  const getNs = [];
  const seenNs = [];
  for (let r = 0; r < 20; r++) {
    const fresh = new VerdictCache();
    let t0 = process.hrtime.bigint();
    for (const x of inputs) fresh.seenBefore(x);
    seenNs.push(Number(process.hrtime.bigint() - t0) / inputs.length);
    t0 = process.hrtime.bigint();
    for (const x of inputs) cache.keyOf(prefix, x);
    keyNs.push(Number(process.hrtime.bigint() - t0) / inputs.length);
    t0 = process.hrtime.bigint();
    for (const k of keys) cache.get(k);
    getNs.push(Number(process.hrtime.bigint() - t0) / keys.length);
  }
  const chars = inputs.reduce((s, x) => s + x.texts.reduce((a, t) => a + t.text.length, 0), 0) / inputs.length;
  console.log(`${chars.toFixed(0)} characters of text + field, method, ...: first-sight fingerprint median ${median(seenNs).toFixed(0)} ns; key (SHA-256) median ${median(keyNs).toFixed(0)} ns; hit get median ${median(getNs).toFixed(0)} ns`);
}

// ------------------------------------------------------------------ 2) the engine
const engines = {
  off: new SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5, cacheEntries: 0 }),
  miss: new SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5 }),
  hit: new SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5 }),
};
const repeated = Array.from({ length: 64 }, () => toolResult(uniqueText(0)));
for (const e of Object.values(engines)) await e.init();
const judge = async (engine, make) => {
  for (let i = 0; i < opt.perRound; i += 64) await Promise.all(Array.from({ length: Math.min(64, opt.perRound - i) }, (_, j) => engine.analyzeStaged(make(i + j)).then((r) => r.alerts.length)));
};
const makers = { off: () => toolResult(uniqueText(serial)), miss: () => toolResult(uniqueText(serial)), hit: (i) => repeated[i % 64] };
// Warm-up: JIT, the worker's start, the hit engine's 64 entries.
for (const [k, e] of Object.entries(engines)) await judge(e, makers[k]);
const cpu = { off: [], miss: [], hit: [] };
const names = Object.keys(engines);
for (let r = 0; r < opt.rounds; r++) {
  for (const k of r % 2 ? [...names].reverse() : names) {
    const c0 = process.cpuUsage();
    await judge(engines[k], makers[k]);
    const c = process.cpuUsage(c0);
    cpu[k].push((c.user + c.system) / opt.perRound);
  }
}
const m = Object.fromEntries(names.map((k) => [k, median(cpu[k])]));
for (const k of names) {
  const c = engines[k].counters;
  console.log(`${k.padEnd(4)}: median ${m[k].toFixed(1)} µs CPU/msg (rounds ${cpu[k].map((x) => x.toFixed(0)).join(' ')}); cache ${c.get('verdict_cache_hits')} hits / ${c.get('verdict_cache_misses')} misses / ${c.get('verdict_cache_evictions')} evictions`);
}
console.log(`miss/off ${(m.miss / m.off).toFixed(3)} (per-round ratio median ${median(cpu.miss.map((x, i) => x / cpu.off[i])).toFixed(3)}), hit/off ${(m.hit / m.off).toFixed(3)}; load ${load()}`);
for (const e of Object.values(engines)) await e.close();
