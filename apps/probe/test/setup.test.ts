import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfObjectsMissingError, Probe, ProbeSetupError, checkProbePrerequisites } from '../src';
import { silentLogger } from '@mcpspy/events';
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
