#!/usr/bin/env node
// Speed of the offline security detectors, side by side with baselines.
//
// 1) throughput: typical ~1 KB texts (tool output, code, logs, docs; 5%
//    attacks) through normalisation, rules, Unicode checks, secret
//    patterns and, in builds that have them, the local classifier and the
//    context cues, in texts per second of CPU time (process.cpuUsage, so other
//    processes on a shared machine do not count against us) and per second
//    of wall time. Run under `taskset -c 1` for a one-core figure.
// 2) latency of SecurityEngine.analyze on whole MCP messages (since the
//    offline worker: including the round trip to the worker thread): a benign 1 KB
//    tools/call response, the same with an attack in it (the alert latency:
//    from the message to its alerts), a small tools/call request and a
//    tools/list answer with 12 tools. p50/p99 in µs of wall time.
//
// Columns: `current` (this build), `naive` (a single keyword regex, what a
// minimal filter costs, measured live), `recorded` (the previous version's
// figures from bench/security-baseline.json, measured with this bench) and,
// with --against <dist dir>, another build of apps/security measured live.
//
// Usage: node bench/security-offline.mjs [--seconds 3] [--against DIR] [--json]
// (build first: npx tsc -b apps/security)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import * as current from '@mcpspy/security';
import { parts, text, benchTexts } from './security-offline-texts.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const secs = Number(opt('--seconds', '3'));
const against = opt('--against', undefined);
const asJson = args.includes('--json');

// ---------------------------------------------------------------- workload
const texts = benchTexts;
const units = texts.map((t, i) => [{ field: 'result.content[0].text', text: t, context: i % 10 === 0 ? 'definition' : 'result', origin: 'plain' }]);

const TS = '2025-02-11T09:00:00.000Z';
const serverSide = { from_pid: 2, from_comm: 'server', to_pid: 1, to_comm: 'claude' };
const clientSide = { from_pid: 1, from_comm: 'claude', to_pid: 2, to_comm: 'server' };
const resultMsg = (t, i) => ({
  timestamp: TS, transport_type: 'stdio', stdio_transport: serverSide, type: 'response', id: i,
  result: { content: [{ type: 'text', text: t }] }, error: {},
  request: { type: 'request', id: i, method: 'tools/call', params: { name: 'x', arguments: { q: 'status' } }, error: {} }, raw: '', msg_id: `b:${i}`,
});
const benignMsgs = Array.from({ length: 1000 }, (_, i) => resultMsg(text(i, 0), i));
const attackMsgs = Array.from({ length: 200 }, (_, i) => resultMsg(text(i * 20), i));
const requestMsgs = Array.from({ length: 1000 }, (_, i) => ({
  timestamp: TS, transport_type: 'stdio', stdio_transport: clientSide, type: 'request', id: i, method: 'tools/call',
  params: { name: 'search_files', arguments: { pattern: `*.ts`, path: `/home/dev/project-${i}/src`, query: 'where is the retry policy for the HTTP client configured?' } }, error: {}, raw: '', msg_id: `r:${i}`,
}));
const tools = Array.from({ length: 12 }, (_, k) => ({
  name: `tool_${k}`,
  description: `${parts[k % parts.length].slice(0, 90)} Returns JSON with the matching records.`,
  inputSchema: { type: 'object', properties: { query: { type: 'string', description: 'What to look for' }, limit: { type: 'integer' } }, required: ['query'] },
}));
const listMsgs = Array.from({ length: 100 }, (_, i) => ({
  timestamp: TS, transport_type: 'stdio', stdio_transport: serverSide, type: 'response', id: i, result: { tools }, error: {},
  request: { type: 'request', id: i, method: 'tools/list', params: {}, error: {} }, raw: '', msg_id: `l:${i}`, session: 's1',
}));

// ---------------------------------------------------------------- naive baseline
// A single case-insensitive keyword regex over the raw text: no normalisation,
// no decoding, no context. It misses most paraphrases; it is here to show
// what the cheapest possible filter costs on the same texts.
const NAIVE = /ignore (?:all )?(?:previous|prior) instructions|disregard (?:the )?(?:previous|above)|system prompt|do not tell the user|<important>|you are now dan|developer mode|~\/\.ssh|id_rsa|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|gh[pousr]_[A-Za-z0-9]{36}|sk-[A-Za-z0-9_-]{32,}|!\[[^\]]*\]\(https?:\/\/[^)]*\?/gi;
const naive = {
  detectTexts(u) {
    NAIVE.lastIndex = 0;
    return NAIVE.test(u[0].text) ? 1 : 0;
  },
};

// ---------------------------------------------------------------- measurement
function throughput(detectTexts) {
  for (let i = 0; i < 3000; i++) detectTexts(units[i % 1000]);
  let n = 0;
  let findings = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const end = Date.now() + secs * 1000;
  while (Date.now() < end) for (let j = 0; j < 200; j++, n++) findings += detectTexts(units[n % 1000]);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  return { texts: n, findings, perCpuSecond: Math.round(n / cpu), perWallSecond: Math.round(n / wall) };
}

async function latency(engine, msgs, seconds) {
  for (let i = 0; i < Math.min(2000, msgs.length * 4); i++) await engine.analyze(msgs[i % msgs.length]);
  const lat = [];
  let alerts = 0;
  const t1 = Date.now();
  for (let i = 0; Date.now() - t1 < seconds * 1000; i++) {
    const s = process.hrtime.bigint();
    alerts += (await engine.analyze(msgs[i % msgs.length])).length;
    lat.push(Number(process.hrtime.bigint() - s) / 1000);
  }
  lat.sort((a, b) => a - b);
  const q = (p) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 10) / 10;
  return { p50: q(0.5), p99: q(0.99), n: lat.length, alerts };
}

async function measure(lib) {
  // What the engine runs offline on a text: the offline pass as the worker thread runs it (rules, then secrets
  // with the rules' gates; builds before OfflineAnalysis ran the two one after the other), and with the local
  // classifier (builds that have it) the rules without their old lexical model, the classifier and the context cues beside them.
  const withClassifier = typeof lib.ClassifierDetector === 'function';
  const analysis = lib.OfflineAnalysis ? new lib.OfflineAnalysis({ lexical: !withClassifier }) : undefined;
  const rules = withClassifier ? new lib.RulesDetector(undefined, false) : new lib.RulesDetector();
  const secrets = new lib.SecretsDetector();
  const extra = withClassifier ? [new lib.ClassifierDetector(), new lib.ContextDetector()] : [];
  const detectTexts = (u) => {
    const input = { msg: null, method: 'tools/call', direction: 'response', texts: u };
    let n = analysis ? analysis.analyze(input).length : rules.detect(input).length + secrets.detect(input).length;
    for (const d of extra) n += d.detect(input).length;
    return n;
  };
  const out = { throughput: throughput(detectTexts), latency: {} };
  const share = secs / 4;
  for (const [name, msgs] of [['result_1kb', benignMsgs], ['attack_1kb', attackMsgs], ['request_small', requestMsgs], ['tools_list_12', listMsgs]]) {
    // A fresh store per kind: a rug-pull fingerprint from one kind must not colour another.
    const engine = new lib.SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5 });
    await engine.init();
    out.latency[name] = await latency(engine, msgs, share);
    await engine.close();
  }
  return out;
}

const results = { current: await measure(current), naive: { throughput: throughput((u) => naive.detectTexts(u)) } };
if (against) {
  const req = createRequire(resolve(against, 'src', 'index.js'));
  results.against = await measure(req(resolve(against, 'src', 'index.js')));
}
let recorded;
try {
  recorded = JSON.parse(readFileSync(new URL('./security-baseline.json', import.meta.url), 'utf8'));
  results.recorded = recorded;
} catch {
  recorded = undefined;
}

if (asJson) {
  console.log(JSON.stringify(results, null, 2));
  process.exit(0);
}
const cols = [['current', results.current], ['naive', results.naive]];
if (results.against) cols.push([`against`, results.against]);
if (recorded) cols.push([`recorded (${recorded.version})`, recorded]);
const fmt = (v) => (v === undefined ? '-' : typeof v === 'number' ? v.toLocaleString('en') : String(v));
const row = (label, get) => console.log(label.padEnd(34) + cols.map(([, r]) => fmt(get(r)).padStart(22)).join(''));
console.log(`security offline bench (${secs} s per figure, node ${process.version}, pid ${process.pid})`);
console.log(''.padEnd(34) + cols.map(([n]) => n.padStart(22)).join(''));
row('1 KB texts / CPU-second', (r) => r.throughput?.perCpuSecond);
row('1 KB texts / wall-second', (r) => r.throughput?.perWallSecond);
for (const k of ['result_1kb', 'attack_1kb', 'request_small', 'tools_list_12']) {
  row(`analyze ${k} p50 µs`, (r) => r.latency?.[k]?.p50);
  row(`analyze ${k} p99 µs`, (r) => r.latency?.[k]?.p99);
}
row('alerts on attack_1kb messages', (r) => (r.latency?.attack_1kb ? `${r.latency.attack_1kb.alerts}/${r.latency.attack_1kb.n}` : undefined));
console.log('target: ≥ 20,000 typical 1 KB texts per second on one core (texts/CPU-second; run under taskset -c 1 for the wall figure)');
