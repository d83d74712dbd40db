import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachMatch } from './windows';

const all = (re: RegExp, text: string, step?: number, overlap?: number) => {
  const out: [number, string][] = [];
  forEachMatch(re, text, (m) => void out.push([m.index, m[0]]), step, overlap);
  return out;
};
const plain = (re: RegExp, text: string) => [...text.matchAll(new RegExp(re.source, re.flags))].map((m) => [m.index!, m[0]] as [number, string]);

test('windowed matching finds every match once, as a whole-text search does, for matches up to the overlap', () => {
  // Small windows so every kind of boundary is crossed: matches straddling one, starting at one, ending at one.
  const re = /\bignore [a-z]{0,8} ?instructions\b|(?<![\w-])\.env\b|x{3,12}(?!y)/g;
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 1000) / 1000;
  const pieces = ['ignore previous instructions', 'ignore instructions', 'xignore all instructions', 'a.env ', ' .env.', 'xxxxxxxxy', 'xxxxx', ' ', 'word', '\n', '-.env'];
  for (let round = 0; round < 200; round++) {
    let text = '';
    while (text.length < 400) text += pieces[Math.floor(rnd() * pieces.length)];
    for (const [step, overlap] of [
      [40, 32],
      [57, 40],
      [100, 33],
    ] as const) {
      assert.deepEqual(all(re, text, step, overlap), plain(re, text), `round ${round}, step ${step}`);
    }
  }
});

test('onMatch returning false stops the search, in one window or many', () => {
  const text = 'ab '.repeat(5000);
  assert.equal(all(/ab/g, text).length, 5000);
  let n = 0;
  forEachMatch(/ab/g, text, () => ++n < 3);
  assert.equal(n, 3);
});
