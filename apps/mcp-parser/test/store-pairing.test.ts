/**
 * Pairing and pipe endpoints shared through the Store by two engine
 * instances, against both Store implementations: MemoryStore (shared object)
 * and RedisStore on a real redis-server started by the test harness.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, RedisStore, Store } from '@mcpspy/runtime';
import { startRedis, TestServer } from '@mcpspy/runtime/testing';
import { harness, RawScript } from './raw-builder';

const CLIENT = { pid: 100, comm: 'client' };
const SERVER = { pid: 200, comm: 'server' };
const REQ = '{"jsonrpc":"2.0","id":"r-1","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}';
const RES = '{"jsonrpc":"2.0","id":"r-1","result":{"content":[{"type":"text","text":"3"}]}}';

interface Backend {
  name: string;
  open(): Promise<Store>;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

let redis: TestServer | undefined;
const shared = new MemoryStore();
const backends: Backend[] = [
  { name: 'MemoryStore', open: async () => shared, teardown: () => shared.close() },
  {
    name: 'RedisStore',
    setup: async () => {
      redis = await startRedis();
    },
    // Each engine gets its own connection, as two processes would.
    open: () => RedisStore.connect({ url: redis!.url, prefix: 'mcpspy-test:' }),
    teardown: async () => {
      await redis?.dispose();
    },
  },
];

for (const b of backends) {
  describe(`pairing across two instances through ${b.name}`, () => {
    before(async () => b.setup?.());
    after(async () => b.teardown?.());

    test('instance A sees the request and stops; instance B, started later, pairs the response', async () => {
      const storeA = await b.open();
      const a = harness({ store: storeA, instance: 'a' });
      await a.feed(
        new RawScript()
          .call({ ...CLIENT, dir: 'write', stream: 31n, data: REQ + '\n' })
          .call({ ...SERVER, dir: 'read', stream: 31n, data: REQ + '\n' })
          .batches(),
      );
      const outA = await a.done();
      if (storeA !== shared) await storeA.close();
      assert.deepEqual(outA.map((m) => [m.type, m.msg_id]), [['request', 'a:1']]);

      const storeB = await b.open();
      const bEngine = harness({ store: storeB, instance: 'b', readerWaitMs: 5000 });
      // B never saw a read on stream 32 before; the client's read tells it. Stream 31's reader came from A via the Store.
      await bEngine.feed(
        new RawScript()
          .call({ ...SERVER, dir: 'write', stream: 32n, data: RES + '\n' })
          .call({ ...CLIENT, dir: 'read', stream: 32n, data: RES + '\n' })
          .call({ ...CLIENT, dir: 'write', stream: 31n, data: '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"x"}}\n' })
          .batches(),
      );
      assert.equal(bEngine.out.length, 2, 'stream 31 reader known from the Store: no wait');
      const outB = await bEngine.done();
      if (storeB !== shared) await storeB.close();
      assert.equal(outB[0].type, 'response');
      assert.deepEqual(outB[0].request, {
        type: 'request',
        id: 'r-1',
        method: 'tools/call',
        params: { name: 'add', arguments: { a: 1, b: 2 } },
        error: {},
        timestamp: outA[0].timestamp,
      });
      assert.equal(outB[1].stdio_transport?.to_pid, 200);
    });

    test('two instances both seeing one response: only one pairs it', async () => {
      const s1 = await b.open();
      const s2 = await b.open();
      const e1 = harness({ store: s1, instance: 'one' });
      const e2 = harness({ store: s2, instance: 'two' });
      await e1.feed(
        new RawScript()
          .call({ ...CLIENT, dir: 'write', stream: 41n, data: REQ + '\n' })
          .call({ ...SERVER, dir: 'read', stream: 41n, data: '' })
          .batches(),
      );
      await e1.engine.flush();
      const resp = new RawScript()
        .call({ ...SERVER, dir: 'write', stream: 42n, data: RES + '\n' })
        .call({ ...CLIENT, dir: 'read', stream: 42n, data: '' })
        .batches();
      await Promise.all([e1.feed(resp), e2.feed(resp)]);
      const [o1, o2] = await Promise.all([e1.done(), e2.done()]);
      for (const s of [s1, s2]) if (s !== shared) await s.close();
      const responses = [...o1, ...o2].filter((m) => m.type === 'response');
      assert.equal(responses.length, 2);
      assert.equal(responses.filter((m) => m.request !== undefined).length, 1);
    });

    test('pending requests expire after their TTL', async () => {
      const s = await b.open();
      const h = harness({ store: s, pendingTtlMs: 50 });
      await h.feed(
        new RawScript()
          .call({ ...CLIENT, dir: 'write', stream: 51n, data: REQ + '\n' })
          .call({ ...SERVER, dir: 'read', stream: 51n, data: '' })
          .batches(),
      );
      await h.engine.flush();
      await new Promise((r) => setTimeout(r, 120));
      await h.feed(
        new RawScript()
          .call({ ...SERVER, dir: 'write', stream: 52n, data: RES + '\n' })
          .call({ ...CLIENT, dir: 'read', stream: 52n, data: '' })
          .batches(),
      );
      const out = await h.done();
      if (s !== shared) await s.close();
      assert.equal(out[1].request, undefined);
      assert.equal(h.engine.counters.get('unpaired_responses'), 1);
    });
  });
}

describe('Redis away', () => {
  test('messages keep flowing (unpaired, counted) while Redis is down; pairing resumes after it returns', async () => {
    const server = await startRedis();
    const store = await RedisStore.connect({ url: server.url, prefix: 'mcpspy-away:' });
    const h = harness({ store, storeTimeoutMs: 100 });
    try {
      await server.stop();
      await h.feed(
        new RawScript()
          .call({ ...CLIENT, dir: 'write', stream: 61n, data: REQ + '\n' })
          .call({ ...SERVER, dir: 'read', stream: 61n, data: REQ + '\n' })
          .call({ ...SERVER, dir: 'write', stream: 62n, data: RES + '\n' })
          .call({ ...CLIENT, dir: 'read', stream: 62n, data: RES + '\n' })
          .batches(),
      );
      await h.engine.flush();
      assert.deepEqual(h.out.map((m) => [m.type, m.request === undefined]), [
        ['request', true],
        ['response', true],
      ]);
      assert.ok(h.engine.counters.get('store_timeouts') >= 2);
      await server.restart();
      // ioredis reconnects on its own schedule; its queued commands run first.
      await store.get('ready');
      const req2 = REQ.replace('"r-1"', '"r-2"');
      const res2 = RES.replace('"r-1"', '"r-2"');
      // Streams already open: no endpoint lookups, only pairing goes through Redis.
      await h.feed(
        new RawScript()
          .call({ ...CLIENT, dir: 'write', stream: 61n, data: req2 + '\n' })
          .call({ ...SERVER, dir: 'write', stream: 62n, data: res2 + '\n' })
          .batches(),
      );
      const out = await h.done();
      assert.equal(out.length, 4, JSON.stringify({ out: out.map((m) => [m.type, m.raw]), counters: h.engine.counters.snapshot() }));
      assert.equal(out[3].request?.id, 'r-2');
    } finally {
      await store.close();
      await server.dispose();
    }
  });
});

describe('pending requests as fields of a session hash (Redis)', () => {
  let server: TestServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => server?.dispose());

  test('a request stored by an instance of before (a plain key) still pairs', async () => {
    const store = await RedisStore.connect({ url: server.url, prefix: 'mcpspy-old:' });
    const ts = '2026-12-06T14:00:00.000000000Z';
    await store.set('mcp:pending:stdio:100>200:"r-1"', `{"type":"request","id":"r-1","method":"tools/call","error":{},"timestamp":"${ts}","params":{"name":"add"}}\nold:7`, 60_000);
    const h = harness({ store, instance: 'new' });
    await h.feed(
      new RawScript()
        .call({ ...SERVER, dir: 'write', stream: 72n, data: RES + '\n' })
        .call({ ...CLIENT, dir: 'read', stream: 72n, data: '' })
        .batches(),
    );
    const out = await h.done();
    await store.close();
    assert.deepEqual(out[0].request, { type: 'request', id: 'r-1', method: 'tools/call', error: {}, timestamp: ts, params: { name: 'add' } });
  });

  test('a request past its TTL leaves its session hash with the next request remembered (no field outlives it while the session talks)', async () => {
    const store = await RedisStore.connect({ url: server.url, prefix: 'mcpspy-exp:' });
    const h = harness({ store, instance: 'x', pendingTtlMs: 1000 });
    const hash = 'mcp:pending-h:stdio:100>200';
    const request = (id: string) => REQ.replace('"r-1"', `"${id}"`) + '\n';
    const waitUntil = async (ms: number) => {
      while (Date.now() < ms) await new Promise((r) => setTimeout(r, 20));
    };
    const t0 = Date.now();
    await h.feed(
      new RawScript()
        .call({ ...CLIENT, dir: 'write', stream: 91n, data: request('r-1') })
        .call({ ...SERVER, dir: 'read', stream: 91n, data: '' })
        .batches(),
    );
    await h.engine.flush();
    assert.ok((await store.hget(hash, '"r-1"')) !== null);
    // A request of the same session re-arms the hash's TTL: the hash outlives r-1's own expiry.
    await waitUntil(t0 + 500);
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: 91n, data: request('r-x') }).batches());
    await h.engine.flush();
    await waitUntil(t0 + 1100);
    await h.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: 91n, data: request('r-2') }).batches());
    await h.done();
    const fields = Object.keys(await store.hgetall(hash));
    await store.close();
    assert.ok(!fields.includes('"r-1"'), `r-1 expired and deleted: ${fields}`);
    assert.ok(fields.includes('"r-2"'));
  });

  test('a request past its TTL does not pair on another instance, though its session hash lives on', async () => {
    const sA = await RedisStore.connect({ url: server.url, prefix: 'mcpspy-ttl:' });
    const sB = await RedisStore.connect({ url: server.url, prefix: 'mcpspy-ttl:' });
    const a = harness({ store: sA, instance: 'a', pendingTtlMs: 300 });
    await a.feed(
      new RawScript()
        .call({ ...CLIENT, dir: 'write', stream: 81n, data: REQ + '\n' })
        .call({ ...SERVER, dir: 'read', stream: 81n, data: '' })
        .batches(),
    );
    await a.engine.flush();
    const t0 = Date.now();
    // A later request of the same session re-arms the hash's TTL; r-1's own expiry still passes first.
    await new Promise((r) => setTimeout(r, 200));
    await a.feed(new RawScript().call({ ...CLIENT, dir: 'write', stream: 81n, data: REQ.replace('"r-1"', '"r-2"') + '\n' }).batches());
    await a.engine.flush();
    while (Date.now() - t0 < 350) await new Promise((r) => setTimeout(r, 20));
    assert.ok((await sA.hget('mcp:pending-h:stdio:100>200', '"r-1"')) !== null, 'the field is still in Redis');
    const b = harness({ store: sB, instance: 'b' });
    await b.feed(
      new RawScript()
        .call({ ...SERVER, dir: 'write', stream: 82n, data: RES + '\n' })
        .call({ ...CLIENT, dir: 'read', stream: 82n, data: '' })
        .batches(),
    );
    const out = await b.done();
    await a.done();
    await sA.close();
    await sB.close();
    assert.equal(out[0].request, undefined);
    assert.equal(b.engine.counters.get('unpaired_responses'), 1);
  });
});
