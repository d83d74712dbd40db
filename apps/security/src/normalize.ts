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
  /**
   * Runs of the normalized text: [normStart, origStart, origWidth, identity].
   * Identity runs map char for char; other runs are one source character
   * (folded or decomposed) mapping as a whole. Absent for plain ASCII input.
   */
  runs?: Int32Array;
}

const NON_ASCII_RUN = /[^\x00-\x7f]+/g;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The last few texts normalised, with their results: the rules, the classifier
 * and the context cues each normalise the same text of a message, one after
 * the other (bench/README.md, session 5). Texts up to MEMO_MAX characters only,
 * so at most a few hundred KB stay referenced. The result is shared: callers
 * must not modify it.
 */
const MEMO_SIZE = 4;
const MEMO_MAX = 64 * 1024;
const memoSrc: (string | undefined)[] = [undefined, undefined, undefined, undefined];
const memoOut: (Normalized | undefined)[] = [undefined, undefined, undefined, undefined];
let memoNext = 0;

export function normalizeForMatch(src: string): Normalized {
  if (src.length > MEMO_MAX) return normalizeOnce(src);
  for (let i = 0; i < MEMO_SIZE; i++) if (memoSrc[i] === src) return memoOut[i]!;
  const out = normalizeOnce(src);
  memoSrc[memoNext] = src;
  memoOut[memoNext] = out;
  memoNext = (memoNext + 1) % MEMO_SIZE;
  return out;
}

/**
 * What one non-ASCII character reads as after normalisation ('' when invisible), remembered: text in another script
 * repeats a few hundred characters, and the regex test, the look-up and NFKC cost ~50 ns per character (session 14:
 * normalisation was ~5% of the detectors' time on the realistic mix). At most FOLD_MAX characters are kept, so a text of
 * many distinct characters cannot grow it without bound; past that, characters are folded as before, uncached.
 */
const FOLD_MAX = 8192;
const foldCache = new Map<string, string>();
function foldOf(ch: string): string {
  let folded = foldCache.get(ch);
  if (folded !== undefined) return folded;
  folded = INVISIBLE.test(ch) ? '' : HOMOGLYPHS[ch] ?? ch.normalize('NFKC').toLowerCase();
  if (foldCache.size < FOLD_MAX) foldCache.set(ch, folded);
  return folded;
}

function normalizeOnce(src: string): Normalized {
  if (!NON_ASCII.test(src)) return { text: src.toLowerCase() };
  const parts: string[] = [];
  const runs: number[] = [];
  let outLen = 0;
  let last = 0;
  const ascii = (from: number, to: number) => {
    if (to <= from) return;
    parts.push(src.slice(from, to).toLowerCase());
    runs.push(outLen, from, to - from, 1);
    outLen += to - from;
  };
  NON_ASCII_RUN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NON_ASCII_RUN.exec(src)) !== null) {
    ascii(last, m.index);
    const run = m[0];
    for (let i = 0; i < run.length; ) {
      const cp = run.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const ch = run.slice(i, i + width);
      const folded = foldOf(ch);
      if (folded !== '') {
        parts.push(folded);
        runs.push(outLen, m.index + i, width, 0);
        outLen += folded.length;
      }
      i += width;
    }
    last = m.index + run.length;
  }
  ascii(last, src.length);
  return { text: parts.join(''), runs: Int32Array.from(runs) };
}

/** Original offset of normalized position `pos`; `end` selects the end of a non-identity run. */
function toOriginal(runs: Int32Array, pos: number, srcLen: number, end: boolean): number {
  let lo = 0;
  let hi = runs.length / 4 - 1;
  if (hi < 0) return pos;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (runs[mid * 4]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  const n = runs[lo * 4]!;
  const o = runs[lo * 4 + 1]!;
  const w = runs[lo * 4 + 2]!;
  if (pos < n) return o;
  if (runs[lo * 4 + 3] === 1) return Math.min(srcLen, o + Math.min(pos - n, w));
  return end ? o + w : o;
}

/** Original [start, end) of a normalized [start, end). */
export function originalSpan(n: Normalized, start: number, end: number, srcLen = Number.MAX_SAFE_INTEGER): [number, number] {
  if (!n.runs) return [start, end];
  const s = toOriginal(n.runs, start, srcLen, false);
  const e = end > start ? toOriginal(n.runs, end - 1, srcLen, true) : s;
  // end-1 in an identity run points at the last char itself; include it.
  const lastIsIdentity = end > start && isIdentityAt(n.runs, end - 1);
  return [s, Math.max(s, lastIsIdentity ? e + 1 : e)];
}

function isIdentityAt(runs: Int32Array, pos: number): boolean {
  for (let i = runs.length - 4; i >= 0; i -= 4) if (runs[i]! <= pos) return runs[i + 3] === 1;
  return true;
}
