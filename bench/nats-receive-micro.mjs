#!/usr/bin/env node
// The receive paths of the stages over NATS, in one process, CPU time per
// message (process.cpuUsage: every thread), each form beside the other in the
// same rounds:
//  - sink: a batch of 100 mcp-parser-like events decoded (decodeBatchText)
//    and each written as its JSONL line by messageToJsonl, or taken as
//    received (holdJsonText + receivedJsonl, apps/sink received-line.ts);
//  - security: 100 messages' texts posted to a worker thread as objects
//    (structured clone) or packed (apps/security offline-pack.ts, one
//    string and a transferred Int32Array), unpacked there, one reply each.
//   node bench/nats-receive-micro.mjs [--rounds 3] [--dir TREE]   (needs the build: npx tsc -b apps/sink apps/security)
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadavg } from 'node:os';
import { parseArgs } from './pipeline-common.mjs';
import { benchEvent as event, benchQuery as query } from './nats-bench-event.mjs';

const opt = parseArgs({ rounds: 3, dir: '' });
const tree = resolve(opt.dir || join(dirname(fileURLToPath(import.meta.url)), '..'));
const require = createRequire(join(tree, 'package.json'));
const ev = require(join(tree, 'libs/events/dist/src/index.js'));
const { messageToJsonl } = require(join(tree, 'apps/sink/dist/src/jsonl-format.js'));
const { receivedJsonl } = require(join(tree, 'apps/sink/dist/src/received-line.js'));
const packPath = join(tree, 'apps/security/dist/src/offline-pack.js');
const { packJobs } = require(packPath);

const N = 100;
const batch = ev.encodeBatchText ? ev.encodeBatchText(ev.Subjects.mcpMessage, Array.from({ length: N }, (_, i) => JSON.stringify(event(i))))
  : `{"batch":"mcpspy.v1.mcp.message","count":${N}}\n${Array.from({ length: N }, (_, i) => JSON.stringify(event(i))).join('\n')}`;
const cpuUs = (fn, reps) => { const c0 = process.cpuUsage(); for (let r = 0; r < reps; r++) fn(); const c = process.cpuUsage(c0); return (c.user + c.system) / reps / N; };

function sinkRound(received) {
  return cpuUs(() => {
    for (const l of ev.decodeBatchText(batch).lines) {
      if (!l.ok) throw new Error(l.reason);
      if (received) ev.holdJsonText(l.value, l.text);
      if (((received && receivedJsonl(l.value)) || messageToJsonl(l.value)).length === 0) throw new Error('empty line');
    }
  }, 1000);
}

const jobs = Array.from({ length: N }, (_, i) => ({ id: i + 1, input: { method: 'tools/call', direction: 'request', texts: [{ field: 'params.arguments.query', text: query(i), context: 'argument', origin: 'plain' }] } }));
const worker = new Worker(`
  const { parentPort } = require('node:worker_threads');
  const { unpackJobs } = require(${JSON.stringify(packPath)});
  parentPort.on('message', (m) => { const jobs = m.packed ? unpackJobs(m.packed) : m.jobs; parentPort.postMessage({ judged: jobs.length, replies: [] }); });`, { eval: true });
async function securityRound(packed) {
  const reps = 1000;
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) {
    const reply = new Promise((res) => worker.once('message', res));
    if (packed) {
      const p = packJobs(jobs);
      worker.postMessage({ packed: p }, [p.meta.buffer]);
    } else worker.postMessage({ jobs: jobs.map((j) => ({ id: j.id, input: { method: j.input.method, direction: j.input.direction, texts: j.input.texts } })) });
    if ((await reply).judged !== N) throw new Error('worker judged a different count');
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / reps / N;
}

console.log(`tree ${tree}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; batch of ${N} events, ${batch.length} bytes`);
for (let r = 0; r < opt.rounds; r++) {
  const [a, b] = r % 2 === 0 ? [sinkRound(false), sinkRound(true)] : [sinkRound(true), sinkRound(false)].reverse();
  const [c, d] = r % 2 === 0 ? [await securityRound(false), await securityRound(true)] : [await securityRound(true), await securityRound(false)].reverse();
  console.log(`round ${r + 1}: sink decode + line ${a.toFixed(2)} -> ${b.toFixed(2)} µs/msg (${(b / a).toFixed(2)}); security post to worker and back ${c.toFixed(2)} -> ${d.toFixed(2)} µs/msg (${(d / c).toFixed(2)})`);
}
console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
await worker.terminate();
