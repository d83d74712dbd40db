/**
 * Which writing system a text is mostly in, from its code points alone (no
 * dependency, no dictionary beyond a few dozen function words). Used to
 * measure the classifier by language (bench/security-by-script.mjs) and by
 * the classifier's features (classifier.ts: which characters are letters,
 * which scripts are written without spaces, Latin letters folded to their
 * base letter).
 *
 * Tags: 'latin-en' (Latin letters that read as English), 'latin-other'
 * (Latin letters with diacritics or the function words of French, German,
 * Spanish, Italian, Portuguese, Dutch…), 'cyrillic', 'greek', 'arabic',
 * 'hebrew', 'devanagari', 'thai', 'han' (Chinese: Han without kana),
 * 'japanese' (kana, with or without Han), 'hangul', 'other-script' (letters
 * of another script), 'none' (no letters at all).
 */

/** Character classes of the Basic Multilingual Plane (one byte per code unit, built once). */
export enum CharClass {
  /** Not a letter: space, punctuation, symbol, digit outside ASCII, a lone surrogate. */
  Other = 0,
  Latin = 1,
  Cyrillic = 2,
  Greek = 3,
  Arabic = 4,
  Hebrew = 5,
  Devanagari = 6,
  Thai = 7,
  Han = 8,
  Kana = 9,
  Hangul = 10,
  /** A letter of another script written with spaces (Armenian, Georgian, Bengali, Tamil, Ethiopic…). */
  OtherLetter = 11,
  /** A letter of another script written without spaces (Lao, Khmer, Myanmar, Tibetan, Yi). */
  OtherUnspaced = 12,
  /** A combining mark: part of the letter before it. */
  Mark = 13,
}

function range(t: Uint8Array, from: number, to: number, cls: CharClass): void {
  t.fill(cls, from, to + 1);
}

/** CLASS[code unit] for every UTF-16 code unit (surrogates are Other: astral letters count as nothing). */
export const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  for (let c = 0x41; c <= 0x5a; c++) t[c] = CharClass.Latin;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = CharClass.Latin;
  // Latin-1 letters (not × and ÷), Latin Extended-A/B, IPA, Latin Extended Additional (Vietnamese).
  range(t, 0xc0, 0x24f, CharClass.Latin);
  t[0xd7] = CharClass.Other;
  t[0xf7] = CharClass.Other;
  t[0xaa] = CharClass.Latin;
  t[0xba] = CharClass.Latin;
  range(t, 0x250, 0x2af, CharClass.Latin);
  range(t, 0x1e00, 0x1eff, CharClass.Latin);
  range(t, 0x300, 0x36f, CharClass.Mark);
  range(t, 0x370, 0x3ff, CharClass.Greek);
  range(t, 0x1f00, 0x1fff, CharClass.Greek);
  range(t, 0x400, 0x52f, CharClass.Cyrillic);
  range(t, 0x483, 0x489, CharClass.Mark);
  range(t, 0x531, 0x58f, CharClass.OtherLetter); // Armenian
  range(t, 0x5d0, 0x5f4, CharClass.Hebrew);
  range(t, 0x591, 0x5c7, CharClass.Mark);
  range(t, 0x600, 0x6ff, CharClass.Arabic);
  range(t, 0x750, 0x77f, CharClass.Arabic);
  range(t, 0xfb50, 0xfdff, CharClass.Arabic);
  range(t, 0xfe70, 0xfeff, CharClass.Arabic);
  range(t, 0x610, 0x61a, CharClass.Mark);
  range(t, 0x64b, 0x65f, CharClass.Mark);
  t[0x60c] = CharClass.Other; // Arabic comma, semicolon, question mark
  t[0x61b] = CharClass.Other;
  t[0x61f] = CharClass.Other;
  range(t, 0x660, 0x669, CharClass.Other); // Arabic-Indic digits
  range(t, 0x900, 0x97f, CharClass.Devanagari);
  range(t, 0x964, 0x96f, CharClass.Other); // danda and digits
  range(t, 0x980, 0xdff, CharClass.OtherLetter); // Bengali … Sinhala
  range(t, 0xe00, 0xe7f, CharClass.Thai);
  range(t, 0xe80, 0xeff, CharClass.OtherUnspaced); // Lao
  range(t, 0xf00, 0xfff, CharClass.OtherUnspaced); // Tibetan
  range(t, 0x1000, 0x109f, CharClass.OtherUnspaced); // Myanmar
  range(t, 0x10a0, 0x10ff, CharClass.OtherLetter); // Georgian
  range(t, 0x1100, 0x11ff, CharClass.Hangul); // Jamo
  range(t, 0x1200, 0x139f, CharClass.OtherLetter); // Ethiopic
  range(t, 0x1780, 0x17ff, CharClass.OtherUnspaced); // Khmer
  range(t, 0x1ab0, 0x1aff, CharClass.Mark);
  range(t, 0x1dc0, 0x1dff, CharClass.Mark);
  range(t, 0x20d0, 0x20ff, CharClass.Mark);
  range(t, 0x3040, 0x30ff, CharClass.Kana);
  t[0x30fb] = CharClass.Other; // katakana middle dot
  range(t, 0x3099, 0x309a, CharClass.Mark);
  range(t, 0x31f0, 0x31ff, CharClass.Kana);
  range(t, 0xff66, 0xff9f, CharClass.Kana); // half-width katakana
  range(t, 0x3130, 0x318f, CharClass.Hangul);
  range(t, 0xac00, 0xd7af, CharClass.Hangul);
  range(t, 0x3400, 0x4dbf, CharClass.Han);
  range(t, 0x4e00, 0x9fff, CharClass.Han);
  range(t, 0xf900, 0xfaff, CharClass.Han);
  t[0x3005] = CharClass.Han; // 々
  range(t, 0xa000, 0xa4cf, CharClass.OtherUnspaced); // Yi
  range(t, 0xfe20, 0xfe2f, CharClass.Mark);
  return t;
})();

/** Scripts written without spaces between words: the classifier reads each of their letters as a word of its own. */
export function unspaced(cls: number): boolean {
  return cls === CharClass.Han || cls === CharClass.Kana || cls === CharClass.Thai || cls === CharClass.OtherUnspaced;
}

/**
 * LATIN_FOLD[c]: the lower-case ASCII letter a Latin letter with diacritics is built on (é → e, Ø → o, ß → s,
 * ǅ → d), 0 when it has none. Built from the canonical decomposition, plus the letters that have none.
 */
export const LATIN_FOLD: Uint8Array = (() => {
  const t = new Uint8Array(0x1f00);
  const mark = (c: number) => {
    const d = String.fromCharCode(c).normalize('NFD').toLowerCase().charCodeAt(0);
    if ((d >= 0x61 && d <= 0x7a) || (d >= 0x41 && d <= 0x5a)) t[c] = d | 0x20;
  };
  for (let c = 0xc0; c <= 0x24f; c++) mark(c);
  for (let c = 0x1e00; c <= 0x1eff; c++) mark(c);
  const extra: Record<string, string> = { ß: 's', ẞ: 's', æ: 'a', Æ: 'a', œ: 'o', Œ: 'o', ø: 'o', Ø: 'o', đ: 'd', Đ: 'd', ł: 'l', Ł: 'l', ı: 'i', ð: 'd', Ð: 'd', þ: 't', Þ: 't', ħ: 'h', Ħ: 'h', ŀ: 'l', Ŀ: 'l', ŋ: 'n', Ŋ: 'n', ŧ: 't', Ŧ: 't', ƒ: 'f' };
  for (const [k, v] of Object.entries(extra)) t[k.charCodeAt(0)] = v.charCodeAt(0);
  return t;
})();

export type ScriptTag =
  | 'latin-en'
  | 'latin-other'
  | 'cyrillic'
  | 'greek'
  | 'arabic'
  | 'hebrew'
  | 'devanagari'
  | 'thai'
  | 'han'
  | 'japanese'
  | 'hangul'
  | 'other-script'
  | 'none';

// Function words: English against the other Latin-script languages the writers use. Two-letter words of both
// (a, de, in, to…) are left out where they are common to several.
const EN = new Set('the and of to is are was were be this that with for you your not have has it on from by or will can all any please'.split(' '));
const OTHER = new Set(
  [
    // French
    'le les des est une du et pour pas que qui dans sur avec vous nous ce cette sont au aux mais ou ne',
    // German
    'der die das und ist nicht ein eine mit für sie ich den dem zu auf auch sich bitte oder wird sind',
    // Spanish, Portuguese
    'el los las que por para una con del es no se su al lo como más pero sus uma não com os você está são',
    // Italian
    'il di che non per una sono della gli le da si con questo nel alla anche',
    // Dutch
    'het een van niet voor met zijn op dat ook',
    // Further languages (session 17): words of three letters or more, or of two with a diacritic, that English
    // text, code and logs do not also hold ("see", "fun", "pro", "till", "ve" of "I've", "de", "na", "po" do).
    // Nordic: Swedish, Norwegian, Danish, Icelandic
    'och att det som är för inte med jag ett ikke jeg på til ekki að því',
    // Finnish, Estonian
    'ja että tai kun ole olet voi ovat myös kuin mutta jos ning kui või palun tere',
    // Latvian, Lithuanian
    'par kas lai bet nav jūs arī kad kaip yra iš jūsų prašome',
    // Czech, Slovak, Polish, Slovenian, Croatian, Serbian, Bosnian
    'že jsou nebo ale jako aby alebo nie jest się jak dla są lub ali kot sve ili što',
    // Hungarian, Romanian, Albanian
    'és hogy nem egy van meg kérem și în că este pentru sunt të në për dhe një nga është',
    // Turkish, Azerbaijani, Uzbek
    'bir için ile değil olan çok ama üçün və uchun',
    // Malay, Indonesian, Tagalog
    'dan yang untuk ini itu dengan tidak saya anda akan ada kami boleh sila dari atau pada ang mga ako hindi',
    // Vietnamese
    'của và là có không cho các được này một những với trong người bạn tôi',
    // Swahili, Yoruba, Hausa, Zulu, Somali
    'kwa katika hii tafadhali kan awọn kuma wannan ukuthi futhi iyo waa',
  ]
    .join(' ')
    .split(' '),
);

/** Letters read by scriptOf at most: a tag needs no more, and a megabyte of text costs no more than this. */
const SCAN_MAX = 64 * 1024;

/** The dominant writing system of a text (see the file comment). Reads at most its first 64K code units. */
export function scriptOf(text: string): ScriptTag {
  const n = Math.min(text.length, SCAN_MAX);
  // Letters per class; a Han, kana or Thai letter counts 3 (a word's worth of Latin letters).
  const count = new Float64Array(14);
  let diacritics = 0;
  let en = 0;
  let other = 0;
  let words = 0;
  let word = '';
  // A word written right after '.', '/', '@', '_' or '\\' is a file extension, a path or a host name part (".ini",
  // ".com", "/de/"), not a word of the text's language.
  let inName = false;
  const endWord = () => {
    if (word.length >= 2) words++;
    if (word.length >= 2 && word.length <= 6 && !inName) {
      if (EN.has(word)) en++;
      else if (OTHER.has(word)) other++;
    }
    word = '';
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const cls = CHAR_CLASS[c]!;
    if (cls === CharClass.Mark) continue;
    if (cls === CharClass.Latin) {
      count[cls]++;
      if (c >= 0x80) diacritics++;
      if (word === '' && i > 0) {
        const p = text.charCodeAt(i - 1);
        inName = p === 0x2e || p === 0x2f || p === 0x40 || p === 0x5f || p === 0x5c;
      }
      if (word.length < 8) word += String.fromCharCode(c < 0x80 ? c | 0x20 : c).toLowerCase();
      continue;
    }
    if (word) endWord();
    if (cls !== CharClass.Other) count[cls] += unspaced(cls) ? 3 : 1;
  }
  if (word) endWord();
  let total = 0;
  for (let k = 1; k < count.length; k++) total += count[k]!;
  if (total === 0) return 'none';
  // Kana anywhere in a text that is mostly CJK makes it Japanese.
  const cjk = count[CharClass.Han]! + count[CharClass.Kana]!;
  let best = 0;
  let bestN = 0;
  for (let k = 2; k < count.length; k++) {
    const v = k === CharClass.Han || k === CharClass.Kana ? cjk : count[k]!;
    if (v > bestN) [best, bestN] = [k, v];
  }
  // A text is in a non-Latin script when that script holds a fifth of its (weighted) letters: MCP texts in
  // another language still carry English field names, URLs and code.
  if (bestN >= 0.2 * total) {
    switch (best) {
      case CharClass.Cyrillic:
        return 'cyrillic';
      case CharClass.Greek:
        return 'greek';
      case CharClass.Arabic:
        return 'arabic';
      case CharClass.Hebrew:
        return 'hebrew';
      case CharClass.Devanagari:
        return 'devanagari';
      case CharClass.Thai:
        return 'thai';
      case CharClass.Han:
      case CharClass.Kana:
        return count[CharClass.Kana]! > 0 ? 'japanese' : 'han';
      case CharClass.Hangul:
        return 'hangul';
      default:
        return 'other-script';
    }
  }
  const latin = count[CharClass.Latin]!;
  // Latin: another language when its function words outnumber English ones, or when letters with diacritics are
  // common (more than one in a hundred, as in French, German, Spanish; English loanwords such as café stay below)
  // and English function words are not: English prose has one in five words or more of them, a text in Estonian,
  // Latvian or Vietnamese a stray "on", "it" or "to" among fifty.
  if (other > en) return 'latin-other';
  if (latin > 0 && diacritics / latin > 0.01 && other >= en / 2) return 'latin-other';
  if (latin > 0 && diacritics / latin > 0.02 && en < 0.08 * words) return 'latin-other';
  return 'latin-en';
}

/** Tags that count as English in the by-language tables; every other tag with letters is "not English". */
export function isEnglish(tag: ScriptTag): boolean {
  return tag === 'latin-en' || tag === 'none';
}
