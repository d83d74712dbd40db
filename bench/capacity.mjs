#!/usr/bin/env node
// Capacity of the embedded monitor: runs the pipeline-stdio traffic (C writer
// → pipe → C reader, MCP tools/call lines with their send time) at rising
// rates, a fresh `mcpspy --tui=false -q -o FILE --comm ...` per step, until a
// step loses a message, its write → JSONL p99 exceeds the limit, or the
// writer cannot reach the rate. Prints one row per step and the highest rate
// that passed. Needs root and a build (`npm run build`, `make -C bpf`).
//   node bench/capacity.mjs [--from 10000] [--step 10000] [--max 100000] [--seconds 10] [--p99-ms 50]
//     [--a OTHER_TREE [--b .] [--rounds 1]] [--a-env "VAR=v ..."] [--b-env "VAR=v ..."] [--trace]
// --a: two builds; every step runs both (A then B, B then A at the next step and round), each build's ladder stops on
//   its own, and every rate is run `--rounds` times per build (a build stops at the first round that fails a rate).
// --trace: the monitor records its drains, JSONL writes, GC pauses and event-loop delay (MCPSPY_TURN_TRACE, in
//   libs/runtime/src/turn-trace.ts; a build without it records nothing) and each step prints where a message waited:
//   in the ring (kernel time → drain), in the turn (drain → its last write), and what the long turns coincided with.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  compileFixture, fmt, loadAvg, namedLink, parseArgs, percentiles, ProcSampler, requireRoot, ROOT, scrapeCounters, tailRequests,
  scratchDir, sleep, startEmbedded, uniqueTag, waitSettled,
} from './pipeline-common.mjs';

const opt = parseArgs({ from: 10_000, step: 10_000, max: 100_000, seconds: 10, p99Ms: 50, settleS: 30, a: '', b: ROOT, rounds: 1, aEnv: '', bEnv: '', trace: false });
requireRoot();
const envOf = (spec) => Object.fromEntries(String(spec).split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const builds = opt.a
  ? [{ name: 'A', bin: join(resolve(opt.a), 'bin/mcpspy.js'), env: envOf(opt.aEnv) }, { name: 'B', bin: join(resolve(opt.b), 'bin/mcpspy.js'), env: envOf(opt.bEnv) }]
  : [{ name: '', bin: join(resolve(opt.b), 'bin/mcpspy.js'), env: envOf(opt.bEnv) }];
const dir = scratchDir('bench-capacity');
const tag = uniqueTag();
const writer = namedLink(dir, compileFixture(dir, 'stdio-writer'), `mcpcw-${tag}`);
const reader = namedLink(dir, compileFixture(dir, 'stdio-reader'), `mcpcr-${tag}`);
const comms = [`mcpcw-${tag}`, `mcpcr-${tag}`];
const load0 = loadAvg();
console.log(`capacity (embedded): ${opt.seconds} s per step from ${fmt(opt.from)} msg/s by ${fmt(opt.step)}; stop at loss, p99 > ${opt.p99Ms} ms or a rate the writer cannot reach; load ${load0}`);
for (const b of builds) if (b.name) console.log(`  ${b.name} = ${b.bin} ${opt[`${b.name.toLowerCase()}Env`]}`);

const q = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
const sortNum = (a) => Float64Array.from(a).sort();
const dist = (a, d = 1) => {
  const s = sortNum(a);
  return `${fmt(q(s, 50), d)}/${fmt(q(s, 99), d)}/${fmt(s[s.length - 1], d)}`;
};

/** What the monitor's MCPSPY_TURN_TRACE file says about one step (traffic window only). */
function traceSummary(file, t0Perf) {
  if (!existsSync(file)) return undefined;
  const t = JSON.parse(readFileSync(file, 'utf8'));
  const rows = (s) => {
    const out = [];
    for (let i = 0; i < s.data.length; i += s.fields.length) out.push(s.data.slice(i, i + s.fields.length));
    return out;
  };
  const all = rows(t.drains);
  const drains = all.filter((d) => d[3] > 0);
  const writes = rows(t.writes);
  const gcs = rows(t.gc);
  if (!drains.length) return { text: '    trace: no drain with records' };
  const first = drains[0][0];
  // For each drain with records: the last write that started before the next drain (the turn's lines).
  const turnLat = [];
  const ringWait = [];
  const long = [];
  let w = 0;
  for (let i = 0; i < drains.length; i++) {
    const [start, late, dur, records, pending, oldest] = drains[i];
    const next = i + 1 < drains.length ? drains[i + 1][0] : start + 1000;
    while (w < writes.length && writes[w][0] < start) w++;
    let lastEnd = NaN;
    let k = w;
    while (k < writes.length && writes[k][0] < next) {
      lastEnd = writes[k][0] + writes[k][1];
      k++;
    }
    const wait = start - oldest;
    ringWait.push(wait);
    const lat = lastEnd - oldest;
    if (Number.isFinite(lat)) turnLat.push(lat);
    if (lat > opt.p99Ms) {
      const gcIn = gcs.filter((g) => g[0] + g[1] > oldest && g[0] < lastEnd).reduce((s, g) => s + g[1], 0);
      // The main thread between the last drain that started before the oldest record and this one: CPU used, time
      // runnable but waiting for a CPU (the machine's load), the rest idle or blocked.
      let j = all.findIndex((d) => d[0] === start);
      const jEnd = j;
      while (j > 0 && all[j][0] > oldest) j--;
      const span = all[jEnd][0] - all[j][0];
      const cpuIn = all[jEnd][6] - all[j][6];
      const runWait = all[jEnd][7] - all[j][7];
      long.push({ at: start - first, late, dur, records, pending, wait, lat, gcIn, span, cpuIn, runWait });
    }
  }
  const gcByKind = {};
  for (const g of gcs) {
    const k = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak-cb' }[g[2]] ?? String(g[2]);
    gcByKind[k] ??= { n: 0, ms: 0, max: 0 };
    gcByKind[k].n++;
    gcByKind[k].ms += g[1];
    gcByKind[k].max = Math.max(gcByKind[k].max, g[1]);
  }
  const lines = [];
  lines.push(`    turns with records ${fmt(drains.length)}: length ms p50/p99/max ${dist(drains.map((d) => d[2]))}, timer late ms ${dist(drains.map((d) => d[1]))}, records ${dist(drains.map((d) => d[3]), 0)}, ring KB at start ${dist(drains.map((d) => d[4] / 1024), 0)}`);
  lines.push(`    wait in the ring (kernel time → drain) ms ${dist(ringWait)}; oldest record → its turn's last write ms ${dist(turnLat)}; writes ${fmt(writes.length)}: ms ${dist(writes.map((x) => x[1]), 2)}, KB ${dist(writes.map((x) => x[2] / 1024), 0)}`);
  const span = all[all.length - 1][0] - first;
  const firstAll = all.findIndex((d) => d[0] === first);
  lines.push(`    main thread from the first record on (${fmt(span / 1000, 1)} s): CPU ${fmt((100 * (all[all.length - 1][6] - all[firstAll][6])) / span, 1)}%, runnable but waiting for a CPU ${fmt((100 * (all[all.length - 1][7] - all[firstAll][7])) / span, 1)}% of the time`);
  lines.push(`    GC ${Object.entries(gcByKind).map(([k, v]) => `${k} ${v.n}× ${fmt(v.ms, 0)} ms (max ${fmt(v.max, 1)})`).join(', ')}; event-loop delay ms p50/p99/max ${t.eventLoopDelayMs ? `${t.eventLoopDelayMs.p50}/${t.eventLoopDelayMs.p99}/${t.eventLoopDelayMs.max}` : '-'}`);
  if (long.length) {
    lines.push(`    turns whose oldest record waited > ${opt.p99Ms} ms to its write: ${long.length} (${fmt((100 * long.length) / drains.length, 1)}%); the worst:`);
    for (const l of long.sort((x, y) => y.lat - x.lat).slice(0, 6)) {
      lines.push(`      at ${fmt(l.at / 1000, 2)} s: ${fmt(l.lat, 1)} ms = ring ${fmt(l.wait, 1)} (timer late ${fmt(l.late, 1)}) + turn; turn ${fmt(l.dur, 1)} ms, ${fmt(l.records)} records, ${fmt(l.pending / 1024)} KB; GC inside ${fmt(l.gcIn, 1)} ms; main thread over the ${fmt(l.span, 0)} ms before the drain: CPU ${fmt(l.cpuIn, 0)} ms, waiting for a CPU ${fmt(l.runWait, 0)} ms`);
    }
  }
  return { text: lines.join('\n') };
}

async function step(build, rate, n) {
  const output = join(dir, `out-${n}.jsonl`);
  const traceFile = join(dir, `trace-${n}.json`);
  const req = tailRequests(output, opt.seconds * rate);
  const tailer = req.tailer;
  const env = { ...build.env, ...(opt.trace === true || opt.trace === 'true' ? { MCPSPY_TURN_TRACE: traceFile } : {}) };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let mon;
  try {
    mon = await startEmbedded({ output, comms, bin: build.bin });
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  const sampler = new ProcSampler(mon.pids);
  await sleep(500);
  const c0 = sampler.mark();
  const gen = spawn('/bin/sh', ['-c', '"$0" "$2" "$3" 2>"$4.w" | "$1" 2>"$4.r"', writer, reader, String(opt.seconds), String(rate), join(dir, `gen-${n}`)], { stdio: 'inherit' });
  await new Promise((r) => gen.on('close', r));
  const c1 = sampler.mark();
  const [sent, elapsedNs] = readFileSync(join(dir, `gen-${n}.w`), 'utf8').trim().split(' ').map(Number);
  await waitSettled(() => req.captured, sent, 5_000, opt.settleS * 1000);
  const { counters } = await scrapeCounters(mon.metricsPorts);
  const mem = sampler.stop();
  await mon.stop(20_000);
  tailer.close();
  const p = percentiles(req.latencies);
  // The same without the first 2 s of traffic (the monitor's warm-up: V8 compiling its hot paths).
  const late = percentiles(req.latencies.slice(Math.min(req.latencies.length, 2 * rate)));
  const achieved = sent / (elapsedNs / 1e9);
  const cpu = ProcSampler.cpuPercent(c0, c1);
  const probe = counters.probe ?? {};
  return {
    rate, sent, achieved, captured: req.captured, missing: sent - req.captured, p50: p.p50, p99: p.p99, p99Late: late.p99, rssMax: mem.rssMaxMb, cpu,
    cpuUsPerMsg: ((cpu / 100) * (elapsedNs / 1e9) * 1e6) / Math.max(1, sent),
    drops: `${fmt(probe.ringbuf_full)}/${fmt(probe.lost_bytes)}/${fmt(probe.batches_dropped)}`,
    load: loadAvg(),
    trace: env.MCPSPY_TURN_TRACE ? traceSummary(traceFile) : undefined,
  };
}

const state = Object.fromEntries(builds.map((b) => [b.name, { best: 0, stopped: undefined, failed: undefined, rows: {} }]));
let n = 0;
for (let rate = opt.from, s = 0; rate <= opt.max; rate += opt.step, s++) {
  for (let round = 0; round < opt.rounds; round++) {
    // Alternate which build goes first, step by step and round by round.
    const order = (s + round) % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      const st = state[build.name];
      if (st.stopped) continue;
      const r = await step(build, rate, n++);
      console.log(
        `  ${build.name ? `${build.name} ` : ''}${fmt(rate).padStart(7)} msg/s: achieved ${fmt(r.achieved).padStart(7)}, captured ${fmt(r.captured)} of ${fmt(r.sent)}, p50/p99 ${fmt(r.p50, 1)}/${fmt(r.p99, 1)} ms (p99 after 2 s ${fmt(r.p99Late, 1)}), ` +
          `CPU ${fmt(r.cpu, 1)}% (${fmt(r.cpuUsPerMsg, 1)} µs/msg), RSS max ${fmt(r.rssMax)} MB, drops full/lostB/batches ${r.drops}, load ${r.load}`,
      );
      if (r.trace) console.log(r.trace.text);
      // Every round of a rate runs; a failed round stops the build's ladder after them.
      if (r.missing > 0) st.failed ??= `${fmt(r.missing)} messages lost at ${fmt(rate)} msg/s`;
      else if (r.p99 > opt.p99Ms) st.failed ??= `p99 ${fmt(r.p99, 1)} ms > ${opt.p99Ms} ms at ${fmt(rate)} msg/s`;
      else if (r.achieved < rate * 0.95) st.failed ??= `the writer reached only ${fmt(r.achieved)} of ${fmt(rate)} msg/s`;
      (st.rows[rate] ??= []).push(r);
    }
  }
  for (const build of builds) {
    const st = state[build.name];
    const rs = st.rows[rate];
    if (rs?.length > 1) {
      const med = (k) => Float64Array.from(rs.map((x) => x[k])).sort()[Math.floor(rs.length / 2)];
      console.log(`  ${build.name} ${fmt(rate)} msg/s over ${rs.length} rounds, medians: p99 ${fmt(med('p99'), 1)} ms, p99 after 2 s ${fmt(med('p99Late'), 1)} ms, ${fmt(med('cpuUsPerMsg'), 1)} µs/msg`);
    }
    if (st.failed && !st.stopped) st.stopped = st.failed;
  }
  for (const build of builds) if (!state[build.name].stopped) state[build.name].best = rate;
  if (builds.every((b) => state[b.name].stopped)) break;
}
for (const build of builds) {
  const { best, stopped } = state[build.name];
  console.log(`capacity${build.name ? ` ${build.name}` : ''}: ${best ? `${fmt(best)} msg/s with zero loss and p99 <= ${opt.p99Ms} ms` : `below ${fmt(opt.from)} msg/s`}; stopped: ${stopped ?? `reached --max ${fmt(opt.max)}`}`);
}
console.log(`load ${load0} → ${loadAvg()}`);
process.exit(0);
