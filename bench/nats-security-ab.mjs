#!/usr/bin/env node
// `serve security` alone over real NATS, two builds interleaved: CPU per MCP message of the stage process (from
// /proc/PID/stat: every thread), transport included (receive, batch decode, validation, JSON.parse, the engine, the
// verdict cache). No probe, no other stage: nats-server and redis-server started here, and this process publishes
// the NATS bench's events (bench/nats-bench-event.mjs: the stdio writer's `tools/call` requests) on mcp.message
// through this tree's NatsBus, batched (MCPSPY_NATS_BATCH=1) as mcp-parser publishes them, RATE a second in turns
// of 10 ms. Each round starts the stage of one build, waits for its ready line, sends SECONDS of traffic, waits until
// its CPU stops moving, and stops it; A and B alternate. Needs no probe, so no e2e lock.
// --stage sink: `serve sink` instead, writing the JSONL file as the stack bench's sink does (-o FILE, no TUI, -q;
// the file of each round removed after it): its receive, decode, validation and line writes.
// --stage mcp-parser: `serve mcp-parser` instead, fed raw stdio batches on core NATS (`raw.stdio.0`) as the probe
// publishes them: per message one write record of the writer's line (the event's `raw`, the stdio bench's `tools/call`
// requests, never answered, so every one is a pending request written to Redis), and per batch one read record that
// names the reader; its decode, parse, pairing through Redis, `mcp.message` batches to JetStream. The stack's probe
// sends ~200 records per batch at 10k msg/s: `--turn-ms 20` gives that shape.
// --a-wire/--b-wire 1|2 (security and sink): the wire form of the mcp.message batches sent to A/B (libs/events
// wire-form.ts: 2 sends the body once). A build from before session 15 reads form 1 only: `--a-wire 1 --b-wire 2`
// compares it with a build that reads form 2. Default: this tree's NatsBus default for both.
//   node bench/nats-security-ab.mjs [--stage security|sink] [--turn-ms 10] [--a-dir /work/main] [--b-dir .] [--rounds 4] [--seconds 5] [--rate 10000] [--a-wire 1] [--b-wire 2]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEvent } from './nats-bench-event.mjs';
import { CLK_TCK, freePort, loadAvg, parseArgs, pssKb, readStat, sleep } from './pipeline-common.mjs';

process.env.MCPSPY_NATS_BATCH = '1';
const opt = parseArgs({ stage: 'security', aDir: '/work/main', bDir: '', rounds: 4, seconds: 5, rate: 10000, turnMs: 10, aWire: '', bWire: '' });
if (!['security', 'sink', 'mcp-parser'].includes(opt.stage)) throw new Error('--stage is security, sink or mcp-parser');
const scratch = mkdtempSync(join(tmpdir(), 'nats-stage-ab-'));
const here = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));
const trees = { A: resolve(opt.aDir), B: opt.bDir ? resolve(opt.bDir) : here };
const req = createRequire(join(here, 'package.json'));
const rt = req(join(here, 'libs/runtime/dist/src/index.js'));
const ev = req(join(here, 'libs/events/dist/src/index.js'));
const { startNats, startRedis } = req(join(here, 'libs/runtime/dist/src/testing/index.js'));
const load = loadAvg;
/** utime + stime of a process (every thread), µs. */
const cpuUs = (pid) => (readStat(pid).ticks * 1e6) / CLK_TCK;
/** The stage's memory once its traffic is handled: PSS (smaps_rollup) and peak RSS (VmHWM), MB. */
const memMb = (pid) => ({
  pss: pssKb(pid) / 1024,
  hwm: Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024,
});

const nats = await startNats();
const redis = await startRedis();
const wireOf = (w) => (w === '' ? undefined : Number(w));
if (![opt.aWire, opt.bWire].every((w) => w === '' || w === '1' || w === '2')) throw new Error('--a-wire/--b-wire are 1 or 2');
const buses = {
  A: await rt.NatsBus.connect({ url: nats.url, name: 'nats-security-ab-a', wireForm: wireOf(opt.aWire) }),
  B: await rt.NatsBus.connect({ url: nats.url, name: 'nats-security-ab-b', wireForm: wireOf(opt.bWire) }),
};
const trackers = { A: new rt.PublishTracker(buses.A, new rt.Counters()), B: new rt.PublishTracker(buses.B, new rt.Counters()) };
let n = 0;
let logs = 0;
/** One raw batch of the messages n0 … n0+count-1 as the probe would publish it (mcp-parser's input). */
const WALL_NS = 1_765_000_000_000n * 1_000_000n;
const rawWriter = new ev.RawBatchWriter(4 << 20);
let rawSeq = 0n;
let tsNs = 1_000_000n;
let callId = 1n;
function rawBatch(n0, count) {
  const io = { kind: ev.RawKind.io, fdType: ev.FdType.pipe, flags: ev.RawFlags.first | ev.RawFlags.last, tid: 0, fd: 1, streamId: 7001n, offset: 0, lostBytes: 0 };
  let last;
  for (let i = 0; i < count; i++) {
    const data = Buffer.from(`${benchEvent(n0 + i).raw}\n`);
    last = data;
    w(io, data, ev.Direction.write, 1234, 'mcpbw-abcd');
  }
  // The reader's read names it: no message waits for a reader.
  if (last) w(io, last, ev.Direction.read, 1235, 'mcpbr-abcd');
  return rawWriter.finish({ wallOffsetNs: WALL_NS, seq: rawSeq++ });
}
function w(io, data, direction, pid, comm) {
  tsNs += 50_000n;
  rawWriter.append({ ...io, direction, pid, comm, tsNs, callId: callId++, totalLen: data.length, data });
}
async function round(which) {
  const port = await freePort();
  // MCPSPY_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=DIR") goes to the stage's node on both sides,
  // MCPSPY_BENCH_NODE_ARGS_A / _B to one side's only (e.g. two semispace sizes with one tree on both sides).
  const nodeArgs = `${process.env.MCPSPY_BENCH_NODE_ARGS ?? ''} ${process.env[`MCPSPY_BENCH_NODE_ARGS_${which}`] ?? ''}`.split(' ').filter(Boolean);
  const own = opt.stage === 'sink' ? ['-o', join(scratch, `${which}.jsonl`), '--tui=false', '-q'] : [];
  const proc = spawn(process.execPath, [...nodeArgs, join(trees[which], 'bin/mcpspy.js'), 'serve', opt.stage, '--nats', nats.url, '--redis', redis.url, '--metrics-port', String(port), '--log-level', 'warn', ...own], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  try {
    const res = await measure(proc, () => out, which);
    if (opt.stage === 'mcp-parser') {
      // Every message sent came out (the stage's own counters, from its metrics port), none failed.
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const counter = (name) => Number(new RegExp(`^mcpspy_stage_counter\\{[^}]*name="${name}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
      res.emitted = counter('messages_emitted');
      res.trouble = ['store_errors', 'store_timeouts', 'internal_errors', 'publish_errors', 'batches_missing', 'emit_errors'].map((k) => [k, counter(k)]).filter(([, v]) => v > 0);
      if (res.emitted !== res.sent) throw new Error(`mcp-parser of ${which} emitted ${res.emitted} of ${res.sent} messages`);
    }
    return res;
  } finally {
    // MCPSPY_BENCH_LOG_DIR: the stage's whole output kept as DIR/<stage>-<A|B>-<round>.log (e.g. with --trace-gc).
    if (process.env.MCPSPY_BENCH_LOG_DIR) writeFileSync(join(process.env.MCPSPY_BENCH_LOG_DIR, `${opt.stage}-${which}-${++logs}.log`), out);
    // Stopped on every path (a failed start or a throw too): no stage is left running.
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGINT');
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', r)));
    }
    rmSync(join(scratch, `${which}.jsonl`), { force: true });
  }
}

// MCPSPY_BENCH_START_MS: how long a stage may take to be ready (default 60 s; the security stage under --cpu-prof at load ~14 takes longer).
const START_MS = Number(process.env.MCPSPY_BENCH_START_MS ?? 60_000);
async function measure(proc, output, which) {
  const t0 = Date.now();
  while (!new RegExp(`mcpspy: serving ${opt.stage}\\b`).test(output())) {
    if (Date.now() - t0 > START_MS || proc.exitCode !== null) throw new Error(`${opt.stage} of ${which} did not start:\n${output().slice(-2000)}`);
    await sleep(50);
  }
  await sleep(500);
  const c0 = cpuUs(proc.pid);
  // --turn-ms: one batch per turn of that many ms (the stack's mcp-parser sends ~185 events every ~18.5 ms at 10k/s).
  const perTurn = Math.max(1, Math.round((opt.rate * opt.turnMs) / 1000));
  const tracker = trackers[which];
  const bus = buses[which];
  const start = Date.now();
  let sent = 0;
  for (let t = 0; t < Math.round((opt.seconds * 1000) / opt.turnMs); t++) {
    if (opt.stage === 'mcp-parser') {
      tracker.emit('mcpspy.v1.raw.stdio.0', rawBatch(n, perTurn));
      n += perTurn;
    } else for (let i = 0; i < perTurn; i++) tracker.emit('mcpspy.v1.mcp.message', benchEvent(n++));
    sent += perTurn;
    await tracker.drain();
    const due = start + (t + 1) * opt.turnMs;
    await sleep(Math.max(0, due - Date.now()));
  }
  await bus.flush();
  // Until the stage's CPU stops moving (two quiet 300-ms looks in a row).
  let last = cpuUs(proc.pid);
  for (let quiet = 0, i = 0; quiet < 2 && i < 100; i++) {
    await sleep(300);
    const c = cpuUs(proc.pid);
    quiet = c - last < 3000 ? quiet + 1 : 0;
    last = c;
  }
  return { cpu: (last - c0) / sent, sent, ...memMb(proc.pid) };
}
try {
  const sideArgs = (k) => (process.env[`MCPSPY_BENCH_NODE_ARGS_${k}`] ? ` (node ${process.env[`MCPSPY_BENCH_NODE_ARGS_${k}`]})` : '');
  const wire = opt.stage === 'mcp-parser' ? '' : `; wire form A ${opt.aWire || 'default'}, B ${opt.bWire || 'default'}`;
  console.log(`nats-security-ab (serve ${opt.stage}): A ${trees.A}${sideArgs('A')}, B ${trees.B}${sideArgs('B')}${wire}; ${opt.rounds} rounds of ${opt.seconds} s at ${opt.rate} msg/s each; load ${load()}`);
  const res = { A: [], B: [] };
  for (let r = 0; r < opt.rounds; r++) {
    for (const k of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) res[k].push(await round(k));
    const [a, b] = [res.A[r], res.B[r]];
    const extra = opt.stage === 'mcp-parser' ? `; emitted A ${a.emitted}, B ${b.emitted} of ${a.sent}${[...a.trouble, ...b.trouble].length ? `; trouble A ${JSON.stringify(a.trouble)} B ${JSON.stringify(b.trouble)}` : ''}` : '';
    console.log(`round ${r + 1}: serve ${opt.stage} CPU µs per message, A ${a.cpu.toFixed(2)}, B ${b.cpu.toFixed(2)} (B/A ${(b.cpu / a.cpu).toFixed(2)}); PSS / peak RSS MB A ${a.pss.toFixed(0)} / ${a.hwm.toFixed(0)}, B ${b.pss.toFixed(0)} / ${b.hwm.toFixed(0)}${extra}; load ${load()}`);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const of = (k, f) => res[k].map((x) => x[f]);
  console.log(`median A ${med(of('A', 'cpu')).toFixed(2)}, B ${med(of('B', 'cpu')).toFixed(2)} µs per message (median of ratios ${med(res.A.map((a, i) => res.B[i].cpu / a.cpu)).toFixed(3)}); PSS MB A ${med(of('A', 'pss')).toFixed(0)}, B ${med(of('B', 'pss')).toFixed(0)}; peak RSS MB A ${med(of('A', 'hwm')).toFixed(0)}, B ${med(of('B', 'hwm')).toFixed(0)}; load ${load()}`);
} finally {
  for (const b of Object.values(buses)) await b.close().catch(() => undefined);
  await redis.dispose?.();
  await nats.dispose();
  rmSync(scratch, { recursive: true, force: true });
}
