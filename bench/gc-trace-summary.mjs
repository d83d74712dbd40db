#!/usr/bin/env node
// Sums `--trace-gc` lines per process over its busiest N-second window (the traffic), for the stack benches:
//   MCPSPY_BENCH_LOG_DIR=DIR MCPSPY_BENCH_NODE_ARGS=--trace-gc node bench/pipeline-stdio.mjs --mode nats ...
//   node bench/gc-trace-summary.mjs DIR [--window-s 10] [--messages 100000]
// Per log file: scavenges and mark-compacts in the window, their main-thread pause (ms, and µs per message when
// --messages is given), the heap after the last scavenge and the mean growth a scavenge leaves (promoted or kept).
// Only the main isolate of a process is counted (a worker thread's isolate prints its own lines). With
// `--trace-incremental-marking --trace-gc-verbose` too, a second line per log says why V8 started each old-generation
// marking in the window (`allocation limit`, `task`: the soft limit), the last growing factor and limit V8 chose after
// a mark-compact, the old generation's headroom left then, and the external (ArrayBuffer) memory V8 reported after
// the scavenges: V8 starts marking when the old generation's headroom, less the external memory allocated since the
// last mark-compact, falls to the new space's capacity (sink16, bench/README.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, parseArgs } from './pipeline-common.mjs';

const dir = process.argv[2];
const opt = parseArgs({ windowS: 10, messages: 0 });
const re = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: (Scavenge|Mark-Compact|Minor Mark-Sweep|Mark-Sweep)\S* ([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, ([\d.]+) \/ ([\d.]+) ms/;
const isolateRe = /^\[\d+:(0x[0-9a-f]+)\]/;
const startRe = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: \[IncrementalMarking\] Start \(([^)]*)\)/;
const limitRe = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: \[(?:HeapController|GlobalMemoryController)\] Limit: old size: (\d+) KB, new limit: (\d+) KB \(([\d.]+)\)/;
const externalRe = /External memory reported:\s+(\d+) KB/;
for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
  const lines = readFileSync(join(dir, f), 'utf8').split('\n');
  // The main isolate: the one with the most GC lines.
  const perIsolate = new Map();
  for (const line of lines) if (re.test(line)) perIsolate.set(isolateRe.exec(line)[1], (perIsolate.get(isolateRe.exec(line)[1]) ?? 0) + 1);
  const main = [...perIsolate].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!main) continue;
  const ev = [];
  const starts = [];
  const limits = [];
  let last;
  for (const line of lines) {
    if (isolateRe.exec(line)?.[1] !== main) continue;
    const m = re.exec(line);
    if (m) {
      last = { t: Number(m[1]), kind: m[2], before: Number(m[3]), after: Number(m[5]), committed: Number(m[6]), ms: Number(m[7]) };
      ev.push(last);
      continue;
    }
    const st = startRe.exec(line);
    if (st) starts.push({ t: Number(st[1]), reason: st[2] });
    const li = limitRe.exec(line);
    if (li) limits.push({ t: Number(li[1]), oldKb: Number(li[2]), limitKb: Number(li[3]), factor: Number(li[4]) });
    const ex = externalRe.exec(line);
    // The figure printed just after a GC line belongs to that GC.
    if (ex && last && last.externalKb === undefined) last.externalKb = Number(ex[1]);
  }
  // The busiest window by scavenges: the traffic.
  const sc = ev.filter((e) => e.kind === 'Scavenge');
  let best = [0, 0];
  for (let i = 0, j = 0; i < sc.length; i++) {
    while (sc[i].t - sc[j].t > opt.windowS * 1000) j++;
    if (i - j + 1 > best[1]) best = [sc[j]?.t ?? 0, i - j + 1];
  }
  const inWin = ev.filter((e) => e.t >= best[0] && e.t <= best[0] + opt.windowS * 1000);
  const s = inWin.filter((e) => e.kind === 'Scavenge');
  const mc = inWin.filter((e) => e.kind !== 'Scavenge');
  const ms = (xs) => xs.reduce((a, e) => a + e.ms, 0);
  const grow = s.length ? s.reduce((a, e) => a + e.after, 0) / s.length - s.reduce((a, e, k) => a + (k ? s[k - 1].after : e.after), 0) / s.length : 0;
  const perMsg = (x) => (opt.messages ? ` (${fmt((x * 1000) / opt.messages, 2)} µs/msg)` : '');
  console.log(`${f.replace(/-\d+\.log$/, '').padEnd(26)} scavenges ${String(s.length).padStart(4)} (${fmt(s.length / opt.windowS, 1)}/s), ${fmt(ms(s), 1)} ms${perMsg(ms(s))}, mean ${fmt(s.length ? ms(s) / s.length : 0, 2)} ms; freed per scavenge ${fmt(s.length ? s.reduce((a, e) => a + e.before - e.after, 0) / s.length : 0, 1)} MB; mark-compacts ${mc.length}, ${fmt(ms(mc), 1)} ms${perMsg(ms(mc))}; heap after last scavenge ${fmt(s.at(-1)?.after ?? 0, 1)} MB, growth per scavenge ${fmt(grow, 2)} MB`);
  if (starts.length || limits.length) {
    const inW = (e) => e.t >= best[0] && e.t <= best[0] + opt.windowS * 1000;
    const why = {};
    for (const e of starts.filter(inW)) why[e.reason] = (why[e.reason] ?? 0) + 1;
    const lim = limits.filter((e) => e.t <= best[0] + opt.windowS * 1000).at(-1);
    const ext = s.map((e) => e.externalKb).filter((x) => x !== undefined);
    console.log(`${''.padEnd(26)} marking starts in the window: ${Object.entries(why).map(([k, n]) => `${n} (${k})`).join(', ') || 'none'}; last limit ${lim ? `${fmt(lim.limitKb / 1024, 1)} MB for ${fmt(lim.oldKb / 1024, 1)} MB old (factor ${lim.factor}, headroom ${fmt((lim.limitKb - lim.oldKb) / 1024, 1)} MB)` : '-'}; external memory after scavenges ${ext.length ? `${fmt(ext.reduce((a, x) => a + x, 0) / ext.length / 1024, 1)} MB mean` : '-'}`);
  }
}
