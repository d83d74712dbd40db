/**
 * Hostile stdio input: nothing throws, memory stays inside the configured
 * bounds, and valid messages on other streams keep coming through.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { RawFlags } from '@mcpspy/events';
import { harness, RawScript, toBatches } from './raw-builder';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const A = { pid: 10, comm: 'noisy' };
const B = { pid: 20, comm: 'client' };
const R = { pid: 30, comm: 'reader' };
const good = (i: number) => `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":${i}}}`;

describe('hostile stdio input', () => {
  test('random bytes on one stream (property): valid messages on another stream all come through', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 20 }), async (noise) => {
        const h = harness({ maxLineBytes: 256, maxTotalBytes: 4096 });
        const s = new RawScript().call({ ...R, dir: 'read', stream: 2n, data: '' });
        noise.forEach((bytes, i) => {
          s.call({ ...A, dir: 'write', stream: 1n, data: bytes, chunk: 17 });
          s.call({ ...B, dir: 'write', stream: 2n, data: good(i) + '\n' });
        });
        await h.feed(s.batches(9));
        assert.ok(h.engine.bufferedBytes <= 4096);
        const out = await h.done();
        const fromB = out.filter((m) => m.stdio_transport?.from_pid === 20).map((m) => m.raw);
        assert.deepEqual(fromB, noise.map((_, i) => good(i)));
      }),
      { numRuns: 40 },
    );
  });

  test('truncated JSON, invalid UTF-8 and deep nesting are counted; the same stream goes on', async () => {
    const h = harness();
    const deep = '{"jsonrpc":"2.0","method":"ping","params":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
    const badUtf8 = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('"}}\n')]);
    const s = new RawScript()
      .call({ ...R, dir: 'read', stream: 2n, data: '' })
      .call({ ...B, dir: 'write', stream: 2n, data: '{"jsonrpc":"2.0","id":1,"method":"tools/li\n' })
      .call({ ...B, dir: 'write', stream: 2n, data: deep + '\n' })
      .call({ ...B, dir: 'write', stream: 2n, data: badUtf8 })
      .call({ ...B, dir: 'write', stream: 2n, data: Buffer.from([0x7b, 0xfe, 0xff, 0x0a]) })
      .call({ ...B, dir: 'write', stream: 2n, data: good(1) + '\n' });
    await h.feed(s.batches());
    const out = await h.done();
    assert.deepEqual(
      out.map((m) => m.raw),
      ['{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"a\ufffd\ufffd"}}', good(1)],
    );
    const c = h.engine.counters;
    assert.equal(c.get('invalid_json'), 2);
    assert.equal(c.get('json_too_deep'), 1);
    assert.equal(c.get('invalid_utf8'), 2);
  });

  test('a 100 MB line without newline stays within maxLineBytes; the stream resyncs; other streams flow', async (t) => {
    const maxLineBytes = 8 * 1024 * 1024;
    const h = harness({ maxLineBytes, maxTotalBytes: 16 * 1024 * 1024 });
    gc();
    const before = process.memoryUsage();
    const mb = Buffer.alloc(1024 * 1024, 0x61);
    let peak = 0;
    await h.feed(new RawScript().call({ ...R, dir: 'read', stream: 2n, data: '' }).call({ ...R, dir: 'read', stream: 1n, data: '' }).batches());
    const bScript = new RawScript();
    for (let i = 0; i < 100; i++) {
      const s = new RawScript();
      // One 100 MB write cut into 1 MB records, as the probe would emit it.
      s.records.push(...new RawScript().call({ ...A, dir: 'write', stream: 1n, data: i === 0 ? Buffer.concat([Buffer.from('{"x":"'), mb]) : mb, chunk: 2 * mb.length }).records.map((r) => ({
        ...r,
        callId: 999n,
        offset: i === 0 ? 0 : 6 + i * mb.length,
        totalLen: 6 + 100 * mb.length,
        flags: i === 0 ? RawFlags.first : i === 99 ? RawFlags.last : 0,
      })));
      const n = bScript.records.length;
      bScript.call({ ...B, dir: 'write', stream: 2n, data: good(i) + '\n' });
      s.records.push(...bScript.records.slice(n));
      await h.engine.onRawBatch(toBatches(s.records)[0]);
      peak = Math.max(peak, h.engine.bufferedBytes);
    }
    await h.feed(new RawScript().call({ ...A, dir: 'write', stream: 1n, data: '"}\n' + good(1000) + '\n' }).batches());
    gc();
    const after = process.memoryUsage();
    const out = await h.done();
    assert.ok(peak <= maxLineBytes, `peak buffered ${peak} <= ${maxLineBytes}`);
    assert.equal(h.engine.counters.get('line_too_long'), 1);
    assert.equal(out.filter((m) => m.stdio_transport?.from_pid === 20).length, 100);
    assert.deepEqual(out.filter((m) => m.stdio_transport?.from_pid === 10).map((m) => m.raw), [good(1000)], 'resynced after the newline');
    const grown = after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed);
    t.diagnostic(`peak buffered ${(peak / 1048576).toFixed(1)} MB; retained growth ${(grown / 1048576).toFixed(1)} MB`);
    assert.ok(grown < 40 * 1024 * 1024, `retained memory grew by ${(grown / 1048576).toFixed(1)} MB`);
  });

  test('many streams with partial lines cannot exceed maxTotalBytes', async () => {
    const h = harness({ maxLineBytes: 1000, maxTotalBytes: 10_000 });
    const s = new RawScript();
    for (let i = 0; i < 100; i++) s.call({ ...A, dir: 'write', stream: BigInt(100 + i), data: '{"partial":"' + 'x'.repeat(500) });
    await h.feed(s.batches());
    assert.ok(h.engine.bufferedBytes <= 10_000, `${h.engine.bufferedBytes}`);
    // The oldest partial lines are evicted to make room for the newer ones.
    assert.ok(h.engine.counters.get('partial_line_evicted') >= 80, `${h.engine.counters.get('partial_line_evicted')}`);
    await h.feed(new RawScript().call({ ...R, dir: 'read', stream: 2n, data: '' }).call({ ...B, dir: 'write', stream: 2n, data: good(5) + '\n' }).batches());
    const out = await h.done();
    assert.deepEqual(out.map((m) => m.raw), [good(5)]);
  });

  test('lost chunks: the line holding the hole is dropped, never glued; the next line is kept', async () => {
    const h = harness();
    const msg = good(7) + '\n';
    const s = new RawScript().call({ ...R, dir: 'read', stream: 2n, data: '' });
    // Call 1: chunks of 10 bytes, the third one lost (its offset never arrives).
    const call = new RawScript().call({ ...B, dir: 'write', stream: 2n, data: msg + msg, chunk: 10 }).records;
    s.records.push(...call.filter((_, i) => i !== 2));
    // Call 2 starts with F_LOST_BEFORE: the kernel dropped bytes before it.
    s.call({ ...B, dir: 'write', stream: 2n, data: msg.slice(30) + msg, flags: RawFlags.lostBefore, lostBytes: 30 });
    s.call({ ...B, dir: 'write', stream: 2n, data: msg });
    await h.feed(s.batches());
    const out = await h.done();
    // Call 1: first message has the hole -> dropped; second intact. Call 2: tail after the loss dropped, then one intact; call 3 intact.
    assert.deepEqual(out.map((m) => m.raw), [good(7), good(7), good(7)]);
    assert.equal(h.engine.counters.get('gap_lines_dropped'), 2);
  });
});
