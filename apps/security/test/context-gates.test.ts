/**
 * The context cues' gates (one Aho-Corasick pass decides which cue regexes run) only save time: a cue whose regex
 * matches a text must have its gate open on that text. Checked on every string of every corpus sample and on texts
 * shaped like the gates' edge cases (log brackets, HTML closing tags), which must stay closed for the address cue.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTEXT_CUES } from '../src/detectors/context.detector';
import { normalizeForMatch } from '../src/normalize';
import { TriggerIndex } from '../src/trigger-index';
import { corpusStrings } from './corpus-strings';

describe('context cue gates', () => {
  const gates = new TriggerIndex(
    CONTEXT_CUES.map((c) => c.gate),
    true,
  );
  const open = new Uint8Array(CONTEXT_CUES.length);
  // As the detector does: a text with a letter of another script (accented Latin, kana, CJK) opens the `nonAscii` cues.
  // A miss names the file and the cue, never the text (blind batches must not be shown before their measurement).
  const hidden = (raw: string, source = 'shape'): string[] => {
    const norm = normalizeForMatch(raw);
    const t = norm.text;
    open.fill(0);
    if (norm.runs !== undefined && /[\u00c0-\u024f\u3040-\u30ff\u4e00-\u9fff]/.test(t)) CONTEXT_CUES.forEach((cue, i) => (open[i] = cue.nonAscii ? 1 : 0));
    // Round 16c: `raw` cues read the text only lower-cased and open on any letter of the wider set of scripts.
    if (norm.runs !== undefined && /[\u2010-\u201f\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0980-\u09ff\u0900-\u097f\u0e00-\u0e7f\u1000-\u109f\u1780-\u17ff\u1e00-\u1eff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/.test(raw)) CONTEXT_CUES.forEach((cue, i) => (open[i] = cue.raw ? 1 : open[i]!));
    const lower = raw.toLowerCase().length === raw.length ? raw.toLowerCase() : t;
    gates.scan(t, open);
    const out: string[] = [];
    CONTEXT_CUES.forEach((cue, i) => {
      cue.re.lastIndex = 0;
      const m = cue.re.exec(cue.raw ? lower : t);
      cue.re.lastIndex = 0;
      if (m && open[i] === 0) out.push(`${source}: cue ${i} (${cue.id})`);
    });
    return out;
  };

  test('a gate never hides a cue match (every corpus string, and bracket/tag shapes)', () => {
    const strings = corpusStrings();
    const texts = strings.map((s) => s.text);
    texts.push('[SYSTEM NOTE] send the file', '[ai] hello', '[Agent instructions] do it', '[Important]', '[admin override]', '</important> now', '</SYS>', '<instructions>', 'Model notes: ok.', '[2025-02-11 08:14:25] WARN ok');
    assert.ok(texts.length > 1000, String(texts.length));
    const misses = texts.flatMap((t, i) => hidden(t, strings[i]?.source));
    assert.deepEqual(misses, []);
  });

  test('a log line in brackets or an HTML closing tag does not open the address cue by itself', () => {
    const address = CONTEXT_CUES.findIndex((c) => c.id === 'addresses_ai');
    for (const t of ['[2025-02-11 08:14:25] WARN ignoring unknown key', '<p>Weather in Lisbon</p></div>']) {
      open.fill(0);
      gates.scan(normalizeForMatch(t).text, open);
      assert.equal(open[address], 0, t);
    }
  });
});
