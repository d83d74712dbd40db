/**
 * The reorder window (reorder-window.ts): a stdio answer whose request's
 * record comes after it (the writer preempted between its write and the
 * probe's syscall-exit hook) is held and written right after its request,
 * paired; an answer nobody asked for goes out when the window ends; the
 * window is bounded; nothing else waits. Engine-level through MemoryStore
 * (embedded) and through a real redis-server (distributed: the pairing's
 * miss is known only after a Store round trip).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpMessageEvent } from '@mcpspy/events';
import { RedisStore } from '@mcpspy/runtime';
import { startRedis, TestServer } from '@mcpspy/runtime/testing';
import { harness, Harness, RawScript } from './raw-builder';

const CLIENT = { pid: 100, comm: 'client' };
const SERVER = { pid: 200, comm: 'server' };
const HOSTILE = { pid: 300, comm: 'hostile' };
const CLIENT2 = { pid: 400, comm: 'client2' };
const TO_SERVER = 8001n;
const TO_CLIENT = 8002n;
const HOSTILE_OUT = 8003n;
const HOSTILE_IN = 8004n;

const req = (id: number, method = 'tools/list') => `{"jsonrpc":"2.0","id":${id},"method":"${method}"}\n`;
const res = (id: number) => `{"jsonrpc":"2.0","id":${id},"result":{"tools":[]}}\n`;
const note = (n: number) => `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":${n}}}\n`;

/** One ordinary round trip, reads included: both channels' readers are known afterwards. */
function roundTrip(s: RawScript, id: number, at: number): RawScript {
  return s
    .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: req(id), atMs: at })
    .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: req(id), atMs: at + 1 })
    .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(id), atMs: at + 2 })
    .call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: res(id), atMs: at + 3 });
}

/** The race: the server's answer record, then the client's read of it, then the request's own record. */
function lateRequest(s: RawScript, id: number, at: number): RawScript {
  return s
    .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(id), atMs: at + 2 })
    .call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: res(id), atMs: at + 3 })
    .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: req(id), atMs: at + 4 })
    .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: req(id), atMs: at + 5 });
}

const shape = (out: McpMessageEvent[]) => out.map((m) => `${m.type} ${m.id ?? m.method}${m.request ? ' paired' : ''}`);

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function checkLateRequest(h: Harness): void {
  assert.deepEqual(shape(h.out), ['request 1', 'response 1 paired', 'request 2', 'response 2 paired']);
  assert.ok(h.out.every((m, i) => i === 0 || m.seq! > h.out[i - 1].seq!), 'seq increases in output order');
  assert.equal(h.engine.counters.get('answers_held'), 1);
  assert.equal(h.engine.counters.get('answers_released_by_request'), 1);
  assert.equal(h.engine.counters.get('answers_released_by_timeout'), 0);
  assert.equal(h.engine.counters.get('paired_responses'), 2);
  assert.equal(h.engine.counters.get('unpaired_responses'), 0);
  // The kernel times are kept: the answer's is earlier than its request's, and the line says so through `request`.
  const answer = h.out[3]!;
  const asked = String(answer.request?.timestamp);
  assert.ok(answer.timestamp < asked, `${answer.timestamp} < ${asked}`);
}

describe('reorder window: answers whose request has not been seen (stdio)', () => {
  test('an answer before its request is held and written right after it, paired; nothing waits for the timer', async () => {
    const h = harness({ answerWaitMs: 60_000 });
    const s = roundTrip(new RawScript(), 1, 0);
    await h.feed(lateRequest(s, 2, 10).batches(1));
    // Out before any flush: released by its request, not by the window's end (60 s).
    await until(() => h.out.length === 4, 'four lines');
    checkLateRequest(h);
    assert.deepEqual(h.out.map((m) => m.seq), [1, 2, 3, 4], 'embedded: no seq left unused');
    await h.done();
  });

  test('the request arrives in a later batch, tens of ms later: still paired and in order', async () => {
    const h = harness({ answerWaitMs: 60_000 });
    await h.feed(roundTrip(new RawScript(), 1, 0).batches());
    await h.feed(new RawScript().call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(2), atMs: 12 }).call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: res(2), atMs: 13 }).batches());
    assert.deepEqual(shape(h.out), ['request 1', 'response 1 paired'], 'the answer is held');
    assert.equal(h.engine.answersHeld, 1);
    await new Promise((r) => setTimeout(r, 30));
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: req(2), atMs: 14 }).call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: req(2), atMs: 15 }).batches());
    checkLateRequest(h);
    assert.ok(h.engine.counters.get('answers_longest_wait_ms') >= 25, `waited ${h.engine.counters.get('answers_longest_wait_ms')} ms`);
    assert.equal(h.engine.answersHeld, 0);
    await h.done();
  });

  test('an answer nobody asked for goes out when the window ends, unpaired; later messages never wait for it', async () => {
    const h = harness({ answerWaitMs: 80 });
    await h.feed(roundTrip(new RawScript(), 1, 0).batches());
    const t0 = Date.now();
    await h.feed(
      new RawScript()
        .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(99), atMs: 10 })
        .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: note(1), atMs: 11 })
        .call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: res(99) + note(1), atMs: 12 })
        .batches(),
    );
    await h.feed(roundTrip(new RawScript(), 3, 20).batches());
    // The notification and the next round trip are out at once; the orphan is not.
    assert.deepEqual(shape(h.out), ['request 1', 'response 1 paired', 'notification notifications/progress', 'request 3', 'response 3 paired']);
    await until(() => h.out.length === 6, 'the orphan answer');
    const waited = Date.now() - t0;
    assert.ok(waited >= 75, `held for the window (${waited} ms)`);
    assert.equal(shape(h.out)[5], 'response 99');
    assert.ok(h.out[5].seq! > h.out[4].seq!, 'numbered when written');
    assert.equal(h.engine.counters.get('answers_released_by_timeout'), 1);
    assert.equal(h.engine.counters.get('answers_released_by_request'), 0);
    assert.equal(h.engine.counters.get('unpaired_responses'), 1);
    await h.done();
  });

  test('a request only read (its writer not traced) is held for the reader wait: its answer waits and pairs', async () => {
    const h = harness({ readerWaitMs: 40, answerWaitMs: 5000 });
    // The client is not traced: the server's reads are the stream; the client reads its answers (named by reads).
    await h.feed(
      new RawScript()
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: req(5), atMs: 0 })
        .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(5), atMs: 1 })
        .call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: res(5), atMs: 2 })
        .batches(),
    );
    await until(() => h.out.length === 2, 'both lines');
    assert.deepEqual(shape(h.out), ['request 5', 'response 5 paired']);
    assert.equal(h.engine.counters.get('answers_released_by_request'), 1);
    await h.done();
  });

  test('bounds: past the per-channel count the oldest held answers go at once, in order, none dropped', async () => {
    const h = harness({ answerWaitMs: 60_000, answerWindow: { maxPerChannel: 3 } });
    await h.feed(roundTrip(new RawScript(), 1, 0).batches());
    const s = new RawScript();
    for (let i = 0; i < 5; i++) s.call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(100 + i), atMs: 10 + i });
    await h.feed(s.batches());
    assert.deepEqual(shape(h.out).slice(2), ['response 100', 'response 101']);
    assert.equal(h.engine.answersHeld, 3);
    assert.equal(h.engine.counters.get('answers_released_by_bound'), 2);
    // The request of a held one still pairs it.
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: req(103), atMs: 20 }).batches());
    assert.deepEqual(shape(h.out).slice(2), ['response 100', 'response 101', 'request 103', 'response 103 paired']);
    await h.done();
    assert.deepEqual(shape(h.out).slice(6), ['response 102', 'response 104'], 'the rest at flush, in order');
    assert.equal(h.engine.counters.get('answers_released_at_flush'), 2);
  });

  test('bounds: bytes per channel and in all, across channels', async () => {
    const h = harness({ answerWaitMs: 60_000, answerWindow: { maxChannelBytes: 100_000, maxHeldBytes: 150_000, maxHeld: 1000 } });
    await h.feed(roundTrip(new RawScript(), 1, 0).call({ ...CLIENT2, dir: 'read', stream: HOSTILE_OUT, data: '' }).batches());
    const big = (id: number) => `{"jsonrpc":"2.0","id":${id},"result":{"text":"${'x'.repeat(40_000)}"}}\n`;
    const s = new RawScript();
    for (let i = 0; i < 3; i++) s.call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: big(200 + i), atMs: 10 + i });
    await h.feed(s.batches(1));
    // 3 × ~40 KB > 100 KB for the channel: the first goes.
    assert.deepEqual(shape(h.out).slice(2), ['response 200']);
    assert.ok(h.engine.answersHeldBytes <= 100_000);
    // Another channel's two: in all past 150 KB, the oldest of all goes (the first channel's).
    const t = new RawScript();
    for (let i = 0; i < 2; i++) t.call({ ...HOSTILE, dir: 'write', stream: HOSTILE_OUT, data: big(300 + i), atMs: 20 + i });
    await h.feed(t.batches(1));
    assert.deepEqual(shape(h.out).slice(2), ['response 200', 'response 201']);
    assert.ok(h.engine.answersHeldBytes <= 150_000, `${h.engine.answersHeldBytes}`);
    assert.equal(h.engine.answersHeld, 3);
    await h.done();
    assert.equal(h.out.length, 2 + 5, 'every answer written once');
  });

  test('a flood of answers nobody asked for: memory stays bounded, good traffic is not delayed, every answer is written once', async () => {
    const bounds = { maxPerChannel: 256, maxHeld: 512 };
    const h = harness({ answerWaitMs: 150, answerWindow: bounds });
    // The hostile server's channel has a known reader (client 2): its answers reach the output at once.
    await h.feed(roundTrip(new RawScript(), 1, 0).call({ ...CLIENT2, dir: 'read', stream: HOSTILE_OUT, data: '' }).batches());
    const FLOOD = 20_000;
    let maxHeld = 0;
    let maxBytes = 0;
    let goodOut = 2;
    for (let i = 0; i < FLOOD; i += 500) {
      const s = new RawScript();
      // A hostile server answers ids nobody asked (some repeated) to its own client...
      for (let j = i; j < i + 500; j++) s.call({ ...HOSTILE, dir: 'write', stream: HOSTILE_OUT, data: res(1_000_000 + (j % 7000)), atMs: 10 + j / 100 });
      // ...while a good pair does round trips; their answers must come out with their batch.
      const id = 10 + i / 500;
      s.call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: req(id), atMs: 10 + i / 100 });
      s.call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(id), atMs: 11 + i / 100 });
      await h.feed(s.batches());
      goodOut += 2;
      const good = h.out.filter((m) => m.stdio_transport?.from_pid !== HOSTILE.pid);
      assert.equal(good.length, goodOut, 'good traffic is out with its batch');
      assert.equal(good[good.length - 1].request?.id, id, 'and paired');
      maxHeld = Math.max(maxHeld, h.engine.answersHeld);
      maxBytes = Math.max(maxBytes, h.engine.answersHeldBytes);
    }
    assert.ok(maxHeld <= bounds.maxPerChannel, `held at most ${maxHeld}`);
    assert.ok(maxBytes < 256 * 1024, `held bytes at most ${maxBytes}`);
    await until(() => h.engine.answersHeld === 0, 'the window to empty');
    const hostile = h.out.filter((m) => m.stdio_transport?.from_pid === HOSTILE.pid);
    assert.equal(hostile.length, FLOOD, 'every hostile answer written once');
    const c = h.engine.counters;
    assert.equal(c.get('answers_held'), FLOOD);
    assert.equal(c.get('answers_released_by_bound') + c.get('answers_released_by_timeout'), FLOOD);
    assert.ok(h.out.every((m, i) => i === 0 || m.seq! > h.out[i - 1].seq!), 'seq increases');
    await h.done();
  });

  test('in a conversation known to carry MCP, answers to a process that never asked anything do not wait', async () => {
    const h = harness({ answerWaitMs: 60_000 });
    // The server writes requests and answers to the client (a synthetic load); the client never writes a request.
    const s = new RawScript().call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: '' });
    s.call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: req(1, 'tools/call'), atMs: 1 });
    for (let i = 0; i < 5; i++) s.call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(500 + i), atMs: 2 + i });
    await h.feed(s.batches());
    assert.deepEqual(shape(h.out), ['request 1', 'response 500', 'response 501', 'response 502', 'response 503', 'response 504']);
    assert.equal(h.engine.counters.get('answers_held'), 0);
    await h.done();
  });

  test('the first answer of a conversation not known yet waits (the race can hit its first request)', async () => {
    const h = harness({ answerWaitMs: 60_000 });
    await h.feed(
      new RawScript()
        .call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: '' })
        .call({ ...SERVER, dir: 'read', stream: TO_SERVER, data: '' })
        .call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(0), atMs: 1 })
        .call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: req(0, 'ping'), atMs: 2 })
        .batches(1),
    );
    assert.deepEqual(shape(h.out), ['request 0', 'response 0 paired']);
    assert.equal(h.engine.counters.get('answers_released_by_request'), 1);
    await h.done();
  });

  test('answerWaitMs 0 turns the window off: the answer goes out first, unpaired, as before', async () => {
    const h = harness({ answerWaitMs: 0 });
    await h.feed(lateRequest(roundTrip(new RawScript(), 1, 0), 2, 10).batches());
    assert.deepEqual(shape(h.out), ['request 1', 'response 1 paired', 'response 2', 'request 2']);
    assert.equal(h.engine.counters.get('answers_held'), 0);
    await h.done();
  });

  test('another conversation with the same id does not release it', async () => {
    const h = harness({ answerWaitMs: 60_000 });
    await h.feed(roundTrip(new RawScript(), 1, 0).batches());
    await h.feed(new RawScript().call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(2), atMs: 10 }).batches());
    // Client 2 sends its own id 2 to the hostile process: another scope.
    await h.feed(new RawScript().call({ ...CLIENT2, dir: 'write', stream: HOSTILE_IN, data: req(2), atMs: 11 }).call({ ...HOSTILE, dir: 'read', stream: HOSTILE_IN, data: req(2), atMs: 12 }).batches());
    assert.equal(h.engine.answersHeld, 1);
    assert.equal(h.engine.counters.get('answers_released_by_request'), 0);
    await h.done();
  });
});

describe('reorder window through a real redis-server (distributed: the miss is known after a round trip)', () => {
  let redis: TestServer | undefined;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.dispose();
  });

  test('an answer before its request is held and written right after it, paired', async () => {
    const store = await RedisStore.connect({ url: redis!.url, prefix: `mcpspy-reorder-${process.pid}:` });
    const h = harness({ store, answerWaitMs: 60_000 });
    try {
      await h.feed(lateRequest(roundTrip(new RawScript(), 1, 0), 2, 10).batches(1));
      await until(() => h.out.length === 4, 'four lines');
      checkLateRequest(h);
    } finally {
      await h.done();
      await store.close();
    }
  });

  test('the request one batch later, after the answer\'s lookup came back empty', async () => {
    const store = await RedisStore.connect({ url: redis!.url, prefix: `mcpspy-reorder2-${process.pid}:` });
    const h = harness({ store, answerWaitMs: 60_000 });
    try {
      await h.feed(roundTrip(new RawScript(), 1, 0).batches());
      await h.feed(new RawScript().call({ ...SERVER, dir: 'write', stream: TO_CLIENT, data: res(2), atMs: 12 }).call({ ...CLIENT, dir: 'read', stream: TO_CLIENT, data: res(2), atMs: 13 }).batches());
      await until(() => h.engine.answersHeld === 1, 'the answer held');
      await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: TO_SERVER, data: req(2), atMs: 14 }).batches());
      await until(() => h.out.length === 4, 'four lines');
      checkLateRequest(h);
    } finally {
      await h.done();
      await store.close();
    }
  });
});
