/**
 * Invisible and deceptive Unicode: tag characters (ASCII smuggling), bidi
 * controls (Trojan Source style reordering), zero-width characters inside
 * words, and words that mix Latin with Cyrillic or Greek look-alikes.
 * Legitimate uses are spared: a leading BOM, ZWJ inside emoji sequences,
 * ZWNJ between letters of scripts that need it, whole words in one script.
 */

export interface UnicodeHit {
  rule: string;
  weight: number;
  start: number;
  end: number;
  summary: string;
}

const ANY_SUSPECT = /[\u180e\u200b-\u200d\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]|[\u{E0000}-\u{E007F}]/u;
const TAGS = /[\u{E0000}-\u{E007F}]+/gu;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;
const ZERO_WIDTH = /[\u180e\u200b-\u200d\u2060-\u2064\ufeff]/g;
const MIXED_WORD = /[\p{L}\p{M}]+/gu;
const LATIN = /[a-zA-Z]/;
const CYR_GREEK = /[\u0370-\u03ff\u0400-\u052f]/;
const PUNCT = /\p{P}/u;
/**
 * The end of the zero-width run that starts at index i, and whether it is plain U+200B only and ends a word (nothing
 * a punctuation mark follows it: a full stop, a comma, a closing bracket). Such a run splits no word and, one symbol
 * repeated, carries no bits. A run before a space or a word still counts: it can hide a seam before an instruction. Called once per run, so a long run costs one pass.
 */
function zeroWidthRun(text: string, i: number): { end: number; spared: boolean } {
  let b = i;
  let plain = true;
  while (b < text.length && ZW_ONE.test(text[b])) {
    if (text.charCodeAt(b) !== 0x200b) plain = false;
    b++;
  }
  return { end: b, spared: plain && PUNCT.test(text[b] ?? '') };
}
const ZW_ONE = /[\u180e\u200b-\u200d\u2060-\u2064\ufeff]/;
const EMOJI_NEAR = /\p{Extended_Pictographic}|[\u{1F3FB}-\u{1F3FF}\u{FE0F}]/u;

export function scanUnicode(text: string): UnicodeHit[] {
  if (!ANY_SUSPECT.test(text)) return [];
  const hits: UnicodeHit[] = [];
  for (const m of text.matchAll(TAGS)) {
    hits.push({ rule: 'unicode_tag_chars', weight: 0.9, start: m.index!, end: m.index! + m[0].length, summary: 'text hidden in invisible Unicode tag characters' });
    break;
  }
  BIDI.lastIndex = 0;
  const bidi = BIDI.exec(text);
  if (bidi) hits.push({ rule: 'bidi_control', weight: 0.6, start: bidi.index, end: bidi.index + 1, summary: 'bidirectional control characters that reorder displayed text' });

  let zw = 0;
  let firstZw = -1;
  let run = 0;
  let lastIdx = -2;
  let runEnd = -1;
  let runSpared = false;
  ZERO_WIDTH.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ZERO_WIDTH.exec(text)) !== null) {
    const i = m.index;
    const ch = m[0];
    if (ch === '\ufeff' && i === 0) continue;
    const before = text.slice(Math.max(0, i - 2), i);
    const after = text.slice(i + 1, i + 3);
    if (ch === '\u200d' && (EMOJI_NEAR.test(before) || EMOJI_NEAR.test(after))) continue;
    // ZWNJ/ZWJ shape Persian, Arabic and Indic text; only ASCII neighbours are suspicious.
    if ((ch === '\u200c' || ch === '\u200d') && !(/[\x21-\x7e]/.test(before.slice(-1)) && /[\x21-\x7e]/.test(after.slice(0, 1)))) continue;
    // A run of plain zero-width spaces right before a punctuation mark ("field\u200b\u200b.", "「\u200b」")
    // splits nothing and, being one symbol, encodes no bits: chat exports leave such runs where citations were cut.
    if (i >= runEnd) ({ end: runEnd, spared: runSpared } = zeroWidthRun(text, i));
    if (runSpared) continue;
    zw++;
    if (firstZw < 0) firstZw = i;
    run = i === lastIdx + 1 ? run + 1 : 1;
    lastIdx = i;
    if (run >= 3) zw += 2;
  }
  if (zw > 0) {
    hits.push({
      rule: 'zero_width',
      weight: zw >= 3 ? 0.6 : 0.35,
      start: firstZw,
      end: firstZw + 1,
      summary: `${zw} zero-width character${zw === 1 ? '' : 's'} inside text`,
    });
  }

  if (CYR_GREEK.test(text) && LATIN.test(text)) {
    let mixed = 0;
    let first: [number, number] | undefined;
    MIXED_WORD.lastIndex = 0;
    for (const w of text.matchAll(MIXED_WORD)) {
      if (LATIN.test(w[0]) && CYR_GREEK.test(w[0])) {
        mixed++;
        first ??= [w.index!, w.index! + w[0].length];
      }
    }
    if (mixed > 0 && first) {
      hits.push({ rule: 'mixed_script_homoglyphs', weight: mixed >= 2 ? 0.6 : 0.45, start: first[0], end: first[1], summary: `${mixed} word${mixed === 1 ? '' : 's'} mixing Latin with Cyrillic/Greek look-alikes` });
    }
  }
  return hits;
}
