#!/usr/bin/env node
// mcp-parser's publish path over NATS, two builds in one process, CPU time per
// message (process.cpuUsage: every thread of this process; nats-server apart):
// TURNS event-loop turns of N mcp-parser-like events (the stdio bench's
// `tools/call` requests) emitted through a PublishTracker on
// mcpspy.v1.mcp.message (batched, JetStream), then `drain()` as the stage does
// after each raw batch, then the turn's batch handed to the client. A is
// another tree's libs/runtime (default /work/main: main's build), B this one;
// both connect to one nats-server started here, interleaved rounds.
// --held 1: each event's `params` is held as its JSON text just before the emit (holdJsonText, in each tree's
// own libs/events), as mcp-parser holds the captured text of the line it parsed.
//   node bench/nats-publish-micro.mjs [--rounds 4] [--turns 300] [--a-dir /work/main] [--held 0]   (needs: npx tsc -b libs/runtime)
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { parseArgs } from './pipeline-common.mjs';
import { benchEvent as event } from './nats-bench-event.mjs';

const opt = parseArgs({ rounds: 4, turns: 300, aDir: '/work/main', held: 0 });
const here = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));
const load = (tree) => createRequire(join(tree, 'package.json'))(join(tree, 'libs/runtime/dist/src/index.js'));
const trees = { A: resolve(opt.aDir), B: here };
const { startNats } = createRequire(join(here, 'package.json'))(join(here, 'libs/runtime/dist/src/testing/index.js'));

const N = 100;
const events = Array.from({ length: 1000 }, (_, i) => event(i));
const paramsText = events.map((e) => JSON.stringify(e.params));
const SUBJECT = 'mcpspy.v1.mcp.message';

const nats = await startNats();
const buses = {};
try {
  for (const [k, tree] of Object.entries(trees)) {
    const rt = load(tree);
    const bus = await rt.NatsBus.connect({ url: nats.url, name: `publish-micro-${k}` });
    const ev = createRequire(join(tree, 'package.json'))(join(tree, 'libs/events/dist/src/index.js'));
    buses[k] = { bus, tracker: new rt.PublishTracker(bus, new rt.Counters()), hold: ev.holdJsonText };
  }
  const round = async (k) => {
    const { bus, tracker, hold } = buses[k];
    const c0 = process.cpuUsage();
    let n = 0;
    for (let t = 0; t < opt.turns; t++) {
      for (let i = 0; i < N; i++) {
        const j = n++ % events.length;
        if (opt.held) hold(events[j].params, paramsText[j]);
        tracker.emit(SUBJECT, events[j]);
      }
      await tracker.drain();
      // The turn ends: the bus seals the batch and hands it to the client (setImmediate).
      await new Promise((r) => setImmediate(r));
    }
    await bus.flush();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / (opt.turns * N);
  };
  // One warm-up round each, not counted.
  await round('A');
  await round('B');
  console.log(`A ${trees.A}, B ${trees.B}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${opt.turns} turns of ${N} events`);
  const res = { A: [], B: [] };
  for (let r = 0; r < opt.rounds; r++) {
    for (const k of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) res[k].push(await round(k));
    console.log(`round ${r + 1}: emit + drain + publish, A ${res.A[r].toFixed(2)} µs/msg, B ${res.B[r].toFixed(2)} µs/msg (B/A ${(res.B[r] / res.A[r]).toFixed(2)})`);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`median A ${med(res.A).toFixed(2)}, B ${med(res.B).toFixed(2)} µs/msg (B/A ${(med(res.B) / med(res.A)).toFixed(2)}); load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  for (const { bus } of Object.values(buses)) await bus.close().catch(() => undefined);
  await nats.dispose();
}
