import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { holds, requiredLiterals } from './required-literals';
import { CONTEXT_CUES } from './detectors/context.detector';
import { INJECTION_RULES } from './injection-rules';

test('the condition names what a match must contain, and nothing optional', () => {
  assert.deepEqual(requiredLiterals(/\bignore (?:all )?previous instructions\b/g), { all: [{ lit: 'ignore ' }, { lit: 'previous instructions' }] });
  assert.deepEqual(requiredLiterals(/(?:send|mail) it to/g), { all: [{ any: [{ lit: 'send' }, { lit: 'mail' }] }, { lit: ' it to' }] });
  // Optional parts, classes, lookarounds and short ASCII literals add no condition.
  assert.equal(requiredLiterals(/(?:secret)?[a-z]+(?=token)/g), true);
  assert.equal(requiredLiterals(/(?:abc){0,3}x/g), true);
  assert.deepEqual(requiredLiterals(/(?:abc){2}x/g), { lit: 'abc' });
  assert.equal(requiredLiterals(/ab|cde/g), true);
  // Characters of other scripts count alone; half a surrogate pair never does (its quantifier binds the pair).
  assert.deepEqual(requiredLiterals(/無需|不必/gu), { any: [{ lit: '無需' }, { lit: '不必' }] });
  assert.equal(requiredLiterals(/😀?abc|x/gu), true);
  assert.deepEqual(requiredLiterals(/😀?abcd/gu), { lit: 'abcd' });
  // Escaped punctuation is literal; class escapes are not.
  assert.deepEqual(requiredLiterals(/\.env\b/g), { lit: '.env' });
  assert.deepEqual(requiredLiterals(/abc\sdef/g), { all: [{ lit: 'abc' }, { lit: 'def' }] });
  // Case folding and syntax the reader does not know give no condition.
  assert.equal(requiredLiterals(/ignore previous/gi), true);
  assert.equal(requiredLiterals(new RegExp('abc(?<x>def)\\k<x>', 'g')) !== true, true);
});

test('holds() reads the condition as written', () => {
  const r = requiredLiterals(/(?:send|mail) it to (?:me|them)/g);
  assert.equal(holds(r, 'please mail it to them'), true);
  assert.equal(holds(r, 'please mail the report'), false);
  assert.equal(holds(true, ''), true);
});

/** Texts to try every regex on: the labelled corpus (not the blind hold-outs) and the writers' training texts. */
function sampleTexts(): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length >= 8) out.push(v);
    } else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') Object.values(v).forEach(add);
  };
  const root = join(__dirname, '..', '..');
  for (const f of readdirSync(join(root, 'corpus')).filter((n) => n.endsWith('.jsonl') && !n.includes('holdout'))) {
    for (const line of readFileSync(join(root, 'corpus', f), 'utf8').split('\n')) if (line.trim()) add(JSON.parse(line));
  }
  let k = 0;
  for (const f of readdirSync(join(root, 'training')).filter((n) => /^writer-[a-z]+\.jsonl$/.test(n))) {
    for (const line of readFileSync(join(root, 'training', f), 'utf8').split('\n')) if (line.trim() && k++ % 3 === 0) add(JSON.parse(line).text);
  }
  return out;
}

test('every match of every rule and cue regex holds its condition (the check never skips a text that matches)', () => {
  const regexes: [string, RegExp][] = [
    ...INJECTION_RULES.map((r) => [`rule ${r.id}`, r.re] as [string, RegExp]),
    ...CONTEXT_CUES.flatMap((c, i) => [[`cue ${i} ${c.id}`, c.re] as [string, RegExp], ...(c.pre ? [[`cue ${i} ${c.id} pre`, c.pre] as [string, RegExp]] : [])]),
  ];
  const texts = sampleTexts();
  // As the detectors read them: the normalised (lower-cased) text, and the text only lower-cased.
  const variants = [...new Set(texts.flatMap((t) => [t.toLowerCase()]))];
  let matches = 0;
  let conditioned = 0;
  for (const [name, re] of regexes) {
    const need = requiredLiterals(re);
    if (need === true) continue;
    conditioned++;
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
    for (const t of variants) {
      // Only the texts that hold the condition are cheap to skip; a text that fails it must not match at all.
      if (holds(need, t)) continue;
      g.lastIndex = 0;
      const m = g.exec(t);
      if (m && m[0].length > 0) assert.fail(`${name}: matched ${JSON.stringify(m[0])} in a text that fails its condition`);
    }
    // The match itself must hold the condition too (its literals lie inside the match).
    for (const t of variants) {
      g.lastIndex = 0;
      let m: RegExpExecArray | null;
      for (let n = 0; n < 3 && (m = g.exec(t)) !== null; n++) {
        if (m[0].length === 0) {
          g.lastIndex++;
          continue;
        }
        matches++;
        assert.ok(holds(need, m[0]), `${name}: the match ${JSON.stringify(m[0])} fails the condition`);
      }
    }
  }
  assert.ok(conditioned >= 60, `only ${conditioned} regexes got a condition`);
  assert.ok(matches > 500, `only ${matches} matches tried`);
});
