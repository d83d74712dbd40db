/**
 * Hostile and large input: nothing throws, held memory stays under the
 * configured bounds, and a valid conversation in the same batches still
 * comes through intact.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Conn, newEngine, RawInput, toBatches } from './raw-builder';

const REQ = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x"}}';
const VALID = `POST /mcp HTTP/1.1\r\nHost: srv:3000\r\nContent-Type: application/json\r\nContent-Length: ${REQ.length}\r\n\r\n${REQ}`;

/** Interleaves the events of several sources, one at a time, round-robin. */
function interleave(...lists: RawInput[][]): RawInput[] {
  const out: RawInput[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}

function feed(events: RawInput[], opts: Parameters<typeof newEngine>[0] = {}, check?: (held: number) => void) {
  const r = newEngine(opts);
  for (const b of toBatches(events, 256 * 1024)) {
    r.engine.onBatch(b);
    check?.(r.engine.bytesHeld());
  }
  return r;
}

describe('hostile input', () => {
  test('random bytes on many streams: no throw, bounded memory, the valid stream still comes through', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 12 }), (blobs) => {
        const noise = blobs.map((b, i) => new Conn({ streamId: BigInt(100 + (i % 4)) }).call(i % 2, b, 512));
        const good = new Conn({ streamId: 1n });
        const valid = [...good.write(VALID, 50), ...good.read('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n')];
        const maxStreamBytes = 96 * 1024;
        const r = feed(interleave(valid, ...noise), { maxStreamBytes, maxTotalBytes: 256 * 1024 }, (held) =>
          assert.ok(held <= 256 * 1024),
        );
        const mine = r.messages.filter((m) => m.stream === 'inet:1');
        assert.deepEqual(
          mine.map((m) => [m.is_request, m.body, m.status ?? null]),
          [
            [true, REQ, null],
            [false, '', 202],
          ],
        );
        assert.equal(r.engine.counters.get('internal_errors'), 0);
      }),
      { numRuns: 200 },
    );
  });

  test('broken chunk sizes are counted and the next request is parsed', () => {
    const c = new Conn();
    const r = feed(
      c.write('POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n').concat(
        c.write('POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdefgh\r\n0\r\n\r\n'),
        c.write('POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n'),
        c.write(VALID),
      ),
    );
    assert.deepEqual(
      r.messages.map((m) => [m.path, m.body, m.gap ?? false]),
      [
        ['/a', '', true],
        ['/b', 'abcde', true],
        ['/c', '', true],
        ['/mcp', REQ, false],
      ],
    );
    assert.equal(r.engine.counters.get('parse_bad_chunk'), 3);
    assert.equal(r.engine.bytesHeld(), 0);
  });

  test('a huge head without end is cut at 64 KB, memory never exceeds it, and other streams go on', () => {
    const evil = new Conn({ streamId: 66n });
    const good = new Conn({ streamId: 1n });
    const head = 'GET / HTTP/1.1\r\n' + 'X-Filler: ' + 'a'.repeat(4 * 1024 * 1024);
    let maxHeld = 0;
    const r = feed(interleave(evil.write(head, 16 * 1024), good.write(VALID), good.write(VALID)), {}, (h) => (maxHeld = Math.max(maxHeld, h)));
    assert.ok(maxHeld <= 64 * 1024, `held ${maxHeld}`);
    assert.equal(r.engine.counters.get('parse_header_too_large'), 1);
    assert.deepEqual(
      r.messages.map((m) => [m.stream, m.body]),
      [
        ['inet:1', REQ],
        ['inet:1', REQ],
      ],
    );
  });

  test('a body announced as 1 GB holds at most maxBodyBytes', () => {
    const c = new Conn();
    let maxHeld = 0;
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    const r = feed(
      [...c.write(`POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000000\r\n\r\n`), ...c.write(big, 64 * 1024)],
      { maxBodyBytes: 1024 * 1024 },
      (h) => (maxHeld = Math.max(maxHeld, h)),
    );
    assert.ok(maxHeld <= 1024 * 1024 + 64 * 1024, `held ${maxHeld}`);
    assert.equal(r.messages.length, 0);
    assert.equal(r.engine.counters.get('body_truncated'), 1);
    r.engine.sweep(Number.MAX_SAFE_INTEGER);
    assert.equal(r.messages.length, 1);
    assert.equal(r.messages[0].gap, true);
    assert.equal(r.messages[0].body.length, 1024 * 1024);
    assert.equal(r.engine.bytesHeld(), 0);
  });

  test('invalid UTF-8 in heads, bodies and SSE data never throws', () => {
    const c = new Conn();
    const bad = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]);
    const req = Buffer.concat([
      Buffer.from('POST /mcp HTTP/1.1\r\nHost: h\r\nX-Bad: '),
      bad,
      Buffer.from(`\r\nContent-Length: ${bad.length}\r\n\r\n`),
      bad,
    ]);
    const sse = Buffer.concat([Buffer.from('data: '), bad, Buffer.from('\n\n')]);
    const res = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: ${sse.length}\r\n\r\n`), sse]);
    const r = feed([...c.write(req), ...c.read(res)]);
    assert.equal(r.messages.length, 2);
    assert.equal(r.messages[0].body_encoding, 'base64');
    assert.deepEqual(Buffer.from(r.messages[0].body, 'base64'), bad);
    assert.ok(r.messages[0].headers['x-bad'].includes('\ufffd'));
    assert.equal(r.messages[1].kind, 'sse_event');
    assert.ok(r.messages[1].body.includes('\ufffd'));
  });

  test('HTTP/2 preface interleaved with a valid HTTP/1.1 stream in one batch', () => {
    const h2 = new Conn({ streamId: 2n });
    const good = new Conn({ streamId: 1n });
    const preface = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), randomBytes(5000)]);
    const r = feed(interleave(h2.write(preface, 100), good.write(VALID, 7)));
    assert.deepEqual(
      r.messages.map((m) => m.stream),
      ['inet:1'],
    );
    // Random bytes after a preface are not frames that decode: that connection stops, the other goes on.
    assert.equal(r.engine.counters.get('streams_h2'), 1);
    assert.equal(r.engine.counters.get('internal_errors'), 0);
    assert.equal(r.engine.streamCount(), 2);
  });
});

describe('large bodies', () => {
  test('a 10 MB chunked response over TLS is reassembled byte-exact', () => {
    const c = new Conn({ kind: 'tls', pid: 31, streamId: 0xfeedn });
    // JSON text so the body stays UTF-8, like a real 10 MB MCP result.
    const payload = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 9, result: { blob: randomBytes(7_500_000).toString('base64') } }));
    assert.ok(payload.length > 10_000_000);
    const chunks: Buffer[] = [];
    for (let off = 0; off < payload.length; off += 60_000) {
      const p = payload.subarray(off, off + 60_000);
      chunks.push(Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n'));
    }
    const wire = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'), ...chunks, Buffer.from('0\r\n\r\n')]);
    // SSL_read hands back at most 16 KB records; the probe splits further into 4 KB chunks.
    const events: RawInput[] = [...c.write(VALID)];
    for (let off = 0; off < wire.length; off += 16384) events.push(...c.read(wire.subarray(off, off + 16384), 4096));
    const r = feed(events);
    assert.equal(r.messages.length, 2);
    const res = r.messages[1];
    assert.equal(res.gap, undefined);
    assert.equal(res.body.length, payload.length);
    assert.equal(createHash('sha256').update(res.body).digest('hex'), createHash('sha256').update(payload).digest('hex'));
    assert.equal(r.engine.bytesHeld(), 0);
  });
});
