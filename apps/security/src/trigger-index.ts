/**
 * Which groups of trigger strings occur in a text, in one pass over it.
 *
 * An Aho-Corasick automaton compiled to a dense transition table over a
 * small alphabet (the characters the triggers use, plus one class for every
 * other character). A 300-way regex alternation without a fixed first
 * character cannot skip ahead and retries every alternative at every
 * position; the table does one array read per character and finds
 * overlapping triggers ("use" inside "users") for free, so a group fires
 * whenever any of its strings is anywhere in the text.
 */

export class TriggerIndex {
  /** Number of groups (rules) the index was built for. */
  readonly groups: number;
  /** Character class of every UTF-16 code unit (0 = not in any trigger). */
  private readonly classOf = new Uint8Array(65536);
  private readonly alphabet: number;
  /**
   * Next state, premultiplied by the alphabet size so a step is one add and one read; a state where some group
   * ends is stored as its bitwise complement (negative), so the scan learns it from the same read.
   */
  private readonly delta: Int32Array;
  /** Per state (not premultiplied): [start, end) into `outputs`, the groups ending there (fail chain included). */
  private readonly outStart: Int32Array;
  private readonly outEnd: Int32Array;
  private readonly outputs: Int32Array;

  /**
   * @param groups trigger strings of each group; ASCII only.
   * @param caseInsensitive lower-case the triggers; the scanned text must then be lower case already.
   * @param foldAsciiCase (with caseInsensitive) also read `A`–`Z` in the text as `a`–`z`, so a text can be scanned as
   *   it is, with no lower-cased copy. This is the case folding of a regex's `i` flag without `u` (which never folds a
   *   non-ASCII character onto an ASCII one), so a gate built this way opens wherever such a regex's literal matches.
   */
  constructor(groups: readonly (readonly string[])[], caseInsensitive: boolean, foldAsciiCase = false) {
    this.groups = groups.length;
    const chars = new Set<number>();
    const norm = groups.map((g) => g.map((t) => (caseInsensitive ? t.toLowerCase() : t)).filter((t) => t.length > 0));
    for (const g of norm) {
      for (const t of g) {
        for (let i = 0; i < t.length; i++) {
          const c = t.charCodeAt(i);
          if (c >= 128) throw new TypeError(`failed to build trigger index: non-ASCII trigger ${JSON.stringify(t)}`);
          chars.add(c);
        }
      }
    }
    let cls = 1;
    for (const c of [...chars].sort((a, b) => a - b)) this.classOf[c] = cls++;
    if (caseInsensitive && foldAsciiCase) for (let c = 0x41; c <= 0x5a; c++) this.classOf[c] = this.classOf[c + 0x20]!;
    this.alphabet = cls;
    const A = this.alphabet;

    // Trie as growable arrays of child maps, then BFS for failure links.
    const children: Map<number, number>[] = [new Map()];
    const out: Set<number>[] = [new Set()];
    norm.forEach((g, gi) => {
      for (const t of g) {
        let s = 0;
        for (let i = 0; i < t.length; i++) {
          const k = this.classOf[t.charCodeAt(i)]!;
          let next = children[s]!.get(k);
          if (next === undefined) {
            next = children.length;
            children.push(new Map());
            out.push(new Set());
            children[s]!.set(k, next);
          }
          s = next;
        }
        out[s]!.add(gi);
      }
    });
    const n = children.length;
    const delta = new Int32Array(n * A);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    for (let k = 0; k < A; k++) {
      const c = children[0]!.get(k);
      if (c !== undefined) {
        delta[k] = c;
        fail[c] = 0;
        queue.push(c);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      for (const g of out[fail[s]!]!) out[s]!.add(g);
      for (let k = 0; k < A; k++) {
        const c = children[s]!.get(k);
        if (c !== undefined) {
          fail[c] = delta[fail[s]! * A + k]!;
          delta[s * A + k] = c;
          queue.push(c);
        } else {
          delta[s * A + k] = delta[fail[s]! * A + k]!;
        }
      }
    }
    for (let i = 0; i < delta.length; i++) {
      const next = delta[i]!;
      delta[i] = out[next]!.size > 0 ? ~(next * A) : next * A;
    }
    this.delta = delta;
    this.outStart = new Int32Array(n);
    this.outEnd = new Int32Array(n);
    const flat: number[] = [];
    for (let s = 0; s < n; s++) {
      if (out[s]!.size === 0) continue;
      this.outStart[s] = flat.length;
      for (const g of out[s]!) flat.push(g);
      this.outEnd[s] = flat.length;
    }
    this.outputs = Int32Array.from(flat);
  }

  /**
   * Marks in `hit` (length ≥ groups, cleared by the caller) every group with a
   * trigger in `text`; returns how many groups were newly marked.
   */
  scan(text: string, hit: Uint8Array): number {
    const { classOf, delta, outStart, outEnd, outputs, alphabet } = this;
    let s = 0;
    let marked = 0;
    for (let i = 0, len = text.length; i < len; i++) {
      s = delta[s + classOf[text.charCodeAt(i)]!]!;
      if (s >= 0) continue;
      // A state where groups end (rare): its outputs, then on from it.
      s = ~s;
      const state = (s / alphabet) | 0;
      const e = outEnd[state]!;
      for (let j = outStart[state]!; j < e; j++) {
        const g = outputs[j]!;
        if (hit[g] === 0) {
          hit[g] = 1;
          marked++;
        }
      }
    }
    return marked;
  }
}
