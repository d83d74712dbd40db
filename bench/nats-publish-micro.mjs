#!/usr/bin/env node
// mcp-parser's publish path over NATS, two builds in one process, CPU time per
// message (process.cpuUsage: every thread of this process; nats-server apart):
// TURNS event-loop turns of N mcp-parser-like events (the stdio bench's
// `tools/call` requests) emitted through a PublishTracker on
// mcpspy.v1.mcp.message (batched, JetStream), then `drain()` as the stage does
// after each raw batch, then the turn's batch handed to the client. A is
// another tree's libs/runtime (default /work/main: main's build), B this one;
// both connect to one nats-server started here, interleaved rounds.
//   node bench/nats-publish-micro.mjs [--rounds 4] [--turns 300] [--a-dir /work/main]   (needs: npx tsc -b libs/runtime)
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { parseArgs } from './pipeline-common.mjs';

const opt = parseArgs({ rounds: 4, turns: 300, aDir: '/work/main' });
const here = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));
const load = (tree) => createRequire(join(tree, 'package.json'))(join(tree, 'libs/runtime/dist/src/index.js'));
const trees = { A: resolve(opt.aDir), B: here };
const { startNats } = createRequire(join(here, 'package.json'))(join(here, 'libs/runtime/dist/src/testing/index.js'));

const words = ['alpha', 'beta', 'gamma', 'delta', 'search', 'docs', 'index', 'query', 'vector', 'node', 'rust', 'kernel', 'tracing', 'buffer', 'socket', 'stream'];
function query(n) {
  const q = [];
  for (let i = 0, len = 0; len < 40 + ((n * 7919) % 180); i++) len += q[q.push(words[(n + i * 5) % 16]) - 1].length + 1;
  return q.join(' ');
}
function event(n) {
  const params = { sent_us: 1765000000000000 + n, name: 'search_docs', arguments: { query: query(n), limit: 5 + (n % 20), include_snippets: true }, _meta: { progressToken: `bench-${n}` } };
  return {
    timestamp: new Date(1765000000000 + n).toISOString(), transport_type: 'stdio',
    stdio_transport: { from_pid: 1234, from_comm: 'mcpbw-abcd', to_pid: 1235, to_comm: 'mcpbr-abcd' },
    type: 'request', id: n, method: 'tools/call', params, error: {},
    raw: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call', params }), session: 'stdio:1234:1235', description: 'Call a tool', seq: n, msg_id: `p1:${n}`,
  };
}
const N = 100;
const events = Array.from({ length: 1000 }, (_, i) => event(i));
const SUBJECT = 'mcpspy.v1.mcp.message';

const nats = await startNats();
const buses = {};
try {
  for (const [k, tree] of Object.entries(trees)) {
    const rt = load(tree);
    const bus = await rt.NatsBus.connect({ url: nats.url, name: `publish-micro-${k}` });
    buses[k] = { bus, tracker: new rt.PublishTracker(bus, new rt.Counters()) };
  }
  const round = async (k) => {
    const { bus, tracker } = buses[k];
    const c0 = process.cpuUsage();
    let n = 0;
    for (let t = 0; t < opt.turns; t++) {
      for (let i = 0; i < N; i++) tracker.emit(SUBJECT, events[n++ % events.length]);
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
