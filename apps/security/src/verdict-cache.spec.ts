import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Counters } from '@mcpspy/runtime';
import { detectionVersion, KEY_INLINE_MAX, VerdictCache } from './verdict-cache';
import type { Finding, TextsInput, TextUnit } from './types';

const unit = (text: string, field = 'result.content[0].text', context: TextUnit['context'] = 'result', origin: TextUnit['origin'] = 'plain'): TextUnit => ({ field, text, context, origin });
const input = (texts: TextUnit[], method = 'tools/call', direction: TextsInput['direction'] = 'response'): TextsInput => ({ method, direction, texts });
const finding = (text: string): Finding => ({
  category: 'prompt_injection',
  score: 0.6,
  detector: 'rules',
  evidence: [{ text, field: 'result.content[0].text', start: 0, end: text.length, rule: 'r' }],
  summary: 's',
  details: { n: 1 },
});

describe('verdict cache: keys', () => {
  const cache = new VerdictCache();
  const prefix = VerdictCache.prefixFor('{}');
  const key = (i: TextsInput) => cache.keyOf(prefix, i);

  test('the same input gives the same key: the serialisation itself when short, its SHA-256 digest when long', () => {
    assert.equal(key(input([unit('hello')])), key(input([unit('hello')])));
    const short = key(input([unit('hello')]));
    assert.ok(short.length <= KEY_INLINE_MAX && short.includes(':') && short.endsWith('u5:hello'), short);
    const long = 'x'.repeat(KEY_INLINE_MAX);
    assert.match(key(input([unit(long)])), /^[A-Za-z0-9+/]{43}=$/);
    assert.equal(key(input([unit(long)])), key(input([unit(long)])));
    // Around the bound: one character more turns the serialisation into its digest, and the two never meet.
    let n = 0;
    while (key(input([unit('y'.repeat(n + 1))])).includes(':')) n++;
    const atBound = key(input([unit('y'.repeat(n))]));
    const over = key(input([unit('y'.repeat(n + 1))]));
    assert.ok(atBound.length <= KEY_INLINE_MAX && atBound.length >= KEY_INLINE_MAX - 1, String(atBound.length));
    assert.match(over, /^[A-Za-z0-9+/]{43}=$/);
  });

  test('everything the stateless detectors read changes the key', () => {
    const base = input([unit('hello world'), unit('second', 'result.content[1].text')]);
    const variants: TextsInput[] = [
      input([unit('hello world'), unit('second', 'result.content[1].text')], 'resources/read'),
      input([unit('hello world'), unit('second', 'result.content[1].text')], 'tools/call', 'request'),
      input([unit('hello world', 'result.content[9].text'), unit('second', 'result.content[1].text')]),
      input([unit('hello world', undefined, 'definition'), unit('second', 'result.content[1].text')]),
      input([unit('hello world', undefined, undefined, 'base64'), unit('second', 'result.content[1].text')]),
      input([unit('hello world!'), unit('second', 'result.content[1].text')]),
      input([unit('second', 'result.content[1].text'), unit('hello world')]),
      input([unit('hello world')]),
    ];
    const keys = new Set([key(base), ...variants.map(key)]);
    assert.equal(keys.size, variants.length + 1);
  });

  test('boundaries are length-prefixed: shifting characters between strings changes the key', () => {
    assert.notEqual(key(input([unit('ab'), unit('c')])), key(input([unit('a'), unit('bc')])));
    assert.notEqual(key(input([unit('x', 'ab')])), key(input([unit('bx', 'a')])));
    assert.notEqual(key(input([unit('a:b')], 'm')), key(input([unit('b')], 'm:a')));
    // A separator-like text cannot forge the next field.
    assert.notEqual(key(input([unit('u4:plain')])), key(input([unit('')])));
  });

  test('lone surrogates are kept: they differ from U+FFFD and from each other', () => {
    const k = new Set([
      key(input([unit('a\uD800b')])),
      key(input([unit('a\uFFFDb')])),
      key(input([unit('a\uDC00b')])),
      key(input([unit('a\uD800\uDC00b')])),
      key(input([unit('a\uDBFFb')])),
    ]);
    assert.equal(k.size, 5);
    // A well-formed pair is the same string whichever way it was written.
    assert.equal(key(input([unit('a\uD83D\uDE00')])), key(input([unit('a😀')])));
    // The escaped form cannot be forged by a well-formed text that spells the escape.
    assert.notEqual(key(input([unit('\uD800')])), key(input([unit('"\\ud800"')])));
    // A lone high surrogate ending one text and a lone low one starting the next never form a pair.
    assert.notEqual(key(input([unit('a\uD83D'), unit('\uDE00b')])), key(input([unit('a'), unit('\uD83D\uDE00b')])));
  });

  test('the configuration and the detection version open every key', () => {
    assert.notEqual(cache.keyOf(VerdictCache.prefixFor('{"lexical":true}'), input([unit('hello')])), key(input([unit('hello')])));
    assert.match(detectionVersion(), /^[0-9a-f]{64}$/);
    assert.equal(detectionVersion(), detectionVersion());
  });
});

describe('verdict cache: first sight', () => {
  test('an input is seen the second time, not the first; any change makes it new', () => {
    const counters = new Counters();
    const c = new VerdictCache({ counters });
    const a = input([unit('hello world')]);
    assert.equal(c.seenBefore(a), false);
    assert.equal(c.seenBefore(input([unit('hello world')])), true);
    assert.equal(c.seenBefore(input([unit('hello world!')])), false);
    assert.equal(c.seenBefore(input([unit('hello world', 'result.content[1].text')])), false);
    assert.equal(c.seenBefore(input([unit('hello world', undefined, 'definition')])), false);
    assert.equal(c.seenBefore(input([unit('hello world')], 'resources/read')), false);
    assert.equal(counters.get('verdict_cache_first_sight'), 5);
  });

  test('10,000 distinct inputs are all remembered (buckets of 4: a shared slot does not evict)', () => {
    const c = new VerdictCache();
    const inputs = Array.from({ length: 10_000 }, (_, i) => input([unit(`text number ${i}`)]));
    // Fingerprints are 32 bits: among 10,000 inputs two share one about once in 50 runs (the birthday bound), and
    // the second of them then reads as seen. Allow a few such pairs instead of asserting every first sight.
    let firstSeen = 0;
    for (const x of inputs) if (c.seenBefore(x)) firstSeen++;
    assert.ok(firstSeen <= 3, String(firstSeen));
    let seen = 0;
    for (const x of inputs) if (c.seenBefore(x)) seen++;
    assert.ok(seen >= 9_990, String(seen));
    assert.equal(c.seenBefore(input([unit('text number 10000')])), false);
  });
});

describe('verdict cache: LRU bounds, copies, counters', () => {
  test('evicts the least recently used entry past the entry bound', () => {
    const counters = new Counters();
    const c = new VerdictCache({ maxEntries: 3, counters });
    for (const k of ['a', 'b', 'c']) c.set(k, []);
    assert.deepEqual(c.get('a'), []); // a is now the youngest
    c.set('d', []);
    assert.equal(c.size, 3);
    assert.equal(c.get('b'), undefined, 'b was the oldest');
    assert.ok(c.get('a') && c.get('c') && c.get('d'));
    assert.equal(counters.get('verdict_cache_evictions'), 1);
    assert.equal(counters.get('verdict_cache_misses'), 1);
    assert.equal(counters.get('verdict_cache_hits'), 4);
  });

  test('an inline key is counted in the bytes held', () => {
    const c = new VerdictCache({ maxEntries: 1000, maxBytes: 6000 });
    c.set('u3:k'.padEnd(1000, 'z'), []);
    assert.ok(c.heldBytes >= 2000, String(c.heldBytes));
    for (let i = 0; i < 5; i++) c.set(`u3:${i}`.padEnd(1000, 'z'), []);
    assert.ok(c.heldBytes <= 6000 && c.size <= 2, `${c.heldBytes} bytes, ${c.size} entries`);
  });

  test('evicts past the byte bound, and never keeps an entry larger than the bound', () => {
    const c = new VerdictCache({ maxEntries: 1000, maxBytes: 4000 });
    for (let i = 0; i < 50; i++) c.set(`k${i}`, [finding('x'.repeat(100))]);
    assert.ok(c.heldBytes <= 4000, String(c.heldBytes));
    assert.ok(c.size > 1 && c.size < 50, String(c.size));
    assert.ok(c.get('k49'));
    assert.equal(c.get('k0'), undefined);
    c.set('huge', [finding('y'.repeat(5000))]);
    assert.equal(c.get('huge'), undefined);
    assert.ok(c.get('k49'), 'a refused entry evicts nothing');
  });

  test('hands out copies: changing a hit or the stored original never changes the cache', () => {
    const c = new VerdictCache();
    const original = [finding('evidence')];
    c.set('k', original);
    original[0]!.evidence[0]!.text = 'changed';
    const hit = c.get('k')!;
    assert.equal(hit[0]!.evidence[0]!.text, 'evidence');
    hit[0]!.score = 0;
    hit.push(finding('more'));
    assert.deepEqual(c.get('k'), [finding('evidence')]);
  });

  test('0 entries turns it off', () => {
    const c = new VerdictCache({ maxEntries: 0 });
    assert.equal(c.enabled, false);
    c.set('k', []);
    assert.equal(c.get('k'), undefined);
  });
});

describe('verdict cache: entries by hash chain', () => {
  test('keys under one hash: each lookup serves its own key, never a neighbour of its chain', () => {
    const c = new VerdictCache({ maxEntries: 100 });
    c.set('a', [finding('for a')], 7);
    c.set('b', [], 7);
    c.set('c', [finding('for c')], 7);
    assert.deepEqual(c.get('a', 7), [finding('for a')]);
    assert.deepEqual(c.get('b', 7), []);
    assert.deepEqual(c.get('c', 7), [finding('for c')]);
    assert.equal(c.get('d', 7), undefined, 'a key not stored under a busy hash');
    assert.equal(c.get('a', 8), undefined, 'the hash picks the chain');
    c.set('b', [finding('b again')], 7);
    assert.equal(c.size, 3, 'a key set again replaces its entry');
    assert.deepEqual(c.get('b', 7), [finding('b again')]);
    assert.deepEqual(c.get('a', 7), [finding('for a')]);
  });

  test('eviction takes an entry out of the middle of its chain and leaves the rest', () => {
    const c = new VerdictCache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) c.set(k, [], 1);
    assert.ok(c.get('a', 1)); // b is now the oldest, in the middle of the chain c -> b -> a
    c.set('d', [], 2);
    assert.equal(c.size, 3);
    assert.equal(c.get('b', 1), undefined);
    assert.ok(c.get('a', 1) && c.get('c', 1) && c.get('d', 2));
    c.clear();
    assert.equal(c.size, 0);
    assert.equal(c.get('a', 1), undefined);
  });

  test(`a chain holds at most 4 entries: a fifth key under the same hash is judged, not kept`, () => {
    const c = new VerdictCache({ maxEntries: 100 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) c.set(k, [], 9);
    assert.equal(c.size, 4);
    assert.equal(c.get('e', 9), undefined);
    for (const k of ['a', 'b', 'c', 'd']) assert.ok(c.get(k, 9), k);
    c.set('x', [], 10);
    assert.ok(c.get('x', 10), 'another hash is not bounded by that chain');
  });

  test("the engine's hash: the input's fingerprint is the same for equal inputs, and finds what was stored under it", () => {
    const c = new VerdictCache();
    const prefix = VerdictCache.prefixFor('{}');
    const a = input([unit('hello world')]);
    const b = input([unit('hello world')]);
    assert.equal(c.fingerprintOf(a), c.fingerprintOf(b));
    assert.equal(c.seenBefore(a, c.fingerprintOf(a)), false);
    assert.equal(c.seenBefore(b, c.fingerprintOf(b)), true);
    c.set(c.keyOf(prefix, a), [finding('x')], c.fingerprintOf(a));
    assert.deepEqual(c.get(c.keyOf(prefix, b), c.fingerprintOf(b)), [finding('x')]);
    const other = input([unit('hello world!')]);
    assert.equal(c.get(c.keyOf(prefix, other), c.fingerprintOf(other)), undefined);
  });
});
