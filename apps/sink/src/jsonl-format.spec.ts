import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { McpMessageEvent } from '@mcpspy/events';
import { jsonlCut, messageToJsonl, messageToJsonlGeneric, messageToJsonlHead, messageToJsonlText } from './jsonl-format';
import { recordedMessages as recorded } from './testdata/recorded';
import { httpRequest, httpResponse, stdioError, stdioNotification, stdioRequest, stdioResponse } from './testdata/messages';

/** The message without one of its keys (not even as undefined). */
function without(m: McpMessageEvent, key: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...m };
  delete copy[key];
  return copy;
}

/** The same fields in reverse order, so the output order cannot come from the input's. */
function reversed(m: McpMessageEvent): McpMessageEvent {
  return Object.fromEntries(Object.entries(m).reverse()) as unknown as McpMessageEvent;
}

describe('messageToJsonl: field by field, byte for byte the reordered JSON.stringify', () => {
  test('every recorded message, in its own and in reverse field order', () => {
    const all = recorded();
    assert.ok(all.length > 50, `recorded messages found: ${all.length}`);
    for (const m of all) {
      assert.equal(messageToJsonl(m), messageToJsonlGeneric(m));
      assert.equal(messageToJsonl(reversed(m)), messageToJsonlGeneric(reversed(m)));
    }
  });

  test('builders, missing and null fields, added and unknown fields, characters that are escaped', () => {
    const base = [stdioRequest(), stdioResponse(), stdioError(), stdioNotification(), httpRequest(), httpResponse()];
    const variants = (m: McpMessageEvent): unknown[] => [
      m,
      { ...m, error: undefined },
      { ...m, error: null },
      { ...m, id: null, params: null, result: undefined },
      { ...m, extra_field: { a: [1, 'x\u2028y'] }, zz: undefined, fn: () => 1 },
      { zebra: 1, ...m, text: 'bidi \u202e and tag \udb40\udc41 and \u0085 and DEL \u007f' },
      { ...m, raw: 'é only: not ASCII but nothing to escape' },
      { ...m, raw: 'DEL \u007f alone' },
      { ...m, '7': 'index key', constructor: 'c' },
      { ...m, when: new Date(0) },
      Object.assign(Object.create({ inherited: 1 }), m),
      // The key count that skips the walk for added fields: a field read through another prototype is not an own key.
      Object.assign(Object.create({ method: 'from the prototype' }), without(m, 'method'), { added_after: [1] }),
      Object.assign(Object.create(null), m, { added_after: 2 }),
      { ...m, description: undefined, session: undefined, zz_added: 3 },
      { ...m, error: null, added: 4 },
      {},
    ];
    for (const m of base) for (const v of variants(m)) assert.equal(messageToJsonl(v as McpMessageEvent), messageToJsonlGeneric(v as McpMessageEvent), JSON.stringify(Object.keys(v as object)));
  });

  test('hostile strings in every field, repeated and alternating (the per-field text of the previous line), equal JSON.stringify', () => {
    const hostile = [
      '', 'plain', 'request', 'tools/call', '"quoted" and \\ backslash \\"', 'ctl \u0000\u0001\u0008\u0009\u000a\u000c\u000d\u001f',
      'lone high \ud800 end', '\udc00 lone low', 'pair 😀 and reversed \ude00\ud83d', 'line sep \u2028 para sep \u2029',
      'bidi \u202e tag \udb40\udc41 nel \u0085 DEL \u007f', 'é', 'x'.repeat(63), 'y'.repeat(64), '"'.repeat(63),
      '\\'.repeat(50_000), `${'{"jsonrpc":"2.0","id":1}'.repeat(3_000)}\ud800`, 'null', '{}', 'abc', 'abd', '\ud800', '\udc00', '"', '\\',
    ];
    const fields = ['timestamp', 'transport_type', 'type', 'method', 'raw', 'description', 'msg_id', 'session', 'id'] as const;
    const base = stdioRequest();
    let checked = 0;
    for (const field of fields) {
      // Every value after itself (the cached text) and after every other value (equal lengths included), then back.
      const seq = hostile.flatMap((a) => hostile.flatMap((b) => (a.length + b.length > 1000 ? [a, a, b] : [a, b, b])));
      for (const h of seq) {
        const m = { ...base, [field]: h } as unknown as McpMessageEvent;
        const line = messageToJsonl(m);
        assert.equal(line, messageToJsonlGeneric(m), `${field}: ${JSON.stringify(h.slice(0, 40))}`);
        const text = JSON.stringify(h);
        // The field's own text is JSON.stringify's, up to the escapes safeJsonText adds (U+2028/2029, bidi, DEL ...), and parses back.
        assert.equal((JSON.parse(line) as Record<string, unknown>)[field], h);
        if (!/[\u007f-\uffff]/.test(h)) assert.ok(line.includes(`"${field}":${text}`), `${field} text`);
        checked++;
      }
    }
    assert.ok(checked > 500);
  });
});

describe('messageToJsonlHead: the line cut inside raw', () => {
  let wasCut = false;
  /** head + raw's escape + tail, or the whole line when it was not cut. */
  function joined(m: McpMessageEvent): string {
    const head = messageToJsonlHead(m);
    const tail = jsonlCut.tail;
    wasCut = tail !== undefined;
    return tail === undefined ? head : head + JSON.stringify(m.raw).slice(1, -1) + tail;
  }

  test('head + JSON.stringify(raw) without its quotes + tail is messageToJsonlText, for every recorded message and variant', () => {
    const all = recorded();
    const base = [stdioRequest(), stdioResponse(), stdioError(), stdioNotification(), httpRequest(), httpResponse(), ...all];
    let cut = 0;
    let whole = 0;
    for (const m of base) {
      const variants: unknown[] = [
        m,
        reversed(m),
        { ...m, error: undefined, description: undefined },
        { ...m, raw: '"quoted" \\ and é and \u2028 and DEL \u007f' },
        { ...m, raw: '' },
        { ...m, raw: undefined },
        { ...m, raw: { not: 'a string' } },
        { ...m, extra_field: { a: [1, 'x\u2028y'] }, zz: undefined },
        { ...m, '7': 'index key' },
        Object.assign(Object.create({ inherited: 1 }), m),
        Object.assign(Object.create(null), m, { added_after: 2 }),
        { raw: 'only raw' },
        { ...m, raw: 'x'.repeat(63) },
      ];
      for (const v of variants) {
        const msg = v as McpMessageEvent;
        const line = joined(msg);
        assert.equal(line, messageToJsonlText(msg), JSON.stringify(Object.keys(msg)));
        if (wasCut) cut++;
        else whole++;
      }
    }
    // Both forms were met: a string raw is cut, a message only the generic form writes (an index key) is not.
    assert.ok(cut > 100 && whole > 10, `cut ${cut}, whole ${whole}`);
  });

  test('a line that is not cut leaves no tail behind from the one before', () => {
    messageToJsonlHead(stdioRequest());
    assert.notEqual(jsonlCut.tail, undefined);
    messageToJsonlHead({ ...stdioRequest(), raw: undefined } as unknown as McpMessageEvent);
    assert.equal(jsonlCut.tail, undefined);
    messageToJsonlHead(stdioRequest());
    messageToJsonlHead({ ...stdioRequest(), '7': 'index key' } as unknown as McpMessageEvent);
    assert.equal(jsonlCut.tail, undefined);
  });
});
