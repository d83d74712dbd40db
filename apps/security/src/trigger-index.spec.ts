import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TriggerIndex } from './trigger-index';

function groupsIn(idx: TriggerIndex, text: string): number[] {
  const hit = new Uint8Array(idx.groups);
  idx.scan(text, hit);
  return [...hit].flatMap((h, i) => (h ? [i] : []));
}

describe('TriggerIndex', () => {
  test('finds overlapping and nested triggers of every group', () => {
    const idx = new TriggerIndex([['users'], ['use'], ['sera'], ['xyz']], true);
    assert.deepEqual(groupsIn(idx, 'the users are here'), [0, 1]);
    // "sera" starts inside "users" ("u-s-e-r-s" then "sera" needs "sera"): only with the following a.
    assert.deepEqual(groupsIn(idx, 'usera'), [1, 2]);
    assert.deepEqual(groupsIn(idx, 'nothing'), []);
  });

  test('a failure link carries the outputs of shorter suffixes', () => {
    const idx = new TriggerIndex([['abcd'], ['bc'], ['c']], false);
    assert.deepEqual(groupsIn(idx, 'xabcx'), [1, 2]);
    assert.deepEqual(groupsIn(idx, 'abcd'), [0, 1, 2]);
  });

  test('case-sensitive index tells case apart; non-ASCII text characters reset matching', () => {
    const idx = new TriggerIndex([['AKIA'], ['sk-']], false);
    assert.deepEqual(groupsIn(idx, 'akia sk-'), [1]);
    assert.deepEqual(groupsIn(idx, 'AK\u00e9IA'), []);
    assert.deepEqual(groupsIn(idx, '\u00e9AKIA\u00e9'), [0]);
  });

  test('folding ASCII case scans a text as it is, as a regex with the i flag would; non-ASCII letters are not folded', () => {
    const idx = new TriggerIndex([['hooks.slack.com/'], ['gist']], true, true);
    assert.deepEqual(groupsIn(idx, 'POST HTTPS://HOOKS.Slack.COM/services'), [0]);
    assert.deepEqual(groupsIn(idx, 'gh GiSt create'), [1]);
    // U+017F (long s) upper-cases to S, but /gist/i does not match "gi\u017Ft" either.
    assert.deepEqual(groupsIn(idx, 'gi\u017Ft'), []);
    assert.equal(/gist/i.test('gi\u017Ft'), false);
    // Without folding, upper case is not seen (the text must be lower-cased first).
    assert.deepEqual(groupsIn(new TriggerIndex([['gist']], true), 'GIST'), []);
  });

  test('agrees with a naive substring search on random texts', () => {
    const words = ['ignor', 'all', 'your', 'pre', 'previous', 'sys', 'system', 'em', '<', '</', '@', '://', 'a b'];
    const groups = [words.slice(0, 3), words.slice(3, 6), words.slice(6, 9), words.slice(9)];
    const idx = new TriggerIndex(groups, true);
    const alphabet = 'abcdefgilmnoprstuvwxy <>/@:';
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let n = 0; n < 500; n++) {
      let t = '';
      const len = Math.floor(rnd() * 60);
      for (let i = 0; i < len; i++) t += alphabet[Math.floor(rnd() * alphabet.length)];
      if (rnd() < 0.3) t += words[Math.floor(rnd() * words.length)];
      const expected = groups.flatMap((g, i) => (g.some((w) => t.includes(w)) ? [i] : []));
      assert.deepEqual(groupsIn(idx, t), expected, t);
    }
  });

  test('rejects non-ASCII triggers', () => {
    assert.throws(() => new TriggerIndex([['caf\u00e9']], true), /failed to build trigger index/);
  });
});
