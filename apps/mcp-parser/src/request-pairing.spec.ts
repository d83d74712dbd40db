import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldJsonText, type PairedRequest } from '@mcpspy/events';
import { pairedRequestText, storedText, storedValue } from './request-pairing';

test('pairedRequestText is JSON.stringify of the request, and leaves the params text for the sink when params come last', () => {
  const shapes: PairedRequest[] = [
    { type: 'request', id: 1, method: 'tools/call', error: {}, timestamp: '2026-12-06T00:00:00.000Z', params: { name: 't', arguments: { q: 'x"\n\u2028,"params":{}', n: 1.5e300 } } },
    { type: 'request', id: ',"params":', method: ',"params":"', error: {}, timestamp: 't', params: { a: 1 } },
    { type: 'request', id: 'a"b', method: 'ping', error: {}, timestamp: 't' },
    { type: 'request', id: null, method: 'x', error: {}, timestamp: 't', params: [1, 'two', null] as unknown as Record<string, unknown> },
    { type: 'request', id: 2, method: 'x', error: {}, timestamp: 't', params: null as unknown as Record<string, unknown> },
    { type: 'request', id: 3, method: 'x', error: {}, timestamp: 't', params: undefined },
  ];
  for (const req of shapes) {
    assert.equal(pairedRequestText(req), JSON.stringify(req));
    if (req.params && typeof req.params === 'object') assert.equal(heldJsonText(req.params), JSON.stringify(req.params));
  }
});

test('pairedRequestText keeps no params text when params is not the last key', () => {
  const params = { a: 1 };
  const req = { type: 'request', id: 1, method: 'x', params, error: {}, timestamp: 't' } as PairedRequest;
  assert.equal(pairedRequestText(req), JSON.stringify(req));
  assert.equal(heldJsonText(params), undefined);
});

test('the Store value drops the fixed parts of a request and storedText puts them back byte for byte', () => {
  const cases: Array<{ id: string | number | null; method: string; params?: unknown; timestamp?: string }> = [
    { id: 1, method: 'tools/call', params: { name: 'x', arguments: { a: '\t\n"\\' } }, timestamp: '2026-12-06T12:00:00.000Z' },
    { id: 'a"b\\c', method: 'ping', timestamp: 't' },
    { id: null, method: 'weird",\t"', params: [1, { error: {}, timestamp: 'x' }], timestamp: '' },
    { id: 7, method: 'no/timestamp', params: { error: {}, timestamp: 'inside params' } },
    { id: 8, method: 'no/timestamp', params: { a: 1, error: {}, timestamp: 'the first match is inside params' } },
    { id: -0.5, method: '', params: ',"error":{},"timestamp":', timestamp: '\u2028é😀' },
  ];
  for (const c of cases) {
    const req: Record<string, unknown> = { type: 'request', id: c.id, method: c.method, error: {} };
    if (c.timestamp !== undefined) req.timestamp = c.timestamp;
    if (c.params !== undefined) req.params = c.params;
    const text = JSON.stringify(req);
    for (const msgId of [undefined, 'inst:42']) {
      const value = storedValue(text, c.id, msgId);
      const back = storedText(value, c.id);
      assert.equal(back.text, text);
      assert.equal(back.msgId, msgId);
      if (c.timestamp !== undefined) assert.ok(value.length < text.length + (msgId ? msgId.length + 1 : 0) - 40, `compact: ${value}`);
    }
  }
  // A text of another form is kept whole.
  assert.equal(storedValue('{"id":1}', 1, undefined), '{"id":1}');
  assert.equal(storedText('{"id":1}', 1).text, '{"id":1}');
});
