import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FdType, NoticeEvent, UnseenWhat } from '@mcpspy/events';
import { UnseenCounts, UnseenNotices, UnseenSighting } from './unseen-notices';

function setup() {
  const published: NoticeEvent[] = [];
  const counts = new Map<string, UnseenCounts>();
  const forgotten: string[] = [];
  let now = 0;
  const n = new UnseenNotices({
    publish: (x) => published.push(x),
    read: (pid, what) => counts.get(`${pid}:${what}`),
    forget: (pid, what) => forgotten.push(`${pid}:${what}`),
    minIntervalMs: 5000,
    now: () => now,
  });
  return { n, published, counts, forgotten, advance: (ms: number) => (now += ms) };
}

const sighting = (o: Partial<UnseenSighting> = {}): UnseenSighting => ({
  pid: 42,
  comm: 'srv',
  what: UnseenWhat.splice,
  detail: 0,
  fdType: FdType.pipe,
  streamId: 7n,
  bytes: 100,
  timestamp: '2026-01-01T00:00:00.000Z',
  ...o,
});

test('first sighting: one notice, count 1, the process and stream named', () => {
  const { n, published } = setup();
  n.onSighting(sighting());
  assert.equal(published.length, 1);
  assert.deepEqual({ ...published[0], detail: undefined }, {
    timestamp: '2026-01-01T00:00:00.000Z',
    reason: 'kernel_copy',
    stage: 'probe',
    pid: 42,
    comm: 'srv',
    stream: 'pipe:7',
    detail: undefined,
    count: 1,
  });
  assert.match(published[0].detail, /splice\(2\).*1 calls, 100 bytes/);
});

test('counts rise at most every interval, and not at all when unchanged', () => {
  const { n, published, counts, advance } = setup();
  n.onSighting(sighting());
  counts.set('42:1', { calls: 5, bytes: 500 });
  advance(1000);
  n.tick();
  assert.equal(published.length, 1, 'too soon');
  advance(4000);
  n.tick();
  assert.equal(published.length, 2);
  assert.equal(published[1].count, 5);
  advance(10_000);
  n.tick();
  assert.equal(published.length, 2, 'unchanged');
});

test('exit publishes the last count at once and forgets the kernel entries', () => {
  const { n, published, counts, forgotten } = setup();
  n.onSighting(sighting());
  n.onSighting(sighting({ what: UnseenWhat.ioUring, detail: 23, fdType: FdType.none, bytes: 0 }));
  counts.set('42:1', { calls: 3, bytes: 300 });
  counts.set('42:4', { calls: 1, bytes: 0 });
  n.onExit(42);
  assert.deepEqual(published.map((p) => [p.reason, p.count]), [['kernel_copy', 1], ['io_uring', 1], ['kernel_copy', 3]]);
  assert.match(published[1].detail, /first request WRITE/);
  assert.equal(published[1].stream, undefined);
  assert.deepEqual(forgotten.sort(), ['42:1', '42:4']);
  assert.equal(n.size, 0);
});

test('a comm with control characters is escaped in the detail', () => {
  const { n, published } = setup();
  n.onSighting(sighting({ comm: 'x\u001b[2Jy' }));
  assert.ok(!published[0].detail.includes('\u001b'));
});

test('a publisher that throws does not stop the next sighting', () => {
  let calls = 0;
  const n = new UnseenNotices({ publish: () => { calls++; throw new Error('bus down'); }, read: () => undefined, forget: () => undefined });
  n.onSighting(sighting());
  n.onSighting(sighting({ pid: 43 }));
  assert.equal(calls, 2);
});

test('a quiet stream caught again: quiet_unchecked, counting the calls that went unchecked, not 1', () => {
  const { n, published, counts, advance } = setup();
  n.onSighting(sighting({ what: UnseenWhat.quiet, detail: 37, bytes: 4100, fdType: FdType.unix, comm: 'srv\u001b[2J' }));
  assert.equal(published.length, 1);
  assert.equal(published[0].reason, 'quiet_unchecked');
  assert.equal(published[0].count, 37);
  assert.equal(published[0].stream, 'unix:7');
  assert.match(published[0].detail, /unix:7 .*37 earlier calls \(4100 bytes\) were not checked/);
  assert.ok(!published[0].detail.includes('\u001b'), 'the comm is escaped');
  // A second stream of the same process adds to the kernel's counts: raised on the next tick.
  counts.set(`42:${UnseenWhat.quiet}`, { calls: 50, bytes: 5000 });
  advance(5000);
  n.tick();
  assert.equal(published.at(-1)!.count, 50);
});
