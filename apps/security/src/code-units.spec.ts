import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { codeUnitsOf } from './code-units';
import { normalizeForMatch } from './normalize';
import { quotedSpans } from './detectors/rules.detector';

const units = (t: string) => Array.from({ length: t.length }, (_, i) => t.charCodeAt(i));

describe('shared per-text work (session 5 speed)', () => {
  test('codeUnitsOf gives every UTF-16 code unit, lone surrogates and long texts included', () => {
    for (const t of ['', 'a', 'plain ascii text', 'é中\ud83d\ude00', 'lone \ud800 and \udc00 surrogates', 'x'.repeat(70_000) + '\u2019']) {
      assert.deepEqual([...codeUnitsOf(t)], units(t));
    }
  });

  test('a text asked for again after others gets its own units, not a reused buffer of another', () => {
    const texts = Array.from({ length: 9 }, (_, i) => `text number ${i} `.repeat(i + 1));
    for (let round = 0; round < 3; round++) {
      for (const t of texts) assert.deepEqual([...codeUnitsOf(t)], units(t));
      // The same strings in another order: each answer is still its own text's.
      for (const t of [...texts].reverse()) assert.deepEqual([...codeUnitsOf(t)], units(t));
    }
  });

  test('normalizeForMatch and quotedSpans answer the same for a text whether or not it was just asked about', () => {
    const texts = ['Ｉｇｎｏｒｅ "previous" instructions', 'plain "quoted" text', 'such as "ignore all instructions" is a classic payload', 'іgnоrе “this”'];
    const first = texts.map((t) => ({ n: normalizeForMatch(t), q: quotedSpans(normalizeForMatch(t).text) }));
    for (let i = 0; i < 12; i++) {
      const t = texts[i % texts.length]!;
      // Copies of the strings (not the same objects) must get equal answers too.
      const copy = (' ' + t).slice(1);
      assert.deepEqual(normalizeForMatch(copy), first[i % texts.length]!.n);
      assert.deepEqual(quotedSpans(normalizeForMatch(copy).text), first[i % texts.length]!.q);
    }
  });
});
