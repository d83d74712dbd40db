import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { Conn, newEngine, run, toBatches, WALL_OFFSET_NS, RawInput } from '../test/raw-builder';
import { kernelTimeToIso, RawFlags, TLS_LIBRARY_SHIFT } from '@mcpspy/events';

const JSON_REQ = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
const JSON_RES = '{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}';

function post(body: string, extra = ''): string {
  return `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
function ok(body: string, extra = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
function chunked(parts: string[]): string {
  return parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';
}

describe('HttpSessionEngine', () => {
  test('client side: request and paired response carry every contract field', () => {
    const c = new Conn({ kind: 'tls', pid: 100, streamId: 0xabcn, comm: 'python' });
    const req = c.write(post(JSON_REQ, 'Mcp-Session-Id: s-1\r\n'));
    const res = c.read(ok(JSON_RES, 'Mcp-Session-Id: s-1\r\n'));
    const { messages } = run([...req, ...res]);
    assert.equal(messages.length, 2);
    const [q, r] = messages;
    assert.deepEqual(q, {
      timestamp: kernelTimeToIso(req[0].tsNs, WALL_OFFSET_NS),
      ts_ns: req[0].tsNs.toString(),
      stream: 'tls:100:abc',
      pid: 100,
      comm: 'python',
      side: 'client',
      tls: true,
      tls_library: 'openssl', // flags bits 4-6 = 0
      is_request: true,
      kind: 'body',
      method: 'POST',
      path: '/mcp',
      host: '127.0.0.1:8080',
      content_type: 'application/json',
      session_id: 's-1',
      headers: { host: '127.0.0.1:8080', 'content-type': 'application/json', 'mcp-session-id': 's-1', 'content-length': '46' },
      body: JSON_REQ,
      body_encoding: 'utf8',
      exchange: 0,
      http_version: '1.1',
    });
    assert.equal(r.is_request, false);
    assert.equal(r.status, 200);
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/mcp');
    assert.equal(r.host, '127.0.0.1:8080');
    assert.equal(r.session_id, 's-1');
    assert.equal(r.body, JSON_RES);
    assert.equal(r.exchange, 0);
    assert.equal(r.side, 'client');
    assert.equal(r.ts_ns, res[0].tsNs.toString());
  });

  test('tls_library comes from the TLS record flags (bits 4-6), per stream', () => {
    const go = new Conn({ kind: 'tls', pid: 7, streamId: 0x1n, comm: 'goclient' });
    const rust = new Conn({ kind: 'tls', pid: 7, streamId: 0x2n, comm: 'goclient' });
    const lib = (code: number) => code << TLS_LIBRARY_SHIFT;
    const { messages } = run([
      ...go.write(post(JSON_REQ), 1 << 30, lib(2)),
      ...go.read(ok(JSON_RES), 1 << 30, lib(2)),
      ...rust.write(post(JSON_REQ), 1 << 30, lib(4)),
    ]);
    assert.deepEqual(
      messages.map((m) => [m.stream, m.is_request, m.tls_library]),
      [
        ['tls:7:1', true, 'go'],
        ['tls:7:1', false, 'go'],
        ['tls:7:2', true, 'rustls'],
      ],
    );
  });

  test('server side: requests arrive on reads', () => {
    const c = new Conn({ kind: 'inet', streamId: 9n, comm: 'mcp-server' });
    const { messages } = run([...c.read(post(JSON_REQ)), ...c.write(ok(JSON_RES))]);
    assert.deepEqual(
      messages.map((m) => [m.side, m.is_request, m.stream, m.tls, m.body]),
      [
        ['server', true, 'inet:9', false, JSON_REQ],
        ['server', false, 'inet:9', false, JSON_RES],
      ],
    );
  });

  test('an event stream is split into events whatever its status (this stage is the only SSE parser)', () => {
    const c = new Conn();
    const body = 'event: message\ndata: {"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"bad"}}\n\n';
    const res = `HTTP/1.1 400 Bad Request\r\nContent-Type: text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const { messages } = run([...c.write(post(JSON_REQ)), ...c.read(res)]);
    assert.deepEqual(
      messages.slice(1).map((m) => [m.kind, m.status, m.body]),
      [['sse_event', 400, '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"bad"}}']],
    );
  });

  test('GET that opens an event stream is emitted with an empty body, then each event as it completes', () => {
    const c = new Conn();
    const get = 'GET /mcp HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\nMcp-Session-Id: abc\r\n\r\n';
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';
    const sse1 = 'event: message\r\nid: 7\r\ndata: {"a":\r\ndata: 1}\r\n\r\n';
    const sse2 = ': ping\n\ndata: two\n\n';
    const wire = chunked([sse1.slice(0, 20), sse1.slice(20) + sse2.slice(0, 3), sse2.slice(3)]);
    const r = newEngine();
    const seen: number[] = [];
    for (const b of toBatches([...c.write(get), ...c.read(head)])) r.engine.onBatch(b);
    seen.push(r.messages.length);
    // Feed the body a few bytes at a time: each event must show up at its blank line, not at the end.
    const body = Buffer.from(wire.slice(0, wire.length - 5));
    for (let i = 0; i < body.length; i += 7) {
      for (const b of toBatches(c.read(body.subarray(i, i + 7)))) r.engine.onBatch(b);
      seen.push(r.messages.length);
    }
    assert.equal(r.messages[0].body, '');
    assert.equal(r.messages[0].method, 'GET');
    assert.equal(r.messages[0].session_id, 'abc');
    assert.equal(r.messages[0].is_request, true);
    const events = r.messages.slice(1);
    assert.deepEqual(
      events.map((m) => [m.kind, m.body, m.sse_event, m.sse_id, m.status, m.session_id, m.exchange]),
      [
        ['sse_event', '{"a":\n1}', 'message', '7', 200, 'abc', 0],
        ['sse_event', 'two', 'message', '7', 200, 'abc', 0],
      ],
    );
    // Both events were emitted before the final zero chunk arrived.
    assert.equal(seen[seen.length - 1], 3);
    assert.equal(r.engine.streamCount(), 1);
  });

  test('keep-alive with pipelining, HEAD, 204, 304 and 100-continue pair by order', () => {
    const c = new Conn();
    const reqs =
      post('{"n":1}') +
      'HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n' +
      'DELETE /mcp HTTP/1.1\r\nHost: h\r\n\r\n' +
      'GET /etag HTTP/1.1\r\nHost: h\r\n\r\n' +
      post('{"n":5}', 'Expect: 100-continue\r\n');
    const resps =
      ok('{"r":1}') +
      'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + // HEAD: no body despite the length
      'HTTP/1.1 204 No Content\r\n\r\n' +
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n' +
      'HTTP/1.1 100 Continue\r\n\r\n' +
      ok('{"r":5}');
    const { messages, engine } = run([...c.write(reqs), ...c.read(resps)]);
    const rows = messages.map((m) => [m.is_request, m.method, m.path, m.status ?? null, m.exchange, m.body]);
    assert.deepEqual(rows, [
      [true, 'POST', '/mcp', null, 0, '{"n":1}'],
      [true, 'HEAD', '/x', null, 1, ''],
      [true, 'DELETE', '/mcp', null, 2, ''],
      [true, 'GET', '/etag', null, 3, ''],
      [true, 'POST', '/mcp', null, 4, '{"n":5}'],
      [false, 'POST', '/mcp', 200, 0, '{"r":1}'],
      [false, 'HEAD', '/x', 200, 1, ''],
      [false, 'DELETE', '/mcp', 204, 2, ''],
      [false, 'GET', '/etag', 304, 3, ''],
      [false, 'POST', '/mcp', 200, 4, '{"r":5}'],
    ]);
    assert.equal(engine.counters.get('interim_responses'), 1);
  });

  test('gzip, deflate and br bodies are decoded; chunked request bodies too', () => {
    const c = new Conn();
    const gz = zlib.gzipSync(Buffer.from(JSON_RES));
    const df = zlib.deflateSync(Buffer.from(JSON_RES));
    const br = zlib.brotliCompressSync(Buffer.from(JSON_RES));
    const enc = (name: string, b: Buffer) =>
      Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: ${name}\r\nContent-Length: ${b.length}\r\n\r\n`), b]);
    const reqs =
      `POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n${chunked([JSON_REQ.slice(0, 10), JSON_REQ.slice(10)])}` +
      post('x') +
      post('y');
    const { messages } = run([...c.write(reqs), ...c.read(Buffer.concat([enc('gzip', gz), enc('deflate', df), enc('br', br)]))]);
    assert.deepEqual(
      messages.map((m) => [m.is_request, m.body, m.body_encoding, m.gap]),
      [
        [true, JSON_REQ, 'utf8', undefined],
        [true, 'x', 'utf8', undefined],
        [true, 'y', 'utf8', undefined],
        [false, JSON_RES, 'utf8', undefined],
        [false, JSON_RES, 'utf8', undefined],
        [false, JSON_RES, 'utf8', undefined],
      ],
    );
  });

  test('binary bodies are base64', () => {
    const c = new Conn();
    const bin = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41]);
    const res = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n`), bin]);
    const { messages } = run([...c.write('GET /f HTTP/1.1\r\nHost: h\r\n\r\n'), ...c.read(res)]);
    assert.equal(messages[1].body_encoding, 'base64');
    assert.deepEqual(Buffer.from(messages[1].body, 'base64'), bin);
  });

  test('a lost chunk marks the message gap: true and parsing resumes at the next request', () => {
    const c = new Conn();
    const big = 'x'.repeat(3000);
    const first = c.write(post(big), 1000); // 4 chunks of one call
    const lost = first.filter((_, i) => i !== 2); // drop one: an offset hole
    const second = c.write(post(JSON_REQ));
    const { messages, engine } = run([...lost, ...second]);
    assert.equal(messages.length, 2);
    assert.equal(messages[0].gap, true);
    assert.ok(messages[0].body.length < 3000);
    assert.equal(messages[1].body, JSON_REQ);
    assert.equal(messages[1].gap, undefined);
    assert.equal(engine.counters.get('gaps'), 1);
  });

  test('F_LOST_BEFORE on a new call cuts the message in progress', () => {
    const c = new Conn();
    const body = 'y'.repeat(100);
    const whole = post(body);
    const a = c.write(whole.slice(0, whole.length - 40));
    const b = c.write(whole.slice(whole.length - 20), 1 << 30, RawFlags.lostBefore);
    const tail = c.write(post('{}'));
    const { messages } = run([...a, ...b, ...tail]);
    assert.deepEqual(
      messages.map((m) => [m.body.length, m.gap]),
      [
        [60, true],
        [2, undefined],
      ],
    );
  });

  test('HTTP/2 that breaks the protocol, TLS records and garbage are dropped with counters and then ignored', () => {
    const h2 = new Conn({ streamId: 1n });
    const tls = new Conn({ streamId: 2n });
    const junk = new Conn({ streamId: 3n });
    const good = new Conn({ streamId: 4n });
    const rnd = Buffer.alloc(40_000, 0);
    for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 7919 + 13) % 251;
    const events: RawInput[] = [
      ...h2.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
      ...tls.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])),
      ...junk.write(rnd, 4096),
      ...good.write(post(JSON_REQ)),
      ...h2.write(post('{}')),
      ...tls.read(ok('{}')),
    ];
    const { messages, engine } = run(events);
    assert.deepEqual(
      messages.map((m) => [m.stream, m.body]),
      [['inet:4', JSON_REQ]],
    );
    // The h2 client sent an HTTP/1.1 request after its preface: not frames, its direction stops.
    assert.equal(engine.counters.get('streams_h2'), 1);
    assert.equal(engine.counters.get('notices_h2_unsupported'), 1);
    assert.equal(engine.counters.get('not_http_tls'), 1);
    assert.equal(engine.counters.get('not_http_other'), 1);
    assert.equal(engine.bytesHeld(), 0);
  });

  test('a body over maxBodyBytes is emitted cut with gap: true and the stream stays in sync', () => {
    const c = new Conn();
    const { messages, engine } = run([...c.write(post('z'.repeat(5000))), ...c.write(post('{"after":1}'))], { maxBodyBytes: 1000 });
    assert.deepEqual(
      messages.map((m) => [m.body.length, m.gap]),
      [
        [1000, true],
        [11, undefined],
      ],
    );
    assert.equal(engine.counters.get('body_truncated'), 1);
  });

  test('past the total bound the oldest holder is evicted (cut, counted), the newer message is kept whole', () => {
    const a = new Conn({ streamId: 1n });
    const b = new Conn({ streamId: 2n });
    const headA = 'POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 6000\r\n\r\n';
    const { messages, engine } = run(
      [...a.write(headA + 'a'.repeat(3000)), ...b.write(headA + 'b'.repeat(3000)), ...a.write('a'.repeat(3000)), ...b.write('b'.repeat(3000))],
      { maxBodyBytes: 10_000, maxStreamBytes: 8000, maxTotalBytes: 7000 },
    );
    assert.equal(messages.length, 2);
    // Held state goes to make room, oldest first among the others: b is evicted and cut, a (the one growing) is whole.
    assert.ok(messages.some((m) => m.gap === true));
    assert.ok(messages.some((m) => m.gap !== true && m.body === 'a'.repeat(6000)));
    assert.ok(engine.counters.get('budget_evicted') >= 1);
    assert.equal(engine.bytesHeld(), 0);
  });

  test('a response delimited by close is emitted when its idle stream is swept', () => {
    const c = new Conn();
    const events = [...c.write('GET / HTTP/1.0\r\nHost: h\r\n\r\n'), ...c.read('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello '), ...c.read('world')];
    const r = run(events, { idleTimeoutMs: 1000 });
    assert.equal(r.messages.length, 1);
    const lastMs = Number((events[events.length - 1].tsNs + WALL_OFFSET_NS) / 1_000_000n);
    r.engine.sweep(lastMs + 500);
    assert.equal(r.engine.streamCount(), 1);
    r.engine.sweep(lastMs + 1000);
    assert.equal(r.engine.streamCount(), 0);
    assert.equal(r.messages.length, 2);
    assert.equal(r.messages[1].body, 'hello world');
    assert.equal(r.messages[1].gap, undefined);
    assert.equal(r.engine.counters.get('streams_evicted'), 1);
  });

  test('events that are not HTTP candidates are ignored', () => {
    const c = new Conn();
    const evs = c.write(post('{}')).map((e) => ({ ...e, fdType: 1 }));
    const { messages, engine } = run(evs);
    assert.equal(messages.length, 0);
    assert.equal(engine.streamCount(), 0);
    assert.equal(engine.counters.get('events_ignored'), 1);
  });

  test('101 Switching Protocols turns the connection into a tunnel', () => {
    const c = new Conn();
    const up = 'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    const { messages, engine } = run([
      ...c.write(up),
      ...c.read('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello'),
      ...c.write(Buffer.from([0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9])),
    ]);
    assert.deepEqual(
      messages.map((m) => [m.is_request, m.status ?? null]),
      [
        [true, null],
        [false, 101],
      ],
    );
    assert.equal(engine.counters.get('streams_upgraded'), 1);
    assert.equal(engine.counters.get('parse_bad_start_line'), 0);
  });

  test('a gap inside a long-lived chunked event stream loses only the events it touched', () => {
    const c = new Conn();
    const frame = (ev: string) => `${Buffer.byteLength(ev).toString(16)}\r\n${ev}\r\n`;
    const events: RawInput[] = [
      ...c.write('GET /mcp HTTP/1.1\r\nHost: h\r\n\r\n'),
      ...c.read('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'),
      ...c.read(frame('data: e1\n\n')),
    ];
    // Event 2 is one call of three chunks; its middle chunk is lost.
    const e2 = c.read(frame('data: e2-' + 'x'.repeat(40) + '\n\n'), 16);
    events.push(...e2.filter((_, i) => i !== 1));
    for (const n of [3, 4]) events.push(...c.read(frame(`data: e${n}\n\n`)));
    events.push(...c.read('0\r\n\r\n'));
    events.push(...c.write('POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}'));
    const { messages, engine } = run(events);
    assert.deepEqual(
      messages.map((m) => [m.kind, m.body, m.gap ?? false]),
      [
        ['body', '', false],
        ['sse_event', 'e1', false],
        ['sse_event', 'e3', true],
        ['sse_event', 'e4', false],
        ['body', '{}', false],
      ],
    );
    assert.equal(engine.counters.get('sse_gaps_skipped'), 1);
  });

  describe('compressed event streams', () => {
    const frame = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    const events = ['data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}\n\n', 'event: message\nid: 2\ndata: {"jsonrpc":"2.0","id":3,"result":{}}\n\n', ': keep-alive\n\ndata: last\n\n'];

    /** What compression middleware sends: gzip, flushed after each event (one part per event, then the trailer). */
    async function gzipPerEvent(): Promise<Buffer[]> {
      const gz = zlib.createGzip();
      const out: Buffer[] = [];
      let cur: Buffer[] = [];
      gz.on('data', (c: Buffer) => cur.push(c));
      for (const ev of events) {
        gz.write(ev);
        await new Promise<void>((r) => gz.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
        out.push(Buffer.concat(cur));
        cur = [];
      }
      await new Promise<void>((r) => gz.end(() => r()));
      await new Promise((r) => setImmediate(r));
      out.push(Buffer.concat(cur));
      return out;
    }

    test('gzip: each event is decoded when its flushed bytes arrive, not at the end', async () => {
      const c = new Conn();
      const parts = await gzipPerEvent();
      const r = newEngine();
      const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n';
      for (const b of toBatches([...c.write('GET /mcp HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\n'), ...c.read(head)])) r.engine.onBatch(b);
      const seen: number[] = [];
      for (const p of parts.slice(0, 3)) {
        // Each flushed part in small reads, as a socket delivers it.
        const wire = frame(p);
        for (let i = 0; i < wire.length; i += 5) for (const b of toBatches(c.read(wire.subarray(i, i + 5)))) r.engine.onBatch(b);
        seen.push(r.messages.length - 1);
      }
      for (const b of toBatches(c.read(Buffer.concat([frame(parts[3]!), Buffer.from('0\r\n\r\n')])))) r.engine.onBatch(b);
      assert.deepEqual(seen, [1, 2, 3], 'each event out as its part arrives (a comment block is no event)');
      assert.deepEqual(
        r.messages.slice(1).map((m) => [m.kind, m.body, m.sse_id ?? null]),
        [
          ['sse_event', '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}', null],
          ['sse_event', '{"jsonrpc":"2.0","id":3,"result":{}}', '2'],
          ['sse_event', 'last', '2'],
        ],
      );
      assert.equal(r.engine.counters.get('sse_decompressed_streams'), 1);
      assert.equal(r.engine.counters.get('sse_encoded_unsupported'), 0);
    });

    test('deflate (zlib-wrapped or raw) with Content-Length, fed 1 or 7 bytes at a time: the same events', () => {
      for (const [wrapping, compress] of [['zlib', zlib.deflateSync], ['raw', zlib.deflateRawSync]] as const) {
        for (const step of [1, 7]) {
          const c = new Conn();
          const body = compress(Buffer.from(events.join('')));
          const head = `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: deflate\r\nContent-Length: ${body.length}\r\n\r\n`;
          const r = newEngine();
          for (const b of toBatches([...c.write('GET /mcp HTTP/1.1\r\nHost: h\r\n\r\n'), ...c.read(head)])) r.engine.onBatch(b);
          for (let i = 0; i < body.length; i += step) for (const b of toBatches(c.read(body.subarray(i, i + step)))) r.engine.onBatch(b);
          assert.deepEqual(
            r.messages.slice(1).map((m) => m.body),
            ['{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}', '{"jsonrpc":"2.0","id":3,"result":{}}', 'last'],
            `${wrapping} deflate, ${step}-byte reads`,
          );
        }
      }
    });

    test('bytes that do not decompress are counted, and the connection goes on with its next exchange', () => {
      const c = new Conn();
      const garbage = Buffer.from('this is not gzip at all, just text pretending');
      const { messages, engine } = run([
        ...c.write('GET /mcp HTTP/1.1\r\nHost: h\r\n\r\n'),
        ...c.read(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nContent-Length: ${garbage.length}\r\n\r\n`),
        ...c.read(garbage),
        ...c.write(post(JSON_REQ)),
        ...c.read(ok(JSON_RES)),
      ]);
      assert.equal(engine.counters.get('sse_inflate_errors'), 1);
      assert.deepEqual(messages.map((m) => m.body), ['', JSON_REQ, JSON_RES]);
    });

    test('br is decoded as it arrives (whole-body case; per-event flushes in test/h2.test.ts)', () => {
      const c = new Conn();
      const body = zlib.brotliCompressSync(Buffer.from(events.join('')));
      const { messages, engine } = run([
        ...c.write('GET /mcp HTTP/1.1\r\nHost: h\r\n\r\n'),
        ...c.read(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: br\r\nContent-Length: ${body.length}\r\n\r\n`),
        ...c.read(body),
      ]);
      assert.equal(engine.counters.get('sse_encoded_unsupported'), 0);
      assert.deepEqual(messages.filter((m) => m.kind === 'sse_event').map((m) => m.body), events.map((e) => /data: (.*)/.exec(e)![1]));
    });
  });
});
