import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { McpMessageEvent } from '@mcpspy/events';
import { VerdictGate, awaitsVerdict, type GateItem } from './verdict-gate';
import { alert, stdioNotification, stdioRequest, stdioResponse } from './testdata/messages';

/** A gate on a hand-driven clock, recording what it releases as short labels. */
function harness(timeoutMs = 5000) {
  let now = 1_000_000;
  const out: string[] = [];
  const label = (i: GateItem) => (i.kind === 'alert' ? `alert:${i.alert.message.msg_id}` : (i.message.msg_id ?? i.message.method ?? '?'));
  const gate = new VerdictGate({ timeoutMs, release: (i) => out.push(label(i)), now: () => now });
  return { gate, out, advance: (ms: number) => (now += ms) };
}

const call = (msgId: string): McpMessageEvent => stdioRequest({ msg_id: msgId });

describe('VerdictGate', () => {
  test('holds analysed messages only', () => {
    assert.equal(awaitsVerdict(call('a')), true);
    assert.equal(awaitsVerdict(stdioResponse({ msg_id: 'r' })), true, 'responses through their paired request');
    assert.equal(awaitsVerdict(stdioNotification({ msg_id: 'n' })), false);
    assert.equal(awaitsVerdict(stdioRequest({ msg_id: undefined })), false, 'no msg_id: nothing to wait for');
  });

  test('keeps arrival order: later messages wait behind a held one', () => {
    const { gate, out } = harness();
    gate.pushMessage(call('m1'));
    gate.pushMessage(stdioNotification({ msg_id: 'n2' }));
    gate.pushMessage(call('m3'));
    assert.deepEqual(out, []);
    gate.verdict('m3');
    assert.deepEqual(out, [], 'm3 has its verdict but m1 has not');
    gate.verdict('m1');
    assert.deepEqual(out, ['m1', 'n2', 'm3']);
    assert.equal(gate.size, 0);
    gate.close();
  });

  test('an alert alone does not release its message; with the verdict it is written right after it, before later messages', () => {
    const { gate, out } = harness();
    gate.pushMessage(call('i:1'));
    gate.pushMessage(call('i:2'));
    gate.pushAlert(alert());
    assert.deepEqual(out, [], 'the verdict may announce more alerts');
    gate.verdict('i:2', 0);
    gate.verdict('i:1', 1);
    assert.deepEqual(out, ['i:1', 'alert:i:1', 'i:2']);
    assert.equal(gate.stats.released_by_verdict, 2);
    gate.close();
  });

  test('a verdict announcing alerts holds the message until all of them arrived, in either order', () => {
    const { gate, out } = harness();
    gate.pushMessage(call('i:1'));
    gate.pushMessage(call('i:3'));
    gate.verdict('i:1', 2);
    assert.deepEqual(out, [], 'two alerts announced, none arrived');
    gate.pushAlert(alert());
    assert.deepEqual(out, [], 'one of two');
    gate.pushAlert(alert());
    assert.deepEqual(out, ['i:1', 'alert:i:1', 'alert:i:1']);
    gate.verdict('i:3', 0);
    assert.deepEqual(out, ['i:1', 'alert:i:1', 'alert:i:1', 'i:3']);
    gate.close();
  });

  test('an alert for a message already written goes to the end of the queue', () => {
    const { gate, out } = harness();
    gate.pushMessage(call('i:1'));
    gate.verdict('i:1', 0);
    gate.pushMessage(call('i:2'));
    gate.pushAlert(alert());
    assert.deepEqual(out, ['i:1']);
    gate.verdict('i:2', 0);
    assert.deepEqual(out, ['i:1', 'i:2', 'alert:i:1']);
    gate.close();
  });

  test('a verdict that arrives before its message lets the message through', () => {
    const { gate, out } = harness();
    gate.verdict('early');
    gate.pushMessage(call('early'));
    assert.deepEqual(out, ['early']);
    assert.equal(gate.stats.early_verdicts, 1);
    gate.close();
  });

  test('times out on a real timer and releases in order', async () => {
    const out: string[] = [];
    const gate = new VerdictGate({ timeoutMs: 80, release: (i) => out.push(i.kind === 'message' ? i.message.msg_id! : 'alert') });
    const t0 = Date.now();
    gate.pushMessage(call('slow'));
    gate.pushMessage(stdioNotification({ msg_id: 'after' }));
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(out, []);
    while (out.length < 2 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(out, ['slow', 'after']);
    assert.ok(Date.now() - t0 >= 80);
    assert.equal(gate.stats.timeouts, 1);
    gate.close();
  });

  test('each held message gets its own deadline', () => {
    const { gate, out, advance } = harness(1000);
    gate.pushMessage(call('a'));
    advance(600);
    gate.pushMessage(call('b'));
    advance(500);
    gate.pushMessage(stdioNotification({ msg_id: 'c' }));
    assert.deepEqual(out, ['a'], 'a expired, b has 500 ms left');
    advance(500);
    gate.verdict('zzz');
    gate.pushMessage(stdioNotification({ msg_id: 'd' }));
    assert.deepEqual(out, ['a', 'b', 'c', 'd']);
    assert.equal(gate.stats.timeouts, 2);
    gate.close();
  });

  test('close releases everything still held, in order', () => {
    const { gate, out } = harness();
    gate.pushMessage(call('x'));
    gate.pushAlert(alert({ message: { ...alert().message, msg_id: 'other' } }));
    gate.pushMessage(call('y'));
    gate.close();
    assert.deepEqual(out, ['x', 'alert:other', 'y']);
    gate.pushMessage(call('z'));
    assert.deepEqual(out, ['x', 'alert:other', 'y', 'z'], 'after close nothing is held');
  });

  test('bounded: past maxHeld the oldest held message is let go', () => {
    const out: string[] = [];
    const gate = new VerdictGate({ timeoutMs: 60_000, maxHeld: 3, release: (i) => out.push(i.kind === 'message' ? i.message.msg_id! : '') });
    for (const id of ['a', 'b', 'c', 'd']) gate.pushMessage(call(id));
    assert.deepEqual(out, ['a']);
    assert.equal(gate.stats.overflow, 1);
    gate.close();
  });
});
