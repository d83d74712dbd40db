#!/usr/bin/env node
// Where a V8 CPU profile (`node --cpu-prof`, e.g. a monitor run with MCPSPY_BENCH_NODE_ARGS="--cpu-prof
// --cpu-prof-interval=100 --cpu-prof-dir=DIR") spent its busy time inside a window: self and inclusive time per
// function, in ms, as a share of the busy time and as % of one core over the window. Idle samples are left out.
//   node bench/cpu-profile-summary.mjs FILE.cpuprofile [--from-fn parseJsonRpcText] [--from-s 6 --to-s 20]
//     [--self 30] [--inclusive 50]
// --from-fn NAME: the window runs from the first to the last sample with NAME on its stack (the traffic, when NAME
//   is on the message path; the start-up and the shutdown are left out). Default parseJsonRpcText.
// --from-s/--to-s: the window in seconds from the profile's start instead (e.g. an idle monitor after its start-up).
// Functions are named `name file:line` (the compiled .js line). Names in the profile come from the monitor's code,
// not from the traffic.
import { readFileSync } from 'node:fs';
import { parseArgs } from './pipeline-common.mjs';

const file = process.argv[2];
if (!file || file.startsWith('--')) throw new Error('usage: cpu-profile-summary.mjs FILE.cpuprofile [--from-fn NAME | --from-s S --to-s S]');
const opt = parseArgs({ fromFn: 'parseJsonRpcText', fromS: -1, toS: -1, self: 30, inclusive: 50 });
const prof = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;

// Sample times (µs on the profile's clock).
const at = [];
let t = prof.startTime;
for (const d of prof.timeDeltas) at.push((t += d));

let first = 0;
let last = prof.samples.length - 1;
if (Number(opt.fromS) >= 0) {
  const a = prof.startTime + Number(opt.fromS) * 1e6;
  const b = Number(opt.toS) >= 0 ? prof.startTime + Number(opt.toS) * 1e6 : Infinity;
  first = at.findIndex((x) => x >= a);
  last = at.findLastIndex((x) => x <= b);
} else {
  const onStack = (id) => {
    for (let i = id; i !== undefined; i = parentOf.get(i)) if (nodes.get(i).callFrame.functionName === opt.fromFn) return true;
    return false;
  };
  first = prof.samples.findIndex(onStack);
  last = prof.samples.findLastIndex(onStack);
}
if (first < 0 || last <= first) throw new Error('no sample in the window (another --from-fn, or --from-s/--to-s?)');

const self = new Map();
const inclusive = new Map();
let busy = 0;
for (let i = first; i < last; i++) {
  const dt = at[i + 1] - at[i];
  const n = nodes.get(prof.samples[i]);
  if (n.callFrame.functionName === '(idle)') continue;
  busy += dt;
  const name = label(n);
  self.set(name, (self.get(name) ?? 0) + dt);
  const seen = new Set();
  for (let id = prof.samples[i]; id !== undefined; id = parentOf.get(id)) {
    const m = label(nodes.get(id));
    if (seen.has(m)) continue; // a recursive function counts once per sample
    seen.add(m);
    inclusive.set(m, (inclusive.get(m) ?? 0) + dt);
  }
}
const windowS = (at[last] - at[first]) / 1e6;
console.log(`${file}\nwindow ${windowS.toFixed(2)} s, busy ${(busy / 1e3).toFixed(1)} ms = ${(busy / 1e4 / windowS).toFixed(2)}% of one core`);
const table = (m, k) =>
  [...m]
    .sort((x, y) => y[1] - x[1])
    .slice(0, k)
    .map(([name, us]) => `${(us / 1e3).toFixed(1).padStart(8)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');
console.log(`self\n${table(self, Number(opt.self))}`);
console.log(`inclusive\n${table(inclusive, Number(opt.inclusive))}`);
