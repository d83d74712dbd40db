/**
 * Session 17 (lang25): a request spliced from numbered pieces, read without any word of the text's language. The
 * writers' jailbreaks in Russian with Azerbaijani, Finnish, Dutch and English cut the forbidden question into three or
 * four quoted fragments on lines of their own ("Part 1: \"Как сделать\"", "ohje osa 2/3: \"opas siihen miten…\"") and
 * then ask, in whatever language, for the pieces to be joined and answered. The round-19j check (`splitPayload` in
 * jailbreak-structure.ts) reads the asking verbs of six languages; this one reads the shape alone:
 *
 * - three or more consecutive lines, each one label (the same on every line) with a number that counts up by one
 *   ("part 1", "osa 1/3", "Teil 2"), a colon, and one quoted fragment;
 * - the fragments are pieces of one sentence, not a list of sentences: none but the last ends with . ! ? (or the
 *   full-width forms), and none after the first starts with a capital letter (a list of UI strings or quotes to
 *   translate is capitalised and punctuated);
 * - something follows the pieces (the request about them: eight letters or more within 300 characters).
 *
 * It is read only in a message spoken to the model (a call's argument, a prompt's or a sampling request's message:
 * rules.detector.ts), where a fragmented question has no ordinary use; its weight alone alerts. Every scan is bounded.
 */

/** Texts longer than this are read up to it. */
const MAX = 8192;
/** The quote marks a piece may open with. */
const OPENING_QUOTES = '"\'“«‘„»`';
/**
 * Cheap gate: a digit, a colon and a quote mark right after it ("1: \"", "2/3: «"), found by walking the text's colons
 * (indexOf) rather than by a regex that starts at every digit (~2.7 µs per 1 KB text; this ~0.5 µs).
 */
function gate(t: string): boolean {
  for (let i = t.indexOf(':'); i >= 0; i = t.indexOf(':', i + 1)) {
    let j = i - 1;
    while (j >= 0 && (t.charCodeAt(j) === 0x20 || t.charCodeAt(j) === 0x09)) j--;
    const c = j >= 0 ? t.charCodeAt(j) : 0;
    if (c < 0x30 || c > 0x39) continue;
    let k = i + 1;
    while (k < t.length && (t.charCodeAt(k) === 0x20 || t.charCodeAt(k) === 0x09)) k++;
    if (k < t.length && OPENING_QUOTES.includes(t[k]!)) return true;
  }
  return false;
}
/** One piece on its own line: label (a letter first, 24 characters at most), number, optional "/ total", separator, quoted fragment. */
const PIECE =
  /^[ \t]*[-*•]?[ \t]*(\p{L}[\p{L}\p{M} ._-]{0,23}?)[ \t]*#?(\d{1,2})(?:[ \t]*\/[ \t]*\d{1,2})?[ \t]*:[ \t]*["'“«‘„»`](.{2,160}?)["'”»’“`«][ \t]*[,;]?[ \t]*$/gmu;
const SENTENCE_END = /[.!?。！？]\s*$/u;
const CAPITAL_START = /^[\s\p{P}]*\p{Lu}/u;
/** Pieces read at most: a longer run is no shorter request. */
const MAX_PIECES = 16;

export interface SplicedRequest {
  /** Number of pieces in the run. */
  pieces: number;
  start: number;
  end: number;
}

interface Piece {
  n: number;
  label: string;
  fragment: string;
  start: number;
  end: number;
}

function spliced(run: readonly Piece[]): boolean {
  if (run.length < 3) return false;
  for (let k = 0; k < run.length; k++) {
    const f = run[k]!.fragment;
    if (k < run.length - 1 && SENTENCE_END.test(f)) return false;
    if (k > 0 && CAPITAL_START.test(f)) return false;
  }
  return true;
}

/** The first run of numbered pieces that splice one request, followed by a request about them; undefined when none. */
export function splicedRequest(text: string): SplicedRequest | undefined {
  const t = text.length > MAX ? text.slice(0, MAX) : text;
  if (!gate(t)) return undefined;
  PIECE.lastIndex = 0;
  let run: Piece[] = [];
  let seen = 0;
  let m: RegExpExecArray | null;
  const check = (): SplicedRequest | undefined => {
    if (!spliced(run)) return undefined;
    const last = run[run.length - 1]!;
    const after = t.slice(last.end, last.end + 300);
    if ((after.match(/\p{L}/gu)?.length ?? 0) < 8) return undefined;
    return { pieces: run.length, start: run[0]!.start, end: last.end };
  };
  while (seen < 4 * MAX_PIECES && (m = PIECE.exec(t)) !== null) {
    seen++;
    const p: Piece = { n: Number(m[2]), label: m[1]!.trim().toLowerCase(), fragment: m[3]!, start: m.index, end: m.index + m[0].length };
    const prev = run[run.length - 1];
    // The same label, the next number, on the next line (a blank line between pieces is allowed).
    if (prev && run.length < MAX_PIECES && p.label === prev.label && p.n === prev.n + 1 && /^\s{0,4}$/.test(t.slice(prev.end, p.start))) run.push(p);
    else {
      const found = check();
      if (found) return found;
      run = [p];
    }
  }
  return check();
}
