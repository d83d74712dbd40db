import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialQueue } from './serial-queue';
import { InProcessBus, PUBLISHED } from './in-process.bus';

describe('SerialQueue: an idle queue handles an item inside push', () => {
  test('a synchronous handler is done when push returns; items it pushes follow, in order', async () => {
    const seen: number[] = [];
    let q!: SerialQueue<number>;
    q = new SerialQueue<number>((n) => {
      seen.push(n);
      if (n === 1) {
        q.push(10);
        q.push(11);
      }
    });
    q.push(1);
    assert.deepEqual(seen, [1, 10, 11]);
    q.push(2);
    assert.deepEqual(seen, [1, 10, 11, 2]);
    await q.idle();
    assert.equal(q.length, 0);
  });

  test('an async handler keeps the queue busy: later items wait behind it, in order', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new SerialQueue<number>(async (n) => {
      seen.push(`start ${n}`);
      if (n === 1) await gate;
      seen.push(`end ${n}`);
    });
    q.push(1);
    q.push(2);
    q.push(3);
    assert.deepEqual(seen, ['start 1'], 'the first runs at once, the others wait');
    release();
    await q.idle();
    assert.deepEqual(seen, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  test('a handler that throws does not stop the queue', async () => {
    const seen: number[] = [];
    const q = new SerialQueue<number>((n) => {
      if (n === 1) throw new Error('bad');
      seen.push(n);
    });
    q.push(1);
    q.push(2);
    await q.idle();
    assert.deepEqual(seen, [2]);
  });

  test('past the high-water mark push returns a wait that resolves when there is room', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new SerialQueue<number>(async (n) => {
      if (n === 0) await gate;
    }, 2);
    assert.equal(q.push(0), undefined);
    assert.equal(q.push(1), undefined);
    const w = q.push(2);
    assert.ok(w instanceof Promise, 'full: the producer waits');
    release();
    await w;
    await q.idle();
  });
});

describe('InProcessBus: delivery inside publish', () => {
  test('a synchronous subscriber has the message when publish returns, and publish returns PUBLISHED', async () => {
    const bus = new InProcessBus();
    const got: unknown[] = [];
    await bus.subscribe('a.b', (p) => {
      got.push(p);
    });
    const r = bus.publish('a.b', { n: 1 });
    assert.equal(r, PUBLISHED);
    assert.deepEqual(got, [{ n: 1 }]);
    await bus.close();
  });

  test('handler errors are counted, sync or async', async () => {
    const bus = new InProcessBus();
    await bus.subscribe('x', () => {
      throw new Error('sync');
    });
    await bus.subscribe('y', async () => {
      throw new Error('async');
    });
    await bus.publish('x', 1);
    await bus.publish('y', 1);
    await bus.flush();
    assert.equal(bus.counters.get('handler_errors'), 2);
    await bus.close();
  });
});
