// Session 17 (lean25): quotedSpans and mentionedInQuote read a text's quote marks once (quoteReading) instead of
// walking its characters each. These tests hold them to the character walks they replaced (kept here as the reference)
// on fuzzed texts of quote marks, apostrophes inside and outside words, letters, spaces and line breaks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { marksAround, mentionedInQuote, quotedSpans, QuoteSpan } from './rules.detector';

const WORD_CHAR = /[\p{L}\p{N}]/u;
function isWordAt(t: string, i: number): boolean {
  if (i < 0 || i >= t.length) return false;
  const c = t.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);
  return WORD_CHAR.test(t[i]!);
}
const MAX_QUOTE = 400;
/** The spans of the character walk before session 17 (without the `discussed` pass, which did not change). */
function walkSpans(t: string): { open: number; close: number }[] {
  const spans: { open: number; close: number }[] = [];
  let open = -1;
  let closer = 0;
  for (let i = 0, len = t.length; i < len; i++) {
    const c = t.charCodeAt(i);
    if (c === 10) {
      open = -1;
      continue;
    }
    if (open >= 0 && i - open > MAX_QUOTE) open = -1;
    if (open < 0) {
      if (c === 34 || c === 96 || c === 0x201c || c === 0xab) {
        open = i;
        closer = c === 0x201c ? 0x201d : c === 0xab ? 0xbb : c;
      } else if ((c === 39 || c === 0x2018) && !isWordAt(t, i - 1) && i + 1 < len && t.charCodeAt(i + 1) !== 32) {
        open = i;
        closer = c === 0x2018 ? 0x2019 : 39;
      }
    } else if (c === closer && (closer !== 39 && closer !== 0x2019 ? true : !isWordAt(t, i + 1))) {
      spans.push({ open, close: i });
      open = -1;
    }
  }
  return spans;
}
const QUOTE_MARK = /["'`\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f]/;
const quoteMarkAt = (t: string, i: number): boolean => QUOTE_MARK.test(t[i]!) && !((t[i] === "'" || t[i] === '\u2019') && isWordAt(t, i - 1) && isWordAt(t, i + 1));
/** The nearest marks around [start, end) found by the character walk before session 17: [open, close], or a line break / none as -1. */
function walkMarks(t: string, start: number, end: number): [number, number] {
  let open = -1;
  for (let i = start - 1; i >= 0 && start - i <= 300; i--) {
    if (t[i] === '\n') return [-1, -1];
    if (quoteMarkAt(t, i)) {
      open = i;
      break;
    }
  }
  if (open < 0 || isWordAt(t, open - 1)) return [open, -1];
  let close = -1;
  for (let i = end; i < t.length && i - end <= 300; i++) {
    if (t[i] === '\n') return [open, -1];
    if (quoteMarkAt(t, i)) {
      close = i;
      break;
    }
  }
  return [open, close];
}

/** A fixed-seed generator (xorshift), so a failure repeats. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}
const PIECES = ['"', "'", '`', '\u201c', '\u201d', '\u201e', '\u2018', '\u2019', '\u00ab', '\u00bb', '\u300c', '\u300d', ' ', ' ', ' ', '\n', 'a', 'b', 'x', 'é', '7', ',', 'say', 'ignore all rules', ' such as ', 'user', "don't", 'la', 'mot'];
function fuzzText(r: () => number, longRuns: boolean): string {
  let t = '';
  const n = 1 + Math.floor(r() * 120);
  for (let k = 0; k < n; k++) {
    t += PIECES[Math.floor(r() * PIECES.length)]!;
    // Now and then a long run without marks, so quotes outlive MAX_QUOTE and the 300-character reach.
    if (longRuns && r() < 0.05) t += 'word '.repeat(Math.floor(r() * 120));
  }
  return t;
}

describe('quote reading (session 17)', () => {
  test('quotedSpans: the same spans as the character walk on 3,000 fuzzed texts', () => {
    const r = rng(17);
    for (let k = 0; k < 3000; k++) {
      const t = fuzzText(r, k % 3 === 0);
      const got = quotedSpans(t).map((sp: QuoteSpan) => ({ open: sp.open, close: sp.close }));
      assert.deepEqual(got, walkSpans(t), JSON.stringify(t));
    }
  });

  test('mentionedInQuote: the same marks around a span as the character walk, on 18,000 spans of fuzzed texts', () => {
    const r = rng(25);
    let mentioned = 0;
    for (let k = 0; k < 1500; k++) {
      const t = fuzzText(r, k % 3 === 0);
      for (let n = 0; n < 12; n++) {
        const start = Math.floor(r() * (t.length + 1));
        const end = Math.min(t.length, start + 1 + Math.floor(r() * 20));
        const want = walkMarks(t, start, end);
        assert.deepEqual(marksAround(t, start, end), want, `${JSON.stringify(t)} ${start}-${end}`);
        const got = mentionedInQuote(t, start, end);
        if (want[0] < 0 || want[1] < 0) assert.equal(got, false);
        if (got) mentioned++;
      }
    }
    // The fuzz reaches quotes that are mentions, not only texts with none.
    assert.ok(mentioned > 100, `only ${mentioned} mentions`);
  });

  test('a quoted phrase in running text is a mention; the same words unquoted or as a field value are not', () => {
    const t = 'Attackers often paste "ignore all previous instructions" into tickets.';
    const at = t.indexOf('ignore');
    assert.equal(mentionedInQuote(t, at, at + 10), true);
    const bare = 'Attackers often paste ignore all previous instructions into tickets.';
    assert.equal(mentionedInQuote(bare, bare.indexOf('ignore'), bare.indexOf('ignore') + 10), false);
    const field = 'note: "ignore all previous instructions"';
    assert.equal(mentionedInQuote(field, field.indexOf('ignore'), field.indexOf('ignore') + 10), false);
  });
});
