import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawBatchWriter, RawKind, FdType, decodeRawBatch, partitionOf, streamKeyOf, RawEventLayout as L } from '@mcpspy/events';
import { RawBatcher } from './raw-batcher';

/** One wire record as the kernel writes it, plus ring padding after it. */
function wire(kind: number, streamId: bigint, data: string, pad = 5, fdType: number = kind === RawKind.tls ? FdType.none : FdType.pipe): Uint8Array {
  const w = new RawBatchWriter(4096);
  w.append({
    kind, direction: 1, fdType, flags: 12, pid: 42, tid: 42, fd: 1,
    tsNs: 1n, streamId, callId: streamId, totalLen: data.length, offset: 0, lostBytes: 0, comm: 'w', data: Buffer.from(data),
  });
  const b = w.finish({ wallOffsetNs: 0n, seq: 0n });
  const rec = b.subarray(32, 32 + L.headerSize + data.length);
  return Buffer.concat([rec, Buffer.alloc(pad, 0xee)]);
}

function batcher(over: Partial<ConstructorParameters<typeof RawBatcher>[0]> = {}) {
  const out: { kind: string; partition: number; batch: Buffer }[] = [];
  const b = new RawBatcher({
    partitions: 4,
    wallOffsetNs: () => 5n,
    onBatch: (kind, partition, batch) => {
      out.push({ kind, partition, batch });
      return true;
    },
    ...over,
  });
  return { b, out };
}

describe('RawBatcher', () => {
  test('records added from ring positions give the same batch bytes as RawBatchWriter, stale ring bytes zeroed', () => {
    const datas = ['{"a":1}', '{"b":"' + 'x'.repeat(3000) + '"}', '[1]', '{"c":' + '7'.repeat(900) + '}'];
    const recs = datas.map((d) => wire(RawKind.io, 77n, d, 0).subarray(0, L.headerSize + d.length));
    // A ring data area: 8-byte ring header, record, stale bytes up to 8-alignment.
    const ring = new Uint8Array(64 * 1024).fill(0xee);
    const at: number[] = [];
    let pos = 0;
    for (const r of recs) {
      at.push(pos + 8);
      ring.set(r, pos + 8);
      pos += (r.byteLength + 8 + 7) & ~7;
    }
    const { b, out } = batcher({ partitions: 1 });
    recs.forEach((r, i) => b.addFromRing(ring, new Int32Array(ring.buffer), at[i], r.byteLength + ((8 - (r.byteLength % 8)) % 8), 0));
    b.flushAll();
    assert.equal(out.length, 1);
    const expect = new RawBatchWriter(1024 * 1024);
    for (const r of recs) expect.appendWire(r);
    assert.ok(out[0].batch.equals(expect.finish({ wallOffsetNs: 5n, seq: 0n })), 'byte-identical batch');
    assert.deepEqual(decodeRawBatch(out[0].batch).events.map((e) => Buffer.from(e.data).toString()), datas);
  });

  test('memoised partitions equal partitionOf(streamKeyOf()) for colliding streams, pids and 64-bit ids', () => {
    const { b } = batcher({ partitions: 7 });
    const cases: { kind: number; fdType: number; pid: number; streamId: bigint }[] = [];
    for (let i = 0; i < 3000; i++) {
      const kind = i % 3 === 0 ? RawKind.tls : RawKind.io;
      const fdType = kind === RawKind.tls ? FdType.none : [FdType.pipe, FdType.unix, FdType.inet][i % 3];
      // High words, low words and pids that collide in a 256-slot cache.
      const streamId = (BigInt(i % 5) << 40n) | BigInt(((i % 50) * 2654435761) >>> 0);
      cases.push({ kind, fdType, pid: 100 + (i % 11), streamId });
    }
    for (let round = 0; round < 2; round++) {
      for (const c of cases) {
        const w = new RawBatchWriter(4096);
        w.append({ ...c, direction: 0, flags: 0, tid: c.pid, fd: 3, tsNs: 1n, callId: 1n, totalLen: 1, offset: 0, lostBytes: 0, comm: 'x', data: Buffer.from('{') });
        const rec = w.finish({ wallOffsetNs: 0n, seq: 0n }).subarray(32, 32 + L.headerSize + 1);
        assert.equal(b.partitionOfRecord(rec), partitionOf(streamKeyOf(c), 7), `${c.kind}/${c.fdType}/${c.pid}/${c.streamId}`);
      }
    }
  });

  test('routes by stream kind (stdio, net, tls) and stream partition, copying records exactly', () => {
    const { b, out } = batcher();
    for (let s = 1n; s <= 20n; s++) b.add(wire(RawKind.io, s, `{"n":${s}}`, 5, s % 2n ? FdType.pipe : FdType.inet), 0);
    b.add(wire(RawKind.tls, 99n, 'POST / HTTP/1.1'), 0);
    b.add(wire(RawKind.io, 98n, 'a regular file', 5, FdType.file), 0);
    b.flushAll();
    let n = 0;
    const kinds = new Set<string>();
    for (const { kind, partition, batch } of out) {
      const dec = decodeRawBatch(batch);
      assert.equal(dec.wallOffsetNs, 5n);
      kinds.add(kind);
      for (const ev of dec.events) {
        n++;
        assert.equal(kind, ev.kind === RawKind.tls ? 'tls' : ev.fdType === FdType.inet ? 'net' : 'stdio');
        assert.equal(partition, partitionOf(streamKeyOf(ev), 4));
        assert.equal(Buffer.from(ev.data).toString(), ev.kind === RawKind.tls ? 'POST / HTTP/1.1' : `{"n":${ev.streamId}}`);
      }
    }
    assert.equal(n, 21, 'the record of a regular file goes nowhere');
    assert.deepEqual([...kinds].sort(), ['net', 'stdio', 'tls']);
  });

  test('flushes by size and by age', () => {
    const { b, out } = batcher({ partitions: 1, batchBytes: 1000, flushIntervalMs: 5 });
    // 184-byte records: a 32-byte header plus 6 of them pass 1000 bytes.
    for (let i = 0; i < 12; i++) b.add(wire(RawKind.io, 1n, 'x'.repeat(100)), 0);
    assert.equal(out.length, 2, 'size threshold reached twice');
    const before = out.length;
    b.add(wire(RawKind.io, 1n, '{}'), 10);
    b.flushDue(12);
    assert.equal(out.length, before);
    b.flushDue(15);
    assert.equal(out.length, before + 1);
  });

  test('backpressure drops the batch, counts it, and leaves a sequence hole', () => {
    let accept = false;
    const seqs: bigint[] = [];
    const b = new RawBatcher({
      partitions: 1,
      wallOffsetNs: () => 0n,
      onBatch: (_k, _p, batch) => {
        if (accept) seqs.push(decodeRawBatch(batch).seq);
        return accept;
      },
    });
    b.add(wire(RawKind.io, 1n, '{}'), 0);
    b.flushAll();
    accept = true;
    b.add(wire(RawKind.io, 1n, '{}'), 0);
    b.flushAll();
    assert.equal(b.batchesDropped, 1);
    assert.deepEqual(seqs, [1n]);
  });

  test('malformed and non-data records are counted, not thrown', () => {
    const { b, out } = batcher();
    b.add(new Uint8Array(10));
    b.add(wire(RawKind.exec, 1n, '/bin/sh'));
    const bad = wire(RawKind.io, 1n, '{}', 0);
    new DataView(bad.buffer, bad.byteOffset).setUint32(L.len, 9999, true);
    b.add(bad);
    b.flushAll();
    assert.equal(b.recordsRejected, 3);
    assert.equal(out.length, 0);
  });
});
