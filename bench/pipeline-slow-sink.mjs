#!/usr/bin/env node
// A slow sink: the embedded monitor's -o points at a FIFO that a reader
// drains at 100 KB/s while the stdio generator sends 10k msg/s for 20 s
// (~3.4 MB/s of requests, ~9 MB/s of JSONL). The target is bounded memory:
// backpressure first, then drops that are counted. The bench samples the
// monitor's RSS every 500 ms, tries /metrics every 2 s (a monitor blocked on
// its output may not answer: that is reported too), then lets the reader
// drain at full speed and reads the final counters: what reached the reader,
// what the probe dropped, what the bus held back.
// Needs root and a build.
//   node bench/pipeline-slow-sink.mjs [--seconds 20] [--rate 10000] [--drain-kbps 100]
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileFixture, emitResult, fmt, loadAvg, namedLink, parseArgs, printTable, ProcSampler, requireRoot, ROOT,
  scrapeCounters, scratchDir, sleep, startEmbedded, startProc, uniqueTag, verdict,
} from './pipeline-common.mjs';

const opt = parseArgs({ seconds: 20, rate: 10000, drainKbps: 100, settleS: 120 });
requireRoot();
const dir = scratchDir('bench-slow');
const tag = uniqueTag();
const writer = namedLink(dir, compileFixture(dir, 'stdio-writer'), `mcpbsw-${tag}`);
const reader = namedLink(dir, compileFixture(dir, 'stdio-reader'), `mcpbsr-${tag}`);
const comms = [`mcpbsw-${tag}`, `mcpbsr-${tag}`];
const fifo = join(dir, 'out.fifo');
execFileSync('mkfifo', [fifo]);
const statusFile = join(dir, 'drain.json');
const load0 = loadAvg();
const drainStatus = () => {
  try {
    return JSON.parse(readFileSync(statusFile, 'utf8'));
  } catch {
    return { bytes: 0, lines: 0, fast: false, eof: false };
  }
};

console.log(`pipeline-slow-sink: ${fmt(opt.rate)} msg/s for ${opt.seconds} s, JSONL into a FIFO drained at ${opt.drainKbps} KB/s, load ${load0}`);
// The reader opens first: opening a FIFO for writing waits for a reader.
const drain = startProc('slow-drain', process.execPath, [join(ROOT, 'bench/fixtures/slow-drain.mjs'), fifo, String(opt.drainKbps * 1000), statusFile]);
const mon = await startEmbedded({ output: fifo, comms });
const sampler = new ProcSampler(mon.pids);
await sleep(1_000);
const idleRssMb = sampler.sample() / 1024;

const timeline = [];
let scrapesTried = 0;
let scrapesFailed = 0;
let lastCounters = {};
const t0 = performance.now();
const cpu0 = sampler.mark();
const gen = spawn('/bin/sh', ['-c', '"$0" "$2" "$3" 2>"$4.w" | "$1" 2>"$4.r"', writer, reader, String(opt.seconds), String(opt.rate), join(dir, 'gen')], { stdio: 'inherit' });
let genDone = false;
gen.on('close', () => (genDone = true));
async function observe(phase) {
  const s = Math.round((performance.now() - t0) / 1000);
  scrapesTried++;
  const { counters, failed } = await scrapeCounters(mon.metricsPorts, 1_500);
  if (failed) scrapesFailed++;
  else lastCounters = counters;
  const p = counters.probe ?? {};
  const d = drainStatus();
  const row = { s, phase, rssMb: (sampler.rss.at(-1) ?? 0) / 1024, drained: d.lines, metrics: failed ? 'no answer' : 'ok', ringbuf_full: p.ringbuf_full, batches_dropped: p.batches_dropped };
  timeline.push(row);
  console.log(`  ${String(s).padStart(3)} s ${phase.padEnd(6)} RSS ${fmt(row.rssMb).padStart(5)} MB, lines drained ${fmt(d.lines).padStart(8)}, /metrics ${row.metrics}${failed ? '' : `, ringbuf_full ${fmt(p.ringbuf_full)}, batches_dropped ${fmt(p.batches_dropped)}, bus backpressure_waits ${fmt(counters.bus?.backpressure_waits)}`}`);
}
while (!genDone) {
  await observe('slow');
  await sleep(2_000);
}
const cpu1 = sampler.mark();
const rssAtTrafficEnd = sampler.sample() / 1024;
const slowRssMax = Math.max(...sampler.rss) / 1024;
const [sent] = readFileSync(join(dir, 'gen.w'), 'utf8').trim().split(' ').map(Number);
const drainedSlow = drainStatus().lines;

// Let the output go: what the monitor still holds reaches the reader now.
drain.child.kill('SIGUSR1');
const tDrain = performance.now();
let last = -1;
let quietSince = performance.now();
while (performance.now() - tDrain < opt.settleS * 1000) {
  await sleep(1_000);
  const d = drainStatus().lines;
  if (d !== last) {
    last = d;
    quietSince = performance.now();
  } else if (performance.now() - quietSince > 4_000) break;
  if (Math.round((performance.now() - tDrain) / 1000) % 5 === 0) await observe('fast');
}
const drainFastS = (quietSince - tDrain) / 1000;
const { counters, failed } = await scrapeCounters(mon.metricsPorts, 5_000);
if (!failed) lastCounters = counters;
const mem = sampler.stop();
const loadEnd = loadAvg();
const stopped = await mon.stop(30_000);
await drain.stop('SIGTERM', 10_000);
const d = drainStatus();
const probe = lastCounters.probe ?? {};
const bus = lastCounters.bus ?? {};
const sink = lastCounters.sink ?? {};
const parser = lastCounters['mcp-parser'] ?? {};
// RSS growth over the traffic: slope of a least-squares line through the samples.
const rssSeries = timeline.filter((r) => r.phase === 'slow');
const slope = (() => {
  if (rssSeries.length < 3) return NaN;
  const n = rssSeries.length;
  const mx = rssSeries.reduce((a, r) => a + r.s, 0) / n;
  const my = rssSeries.reduce((a, r) => a + r.rssMb, 0) / n;
  const num = rssSeries.reduce((a, r) => a + (r.s - mx) * (r.rssMb - my), 0);
  const den = rssSeries.reduce((a, r) => a + (r.s - mx) ** 2, 0);
  return num / den;
})();
const accounted = (probe.ringbuf_full ?? 0) + (probe.batches_dropped ?? 0) + (probe.lost_bytes ?? 0) > 0;
printTable(`pipeline-slow-sink: ${opt.seconds} s at ${fmt(opt.rate)} msg/s, JSONL into a FIFO read at ${opt.drainKbps} KB/s, embedded, 2 vCPU shared`, [
  ['messages sent', fmt(sent), '', ''],
  ['lines read from the FIFO during the slow phase', fmt(drainedSlow), '', ''],
  ['lines read in all (after full-speed drain)', fmt(d.lines), '', ''],
  ['messages lost (sent - lines read)', fmt(sent - d.lines), 'counted', verdict(sent === d.lines || accounted)],
  ['probe ringbuf_full / lost_bytes / gaps', `${fmt(probe.ringbuf_full)} / ${fmt(probe.lost_bytes)} / ${fmt(probe.gaps)}`, 'counted', ''],
  ['probe batches_dropped', fmt(probe.batches_dropped), 'counted', ''],
  ['bus backpressure_waits', fmt(bus.backpressure_waits), '', ''],
  ['mcp-parser messages_emitted / sink messages_out / jsonl_lines', `${fmt(parser.messages_emitted)} / ${fmt(sink.messages_out)} / ${fmt(sink.jsonl_lines)}`, '', ''],
  ['monitor RSS idle (MB)', fmt(idleRssMb), '', ''],
  ['monitor RSS max during slow phase (MB)', fmt(slowRssMax), 'bounded, <= 300', verdict(slowRssMax <= 300)],
  ['monitor RSS growth during slow phase (MB/s)', fmt(slope, 1), '~0', ''],
  ['monitor RSS at traffic end / max overall (MB)', `${fmt(rssAtTrafficEnd)} / ${fmt(mem.rssMaxMb)}`, '', ''],
  ['monitor CPU during traffic (% of 1 core)', fmt(ProcSampler.cpuPercent(cpu0, cpu1), 1), '', ''],
  ['/metrics scrapes unanswered (1.5 s timeout)', `${scrapesFailed} of ${scrapesTried}`, '0', verdict(scrapesFailed === 0)],
  ['full-speed drain of the backlog (s)', fmt(drainFastS, 1), '', ''],
  ['monitor stop', Object.entries(stopped).map(([n, r]) => `${n} exit ${r.code ?? r.signal}${r.killed ? ' (killed after 30 s)' : ''}`).join(', '), 'exit 0', ''],
  ['load average start -> end', `${load0} -> ${loadEnd}`, '', ''],
]);
for (const p of mon.procs) {
  if (p.child.exitCode !== 0) console.log(`${p.name} exit ${p.child.exitCode ?? p.child.signalCode}; last stderr:\n${p.stderr().trim().split('\n').slice(-5).join('\n')}`);
}
emitResult('pipeline-slow-sink', {
  seconds: opt.seconds, rate: opt.rate, drainKbps: opt.drainKbps, sent, drainedSlow, drained: d.lines, lost: sent - d.lines,
  ringbuf_full: probe.ringbuf_full, lost_bytes: probe.lost_bytes, batches_dropped: probe.batches_dropped, backpressure_waits: bus.backpressure_waits,
  idleRssMb, slowRssMaxMb: slowRssMax, rssGrowthMbPerS: slope, rssMaxMb: mem.rssMaxMb, scrapesFailed, scrapesTried, load: `${load0} -> ${loadEnd}`,
});
