/**
 * Contract of the Bus, run against both implementations: the in-process bus
 * and NatsBus on a real nats-server with JetStream (started on a free port).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'nats';
import { Subjects, rawSubject } from '@mcpspy/events';
import { Bus, BusConnectError, InProcessBus, NatsBus } from '../src';
import { startNats, TestServer, freePort } from '../src/testing';

const until = async (cond: () => boolean, ms = 10_000, what = 'condition') => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

function alert(n: number) {
  return {
    type: 'security_alert', timestamp: new Date(0).toISOString(), risk: 'high', category: 'prompt_injection',
    score: 0.8, detector: 'rules', summary: `alert ${n}`, evidence: [],
    message: { type: 'request', transport_type: 'stdio', timestamp: new Date(0).toISOString() },
  };
}

let nats: TestServer;
before(async () => {
  nats = await startNats();
});
after(async () => {
  await nats?.dispose();
});

const impls: Array<[string, () => Promise<Bus>]> = [
  ['in-process', async () => new InProcessBus()],
  ['nats', async () => NatsBus.connect({ url: nats.url, ackWaitMs: 1000 })],
];

for (const [name, make] of impls) {
  describe(`Bus contract: ${name}`, () => {
    test('delivers in order per subject', async () => {
      const bus = await make();
      const got: number[] = [];
      // A subject without a schema: ordering is what is tested here, not validation.
      await bus.subscribe('mcpspy.test.order', (p) => void got.push((p as { n: number }).n));
      if (bus instanceof NatsBus) await bus.flush();
      for (let i = 0; i < 2000; i++) await bus.publish('mcpspy.test.order', { n: i });
      await bus.flush();
      await until(() => got.length === 2000, 10_000, 'all messages');
      assert.deepEqual(got, Array.from({ length: 2000 }, (_, i) => i));
      await bus.close();
    });

    test('a queue group shares the work: each message handled once', async () => {
      const bus = await make();
      const a: number[] = [];
      const b: number[] = [];
      await bus.subscribe('mcpspy.test.work', (p) => void a.push((p as { n: number }).n), { queue: 'workers' });
      await bus.subscribe('mcpspy.test.work', (p) => void b.push((p as { n: number }).n), { queue: 'workers' });
      if (bus instanceof NatsBus) await bus.flush();
      for (let i = 0; i < 400; i++) await bus.publish('mcpspy.test.work', { n: i });
      await bus.flush();
      await until(() => a.length + b.length === 400, 10_000, 'shared messages');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(a.length + b.length, 400);
      assert.ok(a.length > 0 && b.length > 0, `both workers got work: ${a.length}/${b.length}`);
      assert.equal(new Set([...a, ...b]).size, 400);
      await bus.close();
    });

    test('settle waits until every published message was handled, and what handlers published in turn', async () => {
      const bus = await make();
      const handled: number[] = [];
      const forwarded: number[] = [];
      // A slow first hop that publishes to a second: flush alone returns while both still have work queued.
      await bus.subscribe('mcpspy.v1.test.settle.a', async (p) => {
        await new Promise((r) => setTimeout(r, 5));
        handled.push((p as { n: number }).n);
        await bus.publish('mcpspy.v1.test.settle.b', p);
      });
      await bus.subscribe('mcpspy.v1.test.settle.b', (p) => void forwarded.push((p as { n: number }).n));
      if (bus instanceof NatsBus) await bus.flush();
      for (let n = 0; n < 40; n++) await bus.publish('mcpspy.v1.test.settle.a', { n });
      assert.equal(await bus.settle!(20_000), true);
      assert.equal(handled.length, 40);
      assert.equal(forwarded.length, 40);
      await bus.close();
    });

    test('binary raw batches arrive byte-exact on a partition wildcard', async () => {
      const bus = await make();
      const got: Array<[string, Buffer]> = [];
      await bus.subscribe(`${Subjects.rawStdio}.*`, (p, info) => void got.push([info.subject, Buffer.from(p as Uint8Array)]));
      if (bus instanceof NatsBus) await bus.flush();
      const payload = Buffer.from(Array.from({ length: 70000 }, (_, i) => i & 0xff));
      await bus.publish(rawSubject('stdio', 3), payload);
      await bus.flush();
      await until(() => got.length === 1, 5000, 'batch');
      assert.equal(got[0][0], 'mcpspy.v1.raw.stdio.3');
      assert.ok(got[0][1].equals(payload));
      await bus.close();
    });

    test('durable subjects: a consumer group judges each message once', async () => {
      const bus = await make();
      const seen: string[] = [];
      await bus.subscribe(Subjects.securityAlert, (p) => void seen.push('a:' + (p as { summary: string }).summary), { durable: `grp${name.replace('-', '')}` });
      await bus.subscribe(Subjects.securityAlert, (p) => void seen.push('b:' + (p as { summary: string }).summary), { durable: `grp${name.replace('-', '')}` });
      for (let i = 0; i < 100; i++) await bus.publish(Subjects.securityAlert, alert(i));
      await bus.flush();
      await until(() => seen.length >= 100, 10_000, 'alerts');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(seen.length, 100);
      assert.equal(new Set(seen.map((s) => s.slice(2))).size, 100);
      await bus.close();
    });
  });
}

describe('NatsBus specifics (real nats-server)', () => {
  test('a restarted durable consumer resumes and gets unacknowledged messages again', async () => {
    const pub = await NatsBus.connect({ url: nats.url });
    const first = await NatsBus.connect({ url: nats.url, ackWaitMs: 1000, closeGraceMs: 200 });
    const firstSeen: string[] = [];
    // The first consumer "hangs" on alert 5: it never acknowledges it.
    await first.subscribe(Subjects.securityAlert, async (p) => {
      const s = (p as { summary: string }).summary;
      firstSeen.push(s);
      if (s === 'alert 5') await new Promise(() => undefined);
    }, { durable: 'resume' });
    for (let i = 0; i < 10; i++) await pub.publish(Subjects.securityAlert, alert(i));
    await pub.flush();
    await until(() => firstSeen.includes('alert 5'), 5000, 'first consumer to reach alert 5');
    // Crash: drop the connection without acknowledging alert 5.
    void first.close();
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 10; i < 15; i++) await pub.publish(Subjects.securityAlert, alert(i));
    await pub.flush();
    const second = await NatsBus.connect({ url: nats.url, ackWaitMs: 1000 });
    const secondSeen: Array<[string, boolean]> = [];
    await second.subscribe(Subjects.securityAlert, (p, info) => void secondSeen.push([(p as { summary: string }).summary, info.redelivered]), { durable: 'resume' });
    await until(() => secondSeen.length >= 10, 10_000, 'second consumer');
    const names = secondSeen.map(([s]) => s);
    assert.ok(names.includes('alert 5'), 'the unacknowledged alert is delivered again');
    assert.deepEqual(secondSeen.find(([s]) => s === 'alert 5')?.[1], true);
    for (let i = 6; i < 15; i++) assert.ok(names.includes(`alert ${i}`), `alert ${i} delivered after restart`);
    for (let i = 0; i < 5; i++) assert.ok(!names.includes(`alert ${i}`), `acknowledged alert ${i} not delivered again`);
    await second.close();
    await pub.close();
  });

  test('invalid payloads are counted and skipped; the next valid one arrives', async () => {
    const bus = await NatsBus.connect({ url: nats.url });
    const got: unknown[] = [];
    await bus.subscribe(Subjects.httpMessage, (p) => void got.push(p));
    await bus.flush();
    const raw = await connect({ servers: nats.url });
    raw.publish(Subjects.httpMessage, new TextEncoder().encode('{not json'));
    raw.publish(Subjects.httpMessage, new TextEncoder().encode(JSON.stringify({ pid: 'x' })));
    const valid = {
      timestamp: 't', ts_ns: '1', stream: 'inet:1', pid: 1, comm: 'c', side: 'client', tls: false,
      is_request: true, kind: 'body', headers: {}, body: '{}', exchange: 0,
    };
    raw.publish(Subjects.httpMessage, new TextEncoder().encode(JSON.stringify(valid)));
    await raw.flush();
    await until(() => got.length === 1, 5000, 'valid message');
    assert.deepEqual(got[0], valid);
    assert.equal(bus.counters.get('invalid_payloads'), 2);
    await raw.close();
    await bus.close();
  });

  test('NATS down at start: a clear error naming the URL', async () => {
    const port = await freePort();
    await assert.rejects(NatsBus.connect({ url: `nats://127.0.0.1:${port}` }), (err: unknown) => {
      assert.ok(err instanceof BusConnectError);
      assert.match((err as Error).message, new RegExp(`failed to connect to NATS at nats://127.0.0.1:${port}`));
      return true;
    });
  });

  test('NATS restarted mid-run: acknowledged messages are not lost', async () => {
    const bus = await NatsBus.connect({ url: nats.url, ackWaitMs: 1000 });
    const got = new Set<string>();
    await bus.subscribe(Subjects.securityAlert, (p) => void got.add((p as { summary: string }).summary), { durable: 'outage' });
    for (let i = 0; i < 20; i++) await bus.publish(Subjects.securityAlert, alert(i));
    await bus.flush();
    await nats.stop();
    const during = (async () => {
      for (let i = 20; i < 40; i++) await bus.publish(Subjects.securityAlert, alert(i));
    })();
    await new Promise((r) => setTimeout(r, 500));
    await nats.restart();
    await during;
    await bus.flush();
    await until(() => got.size === 40, 20_000, `all 40 alerts (have ${got.size})`);
    assert.equal(got.size, 40);
    await bus.close();
  });
});
