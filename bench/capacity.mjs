#!/usr/bin/env node
// Capacity of the embedded monitor: runs the pipeline-stdio traffic (C writer
// → pipe → C reader, MCP tools/call lines with their send time) at rising
// rates, a fresh `mcpspy --tui=false -q -o FILE --comm ...` per step, until a
// step loses a message, its write → JSONL p99 exceeds the limit, or the
// writer cannot reach the rate. Prints one row per step and the highest rate
// that passed. Needs root and a build (`npm run build`, `make -C bpf`).
//   node bench/capacity.mjs [--from 10000] [--step 10000] [--max 100000] [--seconds 10] [--p99-ms 50]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileFixture, fmt, loadAvg, namedLink, parseArgs, percentiles, ProcSampler, requireRoot, scrapeCounters, tailRequests,
  scratchDir, sleep, startEmbedded, uniqueTag, waitSettled,
} from './pipeline-common.mjs';

const opt = parseArgs({ from: 10_000, step: 10_000, max: 100_000, seconds: 10, p99Ms: 50, settleS: 30 });
requireRoot();
const dir = scratchDir('bench-capacity');
const tag = uniqueTag();
const writer = namedLink(dir, compileFixture(dir, 'stdio-writer'), `mcpcw-${tag}`);
const reader = namedLink(dir, compileFixture(dir, 'stdio-reader'), `mcpcr-${tag}`);
const comms = [`mcpcw-${tag}`, `mcpcr-${tag}`];
const load0 = loadAvg();
console.log(`capacity (embedded): ${opt.seconds} s per step from ${fmt(opt.from)} msg/s by ${fmt(opt.step)}; stop at loss, p99 > ${opt.p99Ms} ms or a rate the writer cannot reach; load ${load0}`);

async function step(rate, n) {
  const output = join(dir, `out-${n}.jsonl`);
  const req = tailRequests(output, opt.seconds * rate);
  const tailer = req.tailer;
  const mon = await startEmbedded({ output, comms });
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
  const achieved = sent / (elapsedNs / 1e9);
  const cpu = ProcSampler.cpuPercent(c0, c1);
  const probe = counters.probe ?? {};
  return {
    rate, sent, achieved, captured: req.captured, missing: sent - req.captured, p50: p.p50, p99: p.p99, rssMax: mem.rssMaxMb, cpu,
    cpuUsPerMsg: ((cpu / 100) * (elapsedNs / 1e9) * 1e6) / Math.max(1, sent),
    drops: `${fmt(probe.ringbuf_full)}/${fmt(probe.lost_bytes)}/${fmt(probe.batches_dropped)}`,
    load: loadAvg(),
  };
}

const rows = [];
let best = 0;
let stopReason = `reached --max ${fmt(opt.max)}`;
for (let rate = opt.from, n = 0; rate <= opt.max; rate += opt.step, n++) {
  const r = await step(rate, n);
  rows.push(r);
  console.log(
    `  ${fmt(rate).padStart(7)} msg/s: achieved ${fmt(r.achieved).padStart(7)}, captured ${fmt(r.captured)} of ${fmt(r.sent)}, p50/p99 ${fmt(r.p50, 1)}/${fmt(r.p99, 1)} ms, ` +
      `CPU ${fmt(r.cpu, 1)}% (${fmt(r.cpuUsPerMsg, 1)} µs/msg), RSS max ${fmt(r.rssMax)} MB, drops full/lostB/batches ${r.drops}, load ${r.load}`,
  );
  if (r.missing > 0) { stopReason = `${fmt(r.missing)} messages lost at ${fmt(rate)} msg/s`; break; }
  if (r.p99 > opt.p99Ms) { stopReason = `p99 ${fmt(r.p99, 1)} ms > ${opt.p99Ms} ms at ${fmt(rate)} msg/s`; break; }
  if (r.achieved < rate * 0.95) { stopReason = `the writer reached only ${fmt(r.achieved)} of ${fmt(rate)} msg/s`; break; }
  best = rate;
}
console.log(`capacity: ${best ? `${fmt(best)} msg/s with zero loss and p99 <= ${opt.p99Ms} ms` : `below ${fmt(opt.from)} msg/s`}; stopped: ${stopReason}; load ${load0} → ${loadAvg()}`);
process.exit(0);
