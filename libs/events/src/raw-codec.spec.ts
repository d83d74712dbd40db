import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRawBatch, RawBatchWriter, BATCH_HEADER_SIZE, align8 } from './raw-codec';
import { RawCodecError } from './errors';
import { RawEventLayout, RawKind, FdType, Direction } from './raw.events';

function event(data: Uint8Array, over: Partial<Record<string, unknown>> = {}) {
  return {
    kind: RawKind.io, direction: Direction.write, fdType: FdType.pipe, flags: 4 | 8,
    pid: 1234, tid: 1235, fd: 1, tsNs: 123456789n, streamId: 987654321n, callId: 42n,
    totalLen: data.byteLength, offset: 0, lostBytes: 0, comm: 'python3', data, ...over,
  } as Parameters<RawBatchWriter['append']>[0];
}

const arbEvent = fc.record({
  kind: fc.constantFrom(1, 2, 3, 4, 5, 100),
  direction: fc.constantFrom(0, 1),
  fdType: fc.integer({ min: 0, max: 6 }),
  flags: fc.integer({ min: 0, max: 15 }),
  pid: fc.integer({ min: 0, max: 0xffffffff }),
  tid: fc.integer({ min: 0, max: 0xffffffff }),
  fd: fc.integer({ min: -1, max: 0x7fffffff }),
  tsNs: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  streamId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  callId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  totalLen: fc.integer({ min: 0, max: 2 ** 40 }),
  offset: fc.integer({ min: 0, max: 2 ** 40 }),
  lostBytes: fc.integer({ min: 0, max: 0xffffffff }),
  comm: fc.stringMatching(/^[a-zA-Z0-9_.-]{0,15}$/),
  data: fc.uint8Array({ maxLength: 3000 }),
});

test('batches round-trip arbitrary events byte-exact', () => {
  fc.assert(
    fc.property(fc.array(arbEvent, { maxLength: 40 }), fc.bigInt({ min: -(1n << 62n), max: 1n << 62n }), (events, off) => {
      const w = new RawBatchWriter(1 << 20);
      for (const e of events) assert.equal(w.append(e), true);
      const batch = decodeRawBatch(w.finish({ wallOffsetNs: off, seq: 7n, producer: 3 }));
      assert.equal(batch.events.length, events.length);
      assert.equal(batch.wallOffsetNs, off);
      assert.equal(batch.seq, 7n);
      assert.equal(batch.producer, 3);
      batch.events.forEach((d, i) => {
        const e = events[i];
        assert.deepEqual({ ...d, data: Buffer.from(d.data) }, { ...e, data: Buffer.from(e.data) });
      });
    }),
    { numRuns: 200 },
  );
});

test('appendWire copies kernel records verbatim and pads to 8 bytes', () => {
  const w1 = new RawBatchWriter();
  w1.append(event(Buffer.from('{"jsonrpc":"2.0"}\n')));
  const one = w1.finish({ wallOffsetNs: 0n, seq: 0n });
  const record = one.subarray(BATCH_HEADER_SIZE, BATCH_HEADER_SIZE + RawEventLayout.headerSize + 18);
  const w2 = new RawBatchWriter();
  w2.appendWire(record);
  w2.appendWire(record);
  const b = decodeRawBatch(w2.finish({ wallOffsetNs: 0n, seq: 1n }));
  assert.equal(b.events.length, 2);
  assert.equal(Buffer.from(b.events[1].data).toString(), '{"jsonrpc":"2.0"}\n');
  assert.equal(align8(RawEventLayout.headerSize + 18), 104);
});

test('a full writer refuses records instead of overflowing', () => {
  const w = new RawBatchWriter(BATCH_HEADER_SIZE + 200);
  assert.equal(w.append(event(new Uint8Array(100))), true);
  assert.equal(w.fits(100), false);
  assert.equal(w.append(event(new Uint8Array(100))), false);
  assert.equal(w.recordCount, 1);
});

test('truncated or corrupted batches give RawCodecError, never a crash', () => {
  const w = new RawBatchWriter();
  for (let i = 0; i < 5; i++) w.append(event(Buffer.from(`{"id":${i}}\n`)));
  const good = w.finish({ wallOffsetNs: 0n, seq: 0n });
  for (let cut = 0; cut < good.length; cut += 7) {
    assert.throws(() => decodeRawBatch(good.subarray(0, cut)), RawCodecError, `cut at ${cut}`);
  }
  fc.assert(
    fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (pos, byte) => {
      const bad = Buffer.from(good);
      bad[pos] = byte;
      try {
        const b = decodeRawBatch(bad);
        for (const e of b.events) assert.ok(e.data.byteOffset + e.data.byteLength <= bad.byteOffset + bad.byteLength);
      } catch (err) {
        assert.ok(err instanceof RawCodecError, String(err));
      }
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), (junk) => {
      try {
        decodeRawBatch(junk);
      } catch (err) {
        assert.ok(err instanceof RawCodecError);
      }
    }),
  );
});

test('process names decode right through the name cache: 1,000 names in 256 slots, twice, and non-ASCII bytes', () => {
  const names = Array.from({ length: 1000 }, (_, i) => `p${i.toString(36)}-${'x'.repeat(i % 9)}`.slice(0, 15));
  for (let round = 0; round < 2; round++) {
    const w = new RawBatchWriter(1 << 22);
    for (const comm of names) assert.equal(w.append(event(new Uint8Array(1), { comm })), true);
    const got = decodeRawBatch(w.finish({ wallOffsetNs: 0n, seq: 1n, producer: 1 })).events.map((e) => e.comm);
    assert.deepEqual(got, names);
  }
  const w = new RawBatchWriter();
  w.append(event(new Uint8Array(1), { comm: 'caf\u00e9' }));
  w.append(event(new Uint8Array(1), { comm: 'cafe' }));
  assert.deepEqual(
    decodeRawBatch(w.finish({ wallOffsetNs: 0n, seq: 1n, producer: 1 })).events.map((e) => e.comm),
    ['caf\u00e9', 'cafe'],
  );
});

test('64-bit lengths past 2^32 decode to the same Number as through a BigInt', () => {
  const w = new RawBatchWriter();
  const big = [2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER];
  for (const n of big) w.append(event(new Uint8Array(1), { totalLen: n, offset: n - 1 }));
  const evs = decodeRawBatch(w.finish({ wallOffsetNs: 0n, seq: 1n, producer: 1 })).events;
  assert.deepEqual(evs.map((e) => e.totalLen), big);
  assert.deepEqual(evs.map((e) => e.offset), big.map((n) => n - 1));
});
