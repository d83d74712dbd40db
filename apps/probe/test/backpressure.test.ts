/**
 * A consumer slower than the probe: while accepting() says no, the probe
 * leaves records in the kernel ring instead of reading them and dropping
 * batches. One 20 MB write against a consumer that takes one batch every
 * 5 ms (a window of 64 batches, ~16 MB) arrives whole, with no batch
 * refused. Before accepting() existed, such a write lost batches.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRawBatch, RawEvent } from '@mcpspy/events';
import { silentLogger } from '@mcpspy/runtime';
import { Probe } from '../src';
import { BPF_DIR, callsOf, FIXTURES, NamedBinaries, run, waitFor } from './helpers';

const bins = new NamedBinaries();
let probe: Probe | undefined;
let drainer: NodeJS.Timeout | undefined;
after(async () => {
  clearInterval(drainer);
  await probe?.stop();
  bins.cleanup();
});

test('a 20 MB write through a slow consumer: the ring holds the rest, nothing is refused', async () => {
  const WINDOW = 64;
  const queue: Buffer[] = [];
  const events: RawEvent[] = [];
  let refused = 0;
  let maxQueued = 0;
  drainer = setInterval(() => {
    const batch = queue.shift();
    if (batch) for (const ev of decodeRawBatch(batch).events) events.push({ ...ev, data: Buffer.from(ev.data) });
  }, 5);
  probe = new Probe({
    comms: ['mcpt-slow'],
    pids: [],
    excludePids: [],
    partitions: 2,
    logger: silentLogger(),
    bpfObjectDir: BPF_DIR,
    onBatch(_kind, _partition, batch) {
      if (queue.length >= WINDOW) {
        refused++;
        return false;
      }
      queue.push(Buffer.from(batch));
      maxQueued = Math.max(maxQueued, queue.length);
      return true;
    },
    accepting: () => queue.length < WINDOW - 16,
  });
  await probe.start();

  const size = 20 * 1024 * 1024;
  const msg = Buffer.alloc(size, 0x61);
  msg.write('{"jsonrpc":"2.0","method":"big","params":{"b":"', 0);
  msg.write('"}}\n', size - 4);
  const file = join(bins.dir, 'big.json');
  writeFileSync(file, msg);
  const py = bins.path('mcpt-slow', '/usr/bin/python3');
  const res = await run('/bin/sh', ['-c', `"$0" "$1" "$2" | cat >/dev/null`, py, join(FIXTURES, 'big-writer.py'), file], { timeoutMs: 60_000 });
  assert.equal(res.code, 0, res.stderr);
  const pid = Number(/B (\d+)/.exec(res.stderr)![1]);
  await waitFor(() => events.filter((e) => e.pid === pid).reduce((n, e) => n + e.data.length, 0) >= size, 30_000, 'all 20 MB');

  assert.equal(refused, 0, 'no batch refused');
  assert.ok(maxQueued > 16, `the consumer really fell behind (${maxQueued} batches queued at most)`);
  const stats = probe.stats();
  assert.equal(stats.ringbuf_full, 0);
  assert.equal(stats.batches_dropped, 0);
  const calls = callsOf(events.filter((e) => e.pid === pid));
  assert.equal(calls.length, 1);
  assert.ok(calls[0].complete, 'chunks are contiguous');
  assert.equal(createHash('sha256').update(calls[0].data).digest('hex'), createHash('sha256').update(msg).digest('hex'));
});
