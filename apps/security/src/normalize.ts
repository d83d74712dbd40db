/**
 * Matching text: lower case, invisible characters removed, compatibility
 * forms folded (fullwidth, mathematical letters) and common Cyrillic/Greek
 * look-alikes mapped to Latin, so "ｉｇｎｏｒｅ", "ig\u200bnore" and "іgnоrе"
 * all read "ignore". A map gives each normalized character's offset in the
 * original, so evidence points at what the user can see in the message.
 */

/** Characters that render as nothing or reorder text: dropped before matching. */
export const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\u{E0000}-\u{E007F}]/u;

const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ɡ: 'g', ӏ: 'l',
  А: 'a', В: 'b', Е: 'e', К: 'k', М: 'm', Н: 'h', О: 'o', Р: 'p', С: 'c', Т: 't', У: 'y', Х: 'x', І: 'i', Ј: 'j', Ѕ: 's',
  // Greek
  α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
  Α: 'a', Β: 'b', Ε: 'e', Ζ: 'z', Η: 'h', Ι: 'i', Κ: 'k', Μ: 'm', Ν: 'n', Ο: 'o', Ρ: 'p', Τ: 't', Υ: 'y', Χ: 'x',
};

export interface Normalized {
  text: string;
  /** Offset in the original of each normalized char; absent when the text was plain ASCII (identity). */
  map?: Int32Array;
}

const NON_ASCII = /[^\x00-\x7f]/;

export function normalizeForMatch(src: string): Normalized {
  if (!NON_ASCII.test(src)) return { text: src.toLowerCase() };
  const out: string[] = [];
  const map: number[] = [];
  for (let i = 0; i < src.length; ) {
    const cp = src.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (cp < 0x80) {
      out.push(cp >= 65 && cp <= 90 ? String.fromCharCode(cp + 32) : String.fromCharCode(cp));
      map.push(i);
    } else {
      const ch = src.slice(i, i + width);
      if (!INVISIBLE.test(ch)) {
        const folded = HOMOGLYPHS[ch] ?? ch.normalize('NFKC').toLowerCase();
        for (let k = 0; k < folded.length; k++) {
          out.push(folded[k]!);
          map.push(i);
        }
      }
    }
    i += width;
  }
  const m = new Int32Array(map.length + 1);
  m.set(map);
  m[map.length] = src.length;
  return { text: out.join(''), map: m };
}

/** Original [start, end) of a normalized [start, end). */
export function originalSpan(n: Normalized, start: number, end: number): [number, number] {
  if (!n.map) return [start, end];
  const s = n.map[start] ?? n.map[n.map.length - 1]!;
  // The end maps through the last matched char, so a multi-unit source char is kept whole.
  const lastSrc = end > start ? n.map[end - 1]! : s;
  const next = n.map[end] ?? n.map[n.map.length - 1]!;
  return [s, Math.max(next, lastSrc + 1)];
}
