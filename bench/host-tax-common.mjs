// What bench/host-tax.mjs and bench/host-tax-progs.mjs share: the workload
// generator bench/host-tax-load.c, built once per run, one workload run, and
// the probe they measure.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort, sleep, startProc } from './pipeline-common.mjs';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);

/**
 * A probe watching every process of the machine (no --pid/--comm), as a
 * DaemonSet runs it: HOOKS as --hooks, the BPF objects of BPF_OBJECT_DIR
 * (another build's bpf/.output) when given, ON_BATCH for each raw batch.
 */
export function machineProbe({ hooks, bpfObjectDir, onBatch = () => true }) {
  const { Probe } = require(join(root, 'apps/probe/dist/src/index.js'));
  const { silentLogger } = require(join(root, 'libs/runtime/dist/src/index.js'));
  return new Probe({
    pids: [],
    comms: [],
    excludePids: [],
    partitions: 4,
    logger: silentLogger(),
    hooks,
    ...(bpfObjectDir ? { bpfObjectDir } : {}),
    // The syscall ring's bytes (a power of two), for ring-size variants (host-tax-progs --variants name=DIR@MCPSPY_BENCH_RING_BYTES=N).
    ...(process.env.MCPSPY_BENCH_RING_BYTES ? { ringbufBytes: Number(process.env.MCPSPY_BENCH_RING_BYTES) } : {}),
    onBatch,
  });
}

/** Builds host-tax-load into DIR; returns its path and `run(mode)`, one workload run of SECONDS. */
export function hostTaxLoad(dir, seconds) {
  const bin = join(dir, 'host-tax-load');
  execFileSync('cc', ['-O2', '-o', bin, join(root, 'bench/host-tax-load.c')]);
  /** Operations, wall nanoseconds and CPU nanoseconds of one run, as host-tax-load reports them on stderr. */
  const run = (mode) =>
    new Promise((resolve, reject) => {
      const c = spawn(bin, [mode, String(seconds), join(dir, 'file.dat')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr.on('data', (d) => (err += d));
      c.on('error', reject);
      c.on('close', (code) => {
        if (code !== 0) return reject(new Error(`${mode}: exit ${code} ${err}`));
        const [ops, ns, cpu] = err.trim().split(' ').map(Number);
        resolve({ ops, ns, cpu });
      });
    });
  return { bin, run };
}

/**
 * Loopback TCP that carries no MCP: a redis-server of its own on 127.0.0.1,
 * and `run()`, one redis-benchmark run of GETs (4 connections) through BIN
 * (host-tax-load's `exec`, which reports the CPU of redis-benchmark). Ops,
 * wall ns and the CPU ns of both ends (the server's from /proc ticks, 10 ms
 * resolution). `calibrate(seconds)` sizes the runs to about SECONDS.
 */
export async function redisWorkload(bin) {
  const port = await freePort();
  const redis = startProc('redis-server', 'redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1']);
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'set', 'key:__rand_int__', 'x'.repeat(64)], { stdio: 'ignore' });
      break;
    } catch {
      await sleep(100);
    }
  }
  let n = 50_000;
  const serverTicks = () => {
    const f = readFileSync(`/proc/${redis.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const run = () => {
    const t0 = serverTicks();
    const w0 = process.hrtime.bigint();
    const r = spawnSync(bin, ['exec', 'redis-benchmark', '-p', String(port), '-t', 'get', '-n', String(n), '-c', '4', '-q'], { encoding: 'utf8' });
    const ns = Number(process.hrtime.bigint() - w0);
    const serverNs = (serverTicks() - t0) * 1e7;
    const m = /GET: ([\d.]+) requests per second/.exec(r.stdout.replace(/\r/g, '\n'));
    if (!m) throw new Error(`redis-benchmark: ${r.stdout} ${r.stderr}`);
    return { ops: n, ns, cpu: Number(r.stderr.trim().split('\n').pop()) + serverNs, perSec: Number(m[1]) };
  };
  return {
    run,
    calibrate(seconds) {
      n = Math.max(10_000, Math.round(run().perSec * seconds));
    },
    stop: () => redis.stop('SIGTERM', 5000),
  };
}
