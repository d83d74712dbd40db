/**
 * Rules that cannot backtrack out of control. A rule's regex is bounded when
 * every run in it has an upper limit: then one attempt at one position costs
 * at most a fixed number of steps, and the longest possible match is known.
 * The detectors run each rule over overlapping windows of the text at least
 * that long (windows.ts), so no match is lost and no attempt ever sees more
 * than one window; the work is linear in the text's length whatever it holds.
 *
 * `boundRuns` reads every `*`, `+` and `{n,}` of a pattern as `{0,K}`,
 * `{1,K}` and `{n,K}` (K = RUN_MAX unless given): the rules are written
 * readably and this is where the bound is enforced, once, at load.
 * `maxMatchLength` is what the windows' overlap is checked against (a test
 * asserts it for every rule and secret pattern).
 */

/** Upper bound given to every unbounded run of a rule: longer than any separator or word a rule waits for. */
export const RUN_MAX = 64;

/** The pattern with every unbounded quantifier (outside character classes) given an upper bound. */
export function boundRuns(re: RegExp, max = RUN_MAX): RegExp {
  const src = re.source;
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      continue;
    }
    if (c === '*') out += `{0,${max}}`;
    else if (c === '+') out += `{1,${max}}`;
    else if (c === '{') {
      const m = /^\{(\d+),\}/.exec(src.slice(i));
      if (m) {
        out += `{${m[1]},${Math.max(max, Number(m[1]))}}`;
        i += m[0].length - 1;
      } else out += c;
    } else out += c;
  }
  return new RegExp(out, re.flags);
}

/**
 * Longest string the pattern can match, in UTF-16 code units; Infinity when
 * a run is unbounded or a back-reference repeats an unknown length.
 * Lookarounds and anchors count 0 (they read context, they do not consume it).
 */
export function maxMatchLength(re: RegExp): number {
  const src = re.source;
  const unicode = re.flags.includes('u') || re.flags.includes('v');
  let i = 0;

  const alternation = (): number => {
    let best = sequence();
    while (src[i] === '|') {
      i++;
      best = Math.max(best, sequence());
    }
    return best;
  };

  const sequence = (): number => {
    let total = 0;
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const len = atom();
      total += quantified(len);
    }
    return total;
  };

  const quantified = (len: number): number => {
    const c = src[i];
    let factor = 1;
    if (c === '*' || c === '+') {
      factor = Infinity;
      i++;
    } else if (c === '?') {
      i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m) {
        factor = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        i += m[0].length;
      } else return len; // a literal brace
    } else return len;
    if (src[i] === '?') i++; // lazy
    return len === 0 ? 0 : len * factor;
  };

  const atom = (): number => {
    const c = src[i]!;
    if (c === '(') {
      i++;
      let lookaround = false;
      if (src[i] === '?') {
        if (src[i + 1] === ':') i += 2;
        else if (src[i + 1] === '=' || src[i + 1] === '!') {
          i += 2;
          lookaround = true;
        } else if (src[i + 1] === '<' && (src[i + 2] === '=' || src[i + 2] === '!')) {
          i += 3;
          lookaround = true;
        } else if (src[i + 1] === '<') {
          i = src.indexOf('>', i) + 1;
        }
      }
      const len = alternation();
      i++; // ')'
      return lookaround ? 0 : len;
    }
    if (c === '[') {
      i++;
      if (src[i] === '^') i++;
      if (src[i] === ']') i++;
      while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
      i++;
      return unicode ? 2 : 1;
    }
    if (c === '\\') {
      const e = src[i + 1]!;
      i += 2;
      if (e === 'b' || e === 'B') return 0;
      if (/[1-9]/.test(e)) return Infinity;
      if (e === 'k') {
        i = src.indexOf('>', i) + 1;
        return Infinity;
      }
      if (e === 'u' && src[i] === '{') {
        i = src.indexOf('}', i) + 1;
        return 2;
      }
      if (e === 'u') i += 4;
      else if (e === 'x') i += 2;
      else if ((e === 'p' || e === 'P') && src[i] === '{') i = src.indexOf('}', i) + 1;
      return unicode ? 2 : 1;
    }
    i++;
    if (c === '^' || c === '$') return 0;
    return unicode && c === '.' ? 2 : 1;
  };

  return alternation();
}
