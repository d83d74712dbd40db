#!/usr/bin/env node
// StringSlab.put of pending requests' Store values (key + value, as mcp-parser's
// PendingIndex puts them), two builds' libs/runtime in one process, interleaved:
// 100,000 live values, each put releasing the oldest (the never-answered
// pipeline-stdio traffic's steady state). CPU time per put, the building of the
// string included in neither.
//   node bench/string-slab-micro.mjs --a /work/main [--n 400000] [--rounds 6]
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { loadAvg, parseArgs, ROOT } from './pipeline-common.mjs';
import { requestParamsText } from './micro-request.mjs';

const opt = parseArgs({ a: '', n: 400_000, rounds: 6, live: 100_000 });
if (!opt.a) throw new Error('--a TREE is required (another build, e.g. /work/main)');
const slabOf = (tree) => createRequire(join(resolve(tree), 'bench/x.mjs'))(join(resolve(tree), 'libs/runtime/dist/src/store/string-slab.js')).StringSlab;
const builds = { A: slabOf(opt.a), B: slabOf(ROOT) };

const P = Array.from({ length: 1000 }, (_, n) => requestParamsText(n));
const key = (n) => `mcp:pending:stdio:1234:5678:c:${n}`;
// As requestValue builds it: method, tab, timestamp, params, then the line's msg_id.
const value = (n) => `${JSON.stringify('tools/call')}\t${JSON.stringify('2026-12-06T16:47:14.123456789Z')},"params":${P[n % 1000]}}\nabc:${n}`;

function round(Slab, slab) {
  const handles = new Int32Array(opt.live).fill(-1);
  const t0 = process.cpuUsage();
  for (let i = 0; i < opt.n; i++) {
    const j = i % opt.live;
    if (handles[j] >= 0) slab.release(handles[j]);
    handles[j] = slab.put(key(i) + value(i));
  }
  const u = process.cpuUsage(t0);
  const t1 = process.cpuUsage();
  let x = 0;
  for (let i = 0; i < opt.n; i++) x += (key(i) + value(i)).length;
  const u1 = process.cpuUsage(t1);
  for (let j = 0; j < 10; j++) {
    const i = opt.n - opt.live + j;
    if (slab.get(handles[i % opt.live]) !== key(i) + value(i)) throw new Error('a value came back different');
  }
  if (x === 0.5) console.log(x);
  return ((u.user + u.system - u1.user - u1.system) * 1000) / opt.n;
}
console.log(`string-slab-micro: ${opt.n} puts per round over ${opt.live} live values, ${opt.rounds} rounds; load ${loadAvg()}`);
const slabs = { A: new builds.A(), B: new builds.B() };
const res = { A: [], B: [] };
for (let r = 0; r < opt.rounds; r++) for (const w of r % 2 ? ['B', 'A'] : ['A', 'B']) res[w].push(round(builds[w], slabs[w]));
const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
for (const w of ['A', 'B']) console.log(`  ${w} put ns: ${res[w].map((x) => x.toFixed(0)).join(' / ')}, median ${med(res[w]).toFixed(0)}`);
console.log(`  B/A ${(med(res.B) / med(res.A)).toFixed(2)}; load ${loadAvg()}`);
