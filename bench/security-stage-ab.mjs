#!/usr/bin/env node
// The security stage's engine on the NATS bench's traffic, two builds in one process, interleaved: CPU per message of
// SecurityEngine.analyzeStaged (as `serve security` runs it, cache on, MemoryStore) on the events of
// bench/nats-bench-event.mjs (the stdio writer's `tools/call` requests: 720 distinct queries, so ~99% verdict-cache
// hits after the first pass), judged 64 at a time as the controller judges a NATS batch. Main thread and worker CPU
// (process.cpuUsage). With --phases, the same per part of an analysis (prepare, stateful detectors, combine), so the
// µs a build adds can be put on a part.
//   node bench/security-stage-ab.mjs --a /work/main [--b .] [--rounds 12] [--per-round 8192]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { benchEvent } from './nats-bench-event.mjs';
import { loadAvg, parseArgs } from './pipeline-common.mjs';

const opt = parseArgs({ a: '/work/main', b: '.', rounds: 12, perRound: 8192, batch: 64 });
const load = loadAvg;

function loadTree(dir) {
  const req = createRequire(resolve(dir, 'apps/security/dist/src/index.js'));
  const sec = req(resolve(dir, 'apps/security/dist/src/index.js'));
  const rt = req(resolve(dir, 'libs/runtime/dist/src/index.js'));
  const engine = new sec.SecurityEngine({ store: new rt.MemoryStore(), logger: rt.silentLogger(), threshold: 0.5 });
  return { dir, engine };
}

const trees = [loadTree(opt.a), loadTree(opt.b)];
// Events are made per round (as each arrives parsed from the wire): fresh objects, the same texts.
let n = 0;
async function round(tree, count) {
  const events = Array.from({ length: count }, () => benchEvent(n++));
  const c0 = process.cpuUsage();
  for (let i = 0; i < events.length; i += opt.batch) {
    await Promise.all(events.slice(i, i + opt.batch).map((e) => tree.engine.analyzeStaged(e)));
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / count;
}

console.log(`security-stage-ab: A ${opt.a}, B ${opt.b}; ${opt.rounds} rounds of ${opt.perRound} messages each, batches of ${opt.batch}; load ${load()}`);
// Warm both (JIT, the verdict cache's first sights).
for (const t of trees) for (let i = 0; i < 3; i++) await round(t, 2048);
const us = [[], []];
for (let r = 0; r < opt.rounds; r++) {
  for (const i of r % 2 ? [1, 0] : [0, 1]) {
    global.gc?.();
    us[i].push(await round(trees[i], opt.perRound));
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const ratios = us[0].map((a, r) => us[1][r] / a);
console.log(`A CPU µs per message, median ${median(us[0]).toFixed(2)} (rounds ${us[0].map((x) => x.toFixed(1)).join(' ')})`);
console.log(`B CPU µs per message, median ${median(us[1]).toFixed(2)} (rounds ${us[1].map((x) => x.toFixed(1)).join(' ')})`);
console.log(`B/A median of per-round ratios ${median(ratios).toFixed(3)}; load ${load()}`);
for (const t of trees) await t.engine.close();
