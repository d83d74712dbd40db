/**
 * NatsBus acknowledgements on a real nats-server: hooks registered with
 * beforeAck run after the handlers and before the acks leave (what the
 * distributed sink relies on to have a line in its file before its message is
 * acknowledged), and a hook that throws is counted without holding acks back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'nats';
import { JETSTREAM_STREAM, Subjects } from '@mcpspy/events';
import { NatsBus } from '../src';
import { startNats, TestServer } from '../src/testing';

let nats: TestServer;
before(async () => {
  nats = await startNats();
});
after(async () => {
  await nats?.dispose();
});

const alert = (n: number) => ({
  type: 'security_alert', timestamp: new Date(0).toISOString(), risk: 'high', category: 'prompt_injection',
  score: 0.8, detector: 'rules', summary: `alert ${n}`, evidence: [], message: { msg_id: `m${n}` },
});

async function ackPending(durable: string): Promise<{ pending: number; delivered: number }> {
  const nc = await connect({ servers: nats.url });
  try {
    const info = await (await nc.jetstreamManager()).consumers.info(JETSTREAM_STREAM, durable);
    return { pending: info.num_ack_pending, delivered: info.delivered.consumer_seq };
  } finally {
    await nc.close();
  }
}

async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('beforeAck hooks see every handled message before its ack is sent', async () => {
  const bus = await NatsBus.connect({ url: nats.url, ackWaitMs: 1000 });
  const publisher = await NatsBus.connect({ url: nats.url });
  let handled = 0;
  let flushedUpTo = 0;
  let hookRuns = 0;
  bus.beforeAck(() => {
    hookRuns++;
    flushedUpTo = handled;
  });
  await bus.subscribe(Subjects.securityAlert, () => void handled++, { durable: 'hooks' });
  for (let i = 0; i < 500; i++) await publisher.publish(Subjects.securityAlert, alert(i));
  await publisher.flush();
  await until(async () => handled === 500 && (await ackPending('hooks_security_alert')).pending === 0, '500 handled and acknowledged');
  assert.equal(flushedUpTo, 500, 'the last hook ran after the last handler');
  assert.ok(hookRuns >= 1 && hookRuns < 500, `hooks run once per batch of acks, not per message (${hookRuns} runs)`);
  await bus.close();
  await publisher.close();
});

test('a hook that throws is counted and the acks still go out', async () => {
  const bus = await NatsBus.connect({ url: nats.url, ackWaitMs: 1000 });
  const publisher = await NatsBus.connect({ url: nats.url });
  bus.beforeAck(() => {
    throw new Error('disk full');
  });
  let handled = 0;
  await bus.subscribe(Subjects.securityAlert, () => void handled++, { durable: 'throwing' });
  for (let i = 0; i < 20; i++) await publisher.publish(Subjects.securityAlert, alert(i));
  await publisher.flush();
  await until(async () => handled === 20 && (await ackPending('throwing_security_alert')).pending === 0, '20 handled and acknowledged');
  assert.ok((bus.counters.snapshot().ack_hook_errors ?? 0) >= 1);
  await bus.close();
  await publisher.close();
});

test('a publish after the connection closed is counted, not thrown from a timer', async () => {
  const bus = await NatsBus.connect({ url: nats.url });
  await bus.close();
  await bus.publish(Subjects.probeStats, { timestamp: 't' });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(bus.counters.snapshot().publish_failed, 1);
});
