#!/usr/bin/env node
// Sums `--trace-gc` lines per process over its busiest N-second window (the traffic), for the stack benches:
//   MCPSPY_BENCH_LOG_DIR=DIR MCPSPY_BENCH_NODE_ARGS=--trace-gc node bench/pipeline-stdio.mjs --mode nats ...
//   node bench/gc-trace-summary.mjs DIR [--window-s 10] [--messages 100000]
// Per log file: scavenges and mark-compacts in the window, their main-thread pause (ms, and µs per message when
// --messages is given), the heap after the last scavenge and the mean growth a scavenge leaves (promoted or kept).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, parseArgs } from './pipeline-common.mjs';

const dir = process.argv[2];
const opt = parseArgs({ windowS: 10, messages: 0 });
const re = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: (Scavenge|Mark-Compact|Minor Mark-Sweep|Mark-Sweep)\S* ([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, ([\d.]+) \/ ([\d.]+) ms/;
for (const f of readdirSync(dir).filter((n) => n.endsWith('.log') && n.startsWith('mcpspy')).sort()) {
  const ev = [];
  for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
    const m = re.exec(line);
    if (m) ev.push({ t: Number(m[1]), kind: m[2], before: Number(m[3]), after: Number(m[5]), committed: Number(m[6]), ms: Number(m[7]) });
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
}
