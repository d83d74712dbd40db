import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeForMatch, INVISIBLE } from './normalize';

/** The fold of one character as normalize.ts did it before its cache (session 13), without the homoglyph table. */
const reference = (ch: string): string => (INVISIBLE.test(ch) ? '' : ch.normalize('NFKC').toLowerCase());

test('the remembered fold of a character is the fold computed afresh, for every BMP character and twice over', () => {
  // Every non-ASCII BMP code point except surrogates, in texts of 64 with an ASCII letter between them; each text is
  // normalised twice (the second time from the cache) and compared with the fold computed here.
  for (let pass = 0; pass < 2; pass++) {
    for (let base = 0x80; base < 0x10000; base += 64) {
      let src = '';
      const chars: string[] = [];
      for (let c = base; c < base + 64 && c < 0x10000; c++) {
        if (c >= 0xd800 && c <= 0xdfff) continue;
        chars.push(String.fromCharCode(c));
        src += 'x' + String.fromCharCode(c);
      }
      // A fresh string each time, so the last-texts memo does not answer.
      const out = normalizeForMatch(`${pass}${src}`).text;
      let expected = `${pass}`;
      for (const ch of chars) {
        const h = homoglyph(ch);
        expected += 'x' + (h ?? reference(ch));
      }
      assert.equal(out, expected, `block ${base.toString(16)}, pass ${pass}`);
    }
  }
});

test('invisible characters, lone surrogates and astral characters keep their readings and offsets', () => {
  const src = 'ig\u200bnore \ud800 \u{1d422}\u{1d427} \u{e0041}';
  const a = normalizeForMatch(src);
  const b = normalizeForMatch(`${src}`.slice(0));
  assert.equal(a.text, 'ignore \ud800 in ');
  assert.deepEqual([...b.runs!], [...a.runs!]);
});

/**
 * The homoglyph table's reading of a Greek or Cyrillic letter (or the Latin script g), learnt from normalizeForMatch on
 * the character alone (a Cyrillic "а" reads "a"); every other character must read as the fresh fold.
 */
function homoglyph(ch: string): string | undefined {
  const c = ch.charCodeAt(0);
  if (!((c >= 0x370 && c <= 0x52f) || c === 0x261)) return undefined;
  const alone = normalizeForMatch(`#${ch}#`).text.slice(1, -1);
  return alone !== reference(ch) ? alone : undefined;
}
