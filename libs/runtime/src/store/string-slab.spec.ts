import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SLAB_MAX_BYTES, StringSlab } from './string-slab';
import { MemoryStore } from './memory.store';

test('every size class round-trips ASCII and non-ASCII text byte for byte', () => {
  const slab = new StringSlab();
  const samples: string[] = [];
  for (let n = 0; n <= SLAB_MAX_BYTES; n += 37) samples.push('x'.repeat(n));
  samples.push('é'.repeat(Math.floor(SLAB_MAX_BYTES / 2)), '\u{1F600}'.repeat(Math.floor(SLAB_MAX_BYTES / 4)), '\u2028"\\\n', 'a'.repeat(SLAB_MAX_BYTES));
  const handles = samples.map((s) => slab.put(s));
  for (const h of handles) assert.ok(h >= 0);
  assert.equal(new Set(handles).size, handles.length, 'two live values never share a slot');
  handles.forEach((h, i) => assert.equal(slab.get(h), samples[i]));
  assert.equal(slab.size, samples.length);
});

/** The slot sizes of string-slab.ts (a 2-byte length heads each slot). */
const SLOT_SIZES = [...Array.from({ length: 31 }, (_, i) => 64 + 32 * i), 1280, 1536, 2048, 2560, 3072, 4096];

test("put's ASCII pass: a value that fills its slot to the byte, with a multi-byte or lone-surrogate tail, round-trips or is refused", () => {
  const slab = new StringSlab();
  let checked = 0;
  for (const size of SLOT_SIZES) {
    for (let d = 0; d <= 8; d++) {
      const len = size - 2 - d;
      if (len < 4 || len > SLAB_MAX_BYTES) continue;
      // Units == bytes of the part that fits a slot of exactly `len` bytes: a pass that trusted a cut-off write
      // (no room past the units) would keep `é` and the a's and lose the `€`.
      const shapes = [
        'a'.repeat(len),
        `é${'a'.repeat(len - 2)}€`,
        `${'a'.repeat(len - 1)}\u{1F600}`,
        `\u2028${'a'.repeat(len - 3)}"\\`,
        `${'a'.repeat(len - 1)}\u007f`,
        `${'a'.repeat(len - 4)}\u0000\u001f\n\t`,
      ];
      for (const v of shapes) {
        const h = slab.put(v);
        if (Buffer.byteLength(v, 'utf8') > SLAB_MAX_BYTES) assert.equal(h, -1);
        else assert.equal(slab.get(h), v, `slot ${size}, ${v.length} units`);
        checked++;
      }
      for (const v of [`${'a'.repeat(len - 1)}\ud800`, `\udc00${'a'.repeat(len - 1)}`, `${'a'.repeat(len - 2)}\udbff`]) {
        assert.equal(slab.put(v), -1, 'a lone surrogate would come back as U+FFFD');
      }
    }
  }
  assert.ok(checked > 1000);
});

test('a value larger than a slot is refused (-1), whether by characters or by UTF-8 bytes', () => {
  const slab = new StringSlab();
  assert.equal(slab.put('a'.repeat(SLAB_MAX_BYTES + 1)), -1);
  assert.equal(slab.put('é'.repeat(SLAB_MAX_BYTES / 2 + 1)), -1);
  assert.equal(slab.size, 0);
});

test('a string with a lone surrogate is refused, and MemoryStore gives it back unchanged', async () => {
  const slab = new StringSlab();
  const odd = `${'x'.repeat(60)}\ud800${'y'.repeat(10)}\udc00`;
  assert.equal(slab.put(odd), -1);
  const store = new MemoryStore();
  await store.set('k', odd);
  assert.equal(store.slabSlots, 0);
  assert.equal(await store.take('k'), odd);
  await store.close();
});

test('released slots are reused: 500,000 put/release cycles over 100,000 live values stay within their chunks', () => {
  const slab = new StringSlab();
  const N = 100_000;
  const ring = new Int32Array(N);
  const value = (i: number) => `{"type":"request","id":${i},"method":"tools/call","params":{"n":"${'v'.repeat(380)}"}}`;
  const total = 500_000;
  for (let i = 0; i < total; i++) {
    if (i >= N) slab.release(ring[i % N]);
    ring[i % N] = slab.put(value(i));
    if (i % 99_991 === 0) assert.equal(slab.get(ring[i % N]), value(i));
  }
  assert.equal(slab.size, N);
  // ~450 B values take 512 B slots (512 to a chunk of 256 KB): never more chunks than 100,000 live slots need.
  assert.ok(slab.reservedBytes <= Math.ceil(N / 512) * 256 * 1024, `reserved ${slab.reservedBytes}`);
  for (let i = total - N; i < total; i += 9_973) assert.equal(slab.get(ring[i % N]), value(i));
});

test('MemoryStore keeps long values in the slab and frees them on take, del, rewrite, expiry and eviction', async () => {
  const evicted: string[] = [];
  const store = new MemoryStore({ maxKeys: 3, onEvict: (k) => evicted.push(k) });
  const long = (c: string) => c.repeat(200);
  await store.set('a', long('a'));
  await store.set('b', long('b'), 60_000);
  await store.set('short', '1');
  assert.equal(store.slabSlots, 2);
  assert.equal(await store.get('a'), long('a'));
  assert.equal(await store.take('b'), long('b'));
  assert.equal(await store.take('b'), null);
  assert.equal(store.slabSlots, 1);
  await store.set('a', long('c')); // rewrite frees the old slot
  assert.equal(store.slabSlots, 1);
  assert.equal(await store.get('a'), long('c'));
  await store.del('a');
  assert.equal(store.slabSlots, 0);
  assert.equal(await store.setIfAbsent('x', long('x')), true);
  assert.equal(await store.setIfAbsent('x', long('y')), false);
  await store.set('y', long('y'));
  await store.set('z', long('z')); // 4 keys: the oldest ('short') goes
  assert.deepEqual(evicted, ['short']);
  await store.set('w', long('w')); // then 'x', a slab value
  assert.deepEqual(evicted, ['short', 'x']);
  assert.equal(store.slabSlots, 3);
  await store.set('t', long('t'), 1); // evicts 'y'
  const until = Date.now() + 5;
  while (Date.now() < until) {
    /* let the 1-ms TTL pass */
  }
  assert.equal(await store.get('t'), null, 'expired');
  assert.equal(store.slabSlots, 2);
  assert.equal(await store.incr('z'), 1, 'a non-number long value counts from 0');
  assert.equal(store.slabSlots, 1);
  await store.close();
  assert.equal(store.slabSlots, 0);
});
