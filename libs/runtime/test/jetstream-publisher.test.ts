/**
 * The JetStream publisher against a real nats-server: a stored message is
 * acknowledged, a subject no stream holds is refused, a reply that never
 * comes times out, and closing fails what still waits.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { JetStreamPublisher } from '../src/bus/jetstream-publisher';
import { startNats, TestServer } from '../src/testing';

let nats: TestServer;
let nc: NatsConnection;
before(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'PUBTEST', subjects: ['pubtest.>'], retention: RetentionPolicy.Limits, storage: StorageType.Memory });
});
after(async () => {
  await nc?.close();
  await nats?.dispose();
});

test('2,000 publishes are acknowledged and stored in order', async () => {
  const pub = new JetStreamPublisher(nc, 5000);
  const enc = new TextEncoder();
  await Promise.all(Array.from({ length: 2000 }, (_, i) => pub.publish('pubtest.a', enc.encode(`{"n":${i}}`))));
  assert.equal(pub.pending, 0);
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info('PUBTEST');
  assert.equal(info.state.messages, 2000);
  const last = await jsm.streams.getMessage('PUBTEST', { last_by_subj: 'pubtest.a' });
  assert.equal(new TextDecoder().decode(last.data), '{"n":1999}');
  pub.close();
});

test('a subject no stream holds is refused with the reason', async () => {
  const pub = new JetStreamPublisher(nc, 5000);
  await assert.rejects(pub.publish('nostream.x', new Uint8Array([123, 125])), /no JetStream stream holds this subject \(503/);
  pub.close();
});

test('no answer within the timeout rejects, and close fails what still waits', async () => {
  // A plain subscriber takes the message (so the server sends no 503) and never answers.
  const silent = nc.subscribe('silent.>');
  const pub = new JetStreamPublisher(nc, 200);
  const t0 = Date.now();
  await assert.rejects(pub.publish('silent.a', new Uint8Array([1])), /no acknowledgement from JetStream within 200 ms/);
  assert.ok(Date.now() - t0 < 2000, 'the sweep expires it soon after the deadline');
  const slow = new JetStreamPublisher(nc, 60_000);
  const waiting = slow.publish('silent.b', new Uint8Array([1]));
  slow.close();
  await assert.rejects(waiting, /connection closed before JetStream acknowledged/);
  silent.unsubscribe();
  pub.close();
});
