/**
 * The data area of a ring is mapped once, so a record that runs past its end
 * is made contiguous by the reader. A 128 KB ring and ~1 MB of lines of
 * every length make it wrap some 8 times; every line must come back
 * byte for byte, in order, with nothing lost.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Direction } from '@mcpspy/events';
import { bytesOf, Captured, NamedBinaries, run, startProbe, waitFor } from './helpers';

const bins = new NamedBinaries();
let cap: Captured | undefined;
after(async () => {
  await cap?.stop();
  bins.cleanup();
});

test('records that wrap around the end of a 128 KB ring arrive whole and in order', async () => {
  cap = await startProbe({ comms: ['mcpt-wrap'], ringbufBytes: 128 * 1024, pollIntervalMs: 1 });
  // 2,000 JSON lines of 20..1,000 bytes; the writer pauses every 5 lines so the reader keeps up with the tiny ring.
  const script = `import os, sys, time
random_len = lambda i: 20 + (i * 7919) % 980
for i in range(2000):
    body = ('%06d' % i) * (random_len(i) // 6)
    os.write(1, ('{"jsonrpc":"2.0","id":%d,"method":"x","params":"%s"}\\n' % (i, body)).encode())
    if i % 5 == 4: time.sleep(0.004)
sys.stderr.write('W %d\\n' % os.getpid())
`;
  const file = join(bins.dir, 'wrap.py');
  writeFileSync(file, script);
  const py = bins.path('mcpt-wrap', '/usr/bin/python3');
  const res = await run('/bin/sh', ['-c', `"$0" "$1" | cat >/dev/null`, py, file], { timeoutMs: 60_000 });
  assert.equal(res.code, 0, res.stderr);
  const pid = Number(/W (\d+)/.exec(res.stderr)![1]);
  let expected = '';
  for (let i = 0; i < 2000; i++) {
    const body = String(i).padStart(6, '0').repeat(Math.floor((20 + ((i * 7919) % 980)) / 6));
    expected += `{"jsonrpc":"2.0","id":${i},"method":"x","params":"${body}"}\n`;
  }
  const mine = (e: { pid: number; direction: number }) => e.pid === pid && e.direction === Direction.write;
  await waitFor(() => bytesOf(cap!.events, mine).length >= expected.length, 20_000, 'every line');
  const got = bytesOf(cap.events, mine);
  assert.equal(got.length, Buffer.byteLength(expected));
  assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(expected).digest('hex'));
  const stats = cap.probe.stats();
  assert.equal(stats.ringbuf_full, 0, 'nothing lost: the content check is about wrapping, not loss');
  assert.ok(got.length > 6 * 128 * 1024, "the ring went round several times");
});
