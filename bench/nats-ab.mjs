#!/usr/bin/env node
// A/B of the stack through NATS on a shared machine: runs `pipeline-stdio.mjs
// --mode nats` alternately with two environments (A, B), several rounds, and
// prints each run and the B/A ratios of CPU per message and of p99, with the
// load average of each run. Interleaving puts both under the same load.
//   node bench/nats-ab.mjs [--rounds 2] [--rate 10000] [--seconds 20] \
//     [--a MCPSPY_NATS_BATCH=0] [--b MCPSPY_NATS_BATCH=1] [--a-dir /work/main] [--b-dir .] [--progress-ms 1000]
// --a/--b: space-separated VAR=value pairs given to the stages (inherited).
// --a-args/--b-args: more pipeline-stdio.mjs arguments for A/B, given with = since they start with -- (e.g.
// "--a-args=--pretraffic-s 3", "--b-args=--texts mix"; `--a-args "--texts mix"` reads as a flag without a value).
// --a-dir/--b-dir: the tree whose bench and build run as A/B (default: this
// one), to compare two builds (e.g. main before a branch) under the same load.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, parseArgs } from './pipeline-common.mjs';

const opt = parseArgs({ rounds: 2, rate: 10000, seconds: 20, a: 'MCPSPY_NATS_BATCH=0', b: 'MCPSPY_NATS_BATCH=1', aDir: '', bDir: '', progressMs: 60000, aArgs: '', bArgs: '' });
const here = dirname(fileURLToPath(import.meta.url));
const benchOf = (dir) => (dir ? join(dir, 'bench') : here);
// VAR=value pairs split on spaces; a value in double quotes may hold spaces (VAR="--trace-gc --trace-gc-verbose").
const envOf = (spec) => Object.fromEntries([...String(spec).matchAll(/([^\s=]+)=("[^"]*"|\S*)/g)].map((m) => [m[1], m[2].replace(/^"(.*)"$/, '$1')]));
const runs = { A: [], B: [] };
for (let r = 0; r < opt.rounds; r++) {
  for (const which of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const env = { ...process.env, ...envOf(which === 'A' ? opt.a : opt.b) };
    const res = spawnSync(process.execPath, [join(benchOf(which === 'A' ? opt.aDir : opt.bDir), 'pipeline-stdio.mjs'), '--mode', 'nats', '--rate', String(opt.rate), '--seconds', String(opt.seconds), '--progress-ms', String(opt.progressMs), ...String(which === 'A' ? opt.aArgs : opt.bArgs).split(' ').filter(Boolean)], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    const line = res.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) {
      console.log(`${which} round ${r + 1}: no result (exit ${res.status})\n${res.stdout.slice(-2000)}\n${res.stderr.slice(-2000)}`);
      continue;
    }
    const j = JSON.parse(line.slice('BENCH_RESULT '.length));
    // --progress-ms N: the latency of each window of the run (p99 per second with 1000).
    const windows = res.stdout.split('\n').filter((l) => /^\s+\d+ s: /.test(l)).map((l) => l.replace(/, RSS.*$/, '').trim());
    if (opt.progressMs < 60000) console.log(`${which} round ${r + 1} windows: ${windows.join(' | ')}`);
    // The first window's p99 (the first second with --progress-ms 1000): the onset of traffic.
    const firstP99 = /window p50\/p99 [\d,.]+\/([\d,.]+) ms/.exec(windows[0] ?? '');
    j.firstWindowP99 = firstP99 ? Number(firstP99[1].replace(/,/g, '')) : undefined;
    runs[which].push(j);
    // With MCPSPY_BENCH_WIRE=1 in --a/--b: the wire per MCP message (NATS messages and bytes, redis-server's commands).
    for (const l of res.stdout.split('\n').filter((x) => x.startsWith('wire per MCP message'))) console.log(`${which} round ${r + 1} ${l}`);
    const stages = Object.entries(j.perStageUs ?? {}).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ');
    const rss = Object.entries(j.perStageRssMb ?? {}).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ');
    const pss = Object.entries(j.perStagePssMb ?? {}).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ');
    const first = Object.entries(j.firstSecondPerStageUs ?? {}).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ');
    if (j.readyMs) console.log(`${which} round ${r + 1} start to ready (ms): ${Object.entries(j.readyMs).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ')}`);
    console.log(`${which} round ${r + 1} first second: stages ${fmt(j.firstSecondUs, 1)} µs per message on mcp.message (${first}); ${fmt(j.firstSecondMessages)} messages on mcp.message, ${fmt(j.firstSecondLines)} lines written`);
    console.log(`${which} round ${r + 1}: missing ${j.missing}, p99 ${fmt(j.p99, 1)} ms (mcp.message p99 ${fmt(j.msgP99, 1)}), CPU ${fmt(j.cpuUsPerMsg, 1)} µs/msg (stages ${fmt(j.stageUsPerMsg, 1)}: ${stages}; nats+redis ${fmt(j.infraUsPerMsg, 1)}), RSS max ${fmt(j.rssMaxMb)} MB (${rss}), PSS max ${fmt(j.pssMaxMb)} MB${pss ? ` (${pss})` : ''}${j.securityLagMs ? `, security done ${fmt(j.securityLagMs)} ms after the last line` : ''}${j.verdictCache ? `, verdict cache ${fmt(j.verdictCache.hits)} hits / ${fmt(j.verdictCache.misses)} misses / ${fmt(j.verdictCache.firstSight ?? 0)} first sights` : ''}, load ${j.load}`);
  }
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const m = (w, k) => mean(runs[w].map((j) => j[k]));
console.log(`A = ${opt.aDir || '.'} ${opt.a}; B = ${opt.bDir || '.'} ${opt.b}; ${opt.rounds} round(s) of ${opt.seconds} s at ${fmt(opt.rate)} msg/s`);
for (const k of ['readySumMs', 'firstSecondUs', 'cpuUsPerMsg', 'stageUsPerMsg', 'infraUsPerMsg', 'p99', 'msgP99', 'firstWindowP99', 'securityLagMs', 'idleRssMb', 'rssMaxMb', 'pssMaxMb']) {
  console.log(`  ${k.padEnd(14)} A ${fmt(m('A', k), 1).padStart(9)}  B ${fmt(m('B', k), 1).padStart(9)}  B/A ${fmt(m('B', k) / m('A', k), 2)}`);
}
