import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eventJsonText, heldJsonText, holdJsonText, jsonTextOf } from './json-text';

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

/** An event as mcp-parser builds it: some members parsed from a captured text and held (as the parser holds them). */
function heldEvent(params: unknown, extra: Record<string, unknown> = {}): { ev: Record<string, unknown>; text: string } {
  const text = JSON.stringify(params);
  const parsed = JSON.parse(text);
  holdJsonText(parsed, text);
  return { ev: { timestamp: '2026-12-06T19:00:00.000Z', transport_type: 'stdio', type: 'request', id: 7, method: 'tools/call', params: parsed, error: {}, raw: `{"jsonrpc":"2.0","params":${text}}`, ...extra }, text };
}

test('eventJsonText: a held member is taken from its text (a wrong held text shows), the rest stringified', () => {
  const { ev } = heldEvent({ name: 'search', arguments: { q: 'x' } });
  assert.equal(eventJsonText(ev), JSON.stringify(ev));
  // Proves the held text is used: a marker held for an object appears in place of its stringify.
  const marked = { name: 'search' };
  holdJsonText(marked, '"HELD"');
  assert.match(eventJsonText({ ...ev, params: marked })!, /"params":"HELD","error":\{\}/);
});

test('eventJsonText: JSON.stringify byte for byte on arbitrary and hostile values', () => {
  const hostile = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.constantFrom('\ud800', '\udc00x', '\u2028\u2029', '\u0000\u001f\u007f', '"\\', '\u202e\u200b', ''),
    fc.double(),
    fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e21, 2 ** 53 + 1),
  );
  const value = fc.oneof(fc.jsonValue(), hostile, fc.constantFrom(undefined, () => 1, Symbol('s')));
  const key = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('0', '1', '10', '4294967295', '-1', '01', '__proto__', 'toString', 'params'));
  fc.assert(
    fc.property(fc.array(fc.tuple(key, value), { maxLength: 12 }), fc.array(fc.jsonValue(), { maxLength: 3 }), (members, held) => {
      const ev: Record<string, unknown> = {};
      for (const [k, v] of members) Object.defineProperty(ev, k, { value: v, enumerable: true, writable: true, configurable: true });
      // Some members parsed from their own JSON.stringify text and held, as the parser does.
      held.forEach((h, i) => {
        const text = JSON.stringify(h);
        const parsed = JSON.parse(text);
        holdJsonText(parsed, text);
        ev[`held${i}`] = parsed;
      });
      assert.equal(eventJsonText(ev), JSON.stringify(ev));
    }),
    { numRuns: 3000 },
  );
});

test('eventJsonText: a frozen member shared by events (a channel\'s stdio_transport) is written from its text, and another one is not mistaken for it', () => {
  const a = Object.freeze({ from_pid: 1, from_comm: 'a"b' });
  const b = Object.freeze({ from_pid: 2, from_comm: 'c' });
  for (const t of [a, a, b, a, b, b]) {
    const { ev } = heldEvent({ q: 1 }, { stdio_transport: t });
    assert.equal(eventJsonText(ev), JSON.stringify(ev));
  }
});

test('eventJsonText: what is not plain data is JSON.stringify\'s as a whole', () => {
  const date = new Date(0);
  const cases: unknown[] = [
    { when: date, n: 1 },
    { toJSON: (k: string) => `top ${k}` },
    { m: { toJSON: (k: string) => `member ${k}` } },
    Object.assign(Object.create(null), { a: 1 }),
    Object.assign(Object.create({ inherited: 1 }), { own: 2 }),
    [1, { a: 2 }],
    'text',
    12,
    null,
    undefined,
    { nested: [undefined, () => 1, NaN] },
    { 2: 'b', 1: 'a', z: 'z', 0: 'first' },
  ];
  for (const c of cases) assert.equal(eventJsonText(c), JSON.stringify(c));
  assert.throws(() => eventJsonText({ big: 1n }), TypeError);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = { back: cyclic };
  assert.throws(() => eventJsonText(cyclic), TypeError);
});

test('eventJsonText: an enumerable key added to Object.prototype is left out, as JSON.stringify leaves it', () => {
  const { ev } = heldEvent({ a: 1 });
  (Object.prototype as Record<string, unknown>).polluted = 'x';
  try {
    assert.equal(eventJsonText(ev), JSON.stringify(ev));
  } finally {
    delete (Object.prototype as Record<string, unknown>).polluted;
  }
});
