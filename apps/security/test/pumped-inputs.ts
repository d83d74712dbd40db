/**
 * Inputs pumped from a pattern's own pieces, the way an attacker builds a
 * backtracking bomb: its literal words (alternation branches, triggers) and
 * the characters its classes and separators accept, each repeated to a
 * given length, alone and after a trigger. A regex with an unbounded run
 * before a token that can be left out spends quadratic or cubic time on one
 * of these; a bounded one stays linear.
 */

export interface Pumped {
  /** Short name of the family, for the failure message. */
  name: string;
  build(length: number): string;
}

/** Literal words of a regex source: alternation branches and runs of letters between operators. */
export function wordsOf(source: string): string[] {
  const cleaned = source
    .replace(/\\[bBdDsSwWnrt]/g, ' ')
    .replace(/\\(.)/g, '$1')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\{\d*,?\d*\}/g, ' ')
    .replace(/\(\?(?:[:=!]|<[=!])/g, ' ');
  const out = new Set<string>();
  for (const piece of cleaned.split(/[|()?*+^$]/)) {
    const p = piece.trim();
    if (p.length >= 2 && p.length <= 40) out.add(p);
  }
  return [...out];
}

/** The ASCII characters a regex source names: punctuation it matches literally and members of its classes. */
export function charsOf(source: string): string[] {
  const out = new Set<string>([' ', '\n', 'a', '0', '.']);
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    // An escaped operator ("\?", "\.") is a literal the pattern waits for.
    if (ch === '\\') {
      const e = source[i + 1] ?? '';
      if (/[^\w\s]/.test(e)) out.add(e);
      i++;
      continue;
    }
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c < 0x7f && !/[a-z0-9|()?*+{}^$[\]]/.test(ch)) out.add(ch);
  }
  return [...out];
}

const cycle = (unit: string, length: number): string => (unit.length === 0 ? '' : unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

/** Spread a long list to at most n items, deterministically. */
function sample<T>(list: readonly T[], n: number): T[] {
  if (list.length <= n) return [...list];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(list[Math.floor((i * list.length) / n)]!);
  return out;
}

/**
 * The pumped families of one pattern. `triggers` are the substrings that let
 * it run at all (the attacker includes one so the gate opens).
 */
export function pumpedInputs(source: string, triggers: readonly string[], requires: readonly string[] = [], extraChars: readonly string[] = []): Pumped[] {
  const words = sample(wordsOf(source), 8);
  const chars = [...new Set([...charsOf(source), ...extraChars])];
  const gates = sample(triggers, 3).map((t) => (requires.length ? `${t} ${requires[0]} ` : `${t} `));
  const fams = new Map<string, Pumped['build']>();
  const add = (name: string, build: Pumped['build']) => fams.set(name, build);
  const toks = [...new Set([...sample(triggers, 5), ...sample(requires, 3), ...words])];
  for (const c of chars) {
    add(`${JSON.stringify(c)}×n`, (n) => cycle(c, n));
    for (const g of gates) add(`${JSON.stringify(g)}+${JSON.stringify(c)}×n`, (n) => g + cycle(c, n - g.length));
    // A token and one character of a class, alternating: "//?//?", "a@a@", "- - -".
    for (const t of toks) add(`(${JSON.stringify(t)}+${JSON.stringify(c)})×n`, (n) => cycle(t + c, n));
  }
  add('all words', (n) => cycle(toks.join(' ') + ' ', n));
  add('all words, no spaces', (n) => cycle(toks.join(''), n));
  add('all words, lines', (n) => cycle(toks.join('\n') + '\n', n));
  for (const t of toks) {
    add(`${JSON.stringify(t)}×n`, (n) => cycle(t, n));
    // A prefix that matches, then a long run the pattern's gap class accepts, never closed.
    add(`${JSON.stringify(t)}+("a ")×n`, (n) => t + ' ' + cycle('a ', n - t.length - 1));
  }
  return [...fams].map(([name, build]) => ({ name, build }));
}
