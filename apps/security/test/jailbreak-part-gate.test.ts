/**
 * Session 17 (lean25): the jailbreak structure runs its costly parts only on texts that hold the literals each part
 * cannot match without. The gate must never change an answer: every corpus and training string is judged with the
 * gate on and off (every regex run), as normalised-like (lower-cased) text, as raw text, spoken and not, and the
 * answers must be equal. A literal list narrower than its regex (a missed alternative) fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { barsCaveats, evadesControl, jailbreakStructure, setPartGateForTest, suppressesRefusal, suspendsRules } from '../src/jailbreak-structure';
import { corpusStrings } from './corpus-strings';

function trainingStrings(): string[] {
  const dir = join(__dirname, '..', '..', 'training');
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length > 20) out.push(v);
    } else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  for (const f of readdirSync(dir).filter((n) => /^writer-.*\.jsonl$/.test(n))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line.trim()) walk(JSON.parse(line));
  }
  return out;
}

const answers = (s: string): string => {
  const lower = s.toLowerCase();
  return JSON.stringify([
    jailbreakStructure(lower, undefined, false),
    jailbreakStructure(lower, lower, true),
    jailbreakStructure(s, lower, true),
    suspendsRules(lower),
    suppressesRefusal(lower),
    barsCaveats(lower),
    evadesControl(lower),
  ]);
};

test('the jailbreak part gate gives the answers of running every part on every corpus and training string', () => {
  const strings = [...corpusStrings().map((c) => c.text), ...trainingStrings()];
  assert.ok(strings.length > 10_000, `only ${strings.length} strings`);
  let differ = 0;
  let found = 0;
  const first: string[] = [];
  try {
    for (const s of strings) {
      setPartGateForTest(true);
      const gated = answers(s);
      setPartGateForTest(false);
      const full = answers(s);
      if (full.includes('"weight"')) found++;
      if (gated !== full) {
        differ++;
        if (first.length < 3) first.push(s.slice(0, 160));
      }
    }
  } finally {
    setPartGateForTest(true);
  }
  // The comparison means something only if the parts fire on many of these strings.
  assert.ok(found > 1_000, `the parts fired on ${found} strings only`);
  assert.equal(differ, 0, `gated and ungated answers differ on ${differ} strings, e.g. ${JSON.stringify(first)}`);
});
