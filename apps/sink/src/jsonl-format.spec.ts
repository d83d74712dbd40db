import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { McpMessageEvent } from '@mcpspy/events';
import { messageToJsonl, messageToJsonlGeneric } from './jsonl-format';
import { recordedMessages as recorded } from './testdata/recorded';
import { httpRequest, httpResponse, stdioError, stdioNotification, stdioRequest, stdioResponse } from './testdata/messages';

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
      {},
    ];
    for (const m of base) for (const v of variants(m)) assert.equal(messageToJsonl(v as McpMessageEvent), messageToJsonlGeneric(v as McpMessageEvent), JSON.stringify(Object.keys(v as object)));
  });
});
