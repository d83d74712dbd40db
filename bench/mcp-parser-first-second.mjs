#!/usr/bin/env node
// mcp-parser's first seconds over NATS and Redis, two builds or settings A/B,
// cold against cold: each round starts a fresh `mcpspy serve mcp-parser`
// (one nats-server with JetStream and one redis-server started here, Redis
// flushed before each round), waits for its ready line, then publishes raw
// stdio batches at RATE MCP messages per second (one batch every 10 ms; a
// tools/call request and its response per pair, as a client and server over a
// pipe) on `mcpspy.v1.raw.stdio.0`, and times each message from its batch's
// publish to its arrival on `mcpspy.v1.batch.mcp.message` (a core
// subscription of the bench). No BPF, no probe, no sink: mcp-parser alone, so
// it needs no lock and its figures are not mixed with four other stages'.
// Prints per round: spawn-to-ready, the CPU the process used up to its ready
// line (its warm-up included), and per 1-s window the p99 and the process's
// CPU per message; then the means A → B. Rounds alternate A,B / B,A.
// Session 14 measured with it a warm-up through mcp-parser's real clients (MCPSPY_WARMUP=live, since reverted:
// bench/README.md "warm22"); B's default is now the throwaway warm-up (MCPSPY_WARMUP=1).
//   node bench/mcp-parser-first-second.mjs --a-dir /work/base [--b-dir .] [--a ""] [--b "MCPSPY_WARMUP=1"]
//     [--rounds 4] [--rate 10000] [--seconds 4]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
const aDir = resolve(arg('a-dir', here));
const bDir = resolve(arg('b-dir', here));
const aEnv = arg('a', '');
const bEnv = arg('b', 'MCPSPY_WARMUP=1');
const rounds = Number(arg('rounds', 4));
const rate = Number(arg('rate', 10_000));
const seconds = Number(arg('seconds', 4));
const require = createRequire(join(here, 'package.json'));
const ev = require('@mcpspy/events');
const { startNats, startRedis } = require('@mcpspy/runtime/testing');
const { connect } = require('nats');
const Redis = require('ioredis');

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const envOf = (spec) => Object.fromEntries([...String(spec).matchAll(/([^\s=]+)=(\S*)/g)].map((m) => [m[1], m[2]]));
const TICK = 100; // USER_HZ
/** utime + stime of a process, ms (all its threads). */
function cpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICK;
  } catch {
    return NaN;
  }
}
const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Raw batches: `pairs` request/response pairs per batch, ids from `id0`, between two pids of this round. */
function makeBatch(w, seq, id0, pairs, pids, streams, wallOffsetNs) {
  const call = { n: BigInt(id0) * 4n + 1n };
  const rec = (from, to, stream, text) => {
    const data = Buffer.from(text, 'utf8');
    const base = { kind: ev.RawKind.io, fdType: ev.FdType.pipe, tsNs: process.hrtime.bigint(), streamId: stream, totalLen: data.byteLength, offset: 0, lostBytes: 0 };
    w.append({ ...base, direction: ev.Direction.write, flags: ev.RawFlags.first | ev.RawFlags.last, pid: from, tid: from, fd: 1, callId: call.n++, comm: from === pids[0] ? 'bench-client' : 'bench-server', data });
    w.append({ ...base, direction: ev.Direction.read, flags: ev.RawFlags.first | ev.RawFlags.last | ev.RawFlags.elided, pid: to, tid: to, fd: 0, callId: call.n++, comm: to === pids[0] ? 'bench-client' : 'bench-server', data: new Uint8Array(0) });
  };
  for (let k = 0; k < pairs; k++) {
    const i = id0 + k;
    rec(pids[0], pids[1], streams[0], `{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"City ${i % 97}","units":"metric","days":${i % 7}}}}\n`);
    rec(pids[1], pids[0], streams[1], `{"jsonrpc":"2.0","id":${i},"result":{"content":[{"type":"text","text":"Weather in City ${i % 97}: ${i % 30} C, wind ${i % 11} km/h."}],"isError":false}}\n`);
  }
  return w.finish({ wallOffsetNs, seq: BigInt(seq) }).slice();
}

async function round(which, dir, envSpec, natsUrl, redisUrl, nc, r) {
  await r.flushall();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(dir, 'bin', 'mcpspy.js'), 'serve', 'mcp-parser', '--nats', natsUrl, '--redis', redisUrl], {
    env: { ...process.env, ...envOf(envSpec) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  await new Promise((res, rej) => {
    const to = setTimeout(() => rej(new Error(`no ready line in 60 s: ${err.slice(-500)}`)), 60_000);
    child.stderr.on('data', (d) => {
      err += d;
      if (/serving mcp-parser/.test(err)) {
        clearTimeout(to);
        res();
      }
    });
    child.once('exit', (c) => rej(new Error(`exited ${c}: ${err.slice(-500)}`)));
  });
  const readyMs = performance.now() - t0;
  const readyCpu = cpuMs(child.pid);
  const loadStart = load();
  // Let the ready line's last work settle as a user would not wait: traffic at once.
  const sent = new Map();
  const lat = [];
  const sub = nc.subscribe(ev.batchSubjectOf(ev.Subjects.mcpMessage));
  let got = 0;
  const total = Math.floor((rate * seconds) / 2) * 2;
  const done = (async () => {
    for await (const m of sub) {
      const now = performance.now();
      const b = ev.decodeBatchBytes(m.data);
      for (const line of b.lines) {
        if (!line.ok) continue;
        const v = line.value;
        const s = sent.get(v.id);
        if (s === undefined) continue;
        // The request and its response: each its own arrival.
        lat.push({ at: s.at, ms: now - s.t });
        got++;
      }
      if (got >= total) break;
    }
  })();
  await nc.flush();
  const pids = [2_000_000 + Math.floor(Math.random() * 1_000_000) * 2, 0];
  pids[1] = pids[0] + 1;
  const streams = [0xffff_8000_0000_0000n + BigInt(pids[0]) * 16n, 0xffff_8000_0000_0008n + BigInt(pids[0]) * 16n];
  const wallOffsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  const w = new ev.RawBatchWriter(1 << 20);
  const perTick = rate / 100 / 2;
  const trafficT0 = performance.now();
  const cpu0 = cpuMs(child.pid);
  const cpuAt = [];
  let id = 1;
  let seq = 0;
  for (let tick = 0; id * 2 <= total; tick++) {
    const due = trafficT0 + tick * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    const at = (performance.now() - trafficT0) / 1000;
    const t = performance.now();
    for (let k = 0; k < perTick; k++) sent.set(id + k, { t, at });
    nc.publish(ev.rawSubject('stdio', 0), makeBatch(w, seq++, id, perTick, pids, streams, wallOffsetNs));
    id += perTick;
    if (tick % 100 === 99) cpuAt.push(cpuMs(child.pid));
  }
  const cap = setTimeout(() => sub.unsubscribe(), 30_000);
  await done;
  clearTimeout(cap);
  sub.unsubscribe();
  const cpuEnd = cpuMs(child.pid);
  child.kill('SIGINT');
  await new Promise((res) => child.once('exit', res));
  const windows = [];
  for (let s = 0; s < seconds; s++) windows.push(pct(lat.filter((x) => x.at >= s && x.at < s + 1).map((x) => x.ms), 99));
  const perSecCpu = [cpu0, ...cpuAt].map((c, i, a) => (i === 0 ? null : (c - a[i - 1]) * 1000 / rate)).slice(1);
  const res = { which, readyMs, readyCpu, windows, perSecCpuUs: perSecCpu, cpuUsPerMsg: ((cpuEnd - cpu0) * 1000) / total, p99: pct(lat.map((x) => x.ms), 99), missing: total - got, load: `${loadStart} -> ${load()}` };
  console.log(
    `${which}: ready ${readyMs.toFixed(0)} ms, CPU to ready ${readyCpu.toFixed(0)} ms; p99 per second ${windows.map((x) => x.toFixed(0)).join(' / ')} ms (whole ${res.p99.toFixed(0)}); CPU µs/msg per second ${perSecCpu.map((x) => x.toFixed(0)).join(' / ')} (whole ${res.cpuUsPerMsg.toFixed(1)}); missing ${res.missing}; load ${res.load}`,
  );
  return res;
}

const nats = await startNats();
const redis = await startRedis();
const nc = await connect({ servers: nats.url });
const r = new Redis(redis.url);
const runs = { A: [], B: [] };
try {
  for (let i = 0; i < rounds; i++) {
    for (const which of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
      runs[which].push(await round(which, which === 'A' ? aDir : bDir, which === 'A' ? aEnv : bEnv, nats.url, redis.url, nc, r));
    }
  }
} finally {
  r.disconnect();
  await nc.close();
  await nats.dispose();
  await redis.dispose();
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
console.log(`A = ${aDir} ${aEnv}; B = ${bDir} ${bEnv}; ${rounds} rounds of ${seconds} s at ${rate} msg/s`);
const line = (name, f) => {
  const a = mean(runs.A.map(f));
  const b = mean(runs.B.map(f));
  console.log(`  ${name.padEnd(26)} A ${a.toFixed(1).padStart(8)}  B ${b.toFixed(1).padStart(8)}  B/A ${(b / a).toFixed(2)}`);
};
line('ready (ms)', (x) => x.readyMs);
line('CPU to ready (ms)', (x) => x.readyCpu);
for (let s = 0; s < seconds; s++) line(`p99 second ${s + 1} (ms)`, (x) => x.windows[s]);
line('p99 whole (ms)', (x) => x.p99);
for (let s = 0; s < seconds - 1; s++) line(`CPU µs/msg second ${s + 1}`, (x) => x.perSecCpuUs[s] ?? NaN);
line('CPU µs/msg whole', (x) => x.cpuUsPerMsg);
line('CPU to ready + traffic, µs/msg', (x) => ((x.readyCpu + x.cpuUsPerMsg * rate * seconds / 1000) * 1000) / (rate * seconds));
console.log(`missing: A ${runs.A.map((x) => x.missing).join(',')}; B ${runs.B.map((x) => x.missing).join(',')}`);
