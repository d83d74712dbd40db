#!/usr/bin/env node
// Pipe throughput with no monitor, with `strace -f`, and with the mcpspy
// probe, side by side in one run; then the 10k lines/s completeness check.
// Needs root and a build (`npm run build`, `make -C bpf`).
//   node bench/probe-pipe.mjs [seconds=3] [rateCheckSeconds=10]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const { Probe } = require(join(root, 'apps/probe/dist/src/index.js'));
const { silentLogger, decodeRawBatch } = require(join(root, 'libs/events/dist/src/index.js'));

const seconds = Number(process.argv[2] ?? 3);
const rateSeconds = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'mcpspy-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (const n of ['writer', 'reader']) {
  execFileSync('cc', ['-O2', '-o', join(dir, `mcpb-${n}`), join(root, `bench/probe-pipe-${n}.c`)]);
}
// Same binaries under other names: a process the filter does not select.
symlinkSync(join(dir, 'mcpb-writer'), join(dir, 'other-writer'));
symlinkSync(join(dir, 'mcpb-reader'), join(dir, 'other-reader'));

function pipeline(prefix, secs, rate, wrap = []) {
  const w = join(dir, `${prefix}-writer`);
  const r = join(dir, `${prefix}-reader`);
  const cmd = [...wrap, '/bin/sh', '-c', `"$0" ${secs} ${rate} 2>"$2.w" | "$1" 2>"$2.r"`, w, r, join(dir, `out-${prefix}`)];
  return new Promise((resolve, reject) => {
    const c = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit' });
    c.on('error', reject);
    c.on('close', () => {
      const [lines, ns] = execFileSync('cat', [join(dir, `out-${prefix}.w`)], { encoding: 'utf8' }).trim().split(' ').map(Number);
      const bytes = Number(execFileSync('cat', [join(dir, `out-${prefix}.r`)], { encoding: 'utf8' }).trim());
      resolve({ lines, perSec: lines / (ns / 1e9), bytes });
    });
  });
}

let events = 0;
let dataBytes = 0;
let countDirections = false;
const byDir = [0, 0];
const probe = new Probe({
  pids: [],
  comms: ['mcpb-writer', 'mcpb-reader'],
  excludePids: [],
  partitions: 4,
  logger: silentLogger(),
  tls: false,
  onBatch(_kind, _p, batch) {
    events += batch.readUInt32LE(8);
    if (countDirections) for (const ev of decodeRawBatch(batch).events) byDir[ev.direction]++;
    dataBytes += batch.length;
    return true;
  },
});

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rows = [];
const base = await pipeline('mcpb', seconds, 0);
rows.push(['no monitor', base, '-', '-', '-']);
const base2 = await pipeline('mcpb', seconds, 0);
// Shared cores make single runs noisy: the baseline is the better of two.
if (base2.perSec > base.perSec) Object.assign(base, base2);
const st = await pipeline('mcpb', seconds, 0, ['strace', '-f', '-qq', '-o', '/dev/null']);
rows.push(['strace -f', st, '-', '-', '-']);

await probe.start();
const cpu0 = process.cpuUsage();
const t0 = Date.now();
let e0 = events;
const withProbe = await pipeline('mcpb', seconds, 0);
await new Promise((r) => setTimeout(r, 200));
const s1 = probe.stats();
const cpu = process.cpuUsage(cpu0);
const probeCpu = (cpu.user + cpu.system) / 1000 / (Date.now() - t0);
rows.push(['mcpspy probe', withProbe, fmt((events - e0) / seconds), `${s1.ringbuf_full}/${s1.lost_bytes}/${s1.batches_dropped}`, `${(probeCpu * 100).toFixed(1)}%`]);
e0 = events;
const other = await pipeline('other', seconds, 0);
await new Promise((r) => setTimeout(r, 200));
rows.push(['probe, unfiltered proc', other, fmt((events - e0) / seconds), '-', '-']);

console.log(`\npipe writer → reader, one ${101}-byte JSON-RPC line per write, ${seconds} s each, ${process.arch}, 2 vCPU shared`);
console.log('mode                      lines/s        ratio   events/s captured   drops (full/lost B/batches)   probe CPU');
for (const [name, r, ev, drops, c] of rows) {
  console.log(
    `${name.padEnd(25)} ${fmt(r.perSec).padStart(11)}   ${((r.perSec / base.perSec) * 100).toFixed(1).padStart(6)}%   ${String(ev).padStart(17)}   ${String(drops).padStart(27)}   ${c}`,
  );
}

// Completeness: 10k lines/s; every write and read must be captured.
const before = probe.stats();
countDirections = true;
e0 = events;
const rate = await pipeline('mcpb', rateSeconds, 10000);
await new Promise((r) => setTimeout(r, 300));
const after = probe.stats();
const captured = events - e0;
console.log(
  `\n10k lines/s for ${rateSeconds} s: sent ${fmt(rate.lines)} lines (${fmt(rate.perSec)}/s, ${fmt(rate.bytes)} B), captured ${fmt(captured)} events: ` +
    `${fmt(byDir[1])} writes (${byDir[1] === rate.lines ? 'all' : 'MISSING ' + (rate.lines - byDir[1])}) + ${fmt(byDir[0])} reads; ringbuf_full ${after.ringbuf_full - before.ringbuf_full}, ` +
    `lost_bytes ${after.lost_bytes - before.lost_bytes}, batches_dropped ${after.batches_dropped - before.batches_dropped}`,
);
await probe.stop();
