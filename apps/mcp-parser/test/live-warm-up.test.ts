/**
 * mcp-parser's warm-up through its real clients (src/live-warm-up.ts), on a
 * real nats-server (JetStream on) and a real redis-server: it runs its
 * traffic through both, leaves no key in Redis and nothing on any mcpspy
 * subject, touches none of the bus's counters, and is cut at its wall cap
 * when Redis or NATS is away, so the stage still starts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import Redis from 'ioredis';
import { liveWarmUpEnabled, NatsBus, RedisStore, silentLogger, type StageRuntime } from '@mcpspy/runtime';
import { startNats, startRedis, type TestServer } from '@mcpspy/runtime/testing';
import { liveWarmUpTraffic, warmUpMcpParserLive, warmUpPids } from '../src';

let nats: TestServer;
let redis: TestServer;
before(async () => {
  [nats, redis] = await Promise.all([startNats(), startRedis()]);
});
after(async () => {
  await Promise.all([nats?.dispose(), redis?.dispose()]);
});

async function runtimeOn(natsUrl: string, redisUrl: string): Promise<{ rt: StageRuntime; bus: NatsBus; store: RedisStore }> {
  const bus = await NatsBus.connect({ url: natsUrl, logger: silentLogger() });
  const store = await RedisStore.connect({ url: redisUrl, logger: silentLogger() });
  return { rt: { bus, store, logger: silentLogger() } as unknown as StageRuntime, bus, store };
}

/** Every message on every subject but the warm-up's own inbox ones, from a separate connection. */
async function watchAll(): Promise<{ seen: string[]; nc: NatsConnection }> {
  const nc = await connect({ servers: nats.url });
  const seen: string[] = [];
  const sub = nc.subscribe('>');
  void (async () => {
    for await (const m of sub) if (!m.subject.startsWith('_INBOX.mcpspy-warm-up-') && !m.subject.startsWith('$JS.')) seen.push(m.subject);
  })();
  await nc.flush();
  return { seen, nc };
}

test('off unless MCPSPY_WARMUP=live', () => {
  assert.equal(liveWarmUpEnabled({}), false);
  assert.equal(liveWarmUpEnabled({ MCPSPY_WARMUP: '1' }), false);
  assert.equal(liveWarmUpEnabled({ MCPSPY_WARMUP: '0' }), false);
  assert.equal(liveWarmUpEnabled({ MCPSPY_WARMUP: 'live' }), true);
});

test('its process ids are no real process id, and stay small integers', () => {
  for (let i = 0; i < 1000; i++) {
    const { client, server } = warmUpPids();
    assert.ok(client > 4_194_304 && server < 2 ** 30 && Number.isInteger(client) && server === client + 1, `${client}`);
  }
});

test('runs its traffic through NATS and Redis and leaves no trace', async () => {
  const { rt, bus, store } = await runtimeOn(nats.url, redis.url);
  const watch = await watchAll();
  const r = new Redis(redis.url);
  try {
    const before = bus.counters.snapshot();
    const res = await warmUpMcpParserLive(rt, { messages: 2000, wallMs: 20_000 });
    assert.equal(res.cut, undefined);
    const { batches } = liveWarmUpTraffic(2000, warmUpPids());
    assert.equal(res.batches, batches.length, 'every raw batch came back through NATS');
    // Every request is answered, plus a notification every eighth tools/call: at least the 2000 asked for.
    assert.ok(res.emitted >= 2000, `emitted ${res.emitted}`);
    assert.ok(res.keysDeleted > 0);
    // Redis: the warm-up did write there (pipe endpoints), and nothing of it is left.
    assert.equal(await r.dbsize(), 0, `keys left: ${(await r.keys('*')).join(', ')}`);
    await watch.nc.flush();
    assert.deepEqual(watch.seen, [], 'nothing on any mcpspy subject');
    assert.deepEqual(bus.counters.snapshot(), before, "the bus's counters are untouched");
  } finally {
    r.disconnect();
    await watch.nc.close();
    await bus.close();
    await store.close();
  }
});

test('the Redis keys it deletes are the ones it wrote (without the deletion some are left)', async () => {
  const { rt, bus, store } = await runtimeOn(nats.url, redis.url);
  const r = new Redis(redis.url);
  // The deletion made a no-op: the keys the warm-up wrote stay, so the test above can fail.
  (store as unknown as { del: (k: string) => Promise<void> }).del = async () => undefined;
  try {
    await warmUpMcpParserLive(rt, { messages: 500, wallMs: 20_000 });
    const left = await r.keys('*');
    assert.ok(left.length > 0, 'the warm-up writes to Redis');
    // The Store's own prefix, then the engine's keys (pipe endpoints; pending hashes empty out as requests are answered).
    assert.ok(left.every((k) => /^mcpspy:mcp:(pipe|pending-h):/.test(k)), left.join(', '));
    await r.del(...left);
  } finally {
    r.disconnect();
    await bus.close();
    await store.close();
  }
});

test('Redis away: cut at its wall cap, says why, and the stage goes on', async () => {
  const { rt, bus, store } = await runtimeOn(nats.url, redis.url);
  await redis.stop();
  try {
    const t0 = Date.now();
    const res = await warmUpMcpParserLive(rt, { messages: 4000, wallMs: 1500 });
    const ms = Date.now() - t0;
    assert.match(res.cut ?? '', /cut at 1500 ms|clean-up/);
    // The cap, its clean-up's share of it (at least 200 ms), and slack for a loaded machine.
    assert.ok(ms < 1500 + 200 + 1500, `took ${ms} ms`);
  } finally {
    await redis.restart();
    await bus.close();
    await store.close();
  }
});

test('NATS away: cut at its wall cap, the stage goes on', async () => {
  const { rt, bus, store } = await runtimeOn(nats.url, redis.url);
  await nats.stop();
  try {
    const t0 = Date.now();
    const res = await warmUpMcpParserLive(rt, { messages: 4000, wallMs: 1500 });
    const ms = Date.now() - t0;
    assert.match(res.cut ?? '', /cut at 1500 ms/);
    assert.equal(res.batches, 0);
    assert.ok(ms < 1500 + 200 + 1500, `took ${ms} ms`);
  } finally {
    await nats.restart();
    await bus.close().catch(() => undefined);
    await store.close();
  }
});
