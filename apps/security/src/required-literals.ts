/**
 * The literal strings a regex cannot match without: a condition over substrings of the text ("one of these words, and
 * one of those") that holds in every text where the regex finds a non-empty match. Checked with
 * String.prototype.includes before a costly regex runs, it skips the regex on texts where it cannot match.
 *
 * Why (session 14, bench/README.md): the context cues written for other languages spell a word boundary as
 * `(?:(?<![\p{L}\p{N}_])(?=[\p{L}\p{N}_])|(?<=[\p{L}\p{N}_])(?![\p{L}\p{N}_]))` before every alternative, so the regex
 * engine cannot skip to a likely first character and tries every alternative, with Unicode lookarounds, at every
 * position: 0.5–2 ms for one such regex on one 1 KB text in French or Spanish. A few dozen substring searches cost a
 * few µs.
 *
 * The condition is only ever wider than the regex (it never fails on a text the regex could match): whatever the
 * reader does not understand counts as "no condition" (true), and so do lookarounds, classes, escapes of classes,
 * backreferences, optional parts and literals shorter than MIN_LITERAL. A regex with the `i` flag gets none (case
 * folding). Literals are compared exactly, code unit for code unit, as a regex without `i` compares them; the check must
 * run on the very string the regex then reads.
 */

/** A condition: true (none), one literal present, all of some conditions, or any of them. */
export type Requirement = true | { lit: string } | { all: Requirement[] } | { any: Requirement[] };

type Node = { t: 'lit'; s: string } | { t: 'other' } | { t: 'cat'; items: Node[] } | { t: 'alt'; items: Node[] } | { t: 'rep'; min: number; item: Node };

const MIN_LITERAL = 3;
const OTHER: Node = { t: 'other' };

/** Parses a regex source; throws on what it does not expect (the caller then uses no condition). */
function parse(src: string): Node {
  let i = 0;
  const alt = (): Node => {
    const items: Node[] = [cat()];
    while (src[i] === '|') {
      i++;
      items.push(cat());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  };
  const cat = (): Node => {
    const items: Node[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      let atom = parseAtom();
      // Quantifiers
      for (;;) {
        const c = src[i];
        let min: number | undefined;
        if (c === '*') (min = 0), i++;
        else if (c === '+') (min = 1), i++;
        else if (c === '?') (min = 0), i++;
        else if (c === '{') {
          const q = /^\{(\d+)(?:,(\d*))?\}/.exec(src.slice(i));
          if (!q) break;
          min = Number(q[1]);
          i += q[0].length;
        } else break;
        if (src[i] === '?') i++; // lazy
        atom = { t: 'rep', min: min!, item: atom };
      }
      items.push(atom);
    }
    return { t: 'cat', items };
  };
  const parseAtom = (): Node => {
    const c = src[i]!;
    if (c === '(') {
      i++;
      let look = false;
      if (src[i] === '?') {
        const head = src.slice(i, i + 4);
        if (head.startsWith('?:')) i += 2;
        else if (head.startsWith('?=') || head.startsWith('?!')) (look = true), (i += 2);
        else if (head.startsWith('?<=') || head.startsWith('?<!')) (look = true), (i += 3);
        else if (head.startsWith('?<')) {
          const end = src.indexOf('>', i);
          if (end < 0) throw new Error('bad group name');
          i = end + 1;
        } else throw new Error('unknown group');
      }
      const inner = alt();
      if (src[i] !== ')') throw new Error('unclosed group');
      i++;
      return look ? OTHER : inner;
    }
    if (c === '[') {
      i++;
      if (src[i] === '^') i++;
      if (src[i] === ']') throw new Error('empty class');
      while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
      if (src[i] !== ']') throw new Error('unclosed class');
      i++;
      return OTHER;
    }
    if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) throw new Error('trailing backslash');
      i += 2;
      if (/[bBdDwWsSfnrtv0]/.test(e)) return OTHER;
      if (e === 'x' || e === 'u' || e === 'c' || e === 'p' || e === 'P' || e === 'k' || /[1-9]/.test(e)) {
        // Escapes with an argument: skip it conservatively (the atom adds no condition).
        if (e === 'x') i += 2;
        else if (e === 'u') i += src[i] === '{' ? src.indexOf('}', i) - i + 1 : 4;
        else if (e === 'c') i += 1;
        else if (e === 'p' || e === 'P') i = src.indexOf('}', i) + 1;
        else if (e === 'k') i = src.indexOf('>', i) + 1;
        else while (/[0-9]/.test(src[i] ?? '')) i++;
        if (i <= 0) throw new Error('bad escape');
        return OTHER;
      }
      if (/[A-Za-z]/.test(e)) throw new Error('unknown escape');
      return { t: 'lit', s: e };
    }
    if (c === '.' || c === '^' || c === '$') {
      i++;
      return OTHER;
    }
    if (c === '*' || c === '+' || c === '?' || c === ')') throw new Error('unexpected ' + c);
    i++;
    // Half of a surrogate pair: a quantifier after it binds to the whole character in a `u` regex, so no condition.
    if (c >= '\ud800' && c <= '\udfff') return OTHER;
    return { t: 'lit', s: c };
  };
  const root = alt();
  if (i !== src.length) throw new Error('trailing input');
  return root;
}

function requirementOf(n: Node): Requirement {
  switch (n.t) {
    case 'lit':
      // A character of another script (a kana, a CJK ideograph) is rare enough in other texts to count alone.
      return n.s.length >= MIN_LITERAL || /[^\x00-\x7f]/.test(n.s) ? { lit: n.s } : true;
    case 'other':
      return true;
    case 'rep':
      return n.min >= 1 ? requirementOf(n.item) : true;
    case 'alt': {
      const parts: Requirement[] = [];
      for (const it of n.items) {
        const r = requirementOf(it);
        if (r === true) return true;
        parts.push(r);
      }
      return parts.length === 1 ? parts[0]! : { any: parts };
    }
    case 'cat': {
      // Adjacent single characters join into one literal ("ignore previous" rather than "i", "g", …).
      const merged: Node[] = [];
      for (const it of n.items) {
        const prev = merged[merged.length - 1];
        if (it.t === 'lit' && prev?.t === 'lit') merged[merged.length - 1] = { t: 'lit', s: prev.s + it.s };
        else merged.push(it);
      }
      const parts = merged.map(requirementOf).filter((r): r is Exclude<Requirement, true> => r !== true);
      return parts.length === 0 ? true : parts.length === 1 ? parts[0]! : { all: parts };
    }
  }
}

/** The condition every text holds in which `re` has a non-empty match (true: none known). */
export function requiredLiterals(re: RegExp): Requirement {
  if (re.flags.includes('i')) return true;
  try {
    return requirementOf(parse(re.source));
  } catch {
    return true;
  }
}

/** Whether `text` holds a condition: each literal looked up with includes, `all` and `any` short-circuiting. */
export function holds(r: Requirement, text: string): boolean {
  if (r === true) return true;
  if ('lit' in r) return text.includes(r.lit);
  if ('all' in r) {
    for (const p of r.all) if (!holds(p, text)) return false;
    return true;
  }
  for (const p of r.any) if (holds(p, text)) return true;
  return false;
}
