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
// With --against the two builds run in one process, interleaved round by round (throughput: 200 texts per round;
// latency: 50 messages per round), and `CPU per text, current / against` is the median of the per-round ratios:
// on a shared machine that ratio holds where the absolute figures scatter.
//
// Usage: node bench/security-offline.mjs [--seconds 3] [--against DIR] [--mix synthetic|real] [--data DIR] [--json]
// (build first: npx tsc -b apps/security)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { MemoryStore, silentLogger } from '@mcpspy/runtime';
import * as current from '@mcpspy/security';
import { parts, text, benchTexts } from './security-offline-texts.mjs';
import { realTexts } from './security-offline-real.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const secs = Number(opt('--seconds', '3'));
const against = opt('--against', undefined);
const asJson = args.includes('--json');

// ---------------------------------------------------------------- workload
// --mix real (session 14): the throughput figure on real text (security-offline-real.mjs: e-mails, docs, MCP servers'
// READMEs, the writers' texts in many languages; average ~680 characters) instead of the synthetic 1 KB mix. The
// latency figures keep the synthetic messages.
const mix = opt('--mix', 'synthetic');
const texts = mix === 'real' ? realTexts(opt('--data', '/work/data/security')) : benchTexts.map((t, i) => ({ text: t, context: i % 10 === 0 ? 'definition' : 'result' }));
const units = texts.map(({ text: t, context }) => [{ field: 'result.content[0].text', text: t, context, origin: 'plain' }]);

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
// With --against, both builds are measured in the same process, interleaved in short rounds (the order alternating
// every round), so a shared machine's load falls on both alike; the ratio of their CPU time per text is taken round
// by round and its median reported.

/** What the engine runs offline on a text, as a function of units → number of findings. */
function detectorOf(lib) {
  // The offline pass as the worker thread runs it (rules, then secrets with the rules' gates; builds before
  // OfflineAnalysis ran the two one after the other), and with the local classifier (builds that have it) the rules
  // without their old lexical model, the classifier and the context cues beside them.
  const withClassifier = typeof lib.ClassifierDetector === 'function';
  const analysis = lib.OfflineAnalysis ? new lib.OfflineAnalysis({ lexical: !withClassifier }) : undefined;
  const rules = withClassifier ? new lib.RulesDetector(undefined, false) : new lib.RulesDetector();
  const secrets = new lib.SecretsDetector();
  const extra = withClassifier ? [new lib.ClassifierDetector(), new lib.ContextDetector()] : [];
  return (u) => {
    const input = { msg: null, method: 'tools/call', direction: 'response', texts: u };
    let n = analysis ? analysis.analyze(input).length : rules.detect(input).length + secrets.detect(input).length;
    for (const d of extra) n += d.detect(input).length;
    return n;
  };
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[s.length >> 1] : undefined;
};

/** Texts per CPU-second and per wall-second of each function, in rounds of 200 texts, interleaved. */
function throughput(fns, seconds = secs) {
  for (const f of fns) for (let i = 0; i < 3000; i++) f(units[i % 1000]);
  const st = fns.map(() => ({ texts: 0, findings: 0, cpu: 0, wall: 0, rounds: [] }));
  const end = Date.now() + seconds * 1000 * fns.length;
  let n = 0;
  for (let r = 0; Date.now() < end; r++, n += 200) {
    for (let j = 0; j < fns.length; j++) {
      const k = r % 2 ? fns.length - 1 - j : j;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) st[k].findings += fns[k](units[(n + i) % 1000]);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      const cpu = (c.user + c.system) / 1e6;
      st[k].texts += 200;
      st[k].cpu += cpu;
      st[k].wall += wall;
      st[k].rounds.push(cpu / 200);
    }
  }
  const out = st.map((x) => ({ texts: x.texts, findings: x.findings, perCpuSecond: Math.round(x.texts / x.cpu), perWallSecond: Math.round(x.texts / x.wall), medianCpuUsPerText: Math.round(median(x.rounds) * 1e7) / 10 }));
  if (fns.length === 2) out[0].cpuRatioVsAgainst = Math.round(median(st[0].rounds.map((c, i) => c / st[1].rounds[i])) * 1000) / 1000;
  return out;
}

/** Wall time of engine.analyze per message, p50/p99 µs, the engines interleaved in rounds of 50 messages. */
async function latency(engines, msgs, seconds) {
  for (const e of engines) for (let i = 0; i < Math.min(2000, msgs.length * 4); i++) await e.analyze(msgs[i % msgs.length]);
  const lat = engines.map(() => []);
  const alerts = engines.map(() => 0);
  const end = Date.now() + seconds * 1000 * engines.length;
  for (let r = 0, i = 0; Date.now() < end; r++) {
    for (let j = 0; j < engines.length; j++) {
      const k = r % 2 ? engines.length - 1 - j : j;
      for (let m = 0; m < 50; m++) {
        const s = process.hrtime.bigint();
        alerts[k] += (await engines[k].analyze(msgs[(i + m) % msgs.length])).length;
        lat[k].push(Number(process.hrtime.bigint() - s) / 1000);
      }
    }
    i += 50;
  }
  return lat.map((l, k) => {
    l.sort((a, b) => a - b);
    const q = (p) => Math.round(l[Math.min(l.length - 1, Math.floor(p * l.length))] * 10) / 10;
    return { p50: q(0.5), p99: q(0.99), n: l.length, alerts: alerts[k] };
  });
}

async function measure(libs) {
  const out = libs.map(() => ({ latency: {} }));
  throughput(libs.map(detectorOf)).forEach((t, k) => (out[k].throughput = t));
  const share = secs / 4;
  for (const [name, msgs] of [['result_1kb', benignMsgs], ['attack_1kb', attackMsgs], ['request_small', requestMsgs], ['tools_list_12', listMsgs]]) {
    // A fresh store per kind and build: a rug-pull fingerprint from one kind must not colour another.
    // The verdict cache off (builds that have it): these messages repeat, and the figure is the analysis's.
    const engines = libs.map((lib) => new lib.SecurityEngine({ store: new MemoryStore(), logger: silentLogger(), threshold: 0.5, cacheEntries: 0 }));
    for (const e of engines) await e.init();
    (await latency(engines, msgs, share)).forEach((l, k) => (out[k].latency[name] = l));
    for (const e of engines) await e.close();
  }
  return out;
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadBefore = loadavg();
const libs = [current];
if (against) {
  const req = createRequire(resolve(against, 'src', 'index.js'));
  libs.push(req(resolve(against, 'src', 'index.js')));
}
const measured = await measure(libs);
const results = { current: measured[0], naive: { throughput: throughput([(u) => naive.detectTexts(u)])[0] } };
if (against) results.against = measured[1];
results.load = { before: loadBefore, after: loadavg() };
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
console.log(`security offline bench (${secs} s per figure${against ? ' and build, the builds interleaved' : ''}, mix ${mix}, node ${process.version}, pid ${process.pid}; load ${results.load.before} before, ${results.load.after} after)`);
console.log(''.padEnd(34) + cols.map(([n]) => n.padStart(22)).join(''));
row('1 KB texts / CPU-second', (r) => r.throughput?.perCpuSecond);
row('1 KB texts / wall-second', (r) => r.throughput?.perWallSecond);
row('CPU µs per text (median round)', (r) => r.throughput?.medianCpuUsPerText);
if (against) row('CPU per text, current / against', (r) => r.throughput?.cpuRatioVsAgainst);
for (const k of ['result_1kb', 'attack_1kb', 'request_small', 'tools_list_12']) {
  row(`analyze ${k} p50 µs`, (r) => r.latency?.[k]?.p50);
  row(`analyze ${k} p99 µs`, (r) => r.latency?.[k]?.p99);
}
row('alerts on attack_1kb messages', (r) => (r.latency?.attack_1kb ? `${r.latency.attack_1kb.alerts}/${r.latency.attack_1kb.n}` : undefined));
console.log('target: ≥ 20,000 typical 1 KB texts per second on one core (texts/CPU-second; run under taskset -c 1 for the wall figure)');
