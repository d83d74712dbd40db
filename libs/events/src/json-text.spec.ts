import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldJsonText, holdJsonText, jsonTextOf } from './json-text';

test('jsonTextOf: the JSON.stringify text, kept on the object and invisible to every other reader', () => {
  const params = { name: 'search', arguments: { q: 'a "quoted" \u2028 text', n: 1e21, z: -0 }, 1: 'index key first' };
  assert.equal(heldJsonText(params), undefined);
  const text = jsonTextOf(params);
  assert.equal(text, JSON.stringify(params));
  assert.equal(heldJsonText(params), text);
  // Not enumerable: JSON, keys, for-in, spreads and structured clones do not carry it.
  assert.deepEqual(Object.keys(params), ['1', 'name', 'arguments']);
  assert.equal(JSON.stringify(params), text);
  assert.equal(heldJsonText({ ...params }), undefined);
  assert.equal(heldJsonText(Object.assign({}, params)), undefined);
  assert.equal(heldJsonText(structuredClone(params)), undefined);
  const seen: string[] = [];
  for (const k in params) seen.push(k);
  assert.deepEqual(seen, ['1', 'name', 'arguments']);
});

test('jsonTextOf: scalars are stringified, frozen objects are stringified without being held', () => {
  assert.equal(jsonTextOf('a"b'), '"a\\"b"');
  assert.equal(jsonTextOf(null), 'null');
  assert.equal(jsonTextOf(undefined), undefined);
  const frozen = Object.freeze({ a: 1 });
  assert.equal(jsonTextOf(frozen), '{"a":1}');
  assert.equal(heldJsonText(frozen), undefined);
  assert.equal(heldJsonText('x'), undefined);
});

test('holdJsonText: a parsed JSON.stringify text is that object\'s text; an earlier hold is kept', () => {
  const text = JSON.stringify({ type: 'request', id: 7, params: { b: [1, 2, { c: null }], a: '\ud800' } });
  const v = JSON.parse(text);
  holdJsonText(v, text);
  assert.equal(heldJsonText(v), text);
  assert.equal(JSON.stringify(v), text);
  holdJsonText(v, 'other');
  assert.equal(heldJsonText(v), text);
});
