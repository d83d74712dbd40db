/**
 * What happens when the kernel ring is too small: chunks that do not fit are
 * counted, and the next chunk of the stream says how many bytes went
 * missing before it (F_LOST_BEFORE), so nothing is glued silently.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RawFlags } from '@mcpspy/events';
import { Captured, NamedBinaries, run, startProbe, waitFor } from './helpers';

const bins = new NamedBinaries();
let cap: Captured | undefined;
after(async () => {
  await cap?.stop();
  bins.cleanup();
});

test('a write larger than the ring is reported as a gap on the next chunk', async () => {
  // 256 KB ring, polled rarely: a 2 MB write cannot fit.
  cap = await startProbe({ comms: ['mcpt-loss'], ringbufBytes: 256 * 1024, pollIntervalMs: 200 });
  const big = Buffer.from(`{"a":"${'x'.repeat(2 * 1024 * 1024)}"}\n`);
  const file = join(bins.dir, 'big.json');
  writeFileSync(file, big);
  const py = bins.path('mcpt-loss', '/usr/bin/python3');
  // Two writes on one pipe: the big one, then (after the ring drained) a small one.
  const script = `import os,sys,time
os.write(1, open(sys.argv[1],'rb').read())
time.sleep(0.5)
os.write(1, b'{"after":1}\\n')
sys.stderr.write(f"L {os.getpid()}\\n")`;
  const res = await run('/bin/sh', ['-c', `"$0" -c "$1" "$2" | cat >/dev/null`, py, script, file], { timeoutMs: 20_000 });
  assert.equal(res.code, 0, res.stderr);
  const pid = Number(/L (\d+)/.exec(res.stderr)![1]);
  await waitFor(() => cap!.events.some((e) => e.pid === pid && Buffer.from(e.data).toString() === '{"after":1}\n'), 5000, 'the small write');
  const evs = cap.events.filter((e) => e.pid === pid);
  const bigBytes = evs.filter((e) => e.totalLen === big.length).reduce((n, e) => n + e.data.length, 0);
  assert.ok(bigBytes < big.length, 'part of the big write did not fit');
  const marked = evs.filter((e) => e.flags & RawFlags.lostBefore);
  assert.ok(marked.length >= 1, 'a later chunk carries the gap');
  const lostReported = marked.reduce((n, e) => n + e.lostBytes, 0);
  assert.equal(lostReported, big.length - bigBytes, 'every lost byte is accounted for');
  const s = cap.probe.stats();
  assert.ok(s.ringbuf_full > 0 && s.gaps >= 1 && s.lost_bytes >= big.length - bigBytes);
});
