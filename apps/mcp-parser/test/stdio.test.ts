/**
 * stdio path end to end through the engine: synthetic raw batches (real
 * wire codec) in, McpMessageEvent objects out. The Store is MemoryStore,
 * the embedded-mode implementation; the Redis one is in store-pairing.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { capturedBytesOf, McpMessageEvent, Subjects, validatePayload } from '@mcpspy/events';
import { harness, RawScript, sleep, strip, T0_ISO } from './raw-builder';

const CLIENT = { pid: 100, comm: 'client' };
const SERVER = { pid: 200, comm: 'server' };
const TO_SERVER = 7001n; // client's write end -> server's stdin
const TO_CLIENT = 7002n; // server's stdout -> client

const callText =
  '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"New York"}}}';
const resultText =
  '{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"Weather in New York: 20°C"}],"isError":false}}';

describe('stdio golden', () => {
  test('request and response between two traced processes become two lines, paired, from = writer, to = reader', async () => {
    const h = harness();
    const s = new RawScript()
      .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: callText + '\n', atMs: 0 })
      .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: callText + '\n', atMs: 1 })
      .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: resultText + '\n', atMs: 101 })
      .call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: resultText + '\n', atMs: 102 });
    await h.feed(s.batches());
    const out = await h.done();
    const params = { name: 'get_weather', arguments: { city: 'New York' } };
    assert.deepEqual(strip(out), [
      {
        timestamp: T0_ISO,
        transport_type: 'stdio',
        stdio_transport: { from_pid: 100, from_comm: 'client', to_pid: 200, to_comm: 'server' },
        type: 'request',
        id: 7,
        method: 'tools/call',
        params,
        error: {},
        raw: callText,
        session: 'stdio:100-200',
        description: 'Execute a tool',
      },
      {
        timestamp: '2024-01-15T12:34:56.890Z',
        transport_type: 'stdio',
        stdio_transport: { from_pid: 200, from_comm: 'server', to_pid: 100, to_comm: 'client' },
        type: 'response',
        id: 7,
        result: { content: [{ type: 'text', text: 'Weather in New York: 20°C' }], isError: false },
        error: {},
        request: { type: 'request', id: 7, method: 'tools/call', params, error: {}, timestamp: T0_ISO },
        raw: resultText,
        session: 'stdio:100-200',
      },
    ]);
    assert.deepEqual(
      out.map((m) => [m.seq, m.msg_id]),
      [
        [1, 'test:1'],
        [2, 'test:2'],
      ],
    );
    assert.equal(h.engine.counters.get('paired_responses'), 1);
    for (const m of out) {
      const v = validatePayload(Subjects.mcpMessage, JSON.parse(JSON.stringify(m)));
      assert.ok(v.ok, `output passes the McpMessageDto contract: ${v.reasons.join('; ')}`);
    }
  });

  test('unix socketpairs (Node child stdio) behave like pipes; error responses are type error', async () => {
    const h = harness();
    const req = '{"jsonrpc":"2.0","id":"a-1","method":"resources/read","params":{"uri":"file:///x"}}';
    const err = '{"jsonrpc":"2.0","id":"a-1","error":{"code":-32002,"message":"Resource not found"}}';
    const s = new RawScript()
      .call({ ...CLIENT, dir: 'write', stream: 11n, fdType: 'unix', data: req + '\n' })
      .call({ ...SERVER, dir: 'read', stream: 11n, fdType: 'unix', data: req + '\n' })
      .call({ ...SERVER, dir: 'write', stream: 12n, fdType: 'unix', data: err + '\r\n' })
      .call({ ...CLIENT, dir: 'read', stream: 12n, fdType: 'unix', data: err + '\r\n' });
    await h.feed(s.batches());
    const out = await h.done();
    assert.equal(out.length, 2);
    assert.equal(out[1].type, 'error');
    assert.equal(out[1].id, 'a-1');
    assert.deepEqual(out[1].error, { code: -32002, message: 'Resource not found' });
    assert.equal(out[1].raw, err);
    assert.equal(out[1].request?.method, 'resources/read');
    assert.deepEqual(out[1].stdio_transport, { from_pid: 200, from_comm: 'server', to_pid: 100, to_comm: 'client' });
  });
});

describe('stdio: the bytes of raw, held for the embedded sink', () => {
  test('held while a message is handed on inside the call that parsed it, never after; they decode to raw', async () => {
    const seen: Array<{ raw: string; bytes: Uint8Array | undefined }> = [];
    const h = harness({ emit: (m) => seen.push({ raw: m.raw, bytes: capturedBytesOf(m.raw) }) });
    const second = '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"a \\"quoted\\" \\\\ name"}}';
    const nonAscii = '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"é"}}';
    const third = '[{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}]';
    const s = new RawScript()
      // The first line waits for its reader (not known yet): it goes out from the read's call, without bytes.
      .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: callText + '\n', atMs: 0 })
      .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: callText + '\n', atMs: 1 })
      // The reader known: out at once, from the call that parsed it.
      .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: second + '\n', atMs: 2 })
      // A batch element's raw is its own slice, not the line: no bytes for it.
      .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: third + '\n', atMs: 3 })
      // Bytes outside ASCII are not held (the sink's escape takes printable ASCII only).
      .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: nonAscii + '\n', atMs: 4 });
    await h.feed(s.batches());
    await h.done();
    assert.deepEqual(seen.map((x) => [x.raw.slice(0, 30), x.bytes === undefined]), [
      [callText.slice(0, 30), true],
      [second.slice(0, 30), false],
      [JSON.parse(third)[0] && third.slice(1, 31), true],
      [nonAscii.slice(0, 30), true],
    ]);
    assert.equal(Buffer.from(seen[1].bytes!).toString('utf8'), second);
    // Let go once the parser's call returned.
    assert.equal(capturedBytesOf(second), undefined);
  });
});

describe('stdio readers', () => {
  test('a message whose reader has not read yet is held, then emitted with the reader when it reads', async () => {
    const h = harness({ readerWaitMs: 5000 });
    const init = '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}';
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: init + '\n' }).batches());
    assert.equal(h.out.length, 0, 'held while the reader is unknown');
    await h.feed(new RawScript().call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: init + '\n' }).batches());
    assert.equal(h.out.length, 1, 'released by the read, not by the timer');
    assert.equal(h.out[0].stdio_transport?.to_pid, 200);
    await h.done();
  });

  test('a reader never seen: the message still comes out after the wait, to = 0/""', async () => {
    const h = harness({ readerWaitMs: 40, firstReaderWaitMs: 150 });
    const n = '{"jsonrpc":"2.0","method":"notifications/initialized"}';
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: n + '\n' }).batches());
    assert.equal(h.out.length, 0);
    await sleep(80);
    assert.equal(h.out.length, 0, 'the first message of a channel waits longer for its reader');
    await sleep(150);
    assert.equal(h.out.length, 1, 'emitted by the timer without flush');
    assert.deepEqual(h.out[0].stdio_transport, { from_pid: 100, from_comm: 'client', to_pid: 0, to_comm: '' });
    assert.equal(h.engine.counters.get('reader_wait_timeouts'), 1);
    // Once a message went out without its reader, the next ones wait only the short time.
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: n + '\n' }).batches());
    await sleep(100);
    assert.equal(h.out.length, 2);
    await h.done();
  });

  test('no read names the reader (a folded or unhookable read): its answer names it, and the request goes out first', async () => {
    const h = harness({ readerWaitMs: 5000 });
    const req = '{"jsonrpc":"2.0","id":3,"method":"tools/list"}';
    const res = '{"jsonrpc":"2.0","id":3,"result":{"tools":[]}}';
    const note = '{"jsonrpc":"2.0","method":"notifications/initialized"}';
    // Order on the wire: request (client), response (server), the client reads it, then a notification.
    await h.feed(
      new RawScript()
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: req + '\n', atMs: 0 })
        .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res + '\n', atMs: 1 })
        .call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: res + '\n', atMs: 2 })
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: note + '\n', atMs: 3 })
        .batches(),
    );
    // Nothing waited for the timer (5 s): all three are out before flush.
    assert.deepEqual(h.out.map((m) => `${m.type} ${m.stdio_transport?.from_pid}>${m.stdio_transport?.to_pid}`), ['request 100>200', 'response 200>100', 'notification 100>200']);
    assert.equal(h.out[1].request?.method, 'tools/list', 'the response found its request');
    assert.equal(h.engine.counters.get('readers_inferred'), 1);
    assert.equal(h.engine.counters.get('reader_wait_timeouts'), 0);
    await h.done();
  });

  test('an answer names no reader for a channel of a process it is already known to read (a second server starting)', async () => {
    const h = harness({ readerWaitMs: 5000 });
    const S2 = { pid: 300, comm: 'server2' };
    const TO_S2 = 7003n;
    const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    const init2 = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}';
    const log = '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}';
    await h.feed(
      new RawScript()
        // The first server is known: it reads the client's channel to it.
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: ping + '\n', atMs: 0 })
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: ping + '\n', atMs: 1 })
        // The client writes to a second server that has not read yet; then the first server speaks.
        .call({ ...CLIENT, dir: 'write', stream: TO_S2, data: init2 + '\n', atMs: 2 })
        .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: log + '\n', atMs: 3 })
        .call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: log + '\n', atMs: 4 })
        .batches(),
    );
    assert.equal(h.out.length, 2, 'the second server\'s initialize still waits for its reader');
    assert.equal(h.engine.counters.get('readers_inferred'), 0);
    await h.feed(new RawScript().call({ ...S2, dir: 'read', stream: TO_S2, data: init2 + '\n', atMs: 5 }).batches());
    assert.equal(h.out.length, 3);
    assert.equal(h.out[2].stdio_transport?.to_pid, 300, 'named by its own read');
    await h.done();
  });

  test('a known reader means no wait', async () => {
    const h = harness({ readerWaitMs: 5000 });
    const a = '{"jsonrpc":"2.0","method":"notifications/initialized"}';
    const b = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
    await h.feed(
      new RawScript()
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: a + '\n' })
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: a + '\n' })
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: b + '\n' })
        .batches(),
    );
    assert.deepEqual(
      h.out.map((m) => [m.method, m.stdio_transport?.to_pid]),
      [
        ['notifications/initialized', 200],
        ['tools/list', 200],
      ],
    );
    await h.done();
  });

  test('reader identity survives a restart through the Store', async () => {
    const first = harness({ readerWaitMs: 5000 });
    const a = '{"jsonrpc":"2.0","method":"notifications/initialized"}';
    await first.feed(
      new RawScript()
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: a + '\n' })
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: a + '\n' })
        .batches(),
    );
    await first.engine.flush();
    await first.engine.close();
    const second = harness({ store: first.store, readerWaitMs: 5000 });
    await second.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: a + '\n' }).batches());
    assert.equal(second.out.length, 1, 'the new engine knew the reader and did not wait');
    assert.equal(second.out[0].stdio_transport?.to_pid, 200);
    await second.done();
    await first.store.close();
  });

  test('writer filtered out: the reads are the stream, from unknown, to = reader', async () => {
    const h = harness();
    const n = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":5}}';
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: n.slice(0, 20) }).call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: n.slice(20) + '\n' }).batches());
    const out = await h.done();
    assert.equal(out.length, 1);
    assert.equal(out[0].raw, n);
    assert.deepEqual(out[0].stdio_transport, { from_pid: 0, from_comm: '', to_pid: 100, to_comm: 'client' });
  });

  test('a read reported before the write of the same bytes yields one message, from the writer', async () => {
    const h = harness({ readerWaitMs: 200 });
    const n = '{"jsonrpc":"2.0","id":3,"method":"ping"}';
    await h.feed(
      new RawScript()
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: n + '\n' })
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: n + '\n' })
        .batches(),
    );
    const out = await h.done();
    assert.equal(out.length, 1);
    assert.deepEqual(out[0].stdio_transport, { from_pid: 100, from_comm: 'client', to_pid: 200, to_comm: 'server' });
  });

  test('after the reader exits, new messages no longer name it', async () => {
    const h = harness({ readerWaitMs: 30 });
    const n = '{"jsonrpc":"2.0","method":"notifications/initialized"}';
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: n + '\n' }).call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: n + '\n' }).batches());
    h.engine.onProc({ kind: 'exit', pid: 200, comm: 'server', timestamp: T0_ISO });
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: n + '\n' }).batches());
    const out = await h.done();
    assert.deepEqual(out.map((m) => m.stdio_transport?.to_pid), [200, 0]);
  });

  test('channels are bounded: past maxStreams the oldest is evicted and its held messages go out', async () => {
    const h = harness({ maxStreams: 3, readerWaitMs: 5000 });
    const s = new RawScript();
    for (let i = 0; i < 5; i++) s.call({ ...CLIENT, dir: 'write', stream: BigInt(500 + i), data: `{"jsonrpc":"2.0","id":${i},"method":"ping"}\n` });
    await h.feed(s.batches());
    assert.equal(h.engine.streamCount, 3);
    assert.equal(h.engine.counters.get('streams_evicted'), 2);
    assert.deepEqual(h.out.map((m) => m.id), [0, 1], 'evicted channels released what they held');
    const out = await h.done();
    assert.equal(out.length, 5);
  });

  test('the comm of the call wins; process events only fill in a blank comm', async () => {
    const h = harness();
    // Renamed after exec (prctl / process.title): the call's comm is the current name.
    h.engine.onProc({ kind: 'exec', pid: 200, comm: 'python3', timestamp: T0_ISO });
    h.engine.onProc({ kind: 'exec', pid: 100, comm: 'client-at-exec', timestamp: T0_ISO });
    const n = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    await h.feed(
      new RawScript()
        .call({ ...CLIENT, comm: '', dir: 'write', stream: TO_SERVER, data: n + '\n' })
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: n + '\n' })
        .batches(),
    );
    const out = await h.done();
    assert.equal(out[0].stdio_transport?.to_comm, SERVER.comm);
    assert.equal(out[0].stdio_transport?.from_comm, 'client-at-exec');
  });
});

describe('stdio framing', () => {
  test('a message split over many calls and chunks is reassembled; several messages in one call are split', async () => {
    const h = harness();
    const a = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
    const b = '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hé\\nllo"}}';
    const bytes = a + '\n' + b + '\n' + a + '\n';
    const s = new RawScript().call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: '' });
    for (let i = 0; i < bytes.length; i += 13) s.call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: bytes.slice(i, i + 13), chunk: 5 });
    await h.feed(s.batches(7));
    const out = await h.done();
    assert.deepEqual(
      out.map((m) => m.raw),
      [a, b, a],
      'identical messages sent twice come out twice',
    );
  });

  test('a JSON-RPC batch yields each element, batch: true, raw = the element text', async () => {
    const h = harness();
    const e1 = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
    const e2 = '{ "jsonrpc": "2.0", "method": "notifications/initialized" }';
    const text = `[ ${e1} ,\n\t${e2}]`.replace('\n', ' ');
    await h.feed(
      new RawScript()
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: '' })
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: text + '\n' })
        .batches(),
    );
    const out = await h.done();
    assert.deepEqual(
      out.map((m) => [m.type, m.raw, m.batch]),
      [
        ['request', e1, true],
        ['notification', e2, true],
      ],
    );
  });

  test('any split of a valid stream into calls and chunks, written or read, gives the same messages as the whole stream (property)', async () => {
    const msg = fc.oneof(
      fc.record({ id: fc.oneof(fc.integer(), fc.string()), text: fc.string({ unit: 'binary' }) }).map(({ id, text }) => ({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text } },
      })),
      fc.string({ unit: 'grapheme' }).map((data) => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data } })),
    );
    // viaReads: the writer is filtered out and the reader's reads carry the stream.
    const run = async (stream: Buffer, cuts: number[], chunk: number, viaReads: boolean) => {
      const h = harness();
      const s = new RawScript();
      if (!viaReads) s.call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: '' });
      let prev = 0;
      for (const c of [...cuts, stream.length]) {
        const who = viaReads ? { ...SERVER, dir: 'read' as const } : { ...CLIENT, dir: 'write' as const };
        if (c > prev) s.call({ ...who, stream: TO_SERVER, data: stream.subarray(prev, c), chunk });
        prev = Math.max(prev, c);
      }
      await h.feed(s.batches(5));
      return strip(await h.done());
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(msg, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        async (msgs, rawCuts, chunk, viaReads) => {
          const stream = Buffer.from(msgs.map((m) => JSON.stringify(m) + '\n').join(''), 'utf8');
          const cuts = rawCuts.map((c) => c % (stream.length + 1)).sort((x, y) => x - y);
          const whole = await run(stream, [], stream.length + 1, viaReads);
          const split = await run(stream, cuts, chunk, viaReads);
          assert.equal(whole.length, msgs.length);
          assert.deepEqual(split, whole);
          assert.deepEqual(
            whole.map((m) => JSON.parse(m.raw)),
            msgs,
          );
        },
      ),
      { numRuns: 80 },
    );
  });

  test('a 10 MB message over stdio reassembles byte-exact', async () => {
    const h = harness();
    const blob = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < blob.length; i++) blob[i] = 0x61 + (i % 26);
    const text = `{"jsonrpc":"2.0","id":42,"result":{"content":[{"type":"text","text":"${blob.toString('latin1')}"}]}}`;
    const bytes = Buffer.from(text + '\n');
    const s = new RawScript().call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: '' });
    // One 10 MB write syscall as the probe emits it: 32 KB records sharing a call id.
    s.call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: bytes, chunk: 32 * 1024 });
    await h.feed(s.batches(16));
    const out = await h.done();
    assert.equal(out.length, 1);
    assert.equal(out[0].raw.length, text.length);
    assert.ok(out[0].raw === text, 'raw is byte-exact');
    const r = out[0].result as { content: Array<{ text: string }> };
    assert.equal(r.content[0].text.length, blob.length);
    assert.equal(h.engine.bufferedBytes, 0);
  });
});

describe('stdio validation and pairing', () => {
  test('unknown methods are dropped on a stream without MCP traffic and kept once it carried MCP', async () => {
    const h = harness();
    const other = '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{}}';
    const custom = '{"jsonrpc":"2.0","id":9,"method":"vendor/custom"}';
    const init = '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}';
    await h.feed(
      new RawScript()
        .call({ pid: 300, comm: 'lsp', dir: 'write', stream: 9001n, data: other + '\n' })
        .call({ pid: 301, comm: 'editor', dir: 'read', stream: 9001n, data: '' })
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: init + '\n' + custom + '\n' })
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: '' })
        .batches(),
    );
    const out = await h.done();
    assert.deepEqual(
      out.map((m) => m.method),
      ['initialize', 'vendor/custom'],
    );
    assert.equal(out[1].description, undefined);
    assert.equal(h.engine.counters.get('unknown_method_dropped'), 1);
  });

  test('invalid JSON-RPC is counted and skipped, the stream goes on', async () => {
    const h = harness();
    const lines = [
      '{"jsonrpc":"1.0","id":1,"method":"ping"}',
      '{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1}}',
      '{"jsonrpc":"2.0","id":null,"method":"ping"}',
      '{"id":1}',
      '{"jsonrpc":"2.0","id":5,"method":"ping"}',
    ];
    await h.feed(
      new RawScript()
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: '' })
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: lines.join('\n') + '\n' })
        .batches(),
    );
    const out = await h.done();
    assert.deepEqual(out.map((m) => m.raw), [lines[4]]);
    assert.equal(h.engine.counters.get('not_jsonrpc'), 4);
  });

  test('pairing is by (session, id): same ids in parallel sessions never cross', async () => {
    const h = harness();
    const s = new RawScript();
    // Client 100 talks to servers 200 and 400; client 300 talks to server 500. All use id 1.
    const sessions = [
      { c: { pid: 100, comm: 'client' }, srv: { pid: 200, comm: 'a' }, up: 1n, down: 2n },
      { c: { pid: 100, comm: 'client' }, srv: { pid: 400, comm: 'b' }, up: 3n, down: 4n },
      { c: { pid: 300, comm: 'other' }, srv: { pid: 500, comm: 'c' }, up: 5n, down: 6n },
    ];
    for (const x of sessions) {
      const req = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t${x.srv.pid}"}}`;
      s.call({ ...x.c, dir: 'write', stream: x.up, data: req + '\n' }).call({ ...x.srv, dir: 'read', stream: x.up, data: req + '\n' });
    }
    for (const x of [...sessions].reverse()) {
      const res = `{"jsonrpc":"2.0","id":1,"result":{"from":${x.srv.pid}}}`;
      s.call({ ...x.srv, dir: 'write', stream: x.down, data: res + '\n' }).call({ ...x.c, dir: 'read', stream: x.down, data: res + '\n' });
    }
    await h.feed(s.batches());
    const out = await h.done();
    const responses = out.filter((m) => m.type === 'response');
    assert.equal(responses.length, 3);
    for (const r of responses) {
      const from = (r.result as { from: number }).from;
      assert.deepEqual(r.request?.params, { name: `t${from}` }, `response of ${from} carries its own request`);
    }
  });

  test('client and server numbering their own requests from the same id pair by direction', async () => {
    const h = harness();
    const clientReq = '{"jsonrpc":"2.0","id":0,"method":"tools/call","params":{"name":"x"}}';
    const serverReq = '{"jsonrpc":"2.0","id":0,"method":"sampling/createMessage","params":{"messages":[]}}';
    const clientRes = '{"jsonrpc":"2.0","id":0,"result":{"role":"assistant"}}';
    const serverRes = '{"jsonrpc":"2.0","id":0,"result":{"content":[]}}';
    const s = new RawScript()
      .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: clientReq + '\n' })
      .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: clientReq + '\n' })
      .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: serverReq + '\n' })
      .call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: serverReq + '\n' })
      .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: clientRes + '\n' })
      .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: serverRes + '\n' });
    await h.feed(s.batches());
    const out = await h.done();
    const byRaw = new Map(out.map((m) => [m.raw, m]));
    assert.equal(byRaw.get(clientRes)?.request?.method, 'sampling/createMessage');
    assert.equal(byRaw.get(serverRes)?.request?.method, 'tools/call');
  });

  test('a response whose request was never seen is emitted without request and counted', async () => {
    const h = harness();
    const res = '{"jsonrpc":"2.0","id":77,"result":{}}';
    await h.feed(new RawScript().call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res + '\n' }).call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: res + '\n' }).batches());
    const out = await h.done();
    assert.equal(out.length, 1);
    assert.equal(out[0].request, undefined);
    assert.equal(h.engine.counters.get('unpaired_responses'), 1);
  });

  test('messages of one stream come out in stream order even when held', async () => {
    const h = harness({ readerWaitMs: 5000 });
    const s = new RawScript();
    const sent: string[] = [];
    for (let i = 0; i < 50; i++) {
      const t = `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":${i}}}`;
      sent.push(t);
      s.call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: t + '\n' });
    }
    s.call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: '' });
    await h.feed(s.batches(8));
    const out: McpMessageEvent[] = await h.done();
    assert.deepEqual(out.map((m) => m.raw), sent);
    assert.ok(out.every((m, i) => i === 0 || m.seq! > out[i - 1].seq!));
  });
});
