#!/usr/bin/env node
// A `--cpu-prof` profile of one stage process as µs per message: the largest functions by self time, and the
// inclusive time (the function and everything it called; a recursive frame counted once per sample) of the functions
// named with --fn. Used for the per-stage profiles of the NATS stack (bench/README, session 16 stack24).
//   node bench/cpu-profile-top.mjs FILE.cpuprofile --messages N [--top 25] [--fn deliverBatch,decodeBatchBytes] [--from-fn deliverBatch]
// --from-fn: samples before the first one with that function on its stack (start-up, module loading) are left out.
import { readFileSync } from 'node:fs';
import { parseArgs } from './pipeline-common.mjs';

const file = process.argv[2];
if (!file || file.startsWith('--')) throw new Error('usage: cpu-profile-top.mjs FILE.cpuprofile --messages N');
const opt = parseArgs({ messages: 0, top: 25, fn: '', fromFn: 'deliverBatch' });
const messages = Number(opt.messages);
if (!(messages > 0)) throw new Error('--messages N is required');
const prof = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n) => {
  const f = n.callFrame;
  const short = (f.url || '').split('/').pop().replace(/\.js$/, '');
  return `${f.functionName || '(anonymous)'}${short ? `@${short}` : ''}`;
};
const self = new Map();
const incl = new Map();
const wanted = new Set(String(opt.fn).split(',').filter(Boolean));
let total = 0;
let idle = 0;
const onStack = (n, fn) => {
  for (let id = n.id; id !== undefined; id = parent.get(id)) if (nodes.get(id).callFrame.functionName === fn) return true;
  return false;
};
let first = 0;
if (opt.fromFn) while (first < prof.samples.length && !onStack(nodes.get(prof.samples[first]), opt.fromFn)) first++;
for (let i = first; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i + 1] ?? 0;
  const n = nodes.get(prof.samples[i]);
  const name = label(n);
  if (n.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  total += dt;
  self.set(name, (self.get(name) ?? 0) + dt);
  const seen = new Set();
  for (let id = n.id; id !== undefined; id = parent.get(id)) {
    const fn = nodes.get(id).callFrame.functionName;
    if (wanted.has(fn) && !seen.has(fn)) {
      seen.add(fn);
      incl.set(fn, (incl.get(fn) ?? 0) + dt);
    }
  }
}
const per = (us) => (us / messages).toFixed(2);
console.log(`${file}: busy ${per(total)} µs per message (${(total / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle, ${messages} messages)`);
console.log('self time, µs per message:');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) console.log(`  ${per(v).padStart(6)}  ${k}`);
if (wanted.size) {
  console.log('inclusive time, µs per message:');
  for (const k of wanted) console.log(`  ${per(incl.get(k) ?? 0).padStart(6)}  ${k}`);
}
