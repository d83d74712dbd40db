#!/usr/bin/env node
// Where the host tax goes, program by program: the kernel's own run-time
// counters (kernel.bpf_stats_enabled, on only for this bench and restored
// after) for the probe's syscall programs while bench/host-tax-load.c runs a
// workload, as nanoseconds of BPF per workload operation and per program run.
// Unlike host-tax.mjs's CPU ratios this leaves out the tracepoint slow path
// (the floor) and is barely moved by other load on the machine, so a change
// to the C shows in it even on a busy machine. --before DIR interleaves the
// probe with the BPF objects of DIR in the same rounds (A/B); --variants
// name=DIR,name=DIR adds more object folders to the same rounds (name=DIR@VAR=VALUE
// starts that probe with VAR set, e.g. noquiet=bpf/.output@MCPSPY_QUIET_STREAMS=0), --none runs
// without a probe too. Workloads pipe-self and mcp-self (one thread writes and
// reads back) give the syscalls' own cost, steady under other load: compare
// the minimum workload CPU per op.
// Only the programs this probe loaded are counted (by program id), so other
// probes running on the machine do not mix in.
//   node bench/host-tax-progs.mjs [--seconds 1] [--rounds 3] [--hooks auto|fexit|tracepoints] [--before DIR] [--workloads mcp,pipe] [--variants name=DIR,...] [--none]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostTaxLoad, machineProbe, redisWorkload } from './host-tax-common.mjs';
import { loadAvg, parseArgs, requireRoot, scratchDir } from './pipeline-common.mjs';

const opt = parseArgs({ seconds: 1, rounds: 3, hooks: 'auto', before: '', workloads: 'mcp,pipe', variants: '', none: false });
requireRoot();
const dir = scratchDir('bench-host-tax-progs');
const { bin, run: runHostTaxLoad } = hostTaxLoad(dir, opt.seconds);
// redis: loopback GETs through redis-benchmark against a redis-server of this run (both ends' CPU).
const redis = String(opt.workloads).split(',').includes('redis') ? await redisWorkload(bin) : null;
redis?.calibrate(opt.seconds);
const runLoad = (w) => (w === 'redis' ? redis.run() : runHostTaxLoad(w));
const load0 = loadAvg();

function progs() {
  const out = new Map();
  for (const p of JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8', maxBuffer: 64 << 20 }))) {
    out.set(p.id, { name: p.name ?? '?', ns: p.run_time_ns ?? 0, cnt: p.run_cnt ?? 0 });
  }
  return out;
}

const statsFile = '/proc/sys/kernel/bpf_stats_enabled';
const statsWas = readFileSync(statsFile, 'utf8').trim();
writeFileSync(statsFile, '1');
const restore = () => writeFileSync(statsFile, statsWas);
process.on('exit', restore);

const labels = [
  ...(opt.none ? [['none', null]] : []),
  ['after', undefined],
  ...(opt.before ? [['before', String(opt.before)]] : []),
  // name=DIR, or name=DIR@VAR=VALUE@... to set environment variables while that probe starts (the probe reads its options then).
  ...(opt.variants ? String(opt.variants).split(',').map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]) : []),
];
const workloads = String(opt.workloads).split(',');
const res = {}; // label -> workload -> [{ perOp, cpuPerOp, progs: {name: {ns, cnt}} }]
for (let round = 0; round < opt.rounds; round++) {
  for (const [label, bpfObjectDir] of round % 2 ? [...labels].reverse() : labels) {
    const before = new Set(progs().keys());
    const [objDir, ...envs] = bpfObjectDir ? bpfObjectDir.split('@') : [bpfObjectDir];
    const saved = envs.map((e) => [e.split('=')[0], process.env[e.split('=')[0]]]);
    for (const e of envs) process.env[e.split('=')[0]] = e.slice(e.indexOf('=') + 1);
    const probe = bpfObjectDir === null ? null : machineProbe({ hooks: opt.hooks, bpfObjectDir: objDir || undefined });
    await probe?.start();
    for (const [k, v] of saved) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    const mine = [...progs().keys()].filter((id) => !before.has(id));
    for (const w of workloads) {
      const s0 = progs();
      const cpu0 = process.cpuUsage();
      const r = await runLoad(w);
      const cpu = process.cpuUsage(cpu0);
      const s1 = progs();
      const per = {};
      let total = 0;
      for (const id of mine) {
        const a = s0.get(id);
        const b = s1.get(id);
        if (!a || !b || b.cnt === a.cnt) continue;
        const ns = b.ns - a.ns;
        total += ns;
        const e = (per[b.name] ??= { ns: 0, cnt: 0 });
        e.ns += ns;
        e.cnt += b.cnt - a.cnt;
      }
      ((res[label] ??= {})[w] ??= []).push({ perOp: total / r.ops, cpuPerOp: r.cpu / r.ops, probeCpuPerOp: ((cpu.user + cpu.system) * 1000) / r.ops, progs: per, ops: r.ops });
    }
    await probe?.stop();
  }
}
restore();
await redis?.stop();
const load1 = loadAvg();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\nBPF run time per workload operation (kernel.bpf_stats_enabled), ${opt.seconds} s runs, median of ${opt.rounds} interleaved rounds; load ${load0} → ${load1}`);
for (const w of workloads) {
  for (const [label] of labels) {
    const rs = res[label][w];
    const names = new Set(rs.flatMap((r) => Object.keys(r.progs)));
    const detail = [...names]
      .map((n) => {
        const runs = rs.map((r) => r.progs[n]).filter(Boolean);
        return `${n.replace('handle_', '')} ${median(runs.map((p) => p.ns / p.cnt)).toFixed(0)} ns × ${median(runs.map((p) => p.cnt)).toLocaleString('en-US')}`;
      })
      .join(', ');
    console.log(
      `${w.padEnd(5)} ${label.padEnd(6)} BPF ${median(rs.map((r) => r.perOp)).toFixed(0).padStart(5)} ns/op (runs ${rs.map((r) => r.perOp.toFixed(0)).join('/')}); ${Math.round(median(rs.map((r) => r.ops)) / opt.seconds).toLocaleString('en-US')} ops/s; workload CPU ${median(rs.map((r) => r.cpuPerOp)).toFixed(0)} ns/op (min ${Math.min(...rs.map((r) => r.cpuPerOp)).toFixed(0)}); probe process (drain, batches) ${median(rs.map((r) => r.probeCpuPerOp)).toFixed(0)} ns/op; ${detail}`,
    );
  }
}
process.exit(0);
