#!/usr/bin/env node
// Whole-pipeline benchmark over stdio: a C writer sends MCP tools/call
// requests (~200-400 B, distinct ids, the send time in params.sent_us) through
// a pipe to a C reader at a fixed rate, while the monitor captures them into a
// JSONL file. Reports completeness (sent vs lines), probe drops, latency from
// write(2) to the line appearing in the file, monitor memory and CPU, each
// beside its target from ARCHITECTURE.md "Performance targets".
// Needs root and a build (`npm run build`, `make -C bpf`).
//   node bench/pipeline-stdio.mjs [--seconds 60] [--rate 10000] [--mode embedded|nats] [--settle-s 120] [--progress-ms 10000]
// --mode nats runs nats-server (JetStream) + redis-server and every stage as
// its own `mcpspy serve <stage>` process; memory and CPU are then the sum of
// the five stage processes (nats-server and redis-server shown apart).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import {
  CLK_TCK, compileFixture, emitResult, fmt, JsonlTailer, loadAvg, namedLink, parseArgs, percentiles, printTable, ProcSampler,
  observeHops, requireRoot, scrapeCounters, scratchDir, sleep, startEmbedded, startStack, uniqueTag, verdict, waitSettled, wireDelta, wireStats,
} from './pipeline-common.mjs';

// --texts same|unique|mix: how the writer's texts repeat (bench/fixtures/stdio-writer.c; default same, the old traffic).
const opt = parseArgs({ seconds: 60, rate: 10000, mode: 'embedded', progressMs: 10_000, settleS: 120, pretrafficS: 0, texts: 'same' });
requireRoot();
const dir = scratchDir('bench-stdio');
const tag = uniqueTag();
const writer = namedLink(dir, compileFixture(dir, 'stdio-writer'), `mcpbw-${tag}`);
const reader = namedLink(dir, compileFixture(dir, 'stdio-reader'), `mcpbr-${tag}`);
const comms = [`mcpbw-${tag}`, `mcpbr-${tag}`];
const output = join(dir, 'out.jsonl');
const load0 = loadAvg();

const expected = Math.ceil(opt.seconds * opt.rate * 1.2) + 1000;
const seen = new Uint8Array(expected);
const latencies = [];
const sentAt = [];
let captured = 0;
let duplicates = 0;
let foreign = 0;
const SENT = /"sent_us":(\d+)/;
const ID = /"id":(\d+)/;
const tailer = new JsonlTailer(output, (line, at) => {
  const s = SENT.exec(line);
  const id = ID.exec(line);
  // (--texts mix also sends responses, each with its own id and its sent_us in result._meta)
  if (!s || !id || !(line.includes('"type":"request"') || line.includes('"type":"response"'))) {
    foreign++;
    return;
  }
  const n = Number(id[1]);
  if (n < seen.length) {
    if (seen[n]) {
      duplicates++;
      return;
    }
    seen[n] = 1;
  }
  captured++;
  const sentMs = Number(s[1]) / 1000;
  latencies.push(at - sentMs);
  sentAt.push(sentMs);
});

console.log(`pipeline-stdio: mode ${opt.mode}, texts ${opt.texts}, ${fmt(opt.rate)} msg/s for ${opt.seconds} s, comms ${comms.join(',')}, load ${load0}`);
const mon = opt.mode === 'nats' ? await startStack({ dir, output, comms }) : await startEmbedded({ output, comms });
const sampler = new ProcSampler(mon.pids);
// Through NATS, where the time goes: write -> mcp.message published (probe,
// http-session, mcp-parser) and write -> verdict (security); the rest is the sink.
// MCPSPY_BENCH_NO_HOPS=1: no observer (it subscribes to the raw and mcp.message subjects, and nats-server's CPU for
// delivering to it counts in "nats + redis"); the hop latencies are then not printed.
const hops = mon.natsUrl && !process.env.MCPSPY_BENCH_NO_HOPS ? await observeHops(mon.natsUrl) : undefined;
const infra = mon.others.length ? new ProcSampler(() => mon.others.map((p) => p.pid)) : undefined;
// --pretraffic-s N: N s of the same traffic first (other processes, same names), then 2 s of quiet, then the
// measured run: tells a cost of the stack's start from a cost of any traffic's onset on a stack already warm.
if (opt.pretrafficS > 0) {
  const pre = spawn('/bin/sh', ['-c', '"$0" "$2" "$3" "$4" 2>/dev/null | "$1" 2>/dev/null', writer, reader, String(opt.pretrafficS), String(opt.rate), String(opt.texts)], { stdio: 'inherit' });
  await new Promise((r) => pre.on('close', r));
  await waitSettled(() => captured + duplicates, Math.ceil(opt.pretrafficS * opt.rate), 3_000, 60_000);
  await sleep(2_000);
  console.log(`pre-traffic: ${fmt(captured)} lines in ${opt.pretrafficS} s, then 2 s quiet`);
  seen.fill(0);
  latencies.length = 0;
  sentAt.length = 0;
  captured = 0;
  duplicates = 0;
  foreign = 0;
  hops?.messageLatencies.splice(0);
  hops?.rawLatencies.splice(0);
}
await sleep(1_000);
const idleRssMb = sampler.sample() / 1024;

const wire0 = process.env.MCPSPY_BENCH_WIRE && opt.mode === 'nats' ? await wireStats(mon) : undefined;
const trafficFrom = performance.timeOrigin + performance.now();
const cpu0 = sampler.mark();
const benchCpu0 = process.cpuUsage();
const infra0 = infra?.mark();
const t0 = performance.now();
for (const p of mon.procs) p.note?.('traffic start');
const gen = spawn('/bin/sh', ['-c', '"$0" "$2" "$3" "$5" 2>"$4.w" | "$1" 2>"$4.r"', writer, reader, String(opt.seconds), String(opt.rate), join(dir, 'gen'), String(opt.texts)], { stdio: 'inherit' });
// Latency per window shows whether a tail is a start-up transient or steady.
let windowFrom = 0;
let hopFrom = 0;
let rawFrom = 0;
let countsFrom = hops ? { ...hops.counts } : undefined;
let messagesFrom = 0;
let markFrom = cpu0;
const lastDelay = new Map();
const runDelayMs = (pid) => {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
};
for (const p of mon.procs) lastDelay.set(p.pid, runDelayMs(p.pid));
// MCPSPY_BENCH_THREADS=1: each window also splits each stage's CPU into its main thread (JavaScript, and what V8 does
// on it: interpreter, baseline compiles, GC pauses) and its other threads (V8's workers: concurrent optimizing
// compiles, parallel and concurrent GC; libuv's), from /proc/PID/task/TID/schedstat (ns, not 10-ms ticks).
const threadSplit = process.env.MCPSPY_BENCH_THREADS ? new Map() : undefined;
const threadNs = (pid) => {
  let main = 0;
  let other = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        if (Number(tid) === pid) main += ns;
        else other += ns;
      } catch {
        /* the thread ended */
      }
    }
  } catch {
    /* the process ended */
  }
  return { main, other };
};
if (threadSplit) for (const p of mon.procs) threadSplit.set(p.pid, threadNs(p.pid));
let benchCpuFrom = process.cpuUsage();
// This process's own event-loop delay per window: its tailer and observer time every line, so a stall here would show as latency.
const eld = monitorEventLoopDelay({ resolution: 5 });
eld.enable();
const progress = setInterval(() => {
  const s = Math.round((performance.now() - t0) / 1000);
  const w = percentiles(latencies.slice(windowFrom));
  windowFrom = latencies.length;
  // Through NATS: the same window's write -> mcp.message p99 (probe + http-session + mcp-parser; the rest is security + sink).
  let hop = '';
  if (hops) {
    const h = percentiles(hops.messageLatencies.slice(hopFrom));
    hopFrom = hops.messageLatencies.length;
    const r = percentiles(hops.rawLatencies.slice(rawFrom));
    rawFrom = hops.rawLatencies.length;
    // How many NATS messages carried the window's traffic: raw batches, and mcp.message batches with their mean events.
    const nm = hops.counts.messageNats - countsFrom.messageNats;
    const nr = hops.counts.raw - countsFrom.raw;
    const ev = hops.messageLatencies.length - messagesFrom;
    countsFrom = { ...hops.counts };
    messagesFrom = hops.messageLatencies.length;
    hop = ` (to raw ${fmt(r.p99, 1)}, to mcp.message ${fmt(h.p99, 1)}; ${fmt(nr)} raw batches, ${fmt(nm)} mcp.message batches of ${fmt(nm ? ev / nm : 0, 1)})`;
  }
  // Through NATS: each stage's CPU % in the window (which stage is busy while a backlog builds).
  // and how long its main thread waited for a CPU (schedstat run delay): busy or starved.
  if (mon.procs.length > 1) {
    const m = sampler.mark();
    hop += ` [${mon.procs.map((p) => {
      const d = runDelayMs(p.pid);
      const w = d - (lastDelay.get(p.pid) ?? d);
      lastDelay.set(p.pid, d);
      return `${p.name.replace('mcpspy serve ', '')} ${fmt(ProcSampler.cpuPercentOf(markFrom, m, p.pid))}%/${fmt(w)}ms`;
    }).join(' ')}]`;
    markFrom = m;
  }
  if (threadSplit) {
    hop += ` threads main+other ms [${mon.procs.map((p) => {
      const now = threadNs(p.pid);
      const was = threadSplit.get(p.pid) ?? now;
      threadSplit.set(p.pid, now);
      return `${p.name.replace('mcpspy serve ', '')} ${fmt((now.main - was.main) / 1e6)}+${fmt((now.other - was.other) / 1e6)}`;
    }).join(' ')}]`;
    const b = process.cpuUsage(benchCpuFrom);
    benchCpuFrom = process.cpuUsage();
    hop += ` bench CPU ${fmt((b.user + b.system) / 1000)} ms`;
  }
  hop += ` bench loop delay max ${fmt(eld.max / 1e6, 0)} ms`;
  eld.reset();
  for (const p of mon.procs) p.note?.(`window end ${fmt(performance.now() - t0, 0)} ms`);
  console.log(`  ${s} s: ${fmt(captured)} lines, window p50/p99 ${fmt(w.p50, 1)}/${fmt(w.p99, 1)} ms${hop}, RSS ${fmt((sampler.rss.at(-1) ?? 0) / 1024)} MB, load ${loadAvg()}`);
}, opt.progressMs);
// CPU per message in the first second of traffic, per stage: the start-up cost (cold code), whatever the load.
let firstSecond;
const firstSecondTimer = setTimeout(() => {
  firstSecond = { mark: sampler.mark(), lines: captured, messages: hops ? hops.messageLatencies.length : captured };
}, 1000);
await new Promise((r) => gen.on('close', r));
clearTimeout(firstSecondTimer);
clearInterval(progress);
eld.disable();
const cpu1 = sampler.mark();
const benchCpu = process.cpuUsage(benchCpu0);
const infra1 = infra?.mark();
const [sent, elapsedNs, sentBytes] = readFileSync(join(dir, 'gen.w'), 'utf8').trim().split(' ').map(Number);
const readBytes = Number(readFileSync(join(dir, 'gen.r'), 'utf8').trim());
const settled = await waitSettled(() => captured, sent, 5_000, opt.settleS * 1000);
const drainMs = performance.now() - t0 - elapsedNs / 1e6;
// Through NATS security is off the write -> line path (verdicts asynchronous): it may still be judging when the last
// line is written. Its CPU counts only once it has judged every message (security's `messages`), at most --settle-s.
let securityLagMs = 0;
if (opt.mode === 'nats') {
  const from = performance.now();
  const deadline = from + opt.settleS * 1000;
  while (performance.now() < deadline && ((await scrapeCounters(mon.metricsPorts)).counters.security?.messages ?? 0) < sent) await sleep(50);
  securityLagMs = performance.now() - from;
}
const cpu2 = sampler.mark();
const wire = wire0 ? wireDelta(wire0, await wireStats(mon), sent) : undefined;
if (wire) {
  console.log(`wire per MCP message: nats ${Object.entries(wire.nats).filter(([k]) => k !== 'cpu_us').map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ')}`);
  console.log(`wire per MCP message: CPU nats-server ${fmt(wire.nats.cpu_us, 1)} µs, redis-server ${fmt(wire.redis.cpu_us, 1)} µs`);
  for (const [name, c] of Object.entries(wire.conns ?? {}).sort()) {
    console.log(`wire per MCP message: ${name} sent ${fmt(c.sent_msgs, 4)} msgs ${fmt(c.sent_bytes, 0)} B, received ${fmt(c.got_msgs, 4)} msgs ${fmt(c.got_bytes, 0)} B; ${c.subs.length} subscriptions${process.env.MCPSPY_BENCH_WIRE === 'subs' ? `: ${c.subs.join(' ')}` : ''}`);
  }
  console.log(`wire per MCP message: redis ${Object.entries(wire.redis).filter(([, v]) => v && typeof v === 'object' && v.calls > 0.001).map(([k, v]) => `${k} ${fmt(v.calls, 3)} calls ${fmt(v.usec, 2)} µs`).join(', ')}`);
}
const infra2 = infra?.mark();
const { counters, failed } = await scrapeCounters(mon.metricsPorts);
const loadEnd = loadAvg();
const mem = sampler.stop();
const infraMem = infra?.stop();
const stopped = await mon.stop(30_000);
tailer.close();

const lat = percentiles(latencies);
// Without the first 10% of the run: tells a start-up backlog from a steady one.
const steadyFrom = trafficFrom + opt.seconds * 100;
const steady = percentiles(latencies.filter((_, i) => sentAt[i] >= steadyFrom));
const probe = counters.probe ?? {};
const bus = counters.bus ?? {};
const cpu = ProcSampler.cpuPercent(cpu0, cpu1);
const p99Target = opt.mode === 'nats' ? 100 : 50;
const missing = sent - captured;
const rows = [
  ['messages sent (writer)', fmt(sent), '', ''],
  ['achieved rate (msg/s)', fmt(sent / (elapsedNs / 1e9)), `${fmt(opt.rate)}`, ''],
  ['bytes written / read by reader', `${fmt(sentBytes)} / ${fmt(readBytes)}`, '', ''],
  ['lines captured in JSONL', fmt(captured), `= sent`, verdict(missing === 0)],
  ['missing (sent - captured)', fmt(missing), '0', verdict(missing === 0)],
  ['duplicate lines / other lines', `${fmt(duplicates)} / ${fmt(foreign)}`, '0', verdict(duplicates === 0)],
  ['probe ringbuf_full', fmt(probe.ringbuf_full), 'counted', ''],
  ['probe lost_bytes', fmt(probe.lost_bytes), 'counted', ''],
  ['probe batches_dropped', fmt(probe.batches_dropped), 'counted', ''],
  ['probe events / gaps', `${fmt(probe.events)} / ${fmt(probe.gaps)}`, '', ''],
  ['bus backpressure_waits', fmt(bus.backpressure_waits), '', ''],
  ['latency write->line p50 (ms)', fmt(lat.p50, 1), '', ''],
  ['latency p95 (ms)', fmt(lat.p95, 1), '', ''],
  ['latency p99 (ms)', fmt(lat.p99, 1), `<= ${p99Target}`, verdict(lat.p99 <= p99Target)],
  ['latency max (ms)', fmt(lat.max, 1), '', ''],
  ['  after the first 10% of the run: p50 / p99 (ms)', `${fmt(steady.p50, 1)} / ${fmt(steady.p99, 1)}`, '', ''],
  ['monitor RSS idle before traffic (MB)', fmt(idleRssMb), '', ''],
  [`monitor RSS max (MB${opt.mode === 'nats' ? ', 5 stages summed' : ''})`, fmt(mem.rssMaxMb), opt.mode === 'nats' ? '<= 600' : '<= 300', verdict(mem.rssMaxMb <= (opt.mode === 'nats' ? 600 : 300))],
  ['monitor RSS mean (MB)', fmt(mem.rssMeanMb), '', ''],
  // Shared pages (node's text, libraries) counted once instead of once per process.
  [`monitor PSS max (MB${opt.mode === 'nats' ? ', 5 stages' : ''})`, fmt(mem.pssMaxMb), opt.mode === 'nats' ? '<= 600' : '', opt.mode === 'nats' ? verdict(mem.pssMaxMb <= 600) : ''],
  ['monitor CPU during traffic (% of 1 core)', fmt(cpu, 1), '', ''],
  ['this bench process CPU, mostly the JSONL tailer (%)', fmt(((benchCpu.user + benchCpu.system) / 1000 / (elapsedNs / 1e6)) * 100, 1), '', ''],
  ['drain after writer stopped (ms)', fmt(drainMs), '', settled],
  ...(opt.mode === 'nats' ? [['security judged every message (ms after the last line; CPU counted until then)', `${fmt(securityLagMs)}; ${fmt(counters.security?.messages)} judged`, '', '']] : []),
  ...(counters.security?.messages ? [['security verdict cache: hits / misses / first sights / evictions', `${fmt(counters.security.verdict_cache_hits ?? 0)} / ${fmt(counters.security.verdict_cache_misses ?? 0)} / ${fmt(counters.security.verdict_cache_first_sight ?? 0)} / ${fmt(counters.security.verdict_cache_evictions ?? 0)}`, '', '']] : []),
  ['load average start -> end', `${load0} -> ${loadEnd}`, '', ''],
];
if (infra) {
  rows.splice(rows.length - 2, 0, ['nats-server + redis-server RSS max (MB)', fmt(infraMem.rssMaxMb), '', ''], ['nats-server + redis-server CPU (%)', fmt(ProcSampler.cpuPercent(infra0, infra1), 1), '', '']);
}
// CPU time per captured message from traffic start until the last line arrived (the drain's work included):
// CPU time, not wall time, so a machine shared with other work disturbs it less.
const usPerMsg = (a, b) => (((b.ticks - a.ticks) / CLK_TCK) * 1e6) / Math.max(1, captured);
const stageUs = usPerMsg(cpu0, cpu2);
const infraUs = infra ? usPerMsg(infra0, infra2) : 0;
rows.splice(rows.length - 2, 0, [
  `CPU per message (µs), traffic start -> drained${infra ? ': stages + nats/redis = total' : ''}`,
  infra ? `${fmt(stageUs, 1)} + ${fmt(infraUs, 1)} = ${fmt(stageUs + infraUs, 1)}` : fmt(stageUs, 1),
  opt.mode === 'nats' ? '<= 80' : '<= 15',
  verdict(stageUs + infraUs <= (opt.mode === 'nats' ? 80 : 15)),
]);
if (mon.procs.length > 1) {
  // Which stage holds the pipeline back: CPU from traffic start until the last line arrived.
  rows.push(['CPU % per stage, traffic start -> drained', mon.procs.map((p) => `${p.name.replace('mcpspy serve ', '')} ${fmt(ProcSampler.cpuPercentOf(cpu0, cpu2, p.pid))}`).join(', '), '', '']);
  rows.push(['CPU µs per message per stage', mon.procs.map((p) => `${p.name.replace('mcpspy serve ', '')} ${fmt((((cpu2.per.get(p.pid) ?? 0) - (cpu0.per.get(p.pid) ?? 0)) / CLK_TCK) * 1e6 / Math.max(1, captured), 1)}`).join(', '), '', '']);
  rows.push(['RSS max per stage (MB)', mon.procs.map((p) => `${p.name.replace('mcpspy serve ', '')} ${fmt((mem.perMaxKb?.get(p.pid) ?? 0) / 1024)}`).join(', '), '', '']);
}
const hopsResult = hops?.stop();
if (hops) {
  const h = hopsResult;
  rows.push(['latency write->mcp.message p50 / p99 (ms)', `${fmt(h.message.p50, 1)} / ${fmt(h.message.p99, 1)}`, '', '']);
  // Start-up: how long after the writer began the first raw batch and the first MCP message crossed NATS.
  const since = (t) => (t ? fmt(t - trafficFrom, 0) : '-');
  const rawIn1s = h.firsts.rawBatches.filter((t) => t - trafficFrom < 1000).length;
  rows.push(['first raw.stdio batch / first mcp.message after traffic start (ms); raw batches in the first second', `${since(h.firsts.raw)} / ${since(h.firsts.message)}; ${rawIn1s}`, '', '']);
  // Verdicts exist only with --security-async=false.
  if (h.verdicts) rows.push(['latency write->security.verdict p50 / p99 (ms)', `${fmt(h.verdict.p50, 1)} / ${fmt(h.verdict.p99, 1)}`, '', '']);
}
// Where messages go missing through NATS: reconnects (the server cuts a slow consumer), failed publishes, bad payloads.
const trouble = Object.entries(counters).flatMap(([stage, c]) => Object.entries(c).filter(([k, v]) => v > 0 && /disconnect|slow|publish_failed|invalid_|dropped|lost|timeout/.test(k)).map(([k, v]) => `${stage}.${k} ${fmt(v)}`));
if (opt.mode === 'nats') rows.push(['counters of trouble (disconnects, failed publishes, drops, timeouts)', trouble.join(', ') || 'none', '', '']);
if (failed) rows.push(['metrics endpoints that did not answer', String(failed), '0', 'MISSED']);
printTable(`pipeline-stdio (${opt.mode}): ${opt.seconds} s at ${fmt(opt.rate)} msg/s, 2 vCPU shared`, rows);
const unclean = Object.entries(stopped).filter(([n, r]) => !/^(nats|redis)-server$/.test(n) && (r.killed || (r.code !== 0 && r.code !== null)));
if (unclean.length) console.log(`stop: ${unclean.map(([n, r]) => `${n} exit ${r.code ?? r.signal}${r.killed ? ' (killed after grace)' : ''}`).join(', ')}`);
for (const p of mon.procs) {
  if (p.child.exitCode !== 0) console.log(`${p.name} exit ${p.child.exitCode ?? p.child.signalCode}; last stderr:\n${p.stderr().trim().split('\n').slice(-5).join('\n')}`);
}
emitResult(`pipeline-stdio-${opt.mode}`, {
  seconds: opt.seconds, rate: opt.rate, sent, captured, missing, duplicates,
  ringbuf_full: probe.ringbuf_full, lost_bytes: probe.lost_bytes, batches_dropped: probe.batches_dropped,
  p50: lat.p50, p95: lat.p95, p99: lat.p99, max: lat.max, p99Target, steadyP99: steady.p99, idleRssMb,
  rssMaxMb: mem.rssMaxMb, rssMeanMb: mem.rssMeanMb, cpuPercent: cpu, load: `${load0} -> ${loadEnd}`,
  pssMaxMb: mem.pssMaxMb, cpuUsPerMsg: stageUs + infraUs, stageUsPerMsg: stageUs, infraUsPerMsg: infraUs,
  perStageUs: Object.fromEntries(mon.procs.map((p) => [p.name.replace('mcpspy serve ', ''), (((cpu2.per.get(p.pid) ?? 0) - (cpu0.per.get(p.pid) ?? 0)) / CLK_TCK) * 1e6 / Math.max(1, captured)])),
  perStageRssMb: Object.fromEntries(mon.procs.map((p) => [p.name.replace('mcpspy serve ', ''), (mem.perMaxKb?.get(p.pid) ?? 0) / 1024])),
  perStagePssMb: Object.fromEntries(mon.procs.map((p) => [p.name.replace('mcpspy serve ', ''), (mem.perPssMaxKb?.get(p.pid) ?? 0) / 1024])),
  msgP99: hopsResult?.message.p99, securityLagMs,
  // Through NATS: each stage's wall ms from spawn to ready line, and their sum (the stack starts them one by one).
  readyMs: mon.readyMs, readySumMs: mon.readyMs ? Object.values(mon.readyMs).reduce((a, b) => a + b, 0) : undefined,
  verdictCache: counters.security?.messages ? { hits: counters.security.verdict_cache_hits ?? 0, misses: counters.security.verdict_cache_misses ?? 0, firstSight: counters.security.verdict_cache_first_sight ?? 0, evictions: counters.security.verdict_cache_evictions ?? 0 } : undefined,
  // CPU time of the stages in the first second of traffic, per MCP message that crossed NATS in it (through
  // NATS; lines written when embedded): cold code shows here. A stage that lags shows less of its work.
  firstSecondUs: firstSecond ? (((firstSecond.mark.ticks - cpu0.ticks) / CLK_TCK) * 1e6) / Math.max(1, firstSecond.messages) : undefined,
  firstSecondMessages: firstSecond?.messages,
  firstSecondLines: firstSecond?.lines,
  firstSecondPerStageUs: firstSecond ? Object.fromEntries(mon.procs.map((p) => [p.name.replace('mcpspy serve ', ''), ((((firstSecond.mark.per.get(p.pid) ?? 0) - (cpu0.per.get(p.pid) ?? 0)) / CLK_TCK) * 1e6) / Math.max(1, firstSecond.messages)])) : undefined,
});
