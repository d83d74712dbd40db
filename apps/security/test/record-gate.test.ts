/**
 * The personal-record gate (secrets.detector.ts, round 15c) only saves time: wherever an identifying record field
 * (an identity number, a birth date, a diagnosis word) matches, the gate must be open. Checked on every corpus string
 * (the lead's blind14+ batches left out) and every string of the tuning writers' files (writer-a … writer-q). A miss names the file and the kind, never the text.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { identifyingKindsOf, recordGateOpens } from '../src/detectors/secrets.detector';
import { loadCorpus } from '../src/corpus';
import { corpusStrings } from './corpus-strings';

function stringsOf(v: unknown, out: string[]): string[] {
  if (typeof v === 'string') out.push(v);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) stringsOf(x, out);
  return out;
}

describe('personal-record gate', () => {
  test('never shut where an identifying field matches', () => {
    const training = join(__dirname, '..', '..', 'training');
    const files = readdirSync(training).filter((f) => /^writer-[a-q]\.jsonl$/.test(f)).map((f) => join(training, f));
    // The lead's blind batches are left out (never judged before their measurement).
    const strings = [...corpusStrings().filter((x) => !/^blind1[4-9]-holdout$/.test(x.source)), ...loadCorpus(files).flatMap((s) => stringsOf(s, []).map((text) => ({ source: s.source as string, text })))];
    strings.push({ source: 'shape', text: 'SIN: 046 454 286, DOB 1979-03-02' }, { source: 'shape', text: 'ΑΦΜ 123456789 τηλ. 6944123456' });
    const missed: string[] = [];
    let seen = 0;
    for (const { source, text } of strings) {
      const kinds = identifyingKindsOf(text);
      if (kinds.length === 0) continue;
      seen++;
      if (!recordGateOpens(text)) missed.push(`${source}: ${kinds.join('+')}`);
    }
    assert.ok(seen > 40, `only ${seen} strings with an identifying field`);
    assert.deepEqual(missed, []);
  });
  test('shut on prose and logs without record labels', () => {
    for (const t of ['using the setting in the running container, 2026-12-07 08:01:33 took 1234 ms', 'GET /api/v1/items?page=2 200 4411'])
      assert.equal(recordGateOpens(t), false, t);
  });
});
