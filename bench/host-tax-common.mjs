// What bench/host-tax.mjs and bench/host-tax-progs.mjs share: the workload
// generator bench/host-tax-load.c, built once per run, one workload run, and
// the probe they measure.
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

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
