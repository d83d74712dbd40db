#!/usr/bin/env node
// What the monitor costs processes of the machine, in one run: each workload
// with no monitor, with empty programs on the probe's syscall tracepoints (the
// floor of any tracepoint-based monitor), and with the probe watching the
// whole machine (no --pid/--comm filter, as a DaemonSet runs; the hook backend
// it chose is printed). Runs are interleaved over rounds; medians are shown.
// Workloads (bench/host-tax-load.c, redis-benchmark):
//   pipe   256-byte writes of plain bytes through a pipe (not MCP: filtered in the kernel)
//   file   256-byte write(2)s to a regular file (not captured)
//   redis  loopback TCP: redis-benchmark GETs against a local redis-server (not MCP)
//   mcp    one 110-byte JSON-RPC line per write(2) through a pipe, read one line per read(2) by a child
//          (host-tax-load mcp-line): captured; one write and one read per op whatever the timing
//   mcp-batch  the same lines, read in 64-KB reads (host-tax-load mcp, this workload before session 10; not in
//          the default set): the reader reads more lines per read when the writer is slowed, so its CPU per op
//          falls under a monitor and its ratio can exceed 1
//   spawn  fork + exec of /bin/true (not in the default set; --workloads pipe,file,redis,mcp,spawn)
//   nop    getppid(2), a syscall no program hooks: the slow path alone (not in the default set)
// --before DIR adds a fourth monitor, interleaved in the same rounds: the probe
// with the BPF objects of DIR (e.g. a build of an earlier commit), to measure a
// change before/after in one run; DIR@VAR=VALUE@... starts that probe with
// VAR set (e.g. --before /work/base/bpf/.output@MCPSPY_QUIET_STREAMS=reads,
// so an older build gets the settings it had as its default).
// --variants name=DIR[@VAR=VALUE],... adds more probes in the same rounds (throwaway object folders that cut one
// piece each, or settings), printed as CPU ns/op, ratio and ns above the floor.
// --floor-enter adds a fifth monitor: the floor plus one empty sys_enter_openat program (what a single sys_enter
// program costs every syscall of the machine; the probe had one before session 10).
// Needs root and a build (`npx tsc -b apps/probe`, `make -C bpf`).
//   node bench/host-tax.mjs [--seconds 2] [--rounds 3] [--hooks auto|fexit|tracepoints] [--before DIR[@VAR=VALUE]] [--variants name=DIR,...] [--workloads pipe,file,redis,mcp]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { hostTaxLoad, machineProbe, redisWorkload } from './host-tax-common.mjs';
import { loadAvg, parseArgs, requireRoot, scratchDir } from './pipeline-common.mjs';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const { BpfObject } = require(join(root, 'apps/probe/dist/src/bpf-object.js'));
const { loadLibbpf } = require(join(root, 'apps/probe/dist/src/libbpf.ffi.js'));

const opt = parseArgs({ seconds: 2, rounds: 3, hooks: 'auto', before: '', variants: '', workloads: 'pipe,file,redis,mcp', floorEnter: false });
requireRoot();
const BASELINE = { pipe: 0.7, file: 0.84, redis: 0.7, mcp: 0.64, 'mcp-batch': NaN, spawn: NaN, nop: NaN }; // 2026-11-26, with monitor / without (spawn: none)
const BASELINE_FLOOR = { pipe: 0.77 };
const GOAL = { pipe: '≥ 0.77 (floor) here, ≥ 0.95 with fexit', file: '≥ floor', redis: '≥ floor', mcp: '≥ 0.80', 'mcp-batch': '-', spawn: '-', nop: '-' };
const dir = scratchDir('bench-host-tax');
const load0 = loadAvg();
const { bin, run: runWorkload } = hostTaxLoad(dir, opt.seconds);
const floorObj = join(dir, 'floor.bpf.o');
execFileSync('clang', ['-g', '-O2', '-target', 'bpf', `-I${join(root, 'bpf')}`, '-c', join(root, 'bench/host-tax-floor.bpf.c'), '-o', floorObj]);
const floorEnterObj = join(dir, 'floor-enter.bpf.o');
if (opt.floorEnter) execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-DFLOOR_ENTER', `-I${join(root, 'bpf')}`, '-c', join(root, 'bench/host-tax-floor.bpf.c'), '-o', floorEnterObj]);

const redis = await redisWorkload(bin);

async function runLoad(mode) {
  const { ops, ns, cpu } = await runWorkload(mode);
  return { perSec: ops / (ns / 1e9), cpuNsPerOp: cpu / ops };
}
// CPU of both ends: redis-benchmark (as a child of host-tax-load exec) and redis-server (/proc ticks).
function runRedis() {
  const r = redis.run();
  return { perSec: r.perSec, cpuNsPerOp: r.cpu / r.ops };
}
const ALL_WORKLOADS = { pipe: () => runLoad('pipe'), file: () => runLoad('file'), redis: async () => runRedis(), mcp: () => runLoad('mcp-line'), 'mcp-batch': () => runLoad('mcp'), spawn: () => runLoad('spawn'), nop: () => runLoad('nop') };
const WORKLOADS = Object.fromEntries(String(opt.workloads).split(',').map((w) => [w, ALL_WORKLOADS[w]]));
// One calibration run sizes redis-benchmark to about --seconds.
redis.calibrate(opt.seconds);

let captured = 0;
let backend = '?';
let fallback;
const samples = {}; // workload -> monitor -> [ops/s]
const add = (w, m, v) => ((samples[w] ??= {})[m] ??= []).push(v);
let probeCpu = [];

for (let round = 0; round < opt.rounds; round++) {
  for (const [w, fn] of Object.entries(WORKLOADS)) add(w, 'none', await fn());

  for (const [label, obj] of [['floor', floorObj], ...(opt.floorEnter ? [['floor+enter', floorEnterObj]] : [])]) {
    const floor = BpfObject.open(loadLibbpf(), obj);
    floor.load();
    floor.attachTracepoints();
    for (const [w, fn] of Object.entries(WORKLOADS)) add(w, label, await fn());
    floor.destroy();
  }

  // The two probes swap places every other round, so a drift of the machine within a round favours neither.
  const probes = [
    ['probe', undefined],
    ...(opt.before ? [['before', String(opt.before)]] : []),
    // --variants name=DIR[@VAR=VALUE...],...: more probes (other object folders or settings) in the same rounds.
    ...(opt.variants ? String(opt.variants).split(',').map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]) : []),
  ];
  for (const [label, spec] of round % 2 ? probes.reverse() : probes) {
    const [bpfObjectDir, ...envs] = spec ? spec.split('@') : [undefined];
    const saved = envs.map((e) => [e.split('=')[0], process.env[e.split('=')[0]]]);
    for (const e of envs) process.env[e.split('=')[0]] = e.slice(e.indexOf('=') + 1);
    const probe = machineProbe({
      hooks: opt.hooks,
      bpfObjectDir,
      onBatch(_route, _p, batch) {
        if (label === 'probe') captured += batch.readUInt32LE(8);
        return true;
      },
    });
    await probe.start();
    for (const [k, v] of saved) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    if (label === 'probe') {
      backend = probe.hookBackend.backend;
      fallback = probe.hookBackend.fallbackReason;
    }
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const [w, fn] of Object.entries(WORKLOADS)) add(w, label, await fn());
    const cpu = process.cpuUsage(cpu0);
    if (label === 'probe') probeCpu.push((cpu.user + cpu.system) / 1000 / (performance.now() - t0));
    await probe.stop();
  }
}
await redis.stop();
const load1 = loadAvg();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (n) => Math.round(n).toLocaleString('en-US');
console.log(
  `\nhost tax, ${opt.seconds} s per run, median of ${opt.rounds} interleaved rounds; probe without filters (whole machine), hooks: ${backend}` +
    `${fallback ? ` (fexit refused: ${fallback})` : ''}; ${process.arch}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm).length} vCPU shared; load ${load0} → ${load1}`,
);
console.log('ratio = ops per CPU-second of the workload with / without (CPU ns per op from getrusage: both ends, less sensitive to');
console.log('other load than wall throughput, which is shown after it); 2026-11-26 baseline ratios in parentheses (wall throughput)');
console.log('workload   CPU ns/op: none    floor   probe    ratio floor   ratio probe        wall ops/s: none / floor / probe (ratios)       goal');
for (const [w, m] of Object.entries(samples)) {
  const c = (k) => median(m[k].map((r) => r.cpuNsPerOp));
  const t = (k) => median(m[k].map((r) => r.perSec));
  const bf = BASELINE_FLOOR[w] === undefined ? '-' : BASELINE_FLOOR[w].toFixed(2);
  console.log(
    `${w.padEnd(8)} ${f(c('none')).padStart(16)} ${f(c('floor')).padStart(8)} ${f(c('probe')).padStart(7)}    ${(c('none') / c('floor')).toFixed(2)} (${bf})`.padEnd(66) +
      `${(c('none') / c('probe')).toFixed(2)} (${BASELINE[w].toFixed(2)})     ` +
      `${f(t('none'))} / ${f(t('floor'))} / ${f(t('probe'))} (${(t('floor') / t('none')).toFixed(2)}, ${(t('probe') / t('none')).toFixed(2)})`.padEnd(48) +
      `${GOAL[w]}`,
  );
}
if (opt.before) {
  console.log(`before/after in the same rounds: probe with ${opt.before} (before) and with bpf/.output (after), ratio by CPU time`);
  for (const [w, m] of Object.entries(samples)) {
    const c = (k) => median(m[k].map((r) => r.cpuNsPerOp));
    console.log(`  ${w.padEnd(8)} before ${(c('none') / c('before')).toFixed(2)}  after ${(c('none') / c('probe')).toFixed(2)}  (CPU ns/op ${f(c('before'))} → ${f(c('probe'))})`);
  }
}
if (opt.variants) {
  console.log('variants in the same rounds (CPU ns/op; ratio to none; + ns/op above the floor):');
  for (const [w, m] of Object.entries(samples)) {
    const c = (k) => median(m[k].map((r) => r.cpuNsPerOp));
    const names = ['probe', ...(opt.before ? ['before'] : []), ...String(opt.variants).split(',').map((v) => v.slice(0, v.indexOf('=')))];
    console.log(`  ${w.padEnd(8)} ${names.map((k) => `${k} ${f(c(k))} (${(c('none') / c(k)).toFixed(2)}, +${f(c(k) - c('floor'))})`).join('  ')}`);
  }
}
if (opt.floorEnter) {
  console.log('the floor with one empty sys_enter program besides (CPU ns/op; ratio to none):');
  for (const [w, m] of Object.entries(samples)) {
    const c = (k) => median(m[k].map((r) => r.cpuNsPerOp));
    console.log(`  ${w.padEnd(8)} floor ${f(c('floor'))} (${(c('none') / c('floor')).toFixed(2)})  floor+enter ${f(c('floor+enter'))} (${(c('none') / c('floor+enter')).toFixed(2)})`);
  }
}
console.log(`all runs (CPU ns/op): ${Object.entries(samples).map(([w, m]) => `${w}: ${Object.entries(m).map(([k, v]) => `${k} ${v.map((r) => f(r.cpuNsPerOp)).join('/')}`).join(', ')}`).join('; ')}`);
console.log(`probe CPU during its runs: ${(median(probeCpu) * 100).toFixed(1)}% of one core; records captured: ${f(captured)}`);
process.exit(0);
