/**
 * NatsBus batches of MCP messages on a real nats-server with JetStream: the
 * messages of one event-loop turn travel as one JetStream message on
 * `mcpspy.v1.batch.mcp.message` (libs/events batch-envelope.ts). Order is
 * kept within and across batches, a bad line loses only itself, a cut batch
 * delivers what it holds, a lingering batch goes out on its timer, and a
 * publisher with batching off still reaches the same subscriber.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'nats';
import { batchSubjectOf, decodeBatchText, encodeBatchText, heldJsonText, JETSTREAM_STREAM, Subjects } from '@mcpspy/events';
import { NatsBus } from '../src';
import { PUBLISHED } from '../src/bus/in-process.bus';
import { startNats, TestServer } from '../src/testing';

let nats: TestServer;
before(async () => {
  nats = await startNats();
});
after(async () => {
  await nats?.dispose();
});

const mcp = (n: number) => ({
  timestamp: new Date(0).toISOString(), transport_type: 'stdio', type: 'request', id: n, method: 'tools/call',
  params: { name: 'echo', arguments: { text: `message ${n}\nwith a newline` } }, error: {}, raw: `{"id":${n}}`, msg_id: `m${n}`,
});

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function ackPending(durable: string): Promise<number> {
  const nc = await connect({ servers: nats.url });
  try {
    return (await (await nc.jetstreamManager()).consumers.info(JETSTREAM_STREAM, durable)).num_ack_pending;
  } finally {
    await nc.close();
  }
}

test('envelope: lines round-trip, an empty batch has no lines, a broken header is reported beside the lines', () => {
  const text = encodeBatchText(Subjects.mcpMessage, [JSON.stringify(mcp(1)), JSON.stringify(mcp(2))]);
  const d = decodeBatchText(text);
  assert.equal(d.problem, undefined);
  assert.equal(d.subject, Subjects.mcpMessage);
  assert.deepEqual(d.lines, [{ ok: true, value: mcp(1), text: JSON.stringify(mcp(1)) }, { ok: true, value: mcp(2), text: JSON.stringify(mcp(2)) }]);
  assert.deepEqual(decodeBatchText(encodeBatchText(Subjects.mcpMessage, [])).lines, []);
  const broken = decodeBatchText(`{"batch":1}\n${JSON.stringify(mcp(3))}\n[1]\nnot json`);
  assert.match(broken.problem ?? '', /header/);
  assert.equal(broken.lines.length, 3);
  assert.deepEqual(broken.lines[0], { ok: true, value: mcp(3), text: JSON.stringify(mcp(3)) });
  assert.equal(broken.lines[1].ok, false);
  assert.equal(broken.lines[2].ok, false);
  assert.equal(batchSubjectOf(Subjects.mcpMessage), 'mcpspy.v1.batch.mcp.message');
});

test('2,000 messages arrive in order, in far fewer JetStream messages, and every batch is acknowledged', async () => {
  const pub = await NatsBus.connect({ url: nats.url, batchMaxEvents: 300 });
  const sub = await NatsBus.connect({ url: nats.url, ackWaitMs: 5000 });
  const got: Array<[number, string]> = [];
  await sub.subscribe(Subjects.mcpMessage, (p, info) => void got.push([(p as { id: number }).id, info.subject]), { durable: 'order' });
  const pending: Promise<void>[] = [];
  for (let i = 0; i < 2000; i++) {
    pending.push(pub.publish(Subjects.mcpMessage, mcp(i)));
    // Several event-loop turns, so batches are sealed both by size and at the end of a turn.
    if (i % 450 === 0) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(pending);
  await pub.flush();
  await until(() => got.length >= 2000, '2,000 messages');
  assert.deepEqual(got.map(([id]) => id), Array.from({ length: 2000 }, (_, i) => i));
  assert.ok(got.every(([, s]) => s === Subjects.mcpMessage), 'handlers see the plain subject');
  const batches = pub.counters.get('batches_published');
  assert.ok(batches >= 7 && batches <= 40, `2,000 messages in ${batches} batches (at most 300 each)`);
  assert.equal(sub.counters.get('batches_received'), batches);
  await until(async () => (await ackPending('order_batch_mcp_message')) === 0, 'every batch acknowledged');
  await sub.close();
  await pub.close();
});

test('a bad line in a batch loses only itself; a cut batch delivers the lines it holds', async () => {
  const sub = await NatsBus.connect({ url: nats.url, ackWaitMs: 5000 });
  const got: number[] = [];
  await sub.subscribe(Subjects.mcpMessage, (p) => void got.push((p as { id: number }).id), { durable: 'bad' });
  const raw = await connect({ servers: nats.url });
  const js = raw.jetstream();
  const enc = new TextEncoder();
  const lines = [JSON.stringify(mcp(1)), '{not json', JSON.stringify(mcp(2)), JSON.stringify({ id: 99, type: 'nonsense' }), JSON.stringify(mcp(3))];
  await js.publish(batchSubjectOf(Subjects.mcpMessage), enc.encode(encodeBatchText(Subjects.mcpMessage, lines)));
  // Announces 4 events, holds 2.
  await js.publish(batchSubjectOf(Subjects.mcpMessage), enc.encode(`{"batch":"${Subjects.mcpMessage}","count":4}\n${JSON.stringify(mcp(4))}\n${JSON.stringify(mcp(5))}`));
  await until(() => got.length >= 5, 'the good messages');
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
  assert.equal(sub.counters.get('invalid_payloads'), 2);
  assert.equal(sub.counters.get('invalid_batches'), 1);
  await until(async () => (await ackPending('bad_batch_mcp_message')) === 0, 'both batches acknowledged');
  await raw.close();
  await sub.close();
});

test('a partial batch goes out on its linger timer, without more traffic and without flush()', async () => {
  const pub = await NatsBus.connect({ url: nats.url, batchLingerMs: 300 });
  const sub = await NatsBus.connect({ url: nats.url });
  const got: number[] = [];
  await sub.subscribe(Subjects.mcpMessage, (p) => void got.push((p as { id: number }).id), { durable: 'linger' });
  // Three messages over several turns, well inside one linger period on an idle loop.
  await pub.publish(Subjects.mcpMessage, mcp(1));
  await new Promise((r) => setImmediate(r));
  await pub.publish(Subjects.mcpMessage, mcp(2));
  await pub.publish(Subjects.mcpMessage, mcp(3));
  await until(() => got.length === 3, 'the lingering batch');
  assert.deepEqual(got, [1, 2, 3]);
  assert.ok(pub.counters.get('batches_published') <= 2, `sent together (${pub.counters.get('batches_published')} batches)`);
  await sub.close();
  await pub.close();
});

test('a publisher with batching off and one with it on reach the same subscriber, each in order', async () => {
  const single = await NatsBus.connect({ url: nats.url, batch: false });
  const batched = await NatsBus.connect({ url: nats.url });
  const sub = await NatsBus.connect({ url: nats.url });
  const got: number[] = [];
  await sub.subscribe(Subjects.mcpMessage, (p) => void got.push((p as { id: number }).id), { durable: 'mixed' });
  for (let i = 0; i < 50; i++) {
    await single.publish(Subjects.mcpMessage, mcp(i));
    await batched.publish(Subjects.mcpMessage, mcp(1000 + i));
  }
  await Promise.all([single.flush(), batched.flush()]);
  await until(() => got.length >= 100, '100 messages');
  const a = got.filter((n) => n < 1000);
  const b = got.filter((n) => n >= 1000);
  assert.deepEqual(a, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(b, Array.from({ length: 50 }, (_, i) => 1000 + i));
  assert.equal(single.counters.get('batches_published'), 0);
  await Promise.all([sub.close(), single.close(), batched.close()]);
});

test('an unacknowledged batch is delivered again whole to the restarted consumer, marked redelivered', async () => {
  const pub = await NatsBus.connect({ url: nats.url });
  const first = await NatsBus.connect({ url: nats.url, ackWaitMs: 1000, closeGraceMs: 200 });
  const firstSeen: number[] = [];
  await first.subscribe(Subjects.mcpMessage, async (p) => {
    const id = (p as { id: number }).id;
    firstSeen.push(id);
    if (id === 3) await new Promise(() => undefined); // hangs inside the batch
  }, { durable: 'again' });
  for (let i = 0; i < 6; i++) void pub.publish(Subjects.mcpMessage, mcp(i));
  await pub.flush();
  await until(() => firstSeen.includes(3), 'first consumer to reach message 3');
  void first.close();
  await new Promise((r) => setTimeout(r, 300));
  const second = await NatsBus.connect({ url: nats.url, ackWaitMs: 1000 });
  const secondSeen: Array<[number, boolean]> = [];
  await second.subscribe(Subjects.mcpMessage, (p, info) => void secondSeen.push([(p as { id: number }).id, info.redelivered]), { durable: 'again' });
  await until(() => secondSeen.length >= 6, 'the batch again');
  assert.deepEqual(secondSeen.map(([id]) => id), [0, 1, 2, 3, 4, 5]);
  assert.ok(secondSeen.every(([, r]) => r), 'marked redelivered');
  await second.close();
  await pub.close();
});

test('concurrent: the events of a batch are handled at once, started in order; a throw loses only itself; the batch is acknowledged after its slowest event', async () => {
  const pub = await NatsBus.connect({ url: nats.url });
  const sub = await NatsBus.connect({ url: nats.url, ackWaitMs: 5000 });
  const started: number[] = [];
  const finished: number[] = [];
  let running = 0;
  let most = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  await sub.subscribe(Subjects.mcpMessage, async (p) => {
    const id = (p as { id: number }).id;
    started.push(id);
    running++;
    most = Math.max(most, running);
    try {
      if (id === 7) throw new Error('bad event');
      // Event 0 waits for the gate: the rest of its batch must not wait behind it.
      if (id === 0) await gate;
      else await new Promise((r) => setImmediate(r));
      finished.push(id);
    } finally {
      running--;
    }
  }, { durable: 'conc', concurrent: true });
  for (let i = 0; i < 20; i++) void pub.publish(Subjects.mcpMessage, mcp(i));
  await pub.flush();
  assert.equal(pub.counters.get('batches_published'), 1, 'one batch of 20');
  await until(() => finished.length >= 18, 'every event but the gated and the bad one');
  assert.deepEqual(started, Array.from({ length: 20 }, (_, i) => i), 'started in order');
  assert.ok(most >= 19, `${most} events of the batch ran at once`);
  assert.ok(!finished.includes(0));
  // The gated event holds the batch: not acknowledged yet, and the next batch waits.
  void pub.publish(Subjects.mcpMessage, mcp(100));
  await pub.flush();
  assert.equal(await ackPending('conc_batch_mcp_message') > 0, true, 'the batch is not acknowledged while an event runs');
  assert.ok(!started.includes(100), 'the next batch waits for the one before');
  release();
  await until(() => finished.includes(100), 'the next batch after the slow event finished');
  assert.equal(finished.indexOf(0) < finished.indexOf(100), true);
  assert.equal(sub.counters.get('handler_errors'), 1);
  await until(async () => (await ackPending('conc_batch_mcp_message')) === 0, 'both batches acknowledged');
  await sub.close();
  await pub.close();
});

test('concurrent with a synchronous handler: a sync throw (of an Error or of null), a rejecting thenable and a rejection with a non-Error each lose only their event; the batch is acknowledged', async () => {
  const pub = await NatsBus.connect({ url: nats.url });
  const sub = await NatsBus.connect({ url: nats.url, ackWaitMs: 5000 });
  const seen: number[] = [];
  await sub.subscribe(Subjects.mcpMessage, (p) => {
    const id = (p as { id: number }).id;
    if (id === 3) throw new Error('sync throw');
    // A thenable whose then throws: counted, not thrown out of the batch.
    if (id === 5) return { then: () => { throw new Error('bad thenable'); } } as unknown as Promise<void>;
    if (id === 6) return Promise.reject('not an Error');
    // A sync throw of something that is not an Error (null has no message): counted too.
    if (id === 8) throw null;
    seen.push(id);
    return undefined;
  }, { durable: 'conc-sync', concurrent: true });
  for (let i = 0; i < 10; i++) void pub.publish(Subjects.mcpMessage, mcp(i));
  await pub.flush();
  await until(() => sub.counters.get('handler_errors') === 4, 'four handler errors counted');
  assert.deepEqual(seen, [0, 1, 2, 4, 7, 9]);
  await until(async () => (await ackPending('conc-sync_batch_mcp_message')) === 0, 'the batch acknowledged');
  await sub.close();
  await pub.close();
});

const http = (n: number) => ({
  timestamp: 't', ts_ns: String(n), stream: 'inet:1', pid: 1, comm: 'c', side: 'client', tls: false,
  is_request: true, kind: 'body', headers: {}, body: `{"id":${n}}`, exchange: n,
});

test('http.message over core NATS: 1,500 messages in order in few batches to one queue-group member; a bad line loses only itself', async () => {
  const pub = await NatsBus.connect({ url: nats.url, batchMaxEvents: 400 });
  const sub = await NatsBus.connect({ url: nats.url });
  const got: number[] = [];
  await sub.subscribe(Subjects.httpMessage, (p) => void got.push((p as { exchange: number }).exchange), { queue: 'mcp-parser' });
  await sub.flush();
  for (let i = 0; i < 1500; i++) {
    void pub.publish(Subjects.httpMessage, http(i));
    if (i % 700 === 0) await new Promise((r) => setImmediate(r));
  }
  await pub.flush();
  await until(() => got.length >= 1500, '1,500 HTTP messages');
  assert.deepEqual(got, Array.from({ length: 1500 }, (_, i) => i));
  const batches = pub.counters.get('batches_published');
  assert.ok(batches >= 4 && batches <= 20, `1,500 messages in ${batches} batches (at most 400 each)`);
  // Someone else's broken batch: the good lines still arrive, in order.
  const raw = await connect({ servers: nats.url });
  const lines = [JSON.stringify(http(2000)), '{not json', JSON.stringify({ pid: 'x' }), JSON.stringify(http(2001))];
  raw.publish(batchSubjectOf(Subjects.httpMessage), new TextEncoder().encode(encodeBatchText(Subjects.httpMessage, lines)));
  await raw.flush();
  await until(() => got.length >= 1502, 'the good lines of the bad batch');
  assert.deepEqual(got.slice(1500), [2000, 2001]);
  assert.equal(sub.counters.get('invalid_payloads'), 2);
  assert.equal(batchSubjectOf(Subjects.httpMessage), 'mcpspy.v1.batch.http.message');
  await raw.close();
  await Promise.all([sub.close(), pub.close()]);
});

test('concurrent: a consumer closed while a batch\'s events run gets no ack out; the next consumer gets the whole batch again', async () => {
  const pub = await NatsBus.connect({ url: nats.url });
  const first = await NatsBus.connect({ url: nats.url, ackWaitMs: 1000, closeGraceMs: 200 });
  const firstSeen: number[] = [];
  await first.subscribe(Subjects.mcpMessage, async (p) => {
    const id = (p as { id: number }).id;
    firstSeen.push(id);
    if (id === 2) await new Promise(() => undefined); // never finishes: the batch is never acknowledged
  }, { durable: 'conc-again', concurrent: true });
  for (let i = 0; i < 6; i++) void pub.publish(Subjects.mcpMessage, mcp(i));
  await pub.flush();
  await until(() => firstSeen.length === 6, 'every event of the batch started at once');
  await first.close();
  const second = await NatsBus.connect({ url: nats.url, ackWaitMs: 1000 });
  const secondSeen: Array<[number, boolean]> = [];
  await second.subscribe(Subjects.mcpMessage, (p, info) => void secondSeen.push([(p as { id: number }).id, info.redelivered]), { durable: 'conc-again', concurrent: true });
  await until(() => secondSeen.length >= 6, 'the batch again');
  assert.deepEqual(secondSeen.map(([id]) => id), [0, 1, 2, 3, 4, 5]);
  assert.ok(secondSeen.every(([, r]) => r), 'marked redelivered');
  await until(async () => (await ackPending('conc-again_batch_mcp_message')) === 0, 'acknowledged by the second');
  await second.close();
  await pub.close();
});

test('http.message: a partial batch goes out on its linger timer over core NATS, in order', async () => {
  const pub = await NatsBus.connect({ url: nats.url, batchLingerMs: 200 });
  const sub = await NatsBus.connect({ url: nats.url });
  const got: number[] = [];
  await sub.subscribe(Subjects.httpMessage, (p) => void got.push((p as { exchange: number }).exchange), { queue: 'linger-http' });
  await sub.flush();
  await pub.publish(Subjects.httpMessage, http(1));
  await new Promise((r) => setImmediate(r));
  await pub.publish(Subjects.httpMessage, http(2));
  await until(() => got.length === 2, 'the lingering HTTP batch');
  assert.deepEqual(got, [1, 2]);
  assert.ok(pub.counters.get('batches_published') <= 2, `sent together (${pub.counters.get('batches_published')} batches)`);
  await Promise.all([sub.close(), pub.close()]);
});

test('publish returns the shared PUBLISHED while the window has room (nothing for a tracker to keep); a payload JSON cannot encode rejects, never throws', async () => {
  const bus = await NatsBus.connect({ url: nats.url, name: 'published' });
  try {
    const got: unknown[] = [];
    await bus.subscribe(Subjects.mcpMessage, (ev) => void got.push(ev), { queue: 'published', durable: 'published' });
    for (const subject of [Subjects.mcpMessage, Subjects.stageStats]) {
      const r = bus.publish(subject, subject === Subjects.mcpMessage ? mcp(1) : { stage: 'x', counters: {} });
      assert.equal(r, PUBLISHED, `${subject}: the shared settled promise`);
    }
    const cyclic: Record<string, unknown> = { ...mcp(2) };
    cyclic.self = cyclic;
    for (const subject of [Subjects.mcpMessage, Subjects.stageStats]) {
      let thrown: unknown;
      let p: Promise<void> | undefined;
      try {
        p = bus.publish(subject, cyclic);
      } catch (err) {
        thrown = err;
      }
      assert.equal(thrown, undefined, `${subject}: not thrown`);
      await assert.rejects(p!, /circular/i);
    }
    await until(() => got.length === 1, 'the good message');
  } finally {
    await bus.close();
  }
});

/** A request as mcp-parser makes it: `raw` the captured text, its `params` the same JSON. */
const captured = (n: number) => {
  const params = { name: 'search_docs', arguments: { query: `kernel tracing buffer ${n} "quoted"`, limit: n } };
  return {
    timestamp: new Date(n).toISOString(), transport_type: 'stdio', stdio_transport: { from_pid: 1, from_comm: 'a', to_pid: 2, to_comm: 'b' },
    type: 'request', id: n, method: 'tools/call', params, error: {}, raw: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call', params }), msg_id: `w${n}`,
  };
};

test('wire form 2: the body travels once, the subscriber gets the form-1 event and holds its form-1 line', async () => {
  const pub = await NatsBus.connect({ url: nats.url });
  const full = await NatsBus.connect({ url: nats.url, wireForm: 1 });
  const sub = await NatsBus.connect({ url: nats.url, ackWaitMs: 5000 });
  const got: Array<[unknown, string | undefined]> = [];
  await sub.subscribe(Subjects.mcpMessage, (p) => void got.push([p, heldJsonText(p)]), { durable: 'form2' });
  // The bytes on the batch subject, as an outside consumer sees them.
  const raw = await connect({ servers: nats.url });
  try {
  const wire: string[] = [];
  const spy = raw.subscribe(batchSubjectOf(Subjects.mcpMessage));
  void (async () => {
    for await (const m of spy) wire.push(new TextDecoder().decode(m.data));
  })();
  await raw.flush();
  for (let i = 0; i < 20; i++) await pub.publish(Subjects.mcpMessage, captured(i));
  await pub.flush();
  await until(() => got.length >= 20 && wire.length >= 1, 'the form-2 batch');
  for (let i = 20; i < 40; i++) await full.publish(Subjects.mcpMessage, captured(i));
  await full.flush();
  await until(() => got.length >= 40 && wire.length >= 2, 'the form-1 batch');
  for (let i = 0; i < 40; i++) {
    assert.deepEqual(got[i][0], captured(i));
    assert.equal(got[i][1], JSON.stringify(captured(i)), `held line ${i} is the form-1 line`);
  }
  assert.match(wire[0], /^\{"batch":"mcpspy\.v1\.mcp\.message","count":20,"form":2\}\n/);
  assert.match(wire[1], /^\{"batch":"mcpspy\.v1\.mcp\.message","count":20\}\n/);
  // The second copy of each ~85-character body is gone.
  assert.ok(wire[0].length < wire[1].length - 20 * 60, `form 2 ${wire[0].length} chars vs form 1 ${wire[1].length}`);
  assert.equal(sub.counters.get('invalid_payloads'), 0);
  } finally {
    await raw.close();
    await sub.close();
    await full.close();
    await pub.close();
  }
});

test('a batch of an unknown wire form is counted once per form, acknowledged, and the next batch still arrives', async () => {
  const sub = await NatsBus.connect({ url: nats.url, ackWaitMs: 5000 });
  const got: number[] = [];
  await sub.subscribe(Subjects.mcpMessage, (p) => void got.push((p as { id: number }).id), { durable: 'unknownform' });
  const raw = await connect({ servers: nats.url });
  try {
  const js = raw.jetstream();
  const enc = new TextEncoder();
  const head = (count: number, form: string) => `{"batch":"${Subjects.mcpMessage}","count":${count},"form":${form}}`;
  await js.publish(batchSubjectOf(Subjects.mcpMessage), enc.encode(`${head(1, '9')}\n${JSON.stringify(mcp(1))}`));
  await js.publish(batchSubjectOf(Subjects.mcpMessage), enc.encode(`${head(1, '9')}\n${JSON.stringify(mcp(2))}`));
  await js.publish(batchSubjectOf(Subjects.mcpMessage), enc.encode(`${head(1, '"two"')}\n${JSON.stringify(mcp(3))}`));
  await js.publish(batchSubjectOf(Subjects.mcpMessage), enc.encode(`${head(1, '2')}\n${JSON.stringify(mcp(4))}`));
  await until(() => got.length >= 1, 'the form-2 batch after the unknown ones');
  assert.deepEqual(got, [4]);
  assert.equal(sub.counters.get('unknown_wire_forms'), 3);
  await until(async () => (await ackPending('unknownform_batch_mcp_message')) === 0, 'every batch acknowledged');
  } finally {
    await raw.close();
    await sub.close();
  }
});
