/**
 * Property: however the probe splits a valid byte stream into calls and
 * ring-buffer chunks, the engine emits the same messages as for the
 * unsplit stream (timestamps aside), and those are the messages that were
 * written. Covers Content-Length, chunked (both directions), SSE and
 * pipelining.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Conn, RawInput, run, stable } from './raw-builder';

interface Exchange {
  req: Buffer;
  res: Buffer;
  /** Bodies / SSE data the engine must emit for this exchange, in order. */
  expect: string[];
}

const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const lineText = text.map((s) => s.replace(/[\r\n]/g, ' '));

function chunkedWire(body: Buffer, cuts: number[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  for (const c of [...new Set(cuts.map((x) => Math.floor(x * body.length)))].sort((a, b) => a - b).concat(body.length)) {
    if (c <= prev) continue;
    const piece = body.subarray(prev, c);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    prev = c;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 });

const sseEventArb = fc.record({
  data: fc.array(lineText, { minLength: 1, maxLength: 3 }),
  event: fc.option(fc.constantFrom('message', 'progress'), { nil: undefined }),
  id: fc.option(fc.stringMatching(/^[a-z0-9]{1,6}$/), { nil: undefined }),
  comment: fc.boolean(),
});

const exchangeArb: fc.Arbitrary<Exchange> = fc
  .record({
    reqKind: fc.constantFrom('length', 'chunked', 'get'),
    reqBody: text,
    reqCuts: cutsArb,
    resKind: fc.constantFrom('length', 'chunked', 'sse', 'sse-length', '204'),
    resBody: text,
    resCuts: cutsArb,
    sse: fc.array(sseEventArb, { minLength: 1, maxLength: 4 }),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
  })
  .map((g) => {
    const expect: string[] = [];
    let req: Buffer;
    const rb = Buffer.from(g.reqBody);
    if (g.reqKind === 'get') {
      req = Buffer.from('GET /mcp HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\n\r\n');
      expect.push('');
    } else if (g.reqKind === 'length') {
      req = Buffer.concat([Buffer.from(`POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: ${rb.length}\r\n\r\n`), rb]);
      expect.push(g.reqBody);
    } else {
      req = Buffer.concat([Buffer.from('POST /mcp HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'), chunkedWire(rb, g.reqCuts)]);
      expect.push(g.reqBody);
    }
    let res: Buffer;
    const sb = Buffer.from(g.resBody);
    if (g.resKind === 'length') {
      res = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${sb.length}\r\n\r\n`), sb]);
      expect.push(g.resBody);
    } else if (g.resKind === 'chunked') {
      res = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), chunkedWire(sb, g.resCuts)]);
      expect.push(g.resBody);
    } else if (g.resKind === '204') {
      res = Buffer.from('HTTP/1.1 204 No Content\r\n\r\n');
      expect.push('');
    } else {
      const e = g.eol;
      const stream = g.sse
        .map((ev) => {
          let s = ev.comment ? `: keepalive${e}` : '';
          if (ev.event) s += `event: ${ev.event}${e}`;
          if (ev.id) s += `id:${ev.id}${e}`;
          for (const d of ev.data) s += `data: ${d}${e}`;
          expect.push(ev.data.join('\n'));
          return s + e;
        })
        .join('');
      const body = Buffer.from(stream);
      res =
        g.resKind === 'sse'
          ? Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'), chunkedWire(body, g.resCuts)])
          : Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    }
    return { req, res, expect };
  });

/** Random cut points of a byte stream into calls, and of each call into chunks. */
const splitArb = fc.record({
  callCuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
  chunk: fc.integer({ min: 1, max: 64 }),
});

function calls(bytes: Buffer, split: { callCuts: number[] } | undefined): Buffer[] {
  if (!split) return [bytes];
  const cuts = [...new Set(split.callCuts.map((x) => Math.floor(x * bytes.length)))].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

function emitDir(c: Conn, dir: 'write' | 'read', bytes: Buffer, split?: { callCuts: number[]; chunk: number }): RawInput[] {
  const out: RawInput[] = [];
  for (const call of calls(bytes, split)) out.push(...(dir === 'write' ? c.write(call, split?.chunk) : c.read(call, split?.chunk)));
  return out;
}

function build(exchanges: Exchange[], pipelined: boolean, reqSplit?: { callCuts: number[]; chunk: number }, resSplit?: { callCuts: number[]; chunk: number }): RawInput[] {
  const c = new Conn({ kind: 'tls', pid: 7, streamId: 0x55n });
  if (pipelined) {
    return [
      ...emitDir(c, 'write', Buffer.concat(exchanges.map((x) => x.req)), reqSplit),
      ...emitDir(c, 'read', Buffer.concat(exchanges.map((x) => x.res)), resSplit),
    ];
  }
  const out: RawInput[] = [];
  for (const x of exchanges) out.push(...emitDir(c, 'write', x.req, reqSplit), ...emitDir(c, 'read', x.res, resSplit));
  return out;
}

function expected(exchanges: Exchange[], pipelined: boolean): string[] {
  if (!pipelined) return exchanges.flatMap((x) => x.expect);
  return [...exchanges.map((x) => x.expect[0]), ...exchanges.flatMap((x) => x.expect.slice(1))];
}

describe('split invariance (fast-check)', () => {
  test('any split into calls and chunks yields the messages of the unsplit stream', () => {
    fc.assert(
      fc.property(fc.array(exchangeArb, { minLength: 1, maxLength: 4 }), fc.boolean(), splitArb, splitArb, (xs, pipelined, s1, s2) => {
        const whole = run(build(xs, pipelined));
        const split = run(build(xs, pipelined, s1, s2), {}, 4096);
        assert.deepEqual(whole.messages.map((m) => m.body), expected(xs, pipelined));
        assert.deepEqual(stable(split.messages), stable(whole.messages));
        assert.ok(whole.messages.every((m) => m.gap === undefined));
        // Every response and event knows its request.
        for (const m of whole.messages) if (!m.is_request) assert.equal(m.method, xs[m.exchange].req[0] === 0x47 ? 'GET' : 'POST');
        assert.equal(split.engine.bytesHeld(), 0);
      }),
      { numRuns: 300 },
    );
  });

  test('an SSE event split at every possible byte is emitted once, intact, at its blank line', () => {
    const ev = 'event: message\r\nid: 42\r\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"é":"☃"}}\r\n\r\n';
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';
    const wire = Buffer.from(ev);
    for (let i = 1; i < wire.length; i++) {
      const c = new Conn();
      const body = chunkedWire(wire, [i / wire.length]);
      const r = run([...c.write('GET /mcp HTTP/1.1\r\nHost: h\r\n\r\n'), ...c.read(head), ...c.read(body.subarray(0, body.length - 5), 3)]);
      assert.equal(r.messages.length, 2, `split at ${i}`);
      assert.equal(r.messages[1].body, '{"jsonrpc":"2.0","method":"notifications/progress","params":{"é":"☃"}}');
      assert.equal(r.messages[1].sse_id, '42');
    }
  });
});
