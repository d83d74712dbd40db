#!/usr/bin/env node
// Hostile inputs through the offline detectors (what bench/security-offline.mjs times: the rules and secrets pass, the
// local classifier and the context cues), CPU ms per input, this build beside another (--against DIR, interleaved, the
// order alternating every round; the ratio is the median of the per-round ratios). Session 14 added it with the
// required-literals check and the fold cache, so a change that makes any of these slower shows up:
//   1 MB of one ASCII character, of one accented letter, of one CJK ideograph, of lone surrogates; 64 K distinct
//   characters (the fold cache's bound); deep JSON brackets; a phrase repeated so that every literal a cue or rule needs
//   is present but no regex matches; attack words in many languages without the rest of their phrase.
// Usage: node bench/security-hostile.mjs [--against DIR] [--rounds 5]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import * as current from '@mcpspy/security';

const args = process.argv.slice(2);
const opt = (n, d) => (args.indexOf(n) >= 0 && args.indexOf(n) + 1 < args.length ? args[args.indexOf(n) + 1] : d);
const against = opt('--against', undefined);
const rounds = Number(opt('--rounds', '5'));

const MB = 1 << 20;
let distinct = '';
for (let c = 0x4e00; distinct.length < 64 * 1024; c++) distinct += String.fromCharCode(c >= 0xd800 && c <= 0xdfff ? 0x4e00 : c % 0x10000 || 0x4e00);
const cases = [
  ['1 MB of "a"', 'a'.repeat(MB)],
  ['1 MB of "é"', 'é'.repeat(MB)],
  ['1 MB of "漢"', '漢'.repeat(MB)],
  ['1 MB of lone surrogates', '\ud800'.repeat(MB)],
  ['64 K distinct CJK characters', distinct],
  ['deep JSON, 200 K brackets', '['.repeat(100_000) + ']'.repeat(100_000)],
  ['needed literals, no match (64 KB)', 'quien procese nota para antes de resumir este ignore previous instructions rules no longer '.repeat(700).slice(0, 64 * 1024)],
  ['attack words, many languages (64 KB)', 'ignore disregard oublie ignora vergiss 無視 忽略 игнорируй system prompt anweisungen instrucciones '.repeat(700).slice(0, 64 * 1024)],
  ['"no " repeated (64 KB)', 'no '.repeat(22_000)],
];

function detectorOf(lib) {
  const analysis = new lib.OfflineAnalysis({ lexical: false });
  const extra = [new lib.ClassifierDetector(), new lib.ContextDetector()];
  return (text) => {
    const input = { msg: null, method: 'tools/call', direction: 'response', texts: [{ field: 'result.content[0].text', text, context: 'result', origin: 'plain' }] };
    let n = analysis.analyze(input).length;
    for (const d of extra) n += d.detect(input).length;
    return n;
  };
}
const libs = [current];
if (against) libs.push(createRequire(resolve(against, 'src', 'index.js'))(resolve(against, 'src', 'index.js')));
const fns = libs.map(detectorOf);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`security hostile-input bench (${rounds} rounds, node ${process.version}; load ${loadavg()} before)`);
console.log(`${'input'.padEnd(40)} ${'current ms'.padStart(11)}${against ? ' against ms'.padStart(12) + ' ratio'.padStart(8) : ''}`);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [name, text] of cases) {
  // A fresh copy each call (the detectors remember their last few texts), made outside the timed part.
  for (const f of fns) f(text.slice(0, 10) + text.slice(10));
  const ms = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < fns.length; j++) {
      const k = r % 2 ? fns.length - 1 - j : j;
      const copy = text.slice(0, 10) + text.slice(10);
      const c0 = process.cpuUsage();
      fns[k](copy);
      const c = process.cpuUsage(c0);
      ms[k].push((c.user + c.system) / 1000);
    }
  }
  const cur = median(ms[0]);
  const line = `${name.padEnd(40)} ${cur.toFixed(1).padStart(11)}`;
  if (against) console.log(`${line} ${median(ms[1]).toFixed(1).padStart(11)} ${median(ms[0].map((x, i) => x / ms[1][i])).toFixed(2).padStart(7)}`);
  else console.log(line);
}
console.log(`load ${loadavg()} after`);
