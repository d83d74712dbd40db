/**
 * `--ring-size` through the real entry point: the kernel's ring maps of the
 * running monitor have the size asked for (read from /proc/PID/fdinfo, as the
 * kernel reports them), and the stdio scenario is still captured whole
 * (golden). Bad sizes are usage errors (apps/cli/test/usage.test.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { monitorSkipReason } from './harness';
import { monitoredScenario } from './monitored';
import { stopAll } from './proc';

after(stopAll);
const skip = monitorSkipReason();
const BPF_MAP_TYPE_RINGBUF = 27;

/** max_entries of every BPF ring buffer map the process holds open. */
function ringSizes(pid: number): number[] {
  const sizes: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (link !== 'anon_inode:bpf-map') continue;
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    const type = Number(/^map_type:\s*(\d+)/m.exec(info)?.[1]);
    if (type === BPF_MAP_TYPE_RINGBUF) sizes.push(Number(/^max_entries:\s*(\d+)/m.exec(info)?.[1]));
  }
  return sizes.sort((a, b) => b - a);
}

test('--ring-size 8MB: the capture rings are 8 MiB in the kernel and stdio is captured whole', { skip }, async () => {
  let seen: number[] = [];
  await monitoredScenario('stdio', {
    extraArgs: ['--ring-size', '8MB'],
    onReady: (m) => {
      seen = ringSizes(m.proc.pid);
    },
  });
  const MiB = 1024 * 1024;
  // The syscall ring and the TLS ring (same size below its 16 MiB default); the others are small fixed ones.
  assert.deepEqual(seen.slice(0, 2), [8 * MiB, 8 * MiB], `ring maps of the monitor: ${seen.join(', ')}`);
  assert.ok(seen.every((s) => s <= 8 * MiB), `no ring larger than asked: ${seen.join(', ')}`);
});
