/**
 * HTTP/2 in http-session: synthetic connections that use every frame
 * feature MCP traffic can meet (interleaved streams, CONTINUATION, padding,
 * PRIORITY, trailers, RST_STREAM, PUSH_PROMISE, h2c upgrade), split at
 * every byte and at random; real node:http2 peers through a recording
 * relay; and the notices for what cannot be followed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { HttpMessageEvent, NoticeEvent } from '@mcpspy/events';
import { Conn, RawInput, run, stable } from './raw-builder';
import { data, F, frame, headers, HpackEncoder, PREFACE, requestFields, responseFields, rst, settings, T } from './h2-builder';

type Dir = 'w' | 'r';
type Step = [Dir, Buffer];

const rpc = (id: number, method: string) => JSON.stringify({ jsonrpc: '2.0', id, method, params: {} });
const result = (id: number, text: string) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
const sseEvent = (json: string, id?: string) => `event: message\n${id ? `id: ${id}\n` : ''}data: ${json}\n\n`;

/**
 * A client's view of one h2c connection (writes = client to server): three
 * MCP requests whose frames interleave, an SSE response, CONTINUATION,
 * padding, PRIORITY, trailers, a reset stream and a server push.
 */
function scenario(): { steps: Step[]; expect: Partial<HttpMessageEvent>[] } {
  const c = new HpackEncoder();
  const s = new HpackEncoder();
  const host = '127.0.0.1:8080';
  const post = (id: number, extra: [string, string][] = []) =>
    c.encode(requestFields('POST', '/mcp', host, [['content-type', 'application/json'], ['accept', 'application/json, text/event-stream'], ...extra]));
  const init = rpc(1, 'initialize');
  const list = rpc(2, 'tools/list');
  const call = rpc(3, 'tools/call');
  const ev1 = sseEvent(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } }), 'e1');
  const ev2 = sseEvent(result(3, 'done'), 'e2');
  const steps: Step[] = [
    ['w', Buffer.concat([PREFACE, settings()])],
    ['r', Buffer.concat([settings(), frame(T.settings, F.ack, 0)])],
    ['w', frame(T.settings, F.ack, 0)],
    // Stream 1: initialize, body in two padded DATA frames.
    ['w', Buffer.concat([headers(1, post(1), { padding: 3, priority: true }), data(1, Buffer.from(init), { size: 20, padding: 2, endStream: true })])],
    // Stream 3 and 5 opened before stream 1 is answered.
    ['w', Buffer.concat([headers(3, post(3, [['mcp-session-id', 'sess-1']]), { fragment: 7 }), data(3, Buffer.from(list), { endStream: true })])],
    ['w', Buffer.concat([headers(5, post(5, [['mcp-session-id', 'sess-1']])), data(5, Buffer.from(call.slice(0, 10)))])],
    ['r', headers(1, s.encode(responseFields(200, [['content-type', 'application/json'], ['mcp-session-id', 'sess-1']])), { fragment: 4 })],
    ['w', data(5, Buffer.from(call.slice(10)), { endStream: true })],
    // Server push: consumed (its header block still goes through HPACK), not reported.
    ['r', frame(T.push, F.endHeaders, 1, Buffer.concat([Buffer.from([0, 0, 0, 2]), s.encode(requestFields('GET', '/pushed', host))]))],
    ['r', headers(5, s.encode(responseFields(200, [['content-type', 'text/event-stream'], ['mcp-session-id', 'sess-1']])))],
    ['r', data(5, Buffer.from(ev1.slice(0, 25)))],
    ['r', headers(2, s.encode(responseFields(200, [['content-type', 'text/plain']])))],
    ['r', data(2, Buffer.from('pushed body'), { endStream: true })],
    ['r', data(1, Buffer.from(result(1, 'init')), { size: 9 })],
    ['r', data(5, Buffer.from(ev1.slice(25) + ev2.slice(0, 3)))],
    // Trailers end stream 1.
    ['r', headers(1, s.encode([['grpc-status', '0']]), { endStream: true })],
    ['r', headers(3, s.encode(responseFields(200, [['content-type', 'application/json'], ['mcp-session-id', 'sess-1']])))],
    ['r', data(5, Buffer.from(ev2.slice(3)), { endStream: true })],
    ['r', data(3, Buffer.from(result(2, 'list')), { endStream: true, padding: 0 })],
    // Stream 7 is cancelled half-way: its cut body is not a message.
    ['w', Buffer.concat([headers(7, post(7)), data(7, Buffer.from('{"jsonrpc":"2.0","id":9,'))])],
    ['w', rst(7)],
    ['r', frame(T.ping, 0, 0, Buffer.alloc(8))],
    ['w', frame(T.window, 0, 0, Buffer.from([0, 0, 1, 0]))],
  ];
  const req = { is_request: true, kind: 'body' as const, method: 'POST', path: '/mcp', host, http_version: '2' };
  const res = { is_request: false, status: 200, method: 'POST', path: '/mcp', host, http_version: '2' };
  const expect: Partial<HttpMessageEvent>[] = [
    { ...req, body: init, h2_stream: 1, exchange: 0 },
    { ...req, body: list, h2_stream: 3, exchange: 1, session_id: 'sess-1' },
    { ...req, body: call, h2_stream: 5, exchange: 2, session_id: 'sess-1' },
    { ...res, kind: 'sse_event', body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } }), sse_id: 'e1', h2_stream: 5, exchange: 2, session_id: 'sess-1' },
    { ...res, kind: 'body', body: result(1, 'init'), h2_stream: 1, exchange: 0, session_id: 'sess-1' },
    { ...res, kind: 'sse_event', body: result(3, 'done'), sse_id: 'e2', h2_stream: 5, exchange: 2, session_id: 'sess-1' },
    { ...res, kind: 'body', body: result(2, 'list'), h2_stream: 3, exchange: 1, session_id: 'sess-1' },
  ];
  return { steps, expect };
}

function toEvents(steps: Step[], conn: Conn, split: (b: Buffer) => Buffer[] = (b) => [b], chunk = 1 << 30): RawInput[] {
  const out: RawInput[] = [];
  for (const [dir, bytes] of steps) {
    for (const piece of split(bytes)) out.push(...(dir === 'w' ? conn.write(piece, chunk) : conn.read(piece, chunk)));
  }
  return out;
}

function pick(m: HttpMessageEvent, keys: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of keys) if ((m as unknown as Record<string, unknown>)[k] !== undefined) o[k] = (m as unknown as Record<string, unknown>)[k];
  return o;
}

function check(messages: HttpMessageEvent[], expect: Partial<HttpMessageEvent>[]): void {
  const got = messages.map((m) => pick(m, Object.keys(expect[0]).concat(['kind', 'sse_id', 'session_id', 'status', 'gap'])));
  const want = expect.map((e) => pick(e as HttpMessageEvent, Object.keys(expect[0]).concat(['kind', 'sse_id', 'session_id', 'status', 'gap'])));
  assert.deepEqual(got, want);
}

describe('HTTP/2 connections', () => {
  test('interleaved streams, SSE, CONTINUATION, padding, trailers, reset and push give each message once, paired', () => {
    const { steps, expect } = scenario();
    const r = run(toEvents(steps, new Conn()));
    check(r.messages, expect);
    assert.ok(r.messages.every((m) => m.side === 'client' && m.gap === undefined));
    assert.equal(r.engine.counters.get('streams_h2'), 1);
    assert.equal(r.engine.counters.get('h2_push_promises'), 1);
    assert.equal(r.engine.counters.get('h2_streams_reset'), 1);
    assert.equal(r.engine.counters.get('messages_cut_by_reset'), 1);
    assert.equal(r.engine.bytesHeld(), 0);
  });

  test('the server side of the same connection sees the same messages (side server)', () => {
    const { steps, expect } = scenario();
    const flipped: Step[] = steps.map(([d, b]) => [d === 'w' ? 'r' : 'w', b]);
    const r = run(toEvents(flipped, new Conn()));
    check(r.messages, expect);
    assert.ok(r.messages.every((m) => m.side === 'server'));
  });

  test('every byte its own call, and 1-byte ring chunks, give the same messages', () => {
    const { steps } = scenario();
    const whole = stable(run(toEvents(steps, new Conn())).messages);
    const bytewise = run(toEvents(steps, new Conn(), (b) => [...b].map((x) => Buffer.from([x]))));
    assert.deepEqual(stable(bytewise.messages), whole);
    const chunks = run(toEvents(steps, new Conn(), (b) => [b], 1));
    assert.deepEqual(stable(chunks.messages), whole);
  });

  test('cut in two at every byte boundary of every call: the same messages', () => {
    const { steps } = scenario();
    const whole = stable(run(toEvents(steps, new Conn())).messages);
    let runs = 0;
    for (let i = 0; i < steps.length; i++) {
      const [dir, bytes] = steps[i];
      for (let k = 1; k < bytes.length; k++) {
        const cut: Step[] = [...steps.slice(0, i), [dir, bytes.subarray(0, k)], [dir, bytes.subarray(k)], ...steps.slice(i + 1)];
        assert.deepEqual(stable(run(toEvents(cut, new Conn())).messages), whole, `step ${i} cut at ${k}`);
        runs++;
      }
    }
    assert.ok(runs > 1000);
  });

  test('property: any split into calls and chunks gives the same messages', () => {
    const { steps } = scenario();
    const whole = stable(run(toEvents(steps, new Conn())).messages);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), fc.integer({ min: 1, max: 64 }), (cuts, chunk) => {
        const split = (b: Buffer) => {
          const at = [...new Set(cuts.map((x) => Math.floor(x * b.length)))].filter((x) => x > 0 && x < b.length).sort((a, z) => a - z);
          const out: Buffer[] = [];
          let prev = 0;
          for (const c of [...at, b.length]) {
            out.push(b.subarray(prev, c));
            prev = c;
          }
          return out;
        };
        assert.deepEqual(stable(run(toEvents(steps, new Conn(), split, chunk)).messages), whole);
      }),
      { numRuns: 150 },
    );
  });

  test('requests never answered: at most 1024 streams are followed, the oldest are forgotten', () => {
    const c = new HpackEncoder();
    const parts: Buffer[] = [PREFACE, settings()];
    for (let i = 0; i < 1100; i++) parts.push(headers(1 + 2 * i, c.encode(requestFields('POST', '/mcp', 'h'))), data(1 + 2 * i, Buffer.from('{"a":'), {}));
    const r = run(toEvents([['w', Buffer.concat(parts)]], new Conn()));
    assert.equal(r.engine.counters.get('pending_overflow'), 1100 - 1024);
    assert.ok(r.engine.bytesHeld() <= 1024 * 5 + 64 * 1024);
  });

  test("the server's SETTINGS seen before the client's preface: the connection is followed from there", () => {
    const c = new HpackEncoder();
    const s2 = new HpackEncoder();
    const steps: Step[] = [
      ['r', settings()],
      ['w', Buffer.concat([PREFACE, settings(), headers(1, c.encode(requestFields('POST', '/mcp', 'h'))), data(1, Buffer.from(rpc(1, 'ping')), { endStream: true })])],
      ['r', Buffer.concat([headers(1, s2.encode(responseFields(200))), data(1, Buffer.from(result(1, 'pong')), { endStream: true })])],
    ];
    const r = run(toEvents(steps, new Conn()));
    assert.deepEqual(r.messages.map((m) => [m.side, m.is_request, m.body]), [['client', true, rpc(1, 'ping')], ['client', false, result(1, 'pong')]]);
  });

  test('a new connection under the same key (a reused SSL*): its preface starts stream and HPACK state over', () => {
    const conn = new Conn({ kind: 'tls' });
    const once = (id: number): Step[] => {
      const c = new HpackEncoder();
      const s2 = new HpackEncoder();
      return [
        ['w', Buffer.concat([PREFACE, settings(), headers(1, c.encode(requestFields('POST', '/mcp', `h${id}`, [['x-n', String(id)]]))), data(1, Buffer.from(rpc(id, 'ping')), { endStream: true })])],
        ['r', Buffer.concat([settings(), headers(1, s2.encode(responseFields(200, [['x-n', String(id)]]))), data(1, Buffer.from(result(id, 'pong')), { endStream: true })])],
      ];
    };
    const r = run(toEvents([...once(1), ...once(2)], conn));
    assert.deepEqual(r.messages.map((m) => [m.is_request, m.host, m.headers['x-n'], m.body]), [
      [true, 'h1', '1', rpc(1, 'ping')],
      [false, 'h1', '1', result(1, 'pong')],
      [true, 'h2', '2', rpc(2, 'ping')],
      [false, 'h2', '2', result(2, 'pong')],
    ]);
    assert.equal(r.engine.counters.get('h2_connection_restarts'), 1);
  });

  test('a 3 MB result in 16 KB DATA frames, 4 KB ring chunks: byte-exact, memory released', () => {
    const c = new HpackEncoder();
    const s2 = new HpackEncoder();
    const big = result(7, 'é'.repeat(1_500_000));
    const steps: Step[] = [
      ['w', Buffer.concat([PREFACE, settings(), headers(1, c.encode(requestFields('POST', '/mcp', 'h'))), data(1, Buffer.from(rpc(7, 'tools/call')), { endStream: true })])],
      ['r', Buffer.concat([settings(), headers(1, s2.encode(responseFields(200, [['content-type', 'application/json']]))), data(1, Buffer.from(big), { size: 16384, endStream: true })])],
    ];
    const r = run(toEvents(steps, new Conn({ kind: 'tls' }), (b) => [b], 4096));
    assert.equal(r.messages[1].body, big);
    assert.equal(r.engine.bytesHeld(), 0);
  });

  test('content-encoding on h2: a gzip JSON body across DATA frames is undone', () => {
    const c = new HpackEncoder();
    const s = new HpackEncoder();
    const json = result(5, 'z'.repeat(5000));
    const steps: Step[] = [
      ['w', Buffer.concat([PREFACE, settings(), headers(1, c.encode(requestFields('POST', '/mcp', 'h'))), data(1, Buffer.from(rpc(5, 'tools/call')), { endStream: true })])],
      ['r', Buffer.concat([settings(), headers(1, s.encode(responseFields(200, [['content-type', 'application/json'], ['content-encoding', 'gzip']]))), data(1, zlib.gzipSync(json), { size: 7, endStream: true })])],
    ];
    const r = run(toEvents(steps, new Conn()));
    assert.deepEqual(r.messages.map((m) => m.body), [rpc(5, 'tools/call'), json]);
  });

  test('h2c upgrade: the 101 and the first frames in one read, stream 1 answers the HTTP/1.1 request', () => {
    const s = new HpackEncoder();
    const c = new HpackEncoder();
    const body = rpc(1, 'initialize');
    const steps: Step[] = [
      ['w', Buffer.from(`POST /mcp HTTP/1.1\r\nHost: h:1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`)],
      [
        'r',
        Buffer.concat([
          Buffer.from('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n'),
          settings(),
          headers(1, s.encode(responseFields(200, [['content-type', 'application/json']]))),
          data(1, Buffer.from(result(1, 'up')), { endStream: true }),
        ]),
      ],
      ['w', Buffer.concat([PREFACE, settings(), headers(3, c.encode(requestFields('POST', '/mcp', 'h:1'))), data(3, Buffer.from(rpc(2, 'tools/list')), { endStream: true })])],
      ['r', Buffer.concat([headers(3, s.encode(responseFields(200))), data(3, Buffer.from(result(2, 'l')), { endStream: true })])],
    ];
    for (const split of [(b: Buffer) => [b], (b: Buffer) => [...b].map((x) => Buffer.from([x]))]) {
      const r = run(toEvents(steps, new Conn(), split));
      const bodies = r.messages.filter((m) => m.body !== '').map((m) => pick(m, ['is_request', 'body', 'http_version', 'exchange', 'h2_stream', 'path']));
      assert.deepEqual(bodies, [
        { is_request: true, body, http_version: '1.1', exchange: 0, path: '/mcp' },
        { is_request: false, body: result(1, 'up'), http_version: '2', exchange: 0, h2_stream: 1, path: '/mcp' },
        { is_request: true, body: rpc(2, 'tools/list'), http_version: '2', exchange: 1, h2_stream: 3, path: '/mcp' },
        { is_request: false, body: result(2, 'l'), http_version: '2', exchange: 1, h2_stream: 3, path: '/mcp' },
      ]);
      assert.equal(r.engine.counters.get('h2_upgrades'), 1);
    }
  });
});

describe('what HTTP/2 cannot show is said once, with a count', () => {
  test('a connection picked up mid-way: hpack_state_lost, one notice', () => {
    const notices: NoticeEvent[] = [];
    const e = new HpackEncoder();
    const conn = new Conn({ pid: 31, comm: 'curl' });
    const events = [
      ...conn.write(Buffer.concat([headers(9, e.encode(requestFields('POST', '/mcp', 'x'))), data(9, Buffer.from('{}'), { endStream: true })])),
      ...conn.write(Buffer.concat([headers(11, e.encode(requestFields('POST', '/mcp', 'x')))])),
    ];
    const r = run(events, { notice: (n) => notices.push(n) });
    assert.equal(r.messages.length, 0);
    assert.equal(notices.length, 1);
    assert.equal(notices[0].reason, 'hpack_state_lost');
    assert.equal(notices[0].pid, 31);
    assert.equal(notices[0].comm, 'curl');
    assert.equal(notices[0].stage, 'http-session');
    assert.equal(notices[0].count, 1);
    assert.equal(r.engine.counters.get('notices_hpack_state_lost'), 1);
  });

  test('bytes lost inside a connection: its direction stops with hpack_state_lost, good messages before stay', () => {
    const notices: NoticeEvent[] = [];
    const { steps } = scenario();
    const conn = new Conn();
    const events = toEvents(steps.slice(0, 4), conn);
    // A record of the next write was lost in the ring buffer.
    events.push(...conn.write(Buffer.concat([headers(3, new HpackEncoder().encode(requestFields('POST', '/mcp', 'x')))]), 1 << 30, 2 /* lostBefore */));
    events.push(...toEvents(steps.slice(5), conn));
    const r = run(events, { notice: (n) => notices.push(n) });
    assert.deepEqual(notices.map((n) => [n.reason, n.count]), [['hpack_state_lost', 1]]);
    assert.equal(r.messages[0].body, rpc(1, 'initialize'));
    assert.ok(r.messages.every((m) => m.gap !== true || m.body === ''));
  });

  test('a header block that does not decode: hpack_state_lost with a sample; random bytes never throw', () => {
    const notices: NoticeEvent[] = [];
    const steps: Step[] = [['w', Buffer.concat([PREFACE, settings(), headers(1, Buffer.from([0xbf, 0xff, 0xff]))])]];
    const r = run(toEvents(steps, new Conn()), { notice: (n) => notices.push(n) });
    assert.equal(notices.length, 1);
    assert.equal(notices[0].reason, 'hpack_state_lost');
    assert.ok(notices[0].sample);
    assert.equal(r.engine.counters.get('internal_errors'), 0);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 }), (a, b) => {
        const rr = run([...new Conn().write(Buffer.concat([PREFACE, a])), ...new Conn().read(Buffer.from(b))]);
        assert.equal(rr.engine.counters.get('internal_errors'), 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('hostile HTTP/2', () => {
  test('random well-framed frames of every type in both directions never throw and release their memory', () => {
    const frameArb = fc.record({
      dir: fc.constantFrom<Dir>('w', 'r'),
      type: fc.integer({ min: 0, max: 11 }),
      flags: fc.integer({ min: 0, max: 255 }),
      stream: fc.integer({ min: 0, max: 7 }),
      payload: fc.uint8Array({ maxLength: 48 }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 40 }), (frames) => {
        const steps: Step[] = [['w', Buffer.concat([PREFACE, settings()])], ['r', settings()]];
        for (const f of frames) steps.push([f.dir, frame(f.type, f.flags, f.stream, f.payload)]);
        const r = run(toEvents(steps, new Conn()));
        assert.equal(r.engine.counters.get('internal_errors'), 0);
        r.engine.sweep(Number.MAX_SAFE_INTEGER);
        assert.equal(r.engine.bytesHeld(), 0);
      }),
      { numRuns: 400 },
    );
  });
});

describe('Brotli event streams', () => {
  async function brotliPerEvent(events: string[]): Promise<Buffer[]> {
    const enc = zlib.createBrotliCompress();
    const out: Buffer[] = [];
    const pieces: Buffer[] = [];
    enc.on('data', (b: Buffer) => out.push(b));
    for (const ev of events) {
      enc.write(ev);
      await new Promise<void>((r) => enc.flush(zlib.constants.BROTLI_OPERATION_FLUSH, () => r()));
      pieces.push(Buffer.concat(out.splice(0)));
    }
    enc.end();
    await new Promise<void>((r) => enc.on('end', () => r()));
    pieces.push(Buffer.concat(out.splice(0)));
    return pieces;
  }

  test('HTTP/1.1: each event comes out at its blank line, with 1-byte reads', async () => {
    const evs = [sseEvent(rpc(1, 'a')), sseEvent(result(2, 'b'.repeat(3000))), sseEvent(result(3, 'c'))];
    const pieces = await brotliPerEvent(evs);
    const conn = new Conn();
    const chunked = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    const events: RawInput[] = [
      ...conn.write('GET /mcp HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\n\r\n'),
      ...conn.read('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: br\r\nTransfer-Encoding: chunked\r\n\r\n'),
    ];
    // Each flushed piece read one byte per call; after the first piece's last byte its event must be out.
    const all: RawInput[][] = pieces.map((p) => [...chunked(p)].flatMap((x) => conn.read(Buffer.from([x]))));
    const r1 = run([...events, ...all[0]]);
    assert.deepEqual(r1.messages.filter((m) => m.kind === 'sse_event').map((m) => m.body), [rpc(1, 'a')]);
    const r = run([...events, ...all.flat(), ...conn.read('0\r\n\r\n')]);
    assert.deepEqual(
      r.messages.filter((m) => m.kind === 'sse_event').map((m) => m.body),
      [rpc(1, 'a'), result(2, 'b'.repeat(3000)), result(3, 'c')],
    );
    assert.equal(r.engine.counters.get('sse_decompressed_streams'), 1);
    assert.equal(r.engine.counters.get('sse_encoded_unsupported'), 0);
    assert.equal(r.engine.bytesHeld(), 0);
  });

  test('HTTP/2: a br event stream on an h2 stream, DATA frames of 1 byte', async () => {
    const evs = [sseEvent(rpc(1, 'x')), sseEvent(result(1, 'y'))];
    const body = Buffer.concat(await brotliPerEvent(evs));
    const c = new HpackEncoder();
    const s = new HpackEncoder();
    const steps: Step[] = [
      ['w', Buffer.concat([PREFACE, settings(), headers(1, c.encode(requestFields('GET', '/mcp', 'h')), { endStream: true })])],
      ['r', Buffer.concat([settings(), headers(1, s.encode(responseFields(200, [['content-type', 'text/event-stream'], ['content-encoding', 'br']]))), data(1, body, { size: 1, endStream: true })])],
    ];
    const r = run(toEvents(steps, new Conn()));
    assert.deepEqual(r.messages.filter((m) => m.kind === 'sse_event').map((m) => m.body), [rpc(1, 'x'), result(1, 'y')]);
  });

  test('corrupt br data ends that stream\'s decoding, counted; the process survives', () => {
    const conn = new Conn();
    const r = run([
      ...conn.write('GET /mcp HTTP/1.1\r\nHost: h\r\n\r\n'),
      ...conn.read('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: br\r\nContent-Length: 40\r\n\r\n'),
      ...conn.read(Buffer.alloc(40, 0xff)),
      ...conn.write('GET /next HTTP/1.1\r\nHost: h\r\n\r\n'),
    ]);
    assert.equal(r.engine.counters.get('sse_inflate_errors'), 1);
    assert.deepEqual(r.messages.filter((m) => m.is_request).map((m) => m.path), ['/mcp', '/next']);
  });

  test('an encoding nobody decodes: encoding_unsupported once per stream, then a count', () => {
    const notices: NoticeEvent[] = [];
    const conn = new Conn();
    const ev: RawInput[] = [];
    for (let i = 0; i < 3; i++) {
      ev.push(...conn.write('POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}'));
      ev.push(...conn.read('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: zstd\r\nContent-Length: 4\r\n\r\nabcd'));
    }
    const r = run(ev, { notice: (n) => notices.push(n) });
    assert.deepEqual(notices.map((n) => [n.reason, n.count]), [['encoding_unsupported', 1]]);
    assert.equal(r.engine.counters.get('notices_encoding_unsupported'), 3);
    // Seconds later the same (reason, process, stream) is published again, with its count.
    const later = [
      ...conn.write('POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}'),
      ...conn.read('HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\nContent-Length: 4\r\n\r\nabcd'),
    ].map((e) => ({ ...e, tsNs: e.tsNs + 6_000_000_000n }));
    notices.length = 0;
    run([...ev, ...later], { notice: (n) => notices.push(n) });
    assert.deepEqual(notices.map((n) => [n.reason, n.count]), [['encoding_unsupported', 1], ['encoding_unsupported', 4]]);
  });
});

describe('real node:http2 peers through a recording relay', () => {
  test('h2c prior knowledge: concurrent JSON and SSE responses, paired by stream', async () => {
    const server = http2.createServer();
    server.on('stream', (stream, hdrs) => {
      const chunks: Buffer[] = [];
      stream.on('data', (b: Buffer) => chunks.push(b));
      stream.on('end', () => {
        const req = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
        if (hdrs[':method'] === 'GET' || req?.method === 'tools/call') {
          stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
          let n = 0;
          const tick = () => {
            n++;
            if (n < 3) {
              stream.write(sseEvent(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: n } })));
              setTimeout(tick, 5);
            } else {
              stream.end(sseEvent(result(req?.id ?? 0, 'called')));
            }
          };
          tick();
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'application/json', 'mcp-session-id': 's-9' });
        stream.end(result(req.id, `answer to ${req.method}`));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const log: Step[] = [];
    const relay = net.createServer((client) => {
      const up = net.connect(port, '127.0.0.1');
      client.on('data', (b) => {
        log.push(['w', Buffer.from(b)]);
        up.write(b);
      });
      up.on('data', (b) => {
        log.push(['r', Buffer.from(b)]);
        client.write(b);
      });
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayPort = (relay.address() as AddressInfo).port;
    const session = http2.connect(`http://127.0.0.1:${relayPort}`);
    const ask = (method: string, id: number) =>
      new Promise<string>((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': '/mcp', 'content-type': 'application/json' });
        let text = '';
        req.setEncoding('utf8');
        req.on('data', (d: string) => (text += d));
        req.on('end', () => resolve(text));
        req.on('error', reject);
        req.end(rpc(id, method));
      });
    let answers: string[];
    try {
      answers = await Promise.all([ask('initialize', 1), ask('tools/list', 2), ask('tools/call', 3), ask('ping', 4)]);
    } finally {
      session.close();
      relay.close();
      server.close();
    }
    assert.equal(answers.length, 4);

    const r = run(toEvents(log, new Conn({ pid: 700 }), (b) => [b], 4096));
    const reqs = r.messages.filter((m) => m.is_request);
    assert.deepEqual(reqs.map((m) => JSON.parse(m.body).method).sort(), ['initialize', 'ping', 'tools/call', 'tools/list']);
    for (const q of reqs) {
      const id = JSON.parse(q.body).id;
      const replies = r.messages.filter((m) => !m.is_request && m.h2_stream === q.h2_stream);
      assert.ok(replies.length > 0, `reply to ${id}`);
      assert.ok(replies.every((m) => m.exchange === q.exchange && m.method === 'POST' && m.path === '/mcp' && m.status === 200));
      const last = JSON.parse(replies[replies.length - 1].body);
      assert.equal(last.id, id);
      if (id === 3) assert.deepEqual(replies.map((m) => m.kind), ['sse_event', 'sse_event', 'sse_event']);
    }
    assert.equal(r.engine.counters.get('gaps'), 0);
    assert.equal(r.engine.bytesHeld(), 0);
  });
});
