#!/usr/bin/env node
// Pipe throughput with no monitor, with `strace -f`, with empty programs on
// the same tracepoints (the floor of any syscall-tracepoint monitor), and with
// the mcpspy probe, for a selected and for a filtered-out process pair; then
// the 10k lines/s completeness check. Runs are interleaved over several
// rounds and the median is reported, because the 2 shared cores are noisy.
// Needs root and a build (`npx tsc -b apps/probe`, `make -C bpf`).
//   node bench/probe-pipe.mjs [seconds=2] [rateSeconds=10] [rounds=3]
// Columns: lines/s of the writer; ratio to no monitor; CPU ns per line of
// writer + reader together (perf task-clock, less sensitive to other load than
// lines/s); events/s the probe published; drops; the probe process's CPU.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const { Probe } = require(join(root, 'apps/probe/dist/src/index.js'));
const { BpfObject } = require(join(root, 'apps/probe/dist/src/bpf-object.js'));
const { loadLibbpf } = require(join(root, 'apps/probe/dist/src/libbpf.ffi.js'));
const { decodeRawBatch } = require(join(root, 'libs/events/dist/src/index.js'));
const { silentLogger } = require(join(root, 'libs/runtime/dist/src/index.js'));

const seconds = Number(process.argv[2] ?? 2);
const rateSeconds = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'mcpspy-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (const n of ['writer', 'reader']) {
  execFileSync('cc', ['-O2', '-o', join(dir, `mcpb-${n}`), join(root, `bench/probe-pipe-${n}.c`)]);
}
execFileSync('clang', ['-g', '-O2', '-target', 'bpf', `-I${join(root, 'bpf')}`, '-c', join(root, 'bench/probe-floor.bpf.c'), '-o', join(dir, 'floor.bpf.o')]);
// Same binaries under other names: a process the filter does not select.
symlinkSync(join(dir, 'mcpb-writer'), join(dir, 'other-writer'));
symlinkSync(join(dir, 'mcpb-reader'), join(dir, 'other-reader'));
const hasPerf = (() => {
  try {
    execFileSync('perf', ['stat', '-x,', '-e', 'task-clock', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function pipeline(prefix, secs, rate, wrap = []) {
  const w = join(dir, `${prefix}-writer`);
  const r = join(dir, `${prefix}-reader`);
  const out = join(dir, `out-${prefix}`);
  const perf = hasPerf && wrap.length === 0 ? ['perf', 'stat', '-x,', '-e', 'task-clock', '-o', `${out}.perf`] : [];
  const cmd = [...wrap, ...perf, '/bin/sh', '-c', `"$0" ${secs} ${rate} 2>"$2.w" | "$1" 2>"$2.r"`, w, r, out];
  return new Promise((resolve, reject) => {
    const c = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit' });
    c.on('error', reject);
    c.on('close', () => {
      const [lines, ns] = readFileSync(`${out}.w`, 'utf8').trim().split(' ').map(Number);
      const bytes = Number(readFileSync(`${out}.r`, 'utf8').trim());
      let cpuNsPerLine = NaN;
      if (perf.length) {
        const m = /^([\d.]+),msec,task-clock/m.exec(readFileSync(`${out}.perf`, 'utf8'));
        if (m) cpuNsPerLine = (Number(m[1]) * 1e6) / lines;
      }
      resolve({ lines, perSec: lines / (ns / 1e9), bytes, cpuNsPerLine });
    });
  });
}

let events = 0;
let countDirections = false;
const byDir = [0, 0];
function newProbe() {
  return new Probe({
    pids: [],
    comms: ['mcpb-writer', 'mcpb-reader'],
    excludePids: [],
    partitions: 4,
    logger: silentLogger(),
    tls: false,
    onBatch(_kind, _p, batch) {
      events += batch.readUInt32LE(8);
      if (countDirections) for (const ev of decodeRawBatch(batch).events) byDir[ev.direction]++;
      return true;
    },
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const samples = new Map();
function record(name, r, extra = {}) {
  if (!samples.has(name)) samples.set(name, []);
  samples.get(name).push({ ...r, ...extra });
}

for (let round = 0; round < rounds; round++) {
  record('no monitor', await pipeline('mcpb', seconds, 0));

  const lib = loadLibbpf();
  const floor = BpfObject.open(lib, join(dir, 'floor.bpf.o'));
  floor.load();
  floor.attachTracepoints();
  record('empty tracepoint progs', await pipeline('other', seconds, 0));
  floor.destroy();

  const probe = newProbe();
  await probe.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const e0 = events;
  const sel = await pipeline('mcpb', seconds, 0);
  await new Promise((r) => setTimeout(r, 100));
  const cpu = process.cpuUsage(cpu0);
  const s = probe.stats();
  record('probe, selected proc', sel, {
    events: (events - e0) / seconds,
    drops: `${s.ringbuf_full}/${s.lost_bytes}/${s.batches_dropped}`,
    probeCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - t0),
  });
  const e1 = events;
  record('probe, filtered-out proc', await pipeline('other', seconds, 0), { events: (events - e1) / seconds });
  await probe.stop();
}
record('strace -f', await pipeline('mcpb', Math.min(seconds, 2), 0, ['strace', '-f', '-qq', '-o', '/dev/null']));

const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const base = median(samples.get('no monitor').map((r) => r.perSec));
console.log(`\npipe writer → reader, one 101-byte JSON-RPC line per write, ${seconds} s per run, median of ${rounds} interleaved rounds, ${process.arch}, 2 vCPU shared`);
console.log('mode                        lines/s    ratio   CPU ns/line   events/s   drops (full/lost B/batches)   probe CPU');
for (const [name, rs] of samples) {
  const perSec = median(rs.map((r) => r.perSec));
  const cpuNs = median(rs.map((r) => r.cpuNsPerLine));
  const ev = rs[0].events === undefined ? '-' : fmt(median(rs.map((r) => r.events)));
  const drops = rs[0].drops ?? '-';
  const pc = rs[0].probeCpu === undefined ? '-' : `${(median(rs.map((r) => r.probeCpu)) * 100).toFixed(1)}%`;
  console.log(
    `${name.padEnd(25)} ${fmt(perSec).padStart(10)}   ${((perSec / base) * 100).toFixed(1).padStart(5)}%   ${fmt(cpuNs).padStart(11)}   ${ev.padStart(8)}   ${String(drops).padStart(27)}   ${pc}`,
  );
}
console.log(`all runs (lines/s): ${[...samples].map(([n, rs]) => `${n}: ${rs.map((r) => fmt(r.perSec)).join(' ')}`).join('; ')}`);

// Completeness: 10k lines/s; every write must be captured.
const probe = newProbe();
await probe.start();
const before = probe.stats();
countDirections = true;
const e0 = events;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const rate = await pipeline('mcpb', rateSeconds, 10000);
await new Promise((r) => setTimeout(r, 300));
const cpu = process.cpuUsage(cpu0);
const after = probe.stats();
const captured = events - e0;
console.log(
  `\n10k lines/s for ${rateSeconds} s: sent ${fmt(rate.lines)} lines (${fmt(rate.perSec)}/s, ${fmt(rate.bytes)} B), captured ${fmt(captured)} events: ` +
    `${fmt(byDir[1])} writes (${byDir[1] === rate.lines ? 'all' : 'MISSING ' + (rate.lines - byDir[1])}) + ${fmt(byDir[0])} reads; ringbuf_full ${after.ringbuf_full - before.ringbuf_full}, ` +
    `lost_bytes ${after.lost_bytes - before.lost_bytes}, batches_dropped ${after.batches_dropped - before.batches_dropped}; ` +
    `probe CPU ${(((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100).toFixed(1)}%`,
);
await probe.stop();
