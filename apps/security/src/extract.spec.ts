import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { McpMessageEvent } from '@mcpspy/events';
import { extractTexts, subjectOf } from './extract';
import { windowsOf } from './windows';
import { listResponse, toolCall, toolResult } from './test-builders';

describe('subjectOf', () => {
  test('requests of content methods are analysed, others skipped', () => {
    assert.deepEqual(subjectOf(toolCall({ a: 'b' })), { method: 'tools/call', direction: 'request' });
    assert.equal(subjectOf({ ...toolCall({}), method: 'ping' }), undefined);
    assert.equal(subjectOf({ ...toolCall({}), type: 'notification', method: 'notifications/progress' }), undefined);
  });
  test('a response takes the method of its request, or of its result shape when unpaired', () => {
    assert.deepEqual(subjectOf(toolResult('x', 'resources/read')), { method: 'resources/read', direction: 'response' });
    const unpaired: McpMessageEvent = { ...toolResult('x'), request: undefined, result: { tools: [] } };
    assert.deepEqual(subjectOf(unpaired), { method: 'tools/list', direction: 'response' });
    assert.equal(subjectOf({ ...toolResult('x', 'initialize') }), undefined);
  });
});

describe('extractTexts', () => {
  test('arguments, nested JSON in strings, and decoded layers, with paths', () => {
    const msg = toolCall({ q: 'hello', cfg: '{"inner": {"note": "deep text"}}', enc: 'a%20b%20c%20d' });
    const { texts } = extractTexts(msg, subjectOf(msg)!);
    const byField = Object.fromEntries(texts.map((t) => [t.field, t]));
    assert.equal(byField['params.arguments.q']?.text, 'hello');
    assert.equal(byField['params.arguments.cfg#json.inner.note']?.text, 'deep text');
    assert.equal(byField['params.arguments.enc#percent']?.text, 'a b c d');
    assert.equal(byField['params.arguments.q']?.context, 'argument');
    assert.ok(!texts.some((t) => t.field === 'params.name'), 'tool name is not scanned');
  });
  test('definitions come from tools/list; image data is skipped; embedded resources are read', () => {
    const list = listResponse([{ name: 'x', description: 'desc', inputSchema: { properties: { a: { description: 'arg doc' } } } }]);
    const t1 = extractTexts(list, subjectOf(list)!).texts;
    assert.deepEqual(t1.map((t) => [t.field, t.context]), [
      ['result.tools[0].name', 'definition'],
      ['result.tools[0].description', 'definition'],
      ['result.tools[0].inputSchema.properties.a.description', 'definition'],
    ]);
    const res = toolResult('');
    res.result = { content: [{ type: 'image', data: 'QUJD'.repeat(50), mimeType: 'image/png' }, { type: 'resource', resource: { uri: 'file:///a', text: 'embedded words' } }] };
    const t2 = extractTexts(res, subjectOf(res)!).texts;
    assert.deepEqual(t2.map((t) => t.text), ['file:///a', 'embedded words']);
  });
});

describe('windowsOf', () => {
  test('covers a long text whole, with overlap, ending on spaces', () => {
    const text = Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ');
    const ws = windowsOf(text, 2000, 200);
    assert.ok(ws.length > 5);
    assert.equal(ws[0]!.start, 0);
    assert.equal(ws.at(-1)!.end, text.length);
    for (let i = 1; i < ws.length; i++) assert.ok(ws[i]!.start < ws[i - 1]!.end, 'windows overlap');
    assert.deepEqual(windowsOf('short'), [{ start: 0, end: 5, text: 'short' }]);
  });
});
