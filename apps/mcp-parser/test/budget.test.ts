/**
 * Memory budgets that fail safe (issue 18): requests never answered, one
 * process holding unfinished lines, a writer that exits holding them. The
 * oldest state is evicted first, every eviction is counted and reported
 * (`budget_evicted`), and the other processes' messages keep coming through.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NoticeEvent } from '@mcpspy/events';
import { harness, RawScript } from './raw-builder';

const CLIENT = { pid: 20, comm: 'client' };
const SERVER = { pid: 30, comm: 'server' };
const HOG = { pid: 10, comm: 'hog' };
const OTHER = { pid: 40, comm: 'other' };
const READER = { pid: 50, comm: 'reader' };

const request = (id: number, pad: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'x', arguments: { pad: 'p'.repeat(pad) } } });

describe('memory budgets', () => {
  test('requests never answered, 64 KB of params each: the pending bytes stay bounded, the oldest go first, the newest still pairs', async () => {
    const notices: NoticeEvent[] = [];
    const max = 4 * 1024 * 1024;
    const h = harness({ maxPendingBytes: max, emitNotice: (n) => notices.push(n) });
    const N = 600; // ~39 MB of requests against 4 MB
    for (let i = 0; i < N; i += 50) {
      const s = new RawScript();
      if (i === 0) s.call({ ...SERVER, dir: 'read', stream: 2n, data: '' });
      for (let k = i; k < i + 50; k++) s.call({ ...CLIENT, dir: 'write', stream: 2n, data: request(k, 64 * 1024) + '\n' });
      await h.feed(s.batches());
      assert.ok(h.engine.pendingRequestBytes <= max, `pending ${h.engine.pendingRequestBytes} bytes`);
    }
    // The server answers the newest request only.
    await h.feed(
      new RawScript()
        .call({ ...CLIENT, dir: 'read', stream: 3n, data: '' })
        .call({ ...SERVER, dir: 'write', stream: 3n, data: JSON.stringify({ jsonrpc: '2.0', id: N - 1, result: {} }) + '\n' })
        .batches(),
    );
    const out = await h.done();
    const evicted = h.engine.counters.get('budget_evicted');
    assert.ok(evicted >= N - 70, `evicted ${evicted}`);
    assert.equal(h.engine.counters.get('pending_evicted'), evicted, 'every eviction here is a pending request');
    const response = out.find((m) => m.type === 'response');
    assert.ok(response?.request, 'the newest request was kept and paired');
    assert.ok(notices.length >= 1 && notices.every((n) => n.reason === 'budget_evicted' && n.stage === 'mcp-parser'), JSON.stringify(notices[0]));
    assert.equal(notices[0].pid, CLIENT.pid);
    assert.ok(notices.length < 10, `reported once with a count, not per eviction (${notices.length})`);
  });

  test('one process holding unfinished lines cannot starve another; its lines go when it exits', async () => {
    const h = harness({ maxLineBytes: 1024 * 1024, maxTotalBytes: 400_000, maxProcessBytes: 100_000, exitGraceMs: 0 });
    const s = new RawScript().call({ ...READER, dir: 'read', stream: 99n, data: '' });
    // 10 streams of 50 KB unfinished lines: 500 KB tried, more than the whole budget.
    for (let i = 0; i < 10; i++) s.call({ ...HOG, dir: 'write', stream: BigInt(100 + i), data: '{"never":"' + 'h'.repeat(50_000) });
    await h.feed(s.batches());
    assert.ok(h.engine.bufferedBytes <= 100_000, `the hog holds ${h.engine.bufferedBytes} bytes`);
    // Another process's 90 KB message, written in 9 KB syscalls.
    const big = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { data: 'd'.repeat(90_000) } });
    const o = new RawScript();
    for (let off = 0; off < big.length; off += 9000) o.call({ ...OTHER, dir: 'write', stream: 99n, data: big.slice(off, off + 9000) });
    o.call({ ...OTHER, dir: 'write', stream: 99n, data: '\n' });
    await h.feed(o.batches());
    assert.ok(h.engine.counters.get('budget_evicted') >= 8, `evicted ${h.engine.counters.get('budget_evicted')}`);
    assert.equal(h.engine.counters.get('partial_line_evicted'), h.engine.counters.get('budget_evicted'), 'counted once each');
    // The hog exits: what it held goes at once, not after the idle sweep.
    assert.ok(h.engine.bufferedBytes > 0);
    h.engine.onProc({ kind: 'exit', pid: HOG.pid, comm: HOG.comm, timestamp: new Date().toISOString() });
    await h.engine.flush();
    assert.equal(h.engine.bufferedBytes, 0);
    const out = await h.done();
    assert.deepEqual(out.map((m) => m.raw), [big]);
  });

  test('one JSON-RPC batch line of 300,000 elements on a channel whose reader is unknown is emitted whole, in linear time', async () => {
    // The messages wait for their reader, then leave one by one: with Array.shift that was quadratic
    // (a 64.7 MB batch of 641,695 elements held the monitor for minutes, deaf to signals).
    let n = 0;
    const h = harness({ firstReaderWaitMs: 500 });
    const emitted = h.out;
    Object.defineProperty(emitted, 'push', { value: () => ++n });
    const parts: string[] = [];
    for (let i = 0; i < 300_000; i++) parts.push(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":${i}}}`);
    const t0 = Date.now();
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: 9n, data: `[${parts.join(',')}]\n`, chunk: 1 << 20 }).batches());
    await h.done();
    const ms = Date.now() - t0;
    assert.equal(n, 300_000);
    // ~3.5 s here (0.5 s of it the reader wait); the quadratic release took 71 s. A timeout cannot fire while
    // the thread is stuck in it, so the bound is checked after.
    assert.ok(ms < 30_000, `took ${ms} ms`);
  });
});
