#!/usr/bin/env node
// What a consumer of mcp.message does per event before its handler, in one
// process, for this tree and another (--against, e.g. main's build) in
// interleaved rounds: a 500-event batch decoded from its bytes as NatsBus does
// it (decodeBatchBytes, or TextDecoder + decodeBatchText in a tree without it), each event
// validated (validatorFor(mcp.message)), and validation alone over the parsed
// events. CPU time per event (process.cpuUsage), median of the rounds and B/A.
// Then, once, what a slimmer subject for security would change (no `raw`):
// JSON.parse of the line with and without `raw`, and the JSON.stringify of
// the slim event that mcp-parser would pay on top of the full one.
//   node bench/nats-validate-micro.mjs [--rounds 6] [--against /work/main]   (needs the build: npx tsc -b libs/events)
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { parseArgs } from './pipeline-common.mjs';
import { benchEvent } from './nats-bench-event.mjs';

const opt = parseArgs({ rounds: 6, against: '' });
const here = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));
const load = (tree) => createRequire(join(tree, 'package.json'))(join(tree, 'libs/events/dist/src/index.js'));
const trees = [...(opt.against ? [['A', resolve(opt.against)]] : []), ['B', here]].map(([name, dir]) => ({ name, dir, ev: load(dir) }));

const N = 500;
const lines = Array.from({ length: N }, (_, i) => JSON.stringify(benchEvent(i)));
const batch = `{"batch":"mcpspy.v1.mcp.message","count":${N}}\n${lines.join('\n')}`;
const bytes = new Uint8Array(Buffer.from(batch));
const textDecoder = new TextDecoder();
const parsed = lines.map((l) => JSON.parse(l));
const cpuUs = (fn, reps) => {
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / reps / N;
};
function receive(ev) {
  const validate = ev.validatorFor(ev.Subjects.mcpMessage);
  return () => {
    const decoded = ev.decodeBatchBytes ? ev.decodeBatchBytes(bytes) : ev.decodeBatchText(textDecoder.decode(bytes));
    for (const l of decoded.lines) if (!l.ok || !validate(l.value).ok) throw new Error('invalid bench event');
  };
}
function validateOnly(ev) {
  const validate = ev.validatorFor(ev.Subjects.mcpMessage);
  return () => {
    for (const v of parsed) if (!validate(v).ok) throw new Error('invalid bench event');
  };
}
const results = Object.fromEntries(trees.map((t) => [t.name, { receive: [], validate: [] }]));
for (const t of trees) for (let i = 0; i < 30; i++) (receive(t.ev)(), validateOnly(t.ev)());
console.log(`nats-validate-micro: ${N} events of ${lines[0].length} B, ${opt.rounds} rounds, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (let r = 0; r < opt.rounds; r++) {
  for (const t of r % 2 === 0 ? trees : [...trees].reverse()) {
    const rec = cpuUs(receive(t.ev), 200);
    const val = cpuUs(validateOnly(t.ev), 400);
    results[t.name].receive.push(rec);
    results[t.name].validate.push(val);
    console.log(`  round ${r + 1} ${t.name}: decode + validate ${rec.toFixed(3)} µs/event, validate alone ${val.toFixed(3)}`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const t of trees) console.log(`${t.name} (${t.dir}): decode + validate median ${median(results[t.name].receive).toFixed(3)} µs/event, validate alone ${median(results[t.name].validate).toFixed(3)}`);
if (trees.length === 2) {
  for (const k of ['receive', 'validate']) console.log(`B/A ${k}: ${(median(results.B[k]) / median(results.A[k])).toFixed(2)}`);
}
// A slim event for security: the same event without `raw` (security judges texts, not the raw JSON-RPC line).
const slimLines = parsed.map((e) => { const { raw: _raw, ...slim } = e; return JSON.stringify(slim); });
const slimParsed = slimLines.map((l) => JSON.parse(l));
const shape = { full: [], slim: [], slimStringify: [] };
for (let r = 0; r < opt.rounds; r++) {
  shape.full.push(cpuUs(() => { for (const l of lines) JSON.parse(l); }, 200));
  shape.slim.push(cpuUs(() => { for (const l of slimLines) JSON.parse(l); }, 200));
  shape.slimStringify.push(cpuUs(() => { for (const v of slimParsed) JSON.stringify(v); }, 200));
}
console.log(`slim subject (no raw, ${slimLines[0].length} of ${lines[0].length} B): JSON.parse full ${median(shape.full).toFixed(3)} µs/event, slim ${median(shape.slim).toFixed(3)}; stringify of the slim event ${median(shape.slimStringify).toFixed(3)}`);
console.log(`load at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
