#!/usr/bin/env node
// Per-message verdicts of a build, for checking that a speed change changed no verdict: every alert with any score
// (threshold 0.01) of every corpus sample, every public-set item (the data folder), the benign-sweep pools' chunks and
// the speed bench's 1 KB texts, written one JSON line per message (key + alerts with category, score, risk, detector,
// summary, evidence and details). Run it on two builds and compare, or use --against to compare in one run.
// Usage: node bench/security-verdicts.mjs [--engine DIST_DIR] [--against DIST_DIR] [--out FILE] [--data DIR] [--per-pool 400] [--exclude CORPUS_FILE[,…]] [--training DIR] [--quiet NAME[,…]]
// --training DIR also judges every writer-*.jsonl file of DIR (the training texts, corpus format; not its sub-folders).
// --passes 1: one pass per build even with a verdict cache (a quicker A/B of two builds' verdicts; the cache is not checked).
// --quiet NAME[,…]: training files (without .jsonl, e.g. the check set) whose differences are counted but never printed.
// --out FILE with --against also writes the other build's alerts to FILE.against.
// --exclude leaves corpus files out (e.g. a blind batch that must not be judged before its one measurement).
// Exit code 1 when --against is given and any message's alerts differ (the first differences are printed).
// A build with a verdict cache (VerdictCache exported) judges every item three times through one cache shared by all
// its engines: the first pass is a first sight, the second fills it, the third is all hits; the third pass's alerts
// are the ones compared, and they must also equal the first pass's (exit 1 otherwise).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { walkTextFiles } from './text-files.mjs';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import * as current from '@mcpspy/security';
import { loadCorpus, messagesOf } from '@mcpspy/security/dist/src/corpus.js';
import { loadPublicSets } from './security-public-sets.mjs';
import { benchTexts } from './security-offline-texts.mjs';

const args = process.argv.slice(2);
// Every option takes a value; an unknown one (e.g. security-eval's --previous) would otherwise be ignored and the run
// would compare nothing, so it stops here with the usage.
const KNOWN = new Set(['--engine', '--against', '--out', '--data', '--per-pool', '--exclude', '--training', '--quiet', '--passes']);
for (let i = 0; i < args.length; i += 2) {
  if (!KNOWN.has(args[i]) || i + 1 >= args.length) {
    console.error(`security-verdicts: ${KNOWN.has(args[i]) ? `${args[i]} needs a value` : `unknown option ${JSON.stringify(args[i])}`} (options: ${[...KNOWN].join(', ')}; compare with --against DIST_DIR)`);
    process.exit(2);
  }
}
const opt = (n, d) => (args.indexOf(n) >= 0 && args.indexOf(n) + 1 < args.length ? args[args.indexOf(n) + 1] : d);
const data = opt('--data', process.env.MCPSPY_SECURITY_DATA ?? '/work/data/security');
const perPool = Number(opt('--per-pool', '400'));
const out = opt('--out', undefined);
const load = (d) => createRequire(resolve(d, 'src', 'index.js'))(resolve(d, 'src', 'index.js')).SecurityEngine;
const engineDir = opt('--engine', undefined);
const againstDir = opt('--against', undefined);

// ------------------------------------------------------------------ the messages
const items = [];
const corpusDir = new URL('../apps/security/corpus/', import.meta.url).pathname;
// --exclude NAME[,…]: corpus files (without .jsonl) not read at all, e.g. the blind hold-outs only the lead measures.
const excluded = new Set(opt('--exclude', '').split(',').filter(Boolean).map((n) => n.replace(/\.jsonl$/, '')));
for (const s of loadCorpus(readdirSync(corpusDir).filter((f) => f.endsWith('.jsonl') && !excluded.has(f.replace(/\.jsonl$/, ''))).sort().map((f) => join(corpusDir, f)))) items.push({ key: `corpus:${s.id}`, messages: messagesOf(s) });
const trainingDir = opt('--training', undefined);
const quiet = new Set(opt('--quiet', '').split(',').filter(Boolean).map((n) => `training:${n.replace(/\.jsonl$/, '')}:`));
if (trainingDir) {
  for (const f of readdirSync(trainingDir).filter((n) => /^writer-.*\.jsonl$/.test(n)).sort()) {
    loadCorpus([join(trainingDir, f)]).forEach((s, i) => items.push({ key: `training:${f.replace(/\.jsonl$/, '')}:${i}`, messages: messagesOf(s) }));
  }
}
const isQuiet = (k) => [...quiet].some((q) => k.startsWith(q));
try {
  for (const [name, list] of Object.entries(loadPublicSets(data))) list.forEach((it, i) => items.push({ key: `public:${name}:${i}`, messages: it.messages }));
} catch {
  // no data folder: corpus and bench texts only
}
const TS = '2025-02-11T09:00:00.000Z';
let seq = 0;
const result = (text) => ({ timestamp: TS, transport_type: 'stdio', stdio_transport: { from_pid: 4100, from_comm: 'mcp-server', to_pid: 4000, to_comm: 'claude' }, type: 'response', id: ++seq, result: { content: [{ type: 'text', text }], isError: false }, error: {}, request: { type: 'request', id: seq, method: 'tools/call', params: {}, error: {} }, raw: '', msg_id: `v:${seq}` });
const definition = (text) => ({ timestamp: TS, transport_type: 'stdio', stdio_transport: { from_pid: 4100, from_comm: 'mcp-server', to_pid: 4000, to_comm: 'claude' }, type: 'response', id: ++seq, result: { tools: [{ name: 't', description: text, inputSchema: { type: 'object' } }] }, error: {}, request: { type: 'request', id: seq, method: 'tools/list', params: {}, error: {} }, raw: '', msg_id: `v:${seq}` });
// The benign sweep's pools (bench/security-benign-sweep.mjs), chunked the same way, each chunk as a tool result; the
// prompts also as a tool description.
const POOLS = [['python-email'], ['npm-docs'], ['debian-docs'], ['modelcontextprotocol+servers', 'github+github-mcp-server', 'microsoft+playwright-mcp', 'grafana+mcp-grafana', 'hashicorp+terraform-mcp-server', 'mongodb-js+mongodb-mcp-server'], ['0xeb+TheBigPromptLibrary/SystemPrompts', '0xeb+TheBigPromptLibrary/CustomInstructions', '0xeb+TheBigPromptLibrary/Security']];
for (const dirs of POOLS) {
  const all = [];
  for (const d of dirs) {
    for (const f of walkTextFiles(join(data, d))) {
      let cur = '';
      const chunks = [];
      for (const para of readFileSync(f, 'utf8').split(/\n\s*\n/)) {
        if (cur.length + para.length > 1100 && cur.length >= 200) (chunks.push(cur), (cur = ''));
        cur += (cur ? '\n\n' : '') + para;
      }
      if (cur.trim().length >= 80) chunks.push(cur);
      for (const c of chunks) if (/[a-z]{3}/i.test(c) && !c.includes('\u0000')) all.push({ file: f.slice(data.length + 1), text: c.slice(0, 4000) });
    }
  }
  const step = Math.max(1, Math.floor(all.length / perPool));
  all.filter((_, i) => i % step === 0).slice(0, perPool).forEach((c, i) => {
    items.push({ key: `sweep:${dirs[0]}:${i}:result`, messages: [result(c.text)] });
    if (dirs[0].includes('Prompt')) items.push({ key: `sweep:${dirs[0]}:${i}:definition`, messages: [definition(c.text)] });
  });
}
// The speed bench's texts (bench/security-offline.mjs): 1 KB of tool output, code, logs and docs, 5% with an attack.
benchTexts.forEach((t, i) => items.push({ key: `bench:${i}`, messages: [result(t)] }));

// ------------------------------------------------------------------ judging
async function verdicts(Engine, verdictCache) {
  const lines = new Map();
  for (const it of items) {
    // A fresh store per item (rug-pull and flow state must not leak between items); rules in this thread.
    const store = new MemoryStore();
    const engine = new Engine({ store, logger: silentLogger(), threshold: 0.01, offlineWorker: false, verdictCache });
    await engine.init();
    const alerts = [];
    for (const m of it.messages) alerts.push(...(await engine.analyze(m)).map(({ category, score, risk, detector, summary, evidence, details }) => ({ category, score, risk, detector, summary, evidence, details })));
    await engine.close();
    await store.close();
    lines.set(it.key, JSON.stringify(alerts));
  }
  return lines;
}
const t0 = Date.now();
const mineDist = engineDir ? createRequire(resolve(engineDir, 'src', 'index.js'))(resolve(engineDir, 'src', 'index.js')) : current;
let mine;
let cacheDiff = 0;
if (mineDist.VerdictCache && opt('--passes', '3') !== '1') {
  const { Counters } = await import('@mcpspy/runtime');
  const counters = new Counters();
  const cache = new mineDist.VerdictCache({ maxEntries: 1_000_000, maxBytes: 2 ** 31, counters });
  const first = await verdicts(mineDist.SecurityEngine, cache);
  await verdicts(mineDist.SecurityEngine, cache);
  const c1 = counters.snapshot();
  mine = await verdicts(mineDist.SecurityEngine, cache);
  const c2 = counters.snapshot();
  const d = (k) => (c2[k] ?? 0) - (c1[k] ?? 0);
  for (const [k, v] of mine) {
    if (first.get(k) === v) continue;
    if (++cacheDiff <= 10 && !isQuiet(k)) console.log(`differs between the fresh and the cached pass: ${k}\n  fresh:  ${first.get(k)?.slice(0, 600)}\n  cached: ${v.slice(0, 600)}`);
  }
  console.error(`verdict cache: passes 1-2 ${c1.verdict_cache_first_sight ?? 0} first sights / ${c1.verdict_cache_hits ?? 0} hits / ${c1.verdict_cache_misses ?? 0} misses (${cache.size} entries, ${(cache.heldBytes / 1048576).toFixed(1)} MB), pass 3 ${d('verdict_cache_hits')} hits / ${d('verdict_cache_misses')} misses / ${d('verdict_cache_first_sight')} first sights; ${cacheDiff} messages with different alerts between the first and the cached pass`);
} else {
  mine = await verdicts(mineDist.SecurityEngine);
}
const alerted = [...mine.values()].filter((l) => l !== '[]').length;
console.error(`${mine.size} messages judged (${alerted} with an alert ≥ 0.01) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (out) writeFileSync(out, [...mine].map(([k, v]) => `${JSON.stringify(k)}\t${v}`).join('\n') + '\n');
if (againstDir) {
  const theirs = await verdicts(load(againstDir));
  // With --out, the other build's alerts go beside this build's (FILE.against), so every difference can be read.
  if (out) writeFileSync(`${out}.against`, [...theirs].map(([k, v]) => `${JSON.stringify(k)}\t${v}`).join('\n') + '\n');
  let diff = 0;
  for (const [k, v] of mine) {
    if (theirs.get(k) === v) continue;
    if (++diff <= 10 && !isQuiet(k)) console.log(`differs: ${k}\n  this:    ${v.slice(0, 600)}\n  against: ${theirs.get(k)?.slice(0, 600)}`);
  }
  console.log(`${mine.size} messages, ${diff} with different alerts (this build vs ${againstDir})`);
  process.exit(diff || cacheDiff ? 1 : 0);
}
if (cacheDiff) process.exit(1);
