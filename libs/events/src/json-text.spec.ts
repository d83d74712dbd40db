import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldJsonText, holdJsonText, jsonTextOf } from './json-text';

test('jsonTextOf: the JSON.stringify text, found again by identity, and nothing written on the object', () => {
  const params = { name: 'search', arguments: { q: 'a "quoted" \u2028 text', n: 1e21, z: -0 }, 1: 'index key first' };
  assert.equal(heldJsonText(params), undefined);
  const text = jsonTextOf(params);
  assert.equal(text, JSON.stringify(params));
  assert.equal(heldJsonText(params), text);
  assert.equal(heldJsonText({ ...params }), undefined, 'an equal object is another object');
  assert.deepEqual(Reflect.ownKeys(params), ['1', 'name', 'arguments']);
});

test('jsonTextOf: scalars are only stringified; frozen objects are kept too', () => {
  assert.equal(jsonTextOf('a"b'), '"a\\"b"');
  assert.equal(jsonTextOf(null), 'null');
  assert.equal(jsonTextOf(undefined), undefined);
  assert.equal(heldJsonText('a"b'), undefined);
  const frozen = Object.freeze({ a: 1 });
  assert.equal(jsonTextOf(frozen), '{"a":1}');
  assert.equal(heldJsonText(frozen), '{"a":1}');
});

test('only the last few objects are kept', () => {
  const first = { n: 0 };
  jsonTextOf(first);
  for (let i = 1; i < 16; i++) jsonTextOf({ n: i });
  assert.equal(heldJsonText(first), '{"n":0}');
  jsonTextOf({ n: 16 });
  assert.equal(heldJsonText(first), undefined);
});

test('holdJsonText: a parsed JSON.stringify text is that object\'s text', () => {
  const text = JSON.stringify({ type: 'request', id: 7, params: { b: [1, 2, { c: null }], a: '\ud800' } });
  const v = JSON.parse(text);
  holdJsonText(v, text);
  assert.equal(heldJsonText(v), text);
  assert.equal(JSON.stringify(v), text);
});
