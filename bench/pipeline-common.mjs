// Shared pieces of the end-to-end pipeline benchmarks (bench/pipeline-*.mjs):
// compiling the C load generators, starting the monitor (embedded, or every
// stage over nats-server + redis-server), tailing its JSONL output with an
// arrival time per line, sampling resident memory and CPU from /proc, and
// reading the stage counters from /metrics. Benchmarks report; they never
// assert, so nothing here throws on a missed target.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
export const MCPSPY = join(ROOT, 'bin/mcpspy.js');
export const READY_MONITOR = /mcpspy: monitoring/;
export const CLK_TCK = 100;
const PAGE_KB = 4;

/** `--name value` and `--flag` arguments into an object, with defaults. */
export function parseArgs(defaults) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    const key = m[1].replace(/-(\w)/g, (_, c) => c.toUpperCase());
    let value = m[2];
    if (value === undefined) value = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
    out[key] = typeof defaults[key] === 'number' ? Number(value) : typeof defaults[key] === 'boolean' ? value !== 'false' : value;
  }
  return out;
}

export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `mcpspy-${prefix}-`));
  process.on('exit', () => {
    if (!process.env.MCPSPY_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Compiles bench/fixtures/<name>.c into dir (once per run). */
export function compileFixture(dir, name) {
  const out = join(dir, name);
  if (!existsSync(out)) execFileSync('cc', ['-O2', '-o', out, join(ROOT, 'bench/fixtures', `${name}.c`)]);
  return out;
}

/**
 * A link to `target` named `comm` (at most 15 characters): the kernel takes a
 * process's comm from the file name given to execve, so a link gives the
 * generator a name no other process on the host has and --comm selects only it.
 */
export function namedLink(dir, target, comm) {
  const p = join(dir, comm);
  if (!existsSync(p)) symlinkSync(target, p);
  return p;
}

export function uniqueTag() {
  return Math.random().toString(16).slice(2, 6);
}

export function loadAvg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const nowMs = () => performance.timeOrigin + performance.now();

/** A child process with its stderr kept (last 64 KB) and a wait for a line on it. */
export function startProc(name, cmd, args, opts = {}) {
  // stdout is read too: redis-server logs there.
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, ...opts.spawn });
  let err = '';
  const waiters = [];
  // MCPSPY_BENCH_LOG_DIR: each process's whole output also goes to DIR/NAME-PID.log (e.g. with --trace-gc in MCPSPY_BENCH_NODE_ARGS).
  const logFile = process.env.MCPSPY_BENCH_LOG_DIR ? join(process.env.MCPSPY_BENCH_LOG_DIR, `${name}-${child.pid}.log`) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      if (logFile) appendFileSync(logFile, d);
      err = (err + d).slice(-65536);
      for (const w of [...waiters]) if (w.re.test(err)) w.done();
    });
  }
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    name,
    child,
    pid: child.pid,
    exited,
    stderr: () => err,
    /** A line of the bench's own in the process's log (MCPSPY_BENCH_LOG_DIR), e.g. the traffic's start: lines after it came after it. */
    note(text) {
      if (logFile) appendFileSync(logFile, `\n=== bench: ${text}\n`);
    },
    waitForLine(re, timeoutMs = 30_000) {
      if (re.test(err)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`failed to start ${name}: no ${re} within ${timeoutMs} ms; stderr: ${err.slice(-1500)}`)), timeoutMs);
        const w = {
          re,
          done: () => {
            clearTimeout(t);
            waiters.splice(waiters.indexOf(w), 1);
            resolve();
          },
        };
        waiters.push(w);
        exited.then(({ code, signal }) => {
          clearTimeout(t);
          reject(new Error(`failed to start ${name}: exited ${code ?? signal}; stderr: ${err.slice(-1500)}`));
        });
      });
    },
    /** Sends `signal`, then SIGKILL after `graceMs`; resolves with the exit and whether it had to be killed. */
    async stop(signal = 'SIGINT', graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return { ...(await exited), killed: false };
      child.kill(signal);
      let killed = false;
      const t = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, graceMs);
      const r = await exited;
      clearTimeout(t);
      return { ...r, killed };
    },
  };
}

/** The node flags in a script's `#!/usr/bin/env -S node FLAGS` line (none when there is no such line). */
export function shebangNodeFlags(bin) {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env\s+-S\s+node((?:\s+--[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  return m ? m[1].split(/\s+/).filter(Boolean) : [];
}

/** The embedded monitor, `mcpspy --tui=false -q -o FILE --comm ... --metrics-port P`, once it reports it is monitoring. */
export async function startEmbedded({ output, comms, extra = [], bin = MCPSPY }) {
  const metricsPort = await freePort();
  const args = [bin, '--tui=false', '-q', '-o', output, '--comm', comms.join(','), '--metrics-port', String(metricsPort), '--log-level', 'warn', ...extra];
  // The node flags of that bin/mcpspy.js's own shebang (trees before semi17 had --max-semi-space-size=16 there; since
  // then the shebang has none and the launcher re-executes the monitor with its role's flags, the same 16): measure
  // what people run, and each tree of an A/B with its own flags.
  // MCPSPY_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to node here too.
  const nodeArgs = [...shebangNodeFlags(bin), ...(process.env.MCPSPY_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const proc = startProc('mcpspy', process.execPath, [...nodeArgs, ...args]);
  await proc.waitForLine(READY_MONITOR, 60_000);
  return {
    mode: 'embedded',
    pids: () => [proc.pid],
    metricsPorts: [metricsPort],
    procs: [proc],
    others: [],
    async stop(graceMs) {
      return { mcpspy: await proc.stop('SIGINT', graceMs) };
    },
  };
}

/**
 * nats-server (JetStream, 64 MB max payload as deploy/nats/nats.conf) and
 * redis-server on free ports, then one `mcpspy serve <stage>` per stage,
 * downstream first so nothing published is lost (as tests/e2e/stack.ts).
 */
export async function startStack({ dir, output, comms, extra = [] }) {
  const natsPort = await freePort();
  const redisPort = await freePort();
  const js = join(dir, 'jetstream');
  mkdirSync(js, { recursive: true });
  writeFileSync(join(dir, 'nats.conf'), 'max_payload: 64MB\n');
  // MCPSPY_BENCH_WIRE=1: nats-server's monitoring port too (for /varz message counts; see wireStats).
  const natsMonitorPort = process.env.MCPSPY_BENCH_WIRE ? await freePort() : 0;
  const nats = startProc('nats-server', 'nats-server', ['-c', join(dir, 'nats.conf'), '-js', '-sd', js, '-p', String(natsPort), '-a', '127.0.0.1', ...(natsMonitorPort ? ['-m', String(natsMonitorPort)] : [])]);
  const redis = startProc('redis-server', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const stages = [];
  const stack = {
    mode: 'nats',
    natsUrl,
    redisUrl,
    redisPort,
    natsMonitorPort,
    pids: () => stages.map((s) => s.proc.pid),
    metricsPorts: [],
    procs: [],
    others: [nats, redis],
    /** Per stage: wall ms from its spawn to its ready line. */
    readyMs: {},
    async stop(graceMs) {
      const r = {};
      // Upstream first, so what is in flight drains to the sink.
      for (const s of [...stages].reverse()) r[s.stage] = await s.proc.stop('SIGINT', graceMs);
      for (const p of [redis, nats]) r[p.name] = await p.stop('SIGTERM', 5_000);
      return r;
    },
  };
  try {
    await Promise.all([nats.waitForLine(/Server is ready/), redis.waitForLine(/Ready to accept connections/)]);
    for (const stage of ['sink', 'security', 'mcp-parser', 'http-session', 'probe']) {
      const port = await freePort();
      const args = [MCPSPY, 'serve', stage, '--nats', natsUrl, '--redis', redisUrl, '--metrics-port', String(port), '--log-level', 'warn', ...extra];
      if (stage === 'sink') args.push('-o', output, '--tui=false', '-q');
      if (stage === 'probe') args.push('--comm', comms.join(','));
      // MCPSPY_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to each stage's node.
      // MCPSPY_BENCH_NODE_ARGS_<STAGE> (e.g. MCPSPY_BENCH_NODE_ARGS_MCP_PARSER="--max-semi-space-size=32") only to that stage's.
      const own = process.env[`MCPSPY_BENCH_NODE_ARGS_${stage.toUpperCase().replace(/-/g, '_')}`] ?? '';
      const nodeArgs = `${process.env.MCPSPY_BENCH_NODE_ARGS ?? ''} ${own}`.split(' ').filter(Boolean);
      // MCPSPY_BENCH_ENV_<STAGE> ("VAR=v VAR2=v2", e.g. MCPSPY_BENCH_ENV_MCP_PARSER=MCPSPY_WARMUP=1): more environment for that stage only.
      const ownEnv = Object.fromEntries(
        [...(process.env[`MCPSPY_BENCH_ENV_${stage.toUpperCase().replace(/-/g, '_')}`] ?? '').matchAll(/([^\s=]+)=(\S*)/g)].map((m) => [m[1], m[2]]),
      );
      const startedAt = performance.now();
      const proc = startProc(`mcpspy serve ${stage}`, process.execPath, [...nodeArgs, ...args], Object.keys(ownEnv).length ? { spawn: { env: { ...process.env, ...ownEnv } } } : {});
      stages.push({ stage, proc });
      stack.procs.push(proc);
      stack.metricsPorts.push(port);
      await proc.waitForLine(stage === 'probe' ? READY_MONITOR : new RegExp(`mcpspy: serving ${stage}\\b`), 60_000);
      // Wall time from spawn to the ready line: what a start-up lever (node flags, a warm-up) costs at start.
      stack.readyMs[stage] = performance.now() - startedAt;
    }
    // The node flags each stage runs with (bin/mcpspy.js re-executes a stage with its role's flags: same pid, so
    // its command line now shows them), printed once so a run's figures say which heap settings they had.
    console.log(`stage node flags: ${stages.map((s) => `${s.stage} ${nodeFlagsOf(s.proc.pid).join(' ') || '(none)'}`).join(', ')}`);
    console.log(`stage start to ready (ms): ${stages.map((s) => `${s.stage} ${Math.round(stack.readyMs[s.stage])}`).join(', ')}; load ${loadAvg()}`);
  } catch (e) {
    await stack.stop(3_000).catch(() => undefined);
    throw e;
  }
  return stack;
}

/** The node options on a process's command line (/proc/PID/cmdline up to the script), [] when it is gone. */
export function nodeFlagsOf(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const script = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
    return argv.slice(1, script < 0 ? argv.length : script);
  } catch {
    return [];
  }
}

/** { stage: { counter: value } } summed over the /metrics of every port; null for a port that did not answer. */
export async function scrapeCounters(ports, timeoutMs = 3_000) {
  const out = {};
  let failed = 0;
  for (const port of ports) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
      const body = await res.text();
      for (const m of body.matchAll(/^mcpspy_stage_counter\{stage="([^"]+)",name="([^"]+)"\} (\S+)$/gm)) {
        out[m[1]] ??= {};
        out[m[1]][m[2]] = (out[m[1]][m[2]] ?? 0) + Number(m[3]);
      }
    } catch {
      failed++;
    }
  }
  return { counters: out, failed };
}

/** /proc/PID/stat, or with tid one thread's /proc/PID/task/TID/stat: parent, CPU ticks (utime + stime), RSS. */
export function readStat(pid, tid) {
  try {
    const s = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // comm may hold spaces or parentheses: fields are counted after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rssKb: Number(f[21]) * PAGE_KB };
  } catch {
    return undefined;
  }
}

/** The pids and every descendant (a monitor that forks helpers is charged for them). */
function withDescendants(roots) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(name);
    if (!st) continue;
    if (!children.has(st.ppid)) children.set(st.ppid, []);
    children.get(st.ppid).push(Number(name));
  }
  const seen = new Set();
  const todo = [...roots];
  while (todo.length) {
    const p = todo.pop();
    if (seen.has(p)) continue;
    seen.add(p);
    todo.push(...(children.get(p) ?? []));
  }
  return [...seen];
}

function vmRssKb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Proportional set size: pages shared between processes (the node binary's
 * ~45 MB text, shared libraries) divided among them, so a sum over the five
 * stage processes counts them once, not five times as a sum of RSS does.
 */
export function pssKb(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples VmRSS (summed over the processes and their descendants) every
 * `everyMs`, and CPU ticks so CPU% can be taken over any window with mark().
 * Ticks of a process that exits between samples are lost, so windows end
 * before the processes are stopped.
 */
export class ProcSampler {
  constructor(getPids, everyMs = 500) {
    this.getPids = getPids;
    this.rss = [];
    this.lastTicks = new Map();
    /** Highest RSS seen per process (kB). */
    this.perMaxKb = new Map();
    /** Highest PSS seen per process (kB). */
    this.perPssMaxKb = new Map();
    /** Sum of PSS over the processes, per sample (kB). */
    this.pss = [];
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    this.sample();
  }

  sample() {
    const pids = withDescendants(this.getPids());
    let kb = 0;
    let pss = 0;
    for (const p of pids) {
      const ownPss = pssKb(p);
      pss += ownPss;
      if (ownPss > (this.perPssMaxKb.get(p) ?? 0)) this.perPssMaxKb.set(p, ownPss);
      const own = vmRssKb(p);
      kb += own;
      if (own > (this.perMaxKb.get(p) ?? 0)) this.perMaxKb.set(p, own);
      const st = readStat(p);
      if (st) this.lastTicks.set(p, st.ticks);
    }
    if (kb > 0) this.rss.push(kb);
    if (pss > 0) this.pss.push(pss);
    return kb;
  }

  /** Total CPU ticks so far of every process seen. */
  ticks() {
    this.sample();
    let t = 0;
    for (const v of this.lastTicks.values()) t += v;
    return t;
  }

  mark() {
    return { ticks: this.ticks(), at: performance.now(), per: new Map(this.lastTicks) };
  }

  /** CPU% of one process (without descendants) between two marks. */
  static cpuPercentOf(a, b, pid) {
    return (((b.per.get(pid) ?? 0) - (a.per.get(pid) ?? 0)) / CLK_TCK / ((b.at - a.at) / 1000)) * 100;
  }

  /** CPU% between two marks (100% = one core). */
  static cpuPercent(a, b) {
    return ((b.ticks - a.ticks) / CLK_TCK / ((b.at - a.at) / 1000)) * 100;
  }

  stop() {
    clearInterval(this.timer);
    const mb = (kb) => kb / 1024;
    const max = this.rss.length ? Math.max(...this.rss) : 0;
    const mean = this.rss.length ? this.rss.reduce((a, b) => a + b, 0) / this.rss.length : 0;
    const last = this.rss.at(-1) ?? 0;
    const pssMax = this.pss.length ? Math.max(...this.pss) : 0;
    return { rssMaxMb: mb(max), rssMeanMb: mb(mean), rssLastMb: mb(last), samples: this.rss.length, perMaxKb: this.perMaxKb, perPssMaxKb: this.perPssMaxKb, pssMaxMb: mb(pssMax) };
  }
}

/**
 * Follows a growing file and hands every complete line to onLine(line,
 * arrivalMs), the wall-clock time at which the line was read. inotify wakes
 * the reader as soon as the sink writes; a 5 ms poll covers missed events.
 */
export class JsonlTailer {
  constructor(path, onLine) {
    this.path = path;
    this.onLine = onLine;
    this.offset = 0;
    this.partial = '';
    this.buf = Buffer.alloc(4 << 20);
    this.decoder = new StringDecoder('utf8');
    this.fd = -1;
    this.lines = 0;
    this.poll = setInterval(() => this.read(), 5);
    try {
      this.watcher = watch(path, () => this.read());
    } catch {
      this.watcher = undefined;
    }
  }

  read() {
    if (this.fd < 0) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch {
        return;
      }
      if (!this.watcher) {
        try {
          this.watcher = watch(this.path, () => this.read());
        } catch {
          // the poll still runs
        }
      }
    }
    for (;;) {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, this.offset);
      if (n <= 0) return;
      const at = nowMs();
      this.offset += n;
      // A read can end inside a multi-byte character: the decoder keeps its first bytes for the next read.
      const text = this.partial + this.decoder.write(this.buf.subarray(0, n));
      const parts = text.split('\n');
      this.partial = parts.pop();
      for (const line of parts) {
        if (line.length === 0) continue;
        this.lines++;
        this.onLine(line, at);
      }
    }
  }

  close() {
    this.read();
    clearInterval(this.poll);
    this.watcher?.close();
    if (this.fd >= 0) closeSync(this.fd);
  }
}

/** Resolves once `count()` reaches `want`, or nothing new arrived for `quietMs`, or `maxMs` passed. */
/**
 * Tails the bench writer's requests in a JSONL file: counts each distinct
 * request id once (ids below `expected` * 1.2 + 1000 are deduplicated) and
 * keeps its write → line latency in ms (from `params.sent_us`).
 */
export function tailRequests(output, expected) {
  const seen = new Uint8Array(Math.ceil(expected * 1.2) + 1000);
  const result = { captured: 0, latencies: [], tailer: undefined };
  result.tailer = new JsonlTailer(output, (line, at) => {
    const s = /"sent_us":(\d+)/.exec(line);
    const id = /"id":(\d+)/.exec(line);
    if (!s || !id || !(line.includes('"type":"request"') || line.includes('"type":"response"'))) return;
    const i = Number(id[1]);
    if (i < seen.length) {
      if (seen[i]) return;
      seen[i] = 1;
    }
    result.captured++;
    result.latencies.push(at - Number(s[1]) / 1000);
  });
  return result;
}

export async function waitSettled(count, want, quietMs = 3_000, maxMs = 60_000) {
  const t0 = performance.now();
  let last = count();
  let lastChange = performance.now();
  while (performance.now() - t0 < maxMs) {
    const c = count();
    if (c >= want) return 'complete';
    if (c !== last) {
      last = c;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > quietMs) return 'quiet';
    await sleep(100);
  }
  return 'timeout';
}

export function percentiles(values) {
  if (values.length === 0) return { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const s = Float64Array.from(values).sort();
  const q = (p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  return { n: s.length, p50: q(50), p95: q(95), p99: q(99), max: s[s.length - 1] };
}

export const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');

/** Rows of [what, measured, target, verdict] printed as a table. */
export function printTable(title, rows) {
  console.log(`\n${title}`);
  const w = [0, 0, 0];
  for (const r of rows) for (let i = 0; i < 3; i++) w[i] = Math.max(w[i], String(r[i] ?? '').length);
  console.log(`${'figure'.padEnd(w[0])}  ${'measured'.padStart(w[1])}  ${'target'.padEnd(w[2])}  `);
  for (const r of rows) console.log(`${String(r[0]).padEnd(w[0])}  ${String(r[1]).padStart(w[1])}  ${String(r[2] ?? '').padEnd(w[2])}  ${r[3] ?? ''}`);
}

export const verdict = (ok) => (ok === undefined ? '' : ok ? 'ok' : 'MISSED');

/** The last line of every pipeline bench: run-all.mjs collects it. */
export function emitResult(name, result) {
  console.log(`BENCH_RESULT ${JSON.stringify({ bench: name, ...result })}`);
}

export function requireRoot() {
  if (process.getuid?.() !== 0) {
    console.error('mcpspy bench: needs root (the monitor loads BPF programs); run with sudo');
    process.exit(1);
  }
}

/**
 * Watches mcp.message and security.verdict on core NATS (a plain subscriber
 * sees JetStream subjects too) and times each against the write's sent_us.
 */
export async function observeHops(natsUrl) {
  const { connect } = await import('nats');
  const nc = await connect({ servers: natsUrl, name: 'bench-observer' });
  const sentById = new Map();
  const message = [];
  const verdict = [];
  const dec = new TextDecoder();
  const nowMs = () => performance.timeOrigin + performance.now();
  const SENT_US = /\\?"sent_us\\?":(\d+)/;
  let onMessage = (text, at) => {
    const s = SENT_US.exec(text);
    if (!s) return;
    const sentMs = Number(s[1]) / 1000;
    message.push(at - sentMs);
    const id = /"msg_id":"([^"]+)"/.exec(text);
    if (id) sentById.set(id[1], sentMs);
  };
  nc.subscribe('mcpspy.v1.mcp.message', { callback: (_e, m) => onMessage(dec.decode(m.data), nowMs()) });
  // Batches (libs/events batch-envelope.ts): a header line, then one message per line.
  // NATS messages that carried mcp.message events (a batch or a single event) and raw batches: events per NATS message per window.
  const counts = { messageNats: 0, raw: 0 };
  nc.subscribe('mcpspy.v1.batch.mcp.message', {
    callback: (_e, m) => {
      const at = nowMs();
      counts.messageNats++;
      for (const line of dec.decode(m.data).split('\n').slice(1)) onMessage(line, at);
    },
  });
  // Start-up: when the first raw batch and the first MCP message went by (wall clock, ms since epoch).
  const firsts = { raw: 0, message: 0, rawBatches: [] };
  // write -> raw batch on the wire (the probe's share): the first sent_us in each batch's captured bytes.
  const raw = [];
  const SENT_RAW = /"sent_us":(\d+)/;
  nc.subscribe('mcpspy.v1.raw.stdio.>', {
    callback: (_e, m) => {
      const at = nowMs();
      const s = SENT_RAW.exec(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('latin1'));
      if (s) raw.push(at - Number(s[1]) / 1000);
      counts.raw++;
      firsts.raw ||= at;
      if (firsts.rawBatches.length < 2000) firsts.rawBatches.push(at);
    },
  });
  const firstMessage = onMessage;
  onMessage = (text, at) => {
    firsts.message ||= at;
    firstMessage(text, at);
  };
  nc.subscribe('mcpspy.v1.security.verdict', {
    callback: (_e, m) => {
      const at = nowMs();
      const id = /"msg_id":"([^"]+)"/.exec(dec.decode(m.data));
      const sentMs = id && sentById.get(id[1]);
      if (sentMs === undefined) return;
      sentById.delete(id[1]);
      verdict.push(at - sentMs);
    },
  });
  return {
    /** The write -> mcp.message latencies so far (a progress window reads its own slice). */
    messageLatencies: message,
    /** The write -> raw batch latencies so far (the first captured request of each batch). */
    rawLatencies: raw,
    /** NATS messages seen so far: those carrying mcp.message events (batches) and raw batches. */
    counts,
    stop() {
      void nc.close();
      return { message: percentiles(message), verdict: percentiles(verdict), verdicts: verdict.length, firsts };
    },
  };
}

/**
 * What crossed the wire (MCPSPY_BENCH_WIRE=1 stacks): nats-server's message and byte counts (/varz: every
 * publish, JetStream ack, delivery and consumer ack is a message) and redis-server's calls per command
 * (`INFO commandstats`). Take one before and one after the traffic; wireDelta gives the difference.
 */
export async function wireStats(stack) {
  const out = { nats: {}, redis: {} };
  if (stack.natsMonitorPort) {
    try {
      const v = await (await fetch(`http://127.0.0.1:${stack.natsMonitorPort}/varz`, { signal: AbortSignal.timeout(3_000) })).json();
      out.nats = { in_msgs: v.in_msgs, out_msgs: v.out_msgs, in_bytes: v.in_bytes, out_bytes: v.out_bytes };
    } catch {
      // left empty: no figure rather than a wrong one
    }
    // Per connection (each stage names its own, mcpspy-<stage>): what it sent to and received from nats-server, and
    // its subscriptions. Connections of one name (none here) would add up.
    try {
      const c = await (await fetch(`http://127.0.0.1:${stack.natsMonitorPort}/connz?subs=1&limit=1024`, { signal: AbortSignal.timeout(3_000) })).json();
      out.conns = {};
      for (const k of c.connections ?? []) {
        const name = String(k.name || `cid${k.cid}`);
        const o = (out.conns[name] ??= { sent_msgs: 0, sent_bytes: 0, got_msgs: 0, got_bytes: 0, subs: [] });
        // The server's in_* is what the client sent it, out_* what it delivered to the client.
        o.sent_msgs += k.in_msgs;
        o.sent_bytes += k.in_bytes;
        o.got_msgs += k.out_msgs;
        o.got_bytes += k.out_bytes;
        o.subs.push(...(k.subscriptions_list ?? []));
      }
    } catch {
      // left out: no figure rather than a wrong one
    }
  }
  // CPU time of nats-server and redis-server apart (the bench's own CPU figure sums them).
  for (const p of stack.others ?? []) {
    const st = readStat(p.pid);
    if (st) out[p.name === 'nats-server' ? 'nats' : 'redis'].cpu_us = (st.ticks / CLK_TCK) * 1e6;
  }
  if (stack.redisPort) {
    const r = spawnSync('redis-cli', ['-p', String(stack.redisPort), 'info', 'commandstats'], { encoding: 'utf8' });
    for (const m of String(r.stdout ?? '').matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) out.redis[`cmd_${m[1]}`] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  return out;
}

/** after - before of two wireStats, each count per `per` (MCP messages). */
export function wireDelta(before, after, per) {
  const n = Math.max(1, per);
  const nats = Object.fromEntries(Object.keys(after.nats).map((k) => [k, (after.nats[k] - (before.nats[k] ?? 0)) / n]));
  const redis = Object.fromEntries(Object.keys(after.redis).filter((k) => k.startsWith('cmd_')).map((k) => [k.slice(4), { calls: (after.redis[k].calls - (before.redis[k]?.calls ?? 0)) / n, usec: (after.redis[k].usec - (before.redis[k]?.usec ?? 0)) / n }]));
  const cpu = (w) => (after[w].cpu_us !== undefined && before[w].cpu_us !== undefined ? (after[w].cpu_us - before[w].cpu_us) / n : undefined);
  nats.cpu_us = cpu('nats');
  // Per connection name, per MCP message (a connection that came and went between the two is left out).
  const conns = {};
  for (const [name, a] of Object.entries(after.conns ?? {})) {
    const b = before.conns?.[name];
    if (!b) continue;
    conns[name] = { sent_msgs: (a.sent_msgs - b.sent_msgs) / n, sent_bytes: (a.sent_bytes - b.sent_bytes) / n, got_msgs: (a.got_msgs - b.got_msgs) / n, got_bytes: (a.got_bytes - b.got_bytes) / n, subs: a.subs };
  }
  redis.cpu_us = cpu('redis');
  return { nats, redis, conns };
}
