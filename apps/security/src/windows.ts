/**
 * Long texts are classified whole, in overlapping windows, rather than cut
 * at a fixed size: an instruction at the end of a 50 KB page counts too.
 * The overlap keeps a sentence that straddles a boundary inside one window.
 */
export interface TextWindow {
  start: number;
  end: number;
  text: string;
}

export function windowsOf(text: string, size = 2000, overlap = 200): TextWindow[] {
  if (text.length <= size) return [{ start: 0, end: text.length, text }];
  const out: TextWindow[] = [];
  const step = Math.max(1, size - overlap);
  for (let start = 0; start < text.length; start += step) {
    let end = Math.min(text.length, start + size);
    // End on whitespace when one is near, so words are not split.
    if (end < text.length) {
      const ws = text.lastIndexOf(' ', end);
      if (ws > start + size * 0.8) end = ws;
    }
    out.push({ start, end, text: text.slice(start, end) });
    if (end >= text.length) break;
  }
  return out;
}

/**
 * Windows of the rule scan. Every rule's longest match (bounded-regex.ts)
 * is at most RULE_OVERLAP, so a match lies whole inside the window where it
 * starts; each window also shows RULE_CONTEXT characters on either side for
 * lookbehinds, `\b` and the lookaheads that end a match.
 */
export const RULE_STEP = 8192;
export const RULE_OVERLAP = 2048;
export const RULE_CONTEXT = 32;

/**
 * Calls onMatch for every match of a global regex in text, in order, with
 * `m.index` in text coordinates; stops when onMatch returns false. Texts up
 * to one window long are searched whole (the common case costs nothing
 * extra); longer ones window by window, each match reported once (by the
 * window it starts in), so no search ever runs over more than
 * RULE_STEP + RULE_OVERLAP + 2 × RULE_CONTEXT characters.
 */
export function forEachMatch(re: RegExp, text: string, onMatch: (m: RegExpExecArray) => boolean | void, step = RULE_STEP, overlap = RULE_OVERLAP): void {
  let m: RegExpExecArray | null;
  if (text.length <= step + overlap) {
    re.lastIndex = 0;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (onMatch(m) === false) return;
    }
    return;
  }
  // Where a whole-text search would go on: after the end of the last match reported.
  let resume = 0;
  for (let s = 0; s < text.length; s += step) {
    const start = Math.max(s, resume);
    if (start >= s + step && s + step < text.length) continue;
    const from = Math.max(0, s - RULE_CONTEXT);
    const to = Math.min(text.length, s + step + overlap + RULE_CONTEXT);
    const slice = text.slice(from, to);
    // Matches that start past this window's own stretch belong to the next window.
    const limit = s + step >= text.length ? Infinity : s + step - from;
    re.lastIndex = start - from;
    while ((m = re.exec(slice)) !== null) {
      if (m.index >= limit) break;
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      m.index += from;
      resume = m.index + m[0].length;
      if (onMatch(m) === false) return;
    }
  }
}
