#!/usr/bin/env node
// How much of the per-event parse of a received batch (libs/events
// decodeBatchBytes → lineOf: one UTF-8 decode and one JSON.parse per line,
// what security and the sink do for every event over NATS) is the event's
// `raw` member, the JSON-RPC text carried again as one escaped JSON string.
// CPU time per event (process.cpuUsage), all forms interleaved in the same
// rounds, over the NATS bench's events (bench/nats-bench-event.mjs):
//  - decode as is:           decodeBatchBytes of a batch of 100 events;
//  - decode, raw emptied:    the same events with raw = "" (the most a stage
//                            could save by not parsing raw);
//  - utf8 only:              the per-line buf.toString of that batch alone;
//  - raw literal only:       JSON.parse of each event's "raw" string literal;
//  - cut + check:            a candidate way to skip raw: cut its literal out
//                            of the line (lastIndexOf and an end-quote scan),
//                            parse the rest, and check the literal is a valid
//                            JSON string with a regex (so an invalid line is
//                            still refused), without building the string;
//  - cut, no check:          the same cut without the check (not safe: an
//                            invalid literal would pass), its cost alone.
//   node bench/nats-line-parse-micro.mjs [--rounds 8] [--dir TREE]   (needs the build)
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { parseArgs } from './pipeline-common.mjs';
import { benchEvent } from './nats-bench-event.mjs';

const opt = parseArgs({ rounds: 8, dir: '', reps: 300 });
const tree = resolve(opt.dir || join(dirname(fileURLToPath(import.meta.url)), '..'));
const require = createRequire(join(tree, 'package.json'));
const ev = require(join(tree, 'libs/events/dist/src/index.js'));

const N = 100;
const events = Array.from({ length: N }, (_, i) => benchEvent(i));
const lines = events.map((e) => JSON.stringify(e));
const emptied = events.map((e) => JSON.stringify({ ...e, raw: '' }));
const batchOf = (ls) => Buffer.from(ev.encodeBatchText(ev.Subjects.mcpMessage, ls), 'utf8');
const full = batchOf(lines);
const noRaw = batchOf(emptied);
const literals = lines.map((t) => { const a = t.lastIndexOf(',"raw":"') + 7; return t.slice(a, endQuote(t, a + 1) + 1); });

// The index of the quote that closes the string whose opening quote is at from - 1.
function endQuote(t, from) {
  for (let q = t.indexOf('"', from); q >= 0; q = t.indexOf('"', q + 1)) {
    let b = 0;
    while (t.charCodeAt(q - 1 - b) === 92) b++;
    if ((b & 1) === 0) return q;
  }
  return -1;
}
const JSON_STRING = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"$/;
function cutAndCheck(t) {
  const k = t.lastIndexOf(',"raw":"');
  if (k < 0) return JSON.parse(t);
  const end = endQuote(t, k + 8);
  if (end < 0 || !JSON_STRING.test(t.slice(k + 7, end + 1))) return JSON.parse(t);
  return JSON.parse(t.slice(0, k + 7) + '""' + t.slice(end + 1));
}
// The same without the validity check (an invalid raw literal would pass): what the cut alone costs.
function cutOnly(t) {
  const k = t.lastIndexOf(',"raw":"');
  const end = k < 0 ? -1 : endQuote(t, k + 8);
  return end < 0 ? JSON.parse(t) : JSON.parse(t.slice(0, k + 7) + '""' + t.slice(end + 1));
}
for (let i = 0; i < N; i++) {
  if (JSON.parse(literals[i]) !== events[i].raw) throw new Error(`literal ${i} cut wrong`);
  if (JSON.stringify(cutAndCheck(lines[i])) !== emptied[i]) throw new Error(`line ${i} cut wrong`);
}

let keep = 0;
const perEvent = (fn) => { const c0 = process.cpuUsage(); for (let r = 0; r < opt.reps; r++) fn(); const c = process.cpuUsage(c0); return ((c.user + c.system) * 1000) / opt.reps / N; };
const forms = {
  'decode as is': () => { keep += ev.decodeBatchBytes(full).lines.length; },
  'decode, raw emptied': () => { keep += ev.decodeBatchBytes(noRaw).lines.length; },
  'utf8 only': () => { for (let nl = full.indexOf(10), next; nl >= 0; nl = next) { next = full.indexOf(10, nl + 1); keep += full.toString('utf8', nl + 1, next < 0 ? full.length : next).length; } },
  'raw literal only': () => { for (const l of literals) keep += JSON.parse(l).length; },
  'cut + check (no utf8)': () => { for (const l of lines) keep += cutAndCheck(l).seq; },
  'cut, no check (no utf8)': () => { for (const l of lines) keep += cutOnly(l).seq; },
  'JSON.parse (no utf8)': () => { for (const l of lines) keep += JSON.parse(l).seq; },
};
const names = Object.keys(forms);
const got = Object.fromEntries(names.map((n) => [n, []]));
console.log(`tree ${tree}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${N} events, line ${Math.round(full.length / N)} B, raw literal ${Math.round(literals.reduce((s, l) => s + l.length, 0) / N)} B`);
for (let r = 0; r < opt.rounds; r++) {
  const order = r % 2 === 0 ? names : [...names].reverse();
  for (const n of order) got[n].push(perEvent(forms[n]));
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const base = median(got['decode as is']);
for (const n of names) console.log(`${n.padEnd(24)} median ${median(got[n]).toFixed(0).padStart(5)} ns/event (${(median(got[n]) / base).toFixed(2)} of decode as is), min ${Math.min(...got[n]).toFixed(0)}`);
console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}${keep < 0 ? '' : ''}`);
