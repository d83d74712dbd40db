import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasInvisible, safeJsonText, visibleBytes, visibleText } from './display-text';

test('visibleText escapes C0, C1, DEL, bidi and zero-width characters', () => {
  const hostile = 'ok\x1b[2K\r\u009b31m\u202eevil\u200b\u2066x\u007f';
  const v = visibleText(hostile);
  assert.equal(v, 'ok\\x1b[2K\\r\\x9b31m\\u202eevil\\u200b\\u2066x\\x7f');
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(v, /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
  assert.equal(visibleText('plain tools/call (echo) é 漢字 🙂'), 'plain tools/call (echo) é 漢字 🙂');
});

test('visibleText cuts long text and escapes lone surrogates', () => {
  assert.equal(visibleText('abcdef', 4), 'abc…');
  assert.equal(visibleText('a\ud800b'), 'a\\ud800b');
  assert.ok(hasInvisible('to\u200bol'));
  assert.ok(!hasInvisible('tool'));
  assert.ok(!hasInvisible('tool'));
});

test('visibleBytes shows bytes, bounded', () => {
  assert.equal(visibleBytes(Buffer.from('hi\x1b\n\\')), 'hi\\x1b\\n\\\\');
  assert.ok(visibleBytes(Buffer.alloc(1000, 0x41), 10).length <= 11);
});

test('safeJsonText keeps the value and hides separators and bidi', () => {
  const value = { name: 'a\u2028b\u202ec\u0085' };
  const text = safeJsonText(JSON.stringify(value));
  assert.doesNotMatch(text, /[\u2028\u202e\u0085]/);
  assert.deepEqual(JSON.parse(text), value);
});

test('safeJsonText escapes tag characters (ASCII smuggling) and interlinear annotations, still the same value', () => {
  const smuggled = `weather${[...'ignore'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('')}\ufff9x`;
  const text = safeJsonText(JSON.stringify({ name: smuggled }));
  assert.match(text, /weather\\udb40\\udc69\\udb40\\udc67/);
  assert.doesNotMatch(text, /[\udb40\ufff9]/);
  assert.deepEqual(JSON.parse(text), { name: smuggled });
  assert.ok(hasInvisible(smuggled), 'visibleText escapes them too');
  assert.match(visibleText(smuggled), /weather\\u\{e0069\}/);
});
