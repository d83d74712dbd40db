import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { holdJsonText, type McpMessageEvent } from '@mcpspy/events';
import { messageToJsonl } from './jsonl-format';
import { receivedJsonl } from './received-line';
import { recordedMessages as recorded } from './testdata/recorded';
import { httpRequest, httpResponse, stdioError, stdioNotification, stdioRequest, stdioResponse } from './testdata/messages';

/** What the sink holds after the NATS bus decoded a batch line the publisher wrote with JSON.stringify. */
function received(m: unknown): McpMessageEvent {
  const line = JSON.stringify(m);
  const v = JSON.parse(line) as McpMessageEvent;
  holdJsonText(v, line);
  return v;
}

describe('receivedJsonl: the received line, only where it is messageToJsonl byte for byte', () => {
  test('every recorded and fixture message: the same bytes as messageToJsonl, or no answer', () => {
    const all = [...recorded(), httpRequest(), httpResponse(), stdioError(), stdioNotification(), stdioRequest(), stdioResponse()];
    assert.ok(all.length > 50);
    let taken = 0;
    for (const m of all) {
      const v = received(m);
      const line = receivedJsonl(v);
      if (line !== undefined) taken++;
      assert.equal(line ?? messageToJsonl(v), messageToJsonl(v));
    }
    // The recorded lines are in MCPSpy's order already: nearly all take the received text.
    assert.ok(taken > all.length / 2, `taken ${taken} of ${all.length}`);
  });

  test('a line with invisible or line-breaking characters goes through safeLine like messageToJsonl', () => {
    const m = { ...stdioRequest(), params: { name: 'x\u2028y\u202e', arguments: { q: 'é' } } };
    const v = received(m);
    assert.equal(receivedJsonl(v), messageToJsonl(v));
    assert.match(receivedJsonl(v)!, /\\u2028/);
  });

  test('out of order, missing or null error, extra field before a fixed one, index or prototype keys, nothing held: no answer', () => {
    const base = stdioRequest() as unknown as Record<string, unknown>;
    const cases: Record<string, unknown>[] = [
      Object.fromEntries(Object.entries(base).reverse()),
      { ...base, error: undefined },
      { ...base, error: null },
      { extra: 1, ...base },
      { ...base, 7: 'x' },
    ];
    for (const c of cases) assert.equal(receivedJsonl(received(c)), undefined, JSON.stringify(c).slice(0, 80));
    const proto = JSON.parse(`${JSON.stringify(base).slice(0, -1)},"__proto__":{"x":1}}`) as McpMessageEvent;
    holdJsonText(proto, JSON.stringify(base));
    assert.equal(receivedJsonl(proto), undefined);
    assert.equal(receivedJsonl(JSON.parse(JSON.stringify(base)) as McpMessageEvent), undefined);
  });
});
