import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap, LiveQueue } from './live-queue';

function mapWithQueue() {
  const map = new Map<string, object>();
  const q = new LiveQueue<object>((k, v) => map.get(k) === v);
  const set = (k: string) => {
    const v = {};
    map.delete(k);
    map.set(k, v);
    q.push(k, v);
  };
  return { map, q, set };
}

test('LiveQueue: the oldest live key, skipping removed and re-added ones, as the Map order says', () => {
  const { map, q, set } = mapWithQueue();
  for (const k of ['a', 'b', 'c', 'd']) set(k);
  map.delete('a');
  set('b'); // b moves to the newest place
  assert.equal(q.oldest(), 'c');
  assert.equal(q.oldest(), map.keys().next().value);
  map.delete('c');
  map.delete('d');
  assert.equal(q.oldest(), 'b');
  assert.deepEqual(q.live(), ['b']);
  map.delete('b');
  assert.equal(q.oldest(), undefined);
  assert.equal(q.length, 0);
});

test('LiveQueue: stale entries are dropped once they outnumber the live ones; the same key and value twice is kept once', () => {
  const { map, q, set } = mapWithQueue();
  const v = {};
  for (let i = 0; i < 5000; i++) {
    set(`k${i}`);
    if (i >= 10) map.delete(`k${i - 10}`);
    // One key put again and again with the same value.
    map.set('same', v);
    q.push('same', v);
    q.compact(map.size);
  }
  assert.ok(q.length <= 2 * map.size + 1024, `held ${q.length} for ${map.size} live`);
  const order = [...map.keys()].filter((k) => k !== 'same');
  assert.equal(q.oldest(), map.keys().next().value);
  assert.deepEqual(q.live().filter((k) => k !== 'same'), order);
});

test('LiveQueue: 200,000 evictions, oldest first, from 100,000 keys keep the Map order and the queue small', () => {
  const { map, q, set } = mapWithQueue();
  for (let i = 0; i < 100_000; i++) set(`k${i}`);
  for (let i = 100_000; i < 300_000; i++) {
    map.delete(q.oldest()!);
    set(`k${i}`);
    q.compact(map.size);
  }
  assert.equal(map.size, 100_000);
  assert.equal(q.oldest(), 'k200000');
  assert.equal(q.oldest(), map.keys().next().value);
  assert.ok(q.length <= 2 * map.size + 1024);
  // The evicted front is let go too, not only skipped: the arrays hold at most about twice the live keys.
  assert.ok(q.slots <= 2 * map.size + 2048, `${q.slots} slots for ${map.size} live keys`);
});

test('BoundedMap: the newest entries up to the bound; a new value moves a key to the newest place, the same value again may keep its older place', () => {
  const m = new BoundedMap<string>(3);
  m.put('a', '1');
  m.put('b', '2');
  m.put('c', '3');
  m.put('a', '1.1'); // a new value: now the newest
  m.put('d', '4');
  assert.deepEqual([...m.map.keys()], ['c', 'a', 'd']);
  assert.equal(m.has('b'), false);
  m.put('c', '3'); // the same value again: its older queue entry still counts
  m.put('e', '5');
  assert.equal(m.map.size, 3);
  assert.deepEqual([...m.map.keys()].sort(), ['a', 'd', 'e']);
  for (let i = 0; i < 50_000; i++) m.put(`k${i % 10}`, 'same');
  assert.equal(m.map.size, 3);
  assert.equal(m.get('k9'), 'same');
});
