import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldJsonText, type PairedRequest } from '@mcpspy/events';
import { pairedRequestText } from './request-pairing';

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
