import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringSlab } from '@mcpspy/runtime';
import { hashOf, PendingIndex } from './pending-index';

const value = (i: number): string => `"tools/call"\t1700000000000,"params":{"i":${i},"pad":"${'x'.repeat(60)}"}\nmsg-${i}`;

test('a table with a slab keeps the values, gives each back once, and frees its slot', () => {
  const slab = new StringSlab();
  const t = new PendingIndex(slab);
  t.add('k1', 1000, 10, 7, value(1));
  t.add('k2', 1000, 20, 7, 'short');
  t.add('k3', 1000, 30, 8, 'x'.repeat(10_000)); // larger than a slot: kept as a string
  t.add('k4', 1000, 5, 8, 'lone \ud800 surrogate and more than forty-eight characters');
  assert.equal(t.size, 4);
  assert.equal(t.heldBytes, 65);
  assert.equal(slab.size, 1);
  assert.equal(t.take('k1', 0), value(1));
  assert.equal(t.take('k1', 0), null);
  assert.equal(slab.size, 0);
  assert.equal(t.take('k2', 0), 'short');
  assert.equal(t.take('k3', 0), 'x'.repeat(10_000));
  assert.equal(t.take('k4', 0), 'lone \ud800 surrogate and more than forty-eight characters');
  assert.equal(t.size, 0);
  assert.equal(t.heldBytes, 0);
  assert.equal(t.ownerBytes(7), 0);
});

test('an expired key is not given back, and is removed', () => {
  const t = new PendingIndex(new StringSlab());
  t.add('k', 100, 10, 1, value(1));
  assert.equal(t.take('k', 100), null);
  assert.equal(t.size, 0);
});

test('oldest first, over rows reused after a forget: a stale queue entry never names a key added again', () => {
  const t = new PendingIndex(new StringSlab());
  for (let i = 0; i < 5000; i++) t.add(`k${i}`, i, 1, i % 3, value(i));
  for (let i = 0; i < 5000; i += 2) t.forget(`k${i}`);
  t.add('k0', 9999, 1, 0, value(0)); // added again, newest now (a row freed above)
  const order: string[] = [];
  for (let r = t.oldest(); r >= 0; r = t.oldest()) {
    order.push(t.keyOf(r));
    t.drop(r);
  }
  assert.equal(order.length, 2501);
  assert.equal(order[0], 'k1');
  assert.equal(order[2499], 'k4999');
  assert.equal(order[2500], 'k0');
});

test('per requester: bytes, the oldest, its live keys; the expiry of the oldest', () => {
  const t = new PendingIndex();
  t.add('a1', 50, 10, 1);
  t.add('b1', 60, 20, 2);
  t.add('a2', 70, 30, 1);
  assert.equal(t.ownerBytes(1), 40);
  assert.equal(t.keyOf(t.oldestOf(1)), 'a1');
  assert.deepEqual(t.rowsOf(1).map((r) => t.keyOf(r)), ['a1', 'a2']);
  const r = t.oldest();
  assert.equal(t.keyOf(r), 'a1');
  assert.equal(t.expiry(r), 50);
  assert.equal(t.ownerOf(r), 1);
  assert.equal(t.bytesOf(r), 10);
  t.forget('a1');
  assert.equal(t.keyOf(t.oldest()), 'b1');
  assert.equal(t.expiry(t.oldest()), 60);
  assert.equal(t.keyOf(t.oldestOf(1)), 'a2');
  assert.equal(t.take('a2', 0), null, 'no slab: no value');
  assert.equal(t.has('a2'), false);
  assert.deepEqual(t.rowsOf(1), []);
  assert.equal(t.oldestOf(1), -1);
});

test('evicting and expiring oldest first leaves no stale queue entries behind (no compaction walk)', () => {
  const t = new PendingIndex(new StringSlab());
  for (let i = 0; i < 300_000; i++) {
    if (t.size >= 1000) t.drop(t.oldest());
    t.add(`k${i}`, i, 1, 42, value(i));
  }
  assert.equal(t.size, 1000);
  // One live entry in the global queue and one in the owner's per key: nothing stale kept.
  assert.equal(t.queued, 2000);
  assert.equal(t.heldStrings, 0, 'keys and values in the slab: no JS string per pending request');
  for (let r = t.oldest(); r >= 0 && t.expiry(r) <= 299_500; r = t.oldest()) t.drop(r);
  assert.equal(t.size, 499);
  assert.equal(t.queued, 998);
});

test('against a Map: random adds, takes, forgets and oldest-first drops over reused rows and a rebuilt index', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (const slab of [new StringSlab(), undefined]) {
    const t = new PendingIndex(slab);
    const model = new Map<string, string>();
    for (let step = 0; step < 60_000; step++) {
      // Keys that collide in length and share prefixes; some with a lone surrogate (kept as strings, not in the slab).
      const key = `mcp:pending:s${rnd(50)}:${rnd(2000)}${rnd(100) === 0 ? '\ud800' : ''}`;
      const op = rnd(10);
      if (op < 5) {
        const v = value(step);
        t.forget(key);
        model.delete(key);
        t.add(key, 1e12, v.length, rnd(3), v);
        model.set(key, v);
      } else if (op < 8) {
        const got = t.take(key, 0);
        assert.equal(got, slab ? (model.get(key) ?? null) : null);
        model.delete(key);
      } else if (op < 9) {
        t.forget(key);
        model.delete(key);
      } else if (t.size > 0) {
        const r = t.oldest();
        const k = t.keyOf(r);
        assert.equal(k, model.keys().next().value, 'oldest first');
        t.drop(r);
        model.delete(k);
      }
      assert.equal(t.size, model.size);
    }
    for (const [k, v] of model) assert.equal(t.take(k, 0), slab ? v : null);
    assert.equal(t.size, 0);
    assert.equal(t.heldBytes, 0);
    assert.equal(t.heldStrings, 0);
  }
});

test('ids chosen to share one index slot under one seed spread out under another (the seed is random per process)', () => {
  // What a hostile client would precompute against a fixed hash: 64 request ids whose keys share their low 12 bits.
  const scope = 'mcp:pending:4242:pipe:7:';
  const chosen: string[] = [];
  for (let i = 0; chosen.length < 64; i++) {
    const key = `${scope}${JSON.stringify(`id-${i}`)}`;
    if ((hashOf(key, 0) & 0xfff) === 0) chosen.push(key);
  }
  for (const seed of [1, 0x5eed, -123456789]) {
    const slots = new Map<number, number>();
    for (const k of chosen) {
      const slot = hashOf(k, seed) & 0xfff;
      slots.set(slot, (slots.get(slot) ?? 0) + 1);
    }
    assert.ok(slots.size >= 56, `seed ${seed}: the 64 keys fall in ${slots.size} slots`);
  }
  // And the table itself still finds every one of them.
  const t = new PendingIndex();
  for (const k of chosen) t.add(k, 1e15, 1, 1);
  assert.ok(chosen.every((k) => t.has(k)));
});
