#!/usr/bin/env node
// Soak (root): the embedded monitor for SECONDS (default 300) under
//  - a writer of RATE (default 5000) JSON-RPC lines/s into a pipe, 1% of its writes hostile
//    (bench/fixtures/soak-traffic.mjs), every valid line numbered;
//  - a starving process beside it: unfinished lines on 16 pipes, HOG_MB (default 256) per
//    30 s life, restarted every 30 s (so its exit must give its bytes back).
// Prints RSS over time (flat?), valid lines sent vs written to the JSONL, and the budget
// counters (every eviction counted, reported as budget_evicted notices).
//   node bench/soak.mjs [--seconds 300] [--rate 5000] [--hog-mb 256]
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { loadAvg, parseArgs, ProcSampler, requireRoot, ROOT, scrapeCounters, scratchDir, sleep, startEmbedded, startProc, uniqueTag } from './pipeline-common.mjs';

requireRoot();
const args = parseArgs({ seconds: 300, rate: 5000, hogMb: 256 });
const seconds = Number(args.seconds);
const rate = Number(args.rate);
const hogMb = Number(args.hogMb);
const dir = scratchDir('soak');
const output = join(dir, 'soak.jsonl');
const tag = uniqueTag().slice(0, 6);
const W = `skw${tag}`;
const H = `skh${tag}`;
const TRAFFIC = join(ROOT, 'bench', 'fixtures', 'soak-traffic.mjs');

console.log(`soak: ${seconds} s at ${rate} lines/s, 1% hostile writes, a hog of ${hogMb} MB unfinished lines per 30 s life; load ${loadAvg()}`);
const mon = await startEmbedded({ output, comms: [W, `${W}r`, H] });
const sampler = new ProcSampler(() => mon.pids(), 1000);
const rssAt = [];
const writer = startProc('writer', process.execPath, [TRAFFIC, 'writer', String(seconds), String(rate), W]);
let hogs = 0;
let stopHogs = false;
const hogLoop = (async () => {
  while (!stopHogs) {
    const hog = startProc('hog', process.execPath, [TRAFFIC, 'hog', '30', String(hogMb), H]);
    hogs++;
    await hog.exited;
  }
})();
const t0 = Date.now();
while (writer.child.exitCode === null) {
  await sleep(10_000);
  const kb = sampler.sample();
  rssAt.push({ s: Math.round((Date.now() - t0) / 1000), mb: kb / 1024 });
  console.log(`  t=${rssAt.at(-1).s}s rss ${(kb / 1024).toFixed(0)} MB`);
}
stopHogs = true;
await hogLoop;
const sentLine = /sent (\d+) hostile (\d+)/.exec(writer.stderr());
const sent = sentLine ? Number(sentLine[1]) : NaN;
const hostile = sentLine ? Number(sentLine[2]) : NaN;
// Let the tail reach the file: wait until the JSONL stops growing.
let last = -1;
for (let i = 0; i < 60; i++) {
  const size = statSync(output).size;
  if (size === last) break;
  last = size;
  await sleep(2000);
}
const { counters } = await scrapeCounters(mon.metricsPorts);
const stopped = await mon.stop(30_000);
const rss = sampler.stop();
const seen = new Set();
let notices = 0;
let budgetNotices = 0;
let budgetNoticeCount = 0;
// Streamed: at 5k lines/s for 5 minutes the file is larger than one string may be.
for await (const l of createInterface({ input: createReadStream(output), crlfDelay: Infinity })) {
  if (!l) continue;
  let o;
  try {
    o = JSON.parse(l);
  } catch {
    continue;
  }
  if (o.type === 'notice') {
    notices++;
    if (o.reason === 'budget_evicted') {
      budgetNotices++;
      budgetNoticeCount = Math.max(budgetNoticeCount, o.count);
    }
    continue;
  }
  const s = o.params?.arguments?.seq;
  if (typeof s === 'number' && o.params?.name === 'soak') seen.add(s);
}
const missing = [];
for (let i = 0; i < sent; i++) if (!seen.has(i)) missing.push(i);
const p = counters['mcp-parser'] ?? {};
const firstMin = rssAt.filter((r) => r.s <= 60).map((r) => r.mb);
const lastMin = rssAt.filter((r) => r.s > seconds - 60).map((r) => r.mb);
const avg = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);
console.log(`valid lines sent ${sent}, written ${seen.size}, missing ${missing.length}${missing.length ? ` (first: ${missing.slice(0, 10).join(',')})` : ''}; hostile writes ${hostile}`);
const pr = counters.probe ?? {};
console.log(`probe ringbuf_full ${pr.ringbuf_full ?? 0}, lost_bytes ${pr.lost_bytes ?? 0}, gaps ${pr.gaps ?? 0}, batches_dropped ${pr.batches_dropped ?? 0}; mcp-parser stdio_gaps ${p.stdio_gaps ?? 0}, gap_lines_dropped ${p.gap_lines_dropped ?? 0}, invalid_json ${p.invalid_json ?? 0}`);
console.log(`hog lives ${hogs}; mcp-parser budget_evicted ${p.budget_evicted ?? 0} (partial lines ${p.partial_line_evicted ?? 0}, pending requests ${p.pending_evicted ?? 0}), process_bytes_exceeded ${p.process_bytes_exceeded ?? 0}, total_bytes_exceeded ${p.total_bytes_exceeded ?? 0}, partial_lines_at_exit ${p.partial_lines_at_exit ?? 0}, line_too_long ${p.line_too_long ?? 0}`);
console.log(`notices in the JSONL ${notices} (budget_evicted: ${budgetNotices} lines, highest count ${budgetNoticeCount})`);
console.log(`RSS max ${rss.rssMaxMb.toFixed(0)} MB, mean first minute ${avg(firstMin).toFixed(0)} MB, mean last minute ${avg(lastMin).toFixed(0)} MB; stop ${JSON.stringify(stopped.mcpspy)}; load ${loadAvg()}`);
console.log(`RESULT ${JSON.stringify({ seconds, rate, sent, written: seen.size, missing: missing.length, hostile, hogs, ringbuf_full: pr.ringbuf_full ?? 0, lost_bytes: pr.lost_bytes ?? 0, stdio_gaps: p.stdio_gaps ?? 0, gap_lines_dropped: p.gap_lines_dropped ?? 0, budget_evicted: p.budget_evicted ?? 0, partial_line_evicted: p.partial_line_evicted ?? 0, pending_evicted: p.pending_evicted ?? 0, process_bytes_exceeded: p.process_bytes_exceeded ?? 0, partial_lines_at_exit: p.partial_lines_at_exit ?? 0, budget_notices: budgetNotices, rss_max_mb: Math.round(rss.rssMaxMb), rss_first_min_mb: Math.round(avg(firstMin)), rss_last_min_mb: Math.round(avg(lastMin)) })}`);
