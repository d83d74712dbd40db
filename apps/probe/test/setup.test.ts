import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BpfObjectsMissingError, Probe, ProbeSetupError, checkProbePrerequisites } from '../src';
import { silentLogger } from '@mcpspy/runtime';
import { BPF_DIR } from './helpers';

test('prerequisites pass on this host and name the fix when objects are missing', async () => {
  checkProbePrerequisites(BPF_DIR);
  assert.throws(
    () => checkProbePrerequisites('/nonexistent/bpf'),
    (err: unknown) => err instanceof BpfObjectsMissingError && err instanceof ProbeSetupError && /make -C bpf/.test((err as Error).message),
  );
  const p = new Probe({ pids: [], comms: [], excludePids: [], partitions: 1, logger: silentLogger(), bpfObjectDir: '/nonexistent/bpf', onBatch: () => true });
  await assert.rejects(p.start(), BpfObjectsMissingError);
  assert.equal(p.stats().events, 0);
});

test('the probe loads while signals keep arriving (a CPU profiler sends SIGPROF every millisecond)', async () => {
  // Without signals blocked around bpf_object__load the verifier returns
  // EAGAIN on every attempt under --cpu-prof.
  const script = `
    const { Probe } = require(${JSON.stringify(require.resolve('../src'))});
    const p = new Probe({ pids: [], comms: ['mcpt-none'], excludePids: [], partitions: 1, bpfObjectDir: ${JSON.stringify(BPF_DIR)}, tls: false,
      logger: { info() {}, debug() {}, error() {}, warn() {}, child() { return this; } }, onBatch: () => true });
    p.start().then(() => p.stop()).then(() => console.log('LOADED'), (e) => console.log('FAILED ' + e.message));`;
  const dir = mkdtempSync(join(tmpdir(), 'mcpspy-prof-'));
  try {
    const out = execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '-e', script], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(out, /^LOADED$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
