import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedeliveryFilter } from './redelivery-filter';

test('ids of messages and alerts are read back from the tail of a JSONL file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'redeliv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'out.jsonl');
  writeFileSync(
    file,
    [
      '{"timestamp":"t","type":"request","msg_id":"9:1","raw":"{}"}',
      '{"type":"security_alert","category":"jailbreak","message":{"msg_id":"9:1"}}',
      '{"timestamp":"t","type":"response","msg_id":"9:2","raw":"{}"}',
      '',
    ].join('\n'),
  );
  const f = new RedeliveryFilter();
  assert.equal(f.seedFromFile(file), 3);
  assert.equal(f.has('9:1'), true);
  assert.equal(f.has('9:2'), true);
  assert.equal(f.has('alert:9:1:jailbreak'), true);
  assert.equal(f.has('9:3'), false);
  assert.equal(new RedeliveryFilter().seedFromFile(join(dir, 'missing.jsonl')), 0);
});

test('bounded: the oldest ids are forgotten', () => {
  const f = new RedeliveryFilter(2);
  f.add('a');
  f.add('b');
  f.add('c');
  assert.deepEqual([f.has('a'), f.has('b'), f.has('c')], [false, true, true]);
});

test('bounded at scale: exactly the newest ids are kept, oldest forgotten first, a repeat neither moves nor doubles', () => {
  const f = new RedeliveryFilter(1000);
  for (let i = 0; i < 250_000; i++) {
    // Lookups keep coming (a redelivery burst): the filter keeps its Set.
    if (i % 500 === 0) f.has('x');
    f.add(`i:${i}`);
    if (i % 7 === 0) f.add(`i:${i}`);
  }
  for (let i = 0; i < 250_000; i += 997) assert.equal(f.has(`i:${i}`), i >= 249_000, `i:${i}`);
  assert.equal(f.has('i:249000'), true);
  assert.equal(f.has('i:248999'), false);
});

test('without lookups the ids only go into the ring; the first lookup sees exactly the newest ring of ids', () => {
  const f = new RedeliveryFilter(1000);
  for (let i = 0; i < 250_000; i++) f.add(`i:${i}`);
  assert.equal(f.has('i:249000'), true);
  assert.equal(f.has('i:248999'), false);
  assert.equal(f.has('i:249999'), true);
  // Kept up to date while lookups come: the next adds push the oldest out one by one.
  f.add('n:1');
  assert.equal(f.has('i:249000'), false);
  assert.equal(f.has('i:249001'), true);
  assert.equal(f.has('n:1'), true);
  // A ring's worth of adds without a lookup lets the Set go; the next lookup builds it again, same answers.
  for (let i = 0; i < 1500; i++) f.add(`m:${i}`);
  assert.equal(f.has('m:499'), false);
  assert.equal(f.has('m:500'), true);
  assert.equal(f.has('m:1499'), true);
});

test('an id added twice without lookups counts once, at its newest place', () => {
  const f = new RedeliveryFilter(4);
  f.add('a');
  f.add('b');
  f.add('a');
  assert.equal(f.has('a'), true);
  assert.equal(f.has('b'), true);
  f.add('c');
  f.add('d');
  // Ring (oldest first) was b, a, c, d after the duplicate was emptied: e pushes b out, a stays.
  f.add('e');
  assert.deepEqual([f.has('a'), f.has('b'), f.has('c'), f.has('d'), f.has('e')], [true, false, true, true, true]);
});
