import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturedMemberText } from './captured-text';

/** A request whose params are written as `text`, and what JSON.parse makes of them. */
function request(text: string, before = '{"jsonrpc":"2.0","id":1,"method":"tools/call",'): { raw: string; params: unknown } {
  const raw = `${before}"params":${text}}`;
  return { raw, params: (JSON.parse(raw) as { params: unknown }).params };
}

/** The captured text, checked: whenever it is given, it is JSON.stringify's text of the parsed value. */
function captured(raw: string, key: string, value: unknown): string | undefined {
  const t = capturedMemberText(raw, key, value);
  if (t !== undefined) assert.equal(t, JSON.stringify(value), `captured text of ${JSON.stringify(raw.slice(0, 200))}`);
  return t;
}

test('JSON.stringify\'s own text is taken as captured: objects, arrays, escapes it writes, non-ASCII, U+2028, DEL', () => {
  const values: unknown[] = [
    { name: 'search_docs', arguments: { query: 'kernel ring', limit: 5, include_snippets: true }, _meta: { progressToken: 'p-1' } },
    [],
    {},
    [1, -2, 0, 4503599627370496, 8999999999999999, -123456789012345, null, true, false, 'x'],
    { text: 'quote " backslash \\ newline \n tab \t cr \r bs \b ff \f' },
    { text: 'Zürich 20°C ☀ 😀 \u2028 \u2029 DEL \u007f bidi \u202e' },
    { __proto__x: 1, ['__proto__']: { a: 1 }, constructor: 'c', toJSON: 'not a function' },
    { '-1': 1, '1.5': 2, '1a': 3, a: { b: { c: { d: [[[{}]]] } } } },
  ];
  for (const v of values) {
    const text = JSON.stringify(v);
    const { raw, params } = request(text);
    assert.equal(captured(raw, 'params', params), text);
  }
  const result = { content: [{ type: 'text', text: 'line one\nline "two"\n' }], isError: false };
  const raw = `{"jsonrpc":"2.0","id":7,"result":${JSON.stringify(result)}}`;
  assert.equal(captured(raw, 'result', JSON.parse(raw).result), JSON.stringify(result));
});

test('a text JSON.stringify would write otherwise is not taken: whitespace, escapes, numbers, keys, duplicates, lone surrogates', () => {
  const refused = [
    '{"a": 1}',
    '{ "a":1}',
    '{"a":1 }',
    '[1, 2]',
    '{"a":"\\/"}',
    '{"a":"\\u0041"}',
    '{"a":"\\u001b[31m"}',
    '{"a":"\\ud800"}',
    '{"a":"\\ud83d\\ude00"}',
    '{"a":-0}',
    '{"a":1.0}',
    '{"a":1.5}',
    '{"a":1e3}',
    '{"a":1E3}',
    '{"a":9007199254740993}',
    '{"a":12345678901234567890}',
    '{"a":9999999999999999}',
    '{"b":1,"a":2,"b":3}',
    '{"a":{"x":1,"x":1}}',
    '{"__proto__":1,"__proto__":2}',
    '{"b":1,"1":2}',
    '{"0":1}',
    '{"4294967294":1}',
    '"a string"',
    '5',
    'null',
  ];
  for (const text of refused) {
    const { raw, params } = request(text);
    assert.equal(captured(raw, 'params', params), undefined, text);
  }
  // A lone surrogate raw in the text (not escaped): JSON.stringify would escape it.
  const lone = request('{"a":"x\ud800y"}');
  assert.equal(captured(lone.raw, 'params', lone.params), undefined);
});

test('only the last member, under a key written without escapes, is taken: the one JSON.parse kept', () => {
  const cases: Array<[string, boolean]> = [
    ['{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1}}', true],
    ['{"jsonrpc":"2.0","params":{"a":1},"id":1}', false],
    ['{"jsonrpc":"2.0","params":{"a":1},"params":{"b":2}}', false],
    ['{"jsonrpc":"2.0","par\\u0061ms":{"a":1},"params":{"b":2}}', false],
    ['{"jsonrpc":"2.0","params":{"a":1},"par\\u0061ms":{"b":2}}', false],
    ['{"jsonrpc":"2.0","x":{"params":{"a":1}},"params":{"b":2}}', true],
    ['{"jsonrpc":"2.0","x":"\\",\\"params\\":{\\"a\\":1}","params":{"b":2}}', true],
    ['{ "jsonrpc" : "2.0" , "id" : 1 , "method" : "m" , "params" : {"a":1}}', true],
    ['{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1} }', false],
    ['{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1}}\n', false],
    ['{"jsonrpc":"2.0","id":"\\\\","method":"m","params":{"a":"\\\\"}}', true],
  ];
  for (const [raw, taken] of cases) {
    const value = (JSON.parse(raw) as { params: unknown }).params;
    const t = captured(raw, 'params', value);
    assert.equal(t !== undefined, taken, raw);
  }
});

test('a text dense with escapes is left to JSON.stringify (cheaper there); a sparse one is taken', () => {
  const dense = { text: 'a "b" c\n'.repeat(200) };
  const r1 = request(JSON.stringify(dense));
  assert.equal(captured(r1.raw, 'params', r1.params), undefined);
  const sparse = { text: `${'a line of plain output text, no quotes in it at all: '.repeat(2)}\n`.repeat(100) };
  const r2 = request(JSON.stringify(sparse));
  assert.equal(captured(r2.raw, 'params', r2.params), JSON.stringify(sparse));
});

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const PIECES = ['a', 'b', 'Z', '0', '9', ' ', '"', '\\', '/', '\n', '\t', '\r', '\b', '\f', '\u0000', '\u001b', '\u007f', 'é', '€', '\u2028', '\u2029', '\u202e', '😀', '\ud800', '\udc00', 'ß'];
const NUMBERS = ['0', '-0', '1', '-1', '10', '1.5', '-2.25', '1e5', '1E-3', '12345678901234567', '9007199254740991', '8999999999999999', '9000000000000001', '123456789012345', '0.1', '-0.0'];
const KEYS = ['a', 'b', 'params', '__proto__', 'constructor', '0', '1', '42', '-1', '01', '1.5', 'toJSON', 'é', '\u2028', '😀', ''];

/** A random JSON text, sometimes in JSON.stringify's form and sometimes not (spaces, other escapes, numbers, duplicates). */
function randomText(r: () => number, depth: number): string {
  const k = r();
  if (depth > 4 || k < 0.3) {
    const t = r();
    if (t < 0.4) {
      let s = '';
      const n = Math.floor(r() * 8);
      for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
      let text = JSON.stringify(s);
      if (r() < 0.1) text = text.replace(/a/g, '\\u0061');
      if (r() < 0.1) text = text.replace(/\//g, '\\/');
      if (r() < 0.05) text = text.slice(0, -1) + '\ud800"';
      return text;
    }
    if (t < 0.8) return NUMBERS[Math.floor(r() * NUMBERS.length)];
    return ['true', 'false', 'null'][Math.floor(r() * 3)];
  }
  const sp = r() < 0.1 ? ' ' : '';
  const n = Math.floor(r() * 5);
  const parts: string[] = [];
  if (k < 0.6) {
    for (let i = 0; i < n; i++) parts.push(randomText(r, depth + 1));
    return `[${sp}${parts.join(`,${sp}`)}]`;
  }
  for (let i = 0; i < n; i++) parts.push(`${JSON.stringify(KEYS[Math.floor(r() * KEYS.length)])}:${sp}${randomText(r, depth + 1)}`);
  return `{${parts.join(',')}${sp}}`;
}

test('random texts: whenever a text is taken it is JSON.stringify\'s, and texts in that form are taken', () => {
  const r = rng(0x5eed);
  let taken = 0;
  let canonical = 0;
  for (let i = 0; i < 30_000; i++) {
    let text = randomText(r, 0);
    if (text[0] !== '{' && text[0] !== '[') text = `[${text}]`;
    const { raw, params } = request(text);
    const t = captured(raw, 'params', params);
    if (t !== undefined) taken++;
    // Round-tripped texts are in JSON.stringify's form, unless they hold a lone surrogate or digit-only keys.
    const again = JSON.stringify(params);
    const rt = request(again);
    if (!/[{,]"\d+":/.test(again) && (rt.raw as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      canonical++;
      const t2 = captured(rt.raw, 'params', rt.params);
      // Not taken by design: `\u` escapes, fractions and exponents, 16-digit numbers from 9e15 up.
      if (!/\\u|[0-9][.eE]|\d{16}/.test(again)) assert.equal(t2, again, again);
    }
    // Response results too.
    const res = `{"jsonrpc":"2.0","id":${i},"result":${text}}`;
    captured(res, 'result', (JSON.parse(res) as { result: unknown }).result);
  }
  assert.ok(taken > 3_000, `taken ${taken}`);
  assert.ok(canonical > 10_000, `canonical ${canonical}`);
});

test('deep nesting, huge and many-keyed texts come out the same or are refused', () => {
  const deep = `${'['.repeat(200)}1${']'.repeat(200)}`;
  const d = request(deep);
  assert.equal(captured(d.raw, 'params', d.params), deep);
  const many: Record<string, number> = {};
  for (let i = 0; i < 5000; i++) many[`k${i}`] = i;
  const m = request(JSON.stringify(many));
  assert.equal(captured(m.raw, 'params', m.params), JSON.stringify(many));
  const dup = `{${Array.from({ length: 100 }, (_, i) => `"k${i % 50}":${i}`).join(',')}}`;
  const u = request(dup);
  assert.equal(captured(u.raw, 'params', u.params), undefined);
});
