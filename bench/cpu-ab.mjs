#!/usr/bin/env node
// CPU per message of two builds of the embedded monitor, interleaved in one
// run (A, B, A, B, ...), so the load of a shared machine disturbs both alike.
// Each round starts a fresh `mcpspy --tui=false -q -o FILE --comm ...` of one
// build, sends pipeline-stdio traffic at --rate for --seconds and counts the
// monitor's CPU time (utime + stime from /proc) from the first message until
// every request is in the JSONL, divided by the messages sent. Prints each
// round, the median per build and B/A. Needs root and both trees built.
//   node bench/cpu-ab.mjs --a /path/to/other/tree [--b .] [--rate 10000] [--seconds 8] [--rounds 3]
//     [--security] [--texts same|unique|mix] [--a-env "VAR=v ..."] [--b-env "VAR=v ..."]
// --security: the monitor runs its security analysis (off by default, as `mcpspy` without --security).
// --texts: how the writer's texts repeat (bench/fixtures/stdio-writer.c); both builds get this tree's writer.
// --a-env/--b-env: environment of A's/B's monitor (e.g. --a . --a-env MCPSPY_SECURITY_CACHE_ENTRIES=0: cache off vs on).
// --a-extra=... / --b-extra=...: more mcpspy arguments for that side (e.g. `--a . --b-extra=--security`: what a flag costs).
// --rates 0,pair,2500,5000,10000,20000,40000: the cost model instead of one rate. Each rate is a round of each build
// (interleaved); `0` is the monitor alone, idle, `pair` an idle monitored pair (writer and reader running, nothing
// written). Prints the CPU-s per second of traffic at each rate (main thread and the other threads apart) and a
// least-squares fit CPU-s/s = F + b·rate over the rates with traffic and 0, per build: F the fixed cost per second
// (% of a core), b the CPU per message (µs). Each rate also gives the main thread's wake-ups per second (voluntary
// context switches: turns of its event loop that slept first) and its CPU per wake-up.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  compileFixture, fmt, loadAvg, namedLink, parseArgs, percentiles, ProcSampler, readStat, requireRoot, ROOT, tailRequests,
  scratchDir, scrapeCounters, sleep, startEmbedded, uniqueTag, waitSettled,
} from './pipeline-common.mjs';

const opt = parseArgs({ rates: '', a: '', b: ROOT, rate: 10_000, seconds: 8, rounds: 3, settleS: 30, security: false, texts: 'same', aEnv: '', bEnv: '', aExtra: '', bExtra: '' });
const extras = { A: String(opt.aExtra).split(' ').filter(Boolean), B: String(opt.bExtra).split(' ').filter(Boolean) };
const envOf = (spec) => Object.fromEntries(String(spec).split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const envs = { A: envOf(opt.aEnv), B: envOf(opt.bEnv) };
requireRoot();
if (!opt.a) throw new Error('--a TREE is required (a copy of another build, e.g. main)');
const bins = { A: join(resolve(opt.a), 'bin/mcpspy.js'), B: join(resolve(opt.b), 'bin/mcpspy.js') };
const dir = scratchDir('bench-cpu-ab');
const tag = uniqueTag();
const writer = namedLink(dir, compileFixture(dir, 'stdio-writer'), `mcpaw-${tag}`);
const reader = namedLink(dir, compileFixture(dir, 'stdio-reader'), `mcpar-${tag}`);
// The third name: /bin/sleep as the idle writer of `--rates pair`.
const comms = [`mcpaw-${tag}`, `mcpar-${tag}`, `mcpas-${tag}`];
console.log(`cpu-ab: A=${bins.A} ${extras.A.join(' ')} ${opt.aEnv}\n        B=${bins.B} ${extras.B.join(' ')} ${opt.bEnv}\n        security ${opt.security === true || opt.security === 'true' ? 'on' : 'off'}, texts ${opt.texts}, ${fmt(opt.rate)} msg/s for ${opt.seconds} s, ${opt.rounds} rounds interleaved; load ${loadAvg()}`);

const CLK_TCK = 100;
/** Seconds of traffic left out of the steady CPU figure (the monitor's warm-up). */
const WARM_S = 2;
/** Voluntary context switches of pid's main thread: each is a sleep (epoll_wait) the thread woke from, so their count per second is its wake-ups (turns of the event loop that waited). */
function mainWakes(pid) {
  try {
    const m = /voluntary_ctxt_switches:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
/** utime + stime of each thread of pid: the main thread (tid = pid) and the others (V8's helpers, libuv's pool). */
function threadTicks(pid) {
  let main = 0;
  let rest = 0;
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { main, rest };
  }
  for (const tid of tids) {
    // undefined when the thread ended between the listing and the read
    const t = readStat(pid, tid)?.ticks ?? 0;
    if (Number(tid) === pid) main += t;
    else rest += t;
  }
  return { main, rest };
}

async function round(which, n, rate = opt.rate) {
  const output = join(dir, `out-${which}-${n}-${rate}.jsonl`);
  const req = tailRequests(output, opt.seconds * Math.max(1, Number(rate) || 0));
  const tailer = req.tailer;
  // The monitor inherits this process's environment when it starts: A's or B's variables only for its start.
  const saved = Object.fromEntries(Object.keys(envs[which]).map((k) => [k, process.env[k]]));
  Object.assign(process.env, envs[which]);
  const extra = [...(opt.security === true || opt.security === 'true' ? ['--security'] : []), ...extras[which]];
  let mon;
  try {
    mon = await startEmbedded({ output, comms, bin: bins[which], extra });
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  const sampler = new ProcSampler(mon.pids);
  await sleep(500);
  const c0 = sampler.mark();
  const t0 = threadTicks(mon.pids()[0]);
  const w0 = mainWakes(mon.pids()[0]);
  const wakeStart = performance.now();
  if (rate === '0' || rate === 'pair') {
    // No traffic: the monitor alone, or beside an idle monitored pair (a writer that writes nothing into a reader).
    const sleeper = namedLink(dir, '/bin/sleep', comms[2]);
    const pair = rate === 'pair' ? spawn('/bin/sh', ['-c', '"$0" "$2" | "$1" 2>/dev/null', sleeper, reader, String(opt.seconds)], { stdio: 'inherit' }) : undefined;
    const started = performance.now();
    if (pair) await new Promise((r) => pair.on('close', r));
    else await sleep(opt.seconds * 1000);
    const c1 = sampler.mark();
    const t1 = threadTicks(mon.pids()[0]);
    const wakesPerS = (mainWakes(mon.pids()[0]) - w0) / ((performance.now() - wakeStart) / 1000);
    const secs = (performance.now() - started) / 1000;
    sampler.stop();
    await mon.stop(20_000);
    tailer.close();
    return { which, rate, sent: 0, steadyPerS: (c1.ticks - c0.ticks) / CLK_TCK / secs, cpuPerS: (c1.ticks - c0.ticks) / CLK_TCK / secs, mainPerS: (t1.main - t0.main) / CLK_TCK / secs, restPerS: (t1.rest - t0.rest) / CLK_TCK / secs, wakesPerS, p50: NaN, p99: NaN, load: loadAvg() };
  }
  const gen = spawn('/bin/sh', ['-c', '"$0" "$2" "$3" "$5" 2>"$4.w" | "$1" 2>"$4.r"', writer, reader, String(opt.seconds), String(rate), join(dir, `gen-${which}-${n}-${rate}`), String(opt.texts)], { stdio: 'inherit' });
  // The steady part: CPU from WARM_S after the traffic starts until the writer ends (the first seconds carry the
  // monitor's warm-up: code compiled, caches and the heap grown), in CPU-s per second.
  let warm;
  const warmTimer = setTimeout(() => { warm = { ticks: sampler.ticks(), at: performance.now() }; }, WARM_S * 1000);
  await new Promise((r) => gen.on('close', r));
  clearTimeout(warmTimer);
  const steadyPerS = warm ? (sampler.ticks() - warm.ticks) / CLK_TCK / ((performance.now() - warm.at) / 1000) : NaN;
  const [sent, elapsedNs] = readFileSync(join(dir, `gen-${which}-${n}-${rate}.w`), 'utf8').trim().split(' ').map(Number);
  const settled = await waitSettled(() => req.captured, sent, 5_000, opt.settleS * 1000);
  const c1 = sampler.mark();
  const t1 = threadTicks(mon.pids()[0]);
  const wakesPerS = (mainWakes(mon.pids()[0]) - w0) / ((performance.now() - wakeStart) / 1000);
  // RSS max per 10-s window (samples every 500 ms from the monitor's start): does it still grow late in the run?
  const windows = [];
  for (let i = 0; i < sampler.rss.length; i += 20) windows.push(Math.round(Math.max(...sampler.rss.slice(i, i + 20)) / 1024));
  const mem = sampler.stop();
  // The security stage's counters (with --security): what it judged and its verdict cache.
  const sec = (await scrapeCounters(mon.metricsPorts)).counters.security ?? {};
  await mon.stop(20_000);
  tailer.close();
  const p = percentiles(req.latencies);
  const cpuS = (c1.ticks - c0.ticks) / CLK_TCK;
  const captured = req.captured;
  const secs = elapsedNs / 1e9;
  return { which, rate, steadyPerS, cpuPerS: cpuS / secs, mainPerS: (t1.main - t0.main) / CLK_TCK / secs, restPerS: (t1.rest - t0.rest) / CLK_TCK / secs, wakesPerS, sent, captured, settled, usPerMsg: (cpuS * 1e6) / Math.max(1, sent), p50: p.p50, p99: p.p99, rssMax: mem.rssMaxMb, windows, achieved: sent / (elapsedNs / 1e9), load: loadAvg(), sec };
}

const med = (xs) => { const s = [...xs].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
if (opt.rates) {
  // The cost model: every rate in every round, A and B interleaved, the order of the rates reversed every other round.
  const rates = String(opt.rates).split(',').filter(Boolean);
  const byRate = { A: new Map(), B: new Map() };
  for (let n = 0; n < opt.rounds; n++) {
    for (const rate of n % 2 === 0 ? rates : [...rates].reverse()) {
      for (const which of n % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
        const r = await round(which, n, rate);
        if (!byRate[which].has(rate)) byRate[which].set(rate, []);
        byRate[which].get(rate).push(r);
        console.log(`  ${which} round ${n + 1}, rate ${rate}: ${fmt(r.cpuPerS * 100, 2)}% of a core (main thread ${fmt(r.mainPerS * 100, 2)}%, other threads ${fmt(r.restPerS * 100, 2)}%; main thread ${fmt(r.wakesPerS, 0)} wake-ups/s)${r.sent ? `, after ${WARM_S} s ${fmt(r.steadyPerS * 100, 2)}%, ${fmt(r.usPerMsg, 1)} µs/msg, captured ${fmt(r.captured)} of ${fmt(r.sent)}, achieved ${fmt(r.achieved)} msg/s, p50 / p99 ${fmt(r.p50, 1)} / ${fmt(r.p99, 1)} ms` : ''}, load ${r.load}`);
      }
    }
  }
  for (const which of ['A', 'B']) {
    console.log(`${which} (${bins[which]}), medians per rate:`);
    const pts = [];
    const steady = [];
    for (const rate of rates) {
      const rs = byRate[which].get(rate);
      const x = rate === 'pair' ? NaN : Number(rate);
      const y = med(rs.map((r) => r.cpuPerS));
      const ys = med(rs.map((r) => r.steadyPerS));
      if (Number.isFinite(x)) pts.push([x, y]);
      if (Number.isFinite(x) && Number.isFinite(ys)) steady.push([x, ys]);
      console.log(`  ${rate.padStart(6)}: ${fmt(y * 100, 2)}% of a core (main ${fmt(med(rs.map((r) => r.mainPerS)) * 100, 2)}%, others ${fmt(med(rs.map((r) => r.restPerS)) * 100, 2)}%; ${fmt(med(rs.map((r) => r.wakesPerS)), 0)} main-thread wake-ups/s, ${fmt((med(rs.map((r) => r.mainPerS)) / med(rs.map((r) => r.wakesPerS))) * 1e6, 0)} µs of main-thread CPU per wake-up)${x > 0 ? `, ${fmt((y / x) * 1e6, 1)} µs/msg; after the first ${WARM_S} s ${fmt(ys * 100, 2)}%, ${fmt((ys / x) * 1e6, 1)} µs/msg; p50 / p99 ${fmt(med(rs.map((r) => r.p50)), 1)} / ${fmt(med(rs.map((r) => r.p99)), 1)} ms` : ''}`);
    }
    // Least squares over the rates with a number (0 included): CPU-s per second = F + b·rate.
    const withTraffic = pts.filter(([x]) => x > 0);
    for (const [label, set] of [['0 and traffic', pts], ['traffic only', withTraffic], [`0 and traffic after the first ${WARM_S} s`, steady], [`traffic after the first ${WARM_S} s`, steady.filter(([x]) => x > 0)]]) {
      if (set.length < 2) continue;
      const mx = set.reduce((a, [x]) => a + x, 0) / set.length;
      const my = set.reduce((a, [, y]) => a + y, 0) / set.length;
      const b = set.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / set.reduce((a, [x]) => a + (x - mx) ** 2, 0);
      const F = my - b * mx;
      console.log(`  fit over ${label}: F = ${fmt(F * 100, 2)}% of a core, b = ${fmt(b * 1e6, 2)} µs per message`);
    }
  }
  console.log(`load ${loadAvg()}`);
  process.exit(0);
}

const results = { A: [], B: [] };
for (let n = 0; n < opt.rounds; n++) {
  for (const which of n % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const r = await round(which, n);
    results[which].push(r);
    console.log(`  ${which} round ${n + 1}: ${fmt(r.usPerMsg, 1)} µs CPU/msg, captured ${fmt(r.captured)} of ${fmt(r.sent)} (${r.settled}), p50 / p99 ${fmt(r.p50, 1)} / ${fmt(r.p99, 1)} ms, RSS max ${fmt(r.rssMax)} MB (per 10 s: ${r.windows.join(' / ')}), achieved ${fmt(r.achieved)} msg/s, load ${r.load}${r.sec.messages ? `; security: ${fmt(r.sec.messages)} messages, ${fmt(r.sec.texts ?? 0)} texts, verdict cache ${fmt(r.sec.verdict_cache_hits ?? 0)} hits / ${fmt(r.sec.verdict_cache_misses ?? 0)} misses / ${fmt(r.sec.verdict_cache_first_sight ?? 0)} first sights / ${fmt(r.sec.verdict_cache_evictions ?? 0)} evictions, ${fmt(r.sec.alerts ?? 0)} alerts` : ''}`);
  }
}
const a = med(results.A.map((r) => r.usPerMsg));
const b = med(results.B.map((r) => r.usPerMsg));
console.log(`median µs CPU/msg: A ${fmt(a, 1)}, B ${fmt(b, 1)}, B/A ${fmt(b / a, 2)}; load ${loadAvg()}`);
const p = (which, k) => fmt(med(results[which].map((r) => r[k])), 1);
console.log(`median p50 / p99 ms: A ${p('A', 'p50')} / ${p('A', 'p99')}, B ${p('B', 'p50')} / ${p('B', 'p99')}; median RSS max MB: A ${p('A', 'rssMax')}, B ${p('B', 'rssMax')}`);
