#!/usr/bin/env node
// Runs every compiled test with node:test. Unit specs sit beside their module
// (*.spec.ts); integration tests live in test/ folders (*.test.ts).
// Usage: node scripts/run-tests.mjs [--list] [path-prefix ...]  (--list: print each file's lane and stop)
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const listOnly = process.argv.includes('--list');
const prefixes = process.argv.slice(2).filter((a) => a !== '--list').map((p) => p.replace(/\/$/, ''));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) walk(full, out);
    else if (/\.(spec|test)\.js$/.test(name)) out.push(full);
  }
}

const files = [];
for (const top of ['libs', 'apps']) {
  const base = join(root, top);
  if (!existsSync(base)) continue;
  for (const proj of readdirSync(base)) {
    const dist = join(base, proj, 'dist');
    if (existsSync(dist)) walk(dist, files);
  }
}
// tests/ is one project (end-to-end and deployment suites).
if (existsSync(join(root, 'tests', 'dist'))) walk(join(root, 'tests', 'dist'), files);
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => prefixes.length === 0 || prefixes.some((p) => f.startsWith(p)))
  .sort();
if (selected.length === 0) {
  console.error('run-tests: no compiled tests found (did the build run?)');
  process.exit(1);
}
// Two lanes run side by side: the host lane holds every file that loads the
// probe's BPF programs or runs the monitor against real processes (one file at
// a time, as before: two probes must not fight over the host), the isolated
// lane the rest (unit specs, stages over NATS and Redis on their own ports,
// replay, scan), also one file at a time. MCPSPY_TEST_LANES=1 runs everything
// in one lane, in path order.
const HOST_MARKERS = /rootSkipReason|startProbe/;
function isHostFile(rel) {
  if (rel.startsWith('apps/probe/dist/test/') || rel.startsWith('tests/dist/e2e/')) return true;
  return HOST_MARKERS.test(readFileSync(join(root, rel), 'utf8'));
}
const baseArgs = ['--test', '--test-reporter=spec', '--test-timeout=600000', '--test-concurrency=1'];
const oneLane = process.env.MCPSPY_TEST_LANES === '1' || selected.length < 2;
const host = oneLane ? selected : selected.filter(isHostFile);
const isolated = oneLane ? [] : selected.filter((f) => !host.includes(f));

if (listOnly) {
  for (const f of host) process.stdout.write(`host\t${f}\n`);
  for (const f of isolated) process.stdout.write(`isolated\t${f}\n`);
  process.exit(0);
}
if (host.length === 0 || isolated.length === 0) {
  const r = spawnSync(process.execPath, [...baseArgs, ...selected], { stdio: 'inherit', cwd: root });
  process.exit(r.status ?? 1);
}

const started = Date.now();
const secs = () => ((Date.now() - started) / 1000).toFixed(0);
process.stdout.write(
  `run-tests: ${selected.length} files in two lanes side by side: host (${host.length} files, BPF and the monitor, ` +
    `one at a time, shown live) and isolated (${isolated.length} files, shown when both are done)\n`,
);

// Forwards a child's output whole lines at a time, so that a note written
// between them never lands inside a line.
function forwardLines(stream, out) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    pending += chunk;
    const cut = pending.lastIndexOf('\n');
    if (cut >= 0) {
      out.write(pending.slice(0, cut + 1));
      pending = pending.slice(cut + 1);
    }
  });
  return () => {
    if (pending) out.write(pending + '\n');
    pending = '';
  };
}

function runLane(name, files, live) {
  return new Promise((resolve) => {
    // The isolated lane's children are told so: the probe refuses to load BPF
    // there (apps/probe/src/bpf-object.ts), so a file put in the wrong lane fails
    // loudly instead of racing the host lane's probes.
    const env = live ? process.env : { ...process.env, MCPSPY_TEST_LANE: 'isolated' };
    const child = spawn(process.execPath, [...baseArgs, ...files], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const held = [];
    let flush = () => {};
    if (live) {
      const f1 = forwardLines(child.stdout, process.stdout);
      const f2 = forwardLines(child.stderr, process.stderr);
      flush = () => (f1(), f2());
    } else {
      child.stdout.on('data', (c) => held.push(c));
      child.stderr.on('data', (c) => held.push(c));
    }
    child.on('error', (e) => {
      held.push(Buffer.from(`run-tests: the ${name} lane could not start: ${e.message}\n`));
      resolve({ name, code: 1, held, flush });
    });
    child.on('close', (code, signal) => {
      flush();
      resolve({ name, code: code ?? (signal ? 1 : 0), signal, held, flush });
    });
  });
}

const hostRun = runLane('host', host, true);
const isoRun = runLane('isolated', isolated, false).then((r) => {
  process.stdout.write(`run-tests: isolated lane finished after ${secs()} s, exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n`);
  return r;
});
const [h, i] = await Promise.all([hostRun, isoRun]);
process.stdout.write(`\nrun-tests: the isolated lane's report (${isolated.length} files)\n`);
process.stdout.write(Buffer.concat(i.held));
process.stdout.write(
  `\nrun-tests: host lane exit ${h.code}, isolated lane exit ${i.code}, ${secs()} s in all\n`,
);
process.exit(h.code === 0 && i.code === 0 ? 0 : 1);
