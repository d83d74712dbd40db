/** Contract of the Store against MemoryStore and RedisStore (real redis-server). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, RedisStore, Store, StoreConnectError } from '../src';
import { startRedis, TestServer, freePort } from '../src/testing';

let redis: TestServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis?.dispose();
});

const impls: Array<[string, () => Promise<Store>]> = [
  ['memory', async () => new MemoryStore()],
  ['redis', async () => RedisStore.connect({ url: redis.url, prefix: `t${Math.random().toString(36).slice(2)}:` })],
];

for (const [name, make] of impls) {
  describe(`Store contract: ${name}`, () => {
    test('get/set/del and TTL expiry', async () => {
      const s = await make();
      await s.set('a', '1');
      await s.set('b', '2', 80);
      assert.equal(await s.get('a'), '1');
      assert.equal(await s.get('b'), '2');
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(await s.get('b'), null, 'expired');
      await s.del('a');
      assert.equal(await s.get('a'), null);
      await s.close();
    });

    test('take is atomic: one of many concurrent takers gets the value', async () => {
      const s = await make();
      for (let round = 0; round < 20; round++) {
        await s.set(`req:${round}`, `v${round}`, 10_000);
        const results = await Promise.all(Array.from({ length: 8 }, () => s.take(`req:${round}`)));
        assert.deepEqual(results.filter((r) => r !== null), [`v${round}`]);
      }
      await s.close();
    });

    test('setIfAbsent, incr and hashes', async () => {
      const s = await make();
      assert.equal(await s.setIfAbsent('k', 'x', 10_000), true);
      assert.equal(await s.setIfAbsent('k', 'y', 10_000), false);
      assert.equal(await s.get('k'), 'x');
      assert.equal(await s.incr('n'), 1);
      assert.equal(await s.incr('n', 5), 6);
      await s.hset('h', 'f1', 'a', 10_000);
      await s.hset('h', 'f2', 'b');
      assert.equal(await s.hget('h', 'f1'), 'a');
      assert.deepEqual(await s.hgetall('h'), { f1: 'a', f2: 'b' });
      await s.hdel('h', 'f1');
      assert.deepEqual(await s.hgetall('h'), { f2: 'b' });
      assert.deepEqual(await s.hgetall('missing'), {});
      await s.close();
    });

    test('hput, hremove and htake: gathered hash writes, an atomic take, the plain key when the field is absent', async () => {
      const s = await make();
      const writes = [s.hput('p', 'a', '1', 10_000), s.hput('p', 'b', '2', 10_000), s.hput('p', 'c', '3', 10_000), s.hremove('p', 'b')];
      // Issued in the same turn as the writes: it sees them.
      const a = s.htake('p', 'a');
      await Promise.all(writes);
      assert.equal(await a, '1');
      assert.equal(await s.htake('p', 'a'), null, 'taken once');
      assert.equal(await s.htake('p', 'b'), null, 'removed');
      await s.set('plain', 'old', 10_000);
      assert.equal(await s.htake('p', 'x', 'plain'), 'old', 'field absent: the plain key');
      assert.equal(await s.get('plain'), null, 'and the plain key is gone');
      assert.equal(await s.htake('p', 'c', 'plain'), '3');
      for (let round = 0; round < 20; round++) {
        await s.hput('q', `f${round}`, `v${round}`, 10_000);
        const results = await Promise.all(Array.from({ length: 8 }, () => s.htake('q', `f${round}`)));
        assert.deepEqual(results.filter((r) => r !== null), [`v${round}`]);
      }
      // The hash expires ttlMs after its last write.
      await s.hput('short', 'f', 'v', 50);
      for (const until = Date.now() + 5_000; Date.now() < until && (await s.hget('short', 'f')) !== null; ) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await s.hget('short', 'f'), null);
      await s.close();
    });
  });
}

describe('Store specifics', () => {
  test('MemoryStore is bounded and counts evictions', async () => {
    const evicted: string[] = [];
    const s = new MemoryStore({ maxKeys: 3, onEvict: (k) => evicted.push(k) });
    for (const k of ['a', 'b', 'c', 'd', 'e']) await s.set(k, k);
    assert.equal(await s.size(), 3);
    assert.deepEqual(evicted, ['a', 'b']);
    assert.equal(await s.get('e'), 'e');
    await s.close();
  });

  test('Redis: the writes of one turn go as one command, applied in order, and reads see them', async () => {
    const s = await RedisStore.connect({ url: redis.url, prefix: `w${Math.random().toString(36).slice(2)}:` });
    const before = { ...s.writeStats };
    // As mcp-parser does per message: forget an evicted request, keep a new one; and one key written, deleted, written again.
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      writes.push(s.set(`k${i}`, `v${i}`, 60_000));
      if (i >= 100) writes.push(s.del(`k${i - 100}`));
    }
    writes.push(s.set('again', 'first', 60_000), s.del('again'), s.set('again', 'second'));
    // A read issued in the same turn sends the gathered writes first, so it sees them.
    const taken = s.take('k150');
    await Promise.all(writes);
    assert.equal(await taken, 'v150');
    assert.equal(s.writeStats.commands - before.commands, 1, 'one command for 303 writes');
    assert.equal(s.writeStats.writes - before.writes, 303);
    assert.equal(await s.get('k99'), null, 'deleted after it was set');
    assert.equal(await s.get('k100'), 'v100');
    assert.equal(await s.get('k150'), null, 'taken');
    assert.equal(await s.get('again'), 'second');
    // A backlog: 30,000 writes in one turn go as several bounded commands, in order, none lost or split.
    const many: Promise<void>[] = [];
    for (let i = 0; i < 20_000; i++) many.push(s.set(`b${i}`, i % 7 === 0 ? 'S' : `v${i}`, 60_000));
    for (let i = 0; i < 10_000; i++) many.push(s.del(`b${i * 2}`));
    const c0 = s.writeStats.commands;
    await Promise.all(many);
    assert.ok(s.writeStats.commands - c0 > 10, `30,000 writes in ${s.writeStats.commands - c0} commands`);
    assert.equal(await s.get('b0'), null);
    assert.equal(await s.get('b7'), 'S');
    assert.equal(await s.get('b19999'), 'S', 'a value that looks like an op code stays a value');
    assert.equal(await s.get('b19997'), 'v19997');
    assert.equal(await s.get('b19998'), null);
    // TTLs that change within a turn: each write keeps its own (a short one expires, a long one stays).
    const mixed: Promise<void>[] = [];
    for (let i = 0; i < 6; i++) mixed.push(s.set(`ttl${i}`, `t${i}`, i % 2 === 0 ? 60_000 : 50), s.set(`plain${i}`, 'p'));
    await Promise.all(mixed);
    // Waits for the short ones to expire (a condition, with a deadline), then checks every key.
    for (const until = Date.now() + 5_000; Date.now() < until && (await s.get('ttl5')) !== null; ) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 6; i++) assert.equal(await s.get(`ttl${i}`), i % 2 === 0 ? `t${i}` : null, `ttl${i}`);
    assert.equal(await s.get('plain5'), 'p');
    // A lone write is a plain command; a TTL still expires it.
    await s.set('short', 'x', 50);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(await s.get('short'), null);
    await s.close();
  });

  test('Redis: hash writes of one turn are one HSET (and one PEXPIRE, one HDEL) per hash; the last write of a field wins', async () => {
    const s = await RedisStore.connect({ url: redis.url, prefix: `h${Math.random().toString(36).slice(2)}:` });
    const before = { ...s.writeStats };
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      writes.push(s.hput('sess1', `${i}`, `v${i}`, 60_000), s.hput('sess2', `${i}`, `w${i}`, 60_000));
      if (i >= 100) writes.push(s.hremove('sess1', `${i - 100}`));
    }
    writes.push(s.hput('sess1', 'again', 'first', 60_000), s.hremove('sess1', 'again'), s.hput('sess1', 'again', 'second', 60_000));
    writes.push(s.hput('sess1', 'gone', 'x', 60_000), s.hremove('sess1', 'gone'));
    writes.push(s.set('flat', 'f', 60_000));
    await Promise.all(writes);
    // sess1: HSET, PEXPIRE, HDEL; sess2: HSET, PEXPIRE; the plain write: SET.
    assert.equal(s.writeStats.commands - before.commands, 6);
    assert.equal(await s.hget('sess1', '99'), null, 'removed after it was set');
    assert.equal(await s.hget('sess1', '100'), 'v100');
    assert.equal(await s.hget('sess1', 'again'), 'second');
    assert.equal(await s.hget('sess1', 'gone'), null);
    assert.equal(await s.hget('sess2', '0'), 'w0');
    assert.equal(await s.get('flat'), 'f');
    // A field removed in a later turn.
    await s.hremove('sess2', '0');
    assert.equal(await s.hget('sess2', '0'), null);
    // A backlog: 30,000 fields in one turn go as bounded commands, none lost.
    const many: Promise<void>[] = [];
    for (let i = 0; i < 30_000; i++) many.push(s.hput('big', `${i}`, `b${i}`, 60_000));
    for (let i = 0; i < 10_000; i++) many.push(s.hremove('big', `${i * 3}`));
    const c0 = s.writeStats.commands;
    await Promise.all(many);
    assert.ok(s.writeStats.commands - c0 > 10, `40,000 writes in ${s.writeStats.commands - c0} commands`);
    assert.equal(Object.keys(await s.hgetall('big')).length, 20_000);
    assert.equal(await s.hget('big', '29999'), 'b29999');
    assert.equal(await s.hget('big', '29997'), null);
    await s.close();
  });

  test('Redis: the takes of one turn are one script call, in call order with the writes around them', async () => {
    const prefix = `t${Math.random().toString(36).slice(2)}:`;
    const s = await RedisStore.connect({ url: redis.url, prefix });
    const other = await RedisStore.connect({ url: redis.url, prefix });
    for (let i = 0; i < 50; i++) await other.hput('sess', `${i}`, `v${i}`, 60_000);
    await other.set('old', 'plain', 60_000);
    await other.hput('sess', 'reused', 'earlier', 60_000);
    await other.get('sync');
    const before = { ...s.writeStats };
    const takes: Array<Promise<string | null>> = [];
    for (let i = 0; i < 50; i += 2) takes.push(s.htake('sess', `${i}`));
    takes.push(s.htake('sess', 'missing', 'old'), s.htake('sess', 'missing2'));
    // Set in this turn and taken in it: answered here, no round trip; the earlier value under it is removed too.
    const put = s.hput('sess', 'reused', 'now', 60_000);
    const local = s.htake('sess', 'reused');
    // A write of a field after its take in the same turn: the take does not get the new value.
    const t1 = s.htake('sess', '1');
    const put1 = s.hput('sess', '1', 'new', 60_000);
    const got = await Promise.all(takes);
    await Promise.all([put, put1]);
    assert.deepEqual(got.slice(0, 25), Array.from({ length: 25 }, (_, j) => `v${2 * j}`));
    assert.deepEqual(got.slice(25), ['plain', null]);
    assert.equal(await local, 'now');
    assert.equal(await t1, 'v1');
    assert.equal(s.writeStats.takeCommands - before.takeCommands, 1, 'the 28 takes in one call, sent when field 1 was written');
    assert.equal(s.writeStats.takes - before.takes, 28);
    assert.equal(s.writeStats.takenInTurn - before.takenInTurn, 1);
    assert.equal(await s.hget('sess', 'reused'), null, 'taken in the turn, and the earlier value gone');
    assert.equal(await s.hget('sess', '1'), 'new');
    assert.equal(await s.hget('sess', '3'), 'v3');
    assert.equal(await s.get('old'), null);
    await s.close();
    await other.close();
  });

  test('Redis down at start: a clear error naming the URL', async () => {
    const port = await freePort();
    await assert.rejects(RedisStore.connect({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 1000 }), (err: unknown) => {
      assert.ok(err instanceof StoreConnectError);
      assert.match((err as Error).message, new RegExp(`failed to connect to Redis at redis://127.0.0.1:${port}`));
      return true;
    });
  });

  test('Redis restarted mid-run: commands issued during the outage complete afterwards', async () => {
    const own = await startRedis({ persist: true });
    try {
      const s = await RedisStore.connect({ url: own.url });
      await s.set('before', '1', 60_000);
      await own.stop();
      const pending = s.set('during', '2', 60_000);
      await new Promise((r) => setTimeout(r, 300));
      await own.restart();
      await pending;
      assert.equal(await s.get('during'), '2');
      await s.close();
    } finally {
      await own.dispose();
    }
  });
});
