#!/usr/bin/env node
// mcp-parser's pending requests through Redis, two builds A/B: the engine of
// each build (`--a-dir`, `--b-dir`, default this tree) gets the same stdio
// traffic as raw batches of BATCH messages, one event-loop turn per batch (as
// NATS delivers them), on one redis-server started here (flushed before each
// run). Each run is a child process of its own (no heap or collector shared
// between builds); rounds alternate A and B. Prints the child's CPU
// (process.cpuUsage: the engine, the ioredis client, the socket writes) and
// redis-server's (INFO cpu) per MCP message, and redis-server's commands.
// Kinds: `requests` (tools/call requests never answered: the NATS stack
// bench's traffic) and `pairs` (each batch the requests of one half and the
// responses to the previous batch's requests: every request is stored, then
// taken in a later turn).
//   node bench/mcp-parser-redis-ab.mjs --a-dir /work/base [--b-dir .] [--rounds 5] [--messages 40000] [--batch 100]
//   (needs a build of each tree: npx tsc -b tsconfig.json)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));
const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

if (arg('child')) {
  await child(resolve(arg('child')), arg('kind'), arg('url'), Number(arg('messages')), Number(arg('batch')));
  process.exit(0);
}

const aDir = resolve(arg('a-dir', here));
const bDir = resolve(arg('b-dir', here));
const rounds = Number(arg('rounds', 5));
const messages = Number(arg('messages', 40_000));
const batch = Number(arg('batch', 100));
const require = createRequire(join(here, 'package.json'));
const { startRedis } = require(join(here, 'libs/runtime/dist/src/testing/index.js'));
const Redis = require('ioredis');

const srv = await startRedis();
const admin = new Redis(srv.url);
const serverUs = async () => {
  const t = await admin.info('cpu');
  return (Number(/used_cpu_user:([\d.]+)/.exec(t)[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(t)[1])) * 1e6;
};
const commands = async () => {
  const t = await admin.info('commandstats');
  return Object.fromEntries([...t.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
};
console.log(`mcp-parser-redis-ab: A ${aDir}, B ${bDir}; ${rounds} rounds of ${messages} messages in batches of ${batch}; load ${load()}`);
const results = {};
try {
  for (const kind of ['requests', 'pairs']) {
    results[kind] = { A: [], B: [] };
    for (let r = 0; r < rounds; r++) {
      for (const which of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
        await admin.flushall();
        await admin.config('RESETSTAT');
        const s0 = await serverUs();
        const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', which === 'A' ? aDir : bDir, '--kind', kind, '--url', srv.url, '--messages', String(messages), '--batch', String(batch)], { encoding: 'utf8' });
        const line = res.stdout.split('\n').find((l) => l.startsWith('CHILD '));
        if (!line) throw new Error(`child ${which} failed: ${res.stdout.slice(-1000)} ${res.stderr.slice(-2000)}`);
        const c = JSON.parse(line.slice(6));
        const server = ((await serverUs()) - s0) / messages;
        const cmds = Object.entries(await commands()).filter(([k]) => !/^(info|flushall|config|select|client|ping|script|evalsha_ro)$/.test(k));
        results[kind][which].push({ client: c.cpuUs / messages, server, paired: c.paired });
        console.log(`${kind} round ${r + 1} ${which}: client ${(c.cpuUs / messages).toFixed(2)} µs, redis-server ${server.toFixed(2)} µs per message; ${c.paired} paired; redis commands per message ${cmds.map(([k, v]) => `${k} ${(v / messages).toFixed(3)}`).join(', ')}; load ${load()}`);
      }
    }
  }
} finally {
  admin.disconnect();
  await srv.dispose();
}
const median = (xs) => xs.slice().sort((x, y) => x - y)[xs.length >> 1];
for (const [kind, r] of Object.entries(results)) {
  const ratio = (k) => median(r.B.map((b, i) => b[k] / r.A[i][k]));
  console.log(
    `${kind}: client A ${median(r.A.map((x) => x.client)).toFixed(2)} B ${median(r.B.map((x) => x.client)).toFixed(2)} µs (median of ratios ${ratio('client').toFixed(2)}); ` +
      `redis-server A ${median(r.A.map((x) => x.server)).toFixed(2)} B ${median(r.B.map((x) => x.server)).toFixed(2)} µs (${ratio('server').toFixed(2)}); ` +
      `both A ${median(r.A.map((x) => x.client + x.server)).toFixed(2)} B ${median(r.B.map((x) => x.client + x.server)).toFixed(2)} µs per message`,
  );
}
console.log(`load ${load()}`);

/** One run: the engine of `dir` through a RedisStore at `url`; prints `CHILD {cpuUs, paired}`. */
async function child(dir, kind, url, n, per) {
  const req = createRequire(join(dir, 'package.json'));
  const ev = { ...req(join(dir, 'libs/events/dist/src/index.js')), ...req(join(dir, 'libs/runtime/dist/src/index.js')) };
  const { McpParserEngine } = req(join(dir, 'apps/mcp-parser/dist/src/index.js'));
  const WALL = 1_705_322_096_789n * 1_000_000n;
  const request = (i) => `{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"search_docs","arguments":{"query":"${'alpha beta '.repeat(20)}${i}","limit":5}}}`;
  const response = (i) => `{"jsonrpc":"2.0","id":${i},"result":{"content":[{"type":"text","text":"found ${i}"}],"isError":false}}`;
  // The messages of each batch, in order: [text, from, to, stream].
  const plan = [];
  for (let b = 0, i = 0; i < n; b++) {
    const msgs = [];
    if (kind === 'pairs') {
      // Half new requests, half responses to the previous batch's requests.
      const half = per >> 1;
      for (let j = 0; j < half && i < n; j++, i++) msgs.push([request(b * half + j), 100, 200, 7001n]);
      for (let j = 0; j < half && i < n && b > 0; j++, i++) msgs.push([response((b - 1) * half + j), 200, 100, 7002n]);
    } else for (let j = 0; j < per && i < n; j++, i++) msgs.push([request(i), 100, 200, 7001n]);
    plan.push(msgs);
  }
  let callId = 1n;
  let ts = 0n;
  const batches = plan.map((msgs, b) => {
    const w = new ev.RawBatchWriter(1 << 20);
    for (const [text, from, to, stream] of msgs) {
      const data = Buffer.from(text + '\n');
      ts += 1000n;
      const base = { kind: ev.RawKind.io, fdType: ev.FdType.pipe, flags: ev.RawFlags.first | ev.RawFlags.last, tid: 0, fd: 1, tsNs: ts, streamId: stream, totalLen: data.length, offset: 0, lostBytes: 0 };
      w.append({ ...base, direction: ev.Direction.write, pid: from, comm: from === 100 ? 'client' : 'server', callId: callId++, data });
      w.append({ ...base, direction: ev.Direction.read, pid: to, comm: to === 100 ? 'client' : 'server', callId: callId++, data });
    }
    return w.finish({ wallOffsetNs: WALL, seq: BigInt(b) });
  });
  const store = await ev.RedisStore.connect({ url, prefix: 'ab:' });
  let count = 0;
  let paired = 0;
  const engine = new McpParserEngine({
    store,
    logger: ev.silentLogger(),
    instance: 'ab',
    emit: (m) => {
      count++;
      if (m.request) paired++;
    },
  });
  const c0 = process.cpuUsage();
  for (const b of batches) {
    await engine.onRawBatch(ev.decodeRawBatch(b));
    // One event-loop turn per batch, as NATS hands them over.
    await new Promise((r) => setImmediate(r));
  }
  await engine.flush();
  const c = process.cpuUsage(c0);
  await engine.close();
  await store.close();
  if (count !== n) throw new Error(`expected ${n} messages, got ${count}`);
  console.log(`CHILD ${JSON.stringify({ cpuUs: c.user + c.system, paired })}`);
}
