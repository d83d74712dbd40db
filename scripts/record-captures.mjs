#!/usr/bin/env node
// Regenerates the replay goldens in apps/cli/testdata: for each end-to-end
// scenario, runs the real monitor with `--record` while the fixture peers of
// tests/e2e talk, then replays the capture to write the expected JSONL.
//
// Needs root (the monitor loads BPF) and a build of the CLI and of the e2e
// suite, whose scenario drivers it reuses so the captures show exactly the
// traffic the acceptance tests check:
//
//   npx tsc -b apps/cli tests
//   sudo node scripts/record-captures.mjs              # every scenario
//   sudo node scripts/record-captures.mjs stdio evil   # some of them
//   node scripts/record-captures.mjs --replay-only     # keep the captures, rewrite
//                                                      # the expected JSONL (no root)
//
// Writes <scenario>.mcpspy (the capture), <scenario>.jsonl (what
// `mcpspy replay` makes of it) and, for evil, evil.security.jsonl (the same
// with --security). Look at the JSONL before committing it: it becomes the
// truth the replay tests compare with.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const bin = join(root, 'bin', 'mcpspy.js');
const outDir = join(root, 'apps', 'cli', 'testdata');
const e2e = join(root, 'tests', 'dist', 'e2e');

// The 5 MiB scenarios are left out: the captures would be tens of MB, and
// the big-message path is covered by tests/e2e/big.test.ts under the probe.
const ALL = ['stdio', 'http', 'https', 'sse', 'evil'];

function fail(msg) {
  process.stderr.write(`record-captures: ${msg}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
// When the output format grows a field, the captures stay true: only what
// the pipeline makes of them changes.
const replayOnly = args.includes('--replay-only');
const wanted = args.filter((a) => a !== '--replay-only');
for (const name of wanted) if (!ALL.includes(name)) fail(`unknown scenario "${name}" (expected some of: ${ALL.join(', ')})`);
if (!replayOnly) {
  if (process.getuid?.() !== 0) fail('needs root: the monitor loads BPF programs (run: sudo node scripts/record-captures.mjs)');
  if (!existsSync(join(e2e, 'scenarios.js'))) fail(`no build of the e2e suite in ${e2e} (run: npx tsc -b apps/cli tests)`);
}

function lineCount(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

function replay(capture, output, extra = []) {
  execFileSync(process.execPath, [bin, 'replay', capture, '-o', output, '--tui=false', '-q', ...extra], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

// Other people's e2e runs on this host use the same fixture names, so their
// traffic passes our --comm filter. Wait until none is running, and check
// the result afterwards (a take with extra or missing lines is retried).
function foreignFixtures() {
  const found = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(pid)) continue;
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm.startsWith('mcpe2e-')) found.push(`${pid}:${comm}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

async function waitForQuietHost(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const f = foreignFixtures();
    if (f.length === 0) return;
    if (Date.now() > deadline) fail(`other fixture processes keep running (${f.join(' ')}): try again later`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function record(name) {
  for (let take = 1; take <= 5; take++) {
    await waitForQuietHost();
    const r = await recordOnce(name);
    if (r.ok) return;
    process.stderr.write(`record-captures: ${name}: take ${take}: ${r.why}; recording again\n`);
  }
  fail(`${name}: no clean take in 5 attempts`);
}

function writeExpected(name) {
  const cap = join(outDir, `${name}.mcpspy`);
  replay(cap, join(outDir, `${name}.jsonl`));
  if (name === 'evil') replay(cap, join(outDir, `${name}.security.jsonl`), ['--security']);
}

async function recordOnce(name) {
  const { SCENARIOS } = require(join(e2e, 'scenarios.js'));
  const { Monitor } = require(join(e2e, 'harness.js'));
  const sc = SCENARIOS[name];
  const dir = mkdtempSync(join(tmpdir(), `mcpspy-record-${name}-`));
  const capture = join(dir, `${name}.mcpspy`);
  const live = join(dir, 'live.jsonl');
  try {
    const monitor = await Monitor.start({
      output: live,
      comms: sc.comms,
      security: name === 'evil',
      extraArgs: ['--record', capture, '-q'],
    });
    let result;
    try {
      result = await sc.run({ dir, transcripts: false });
      // Every request has its response, so the clients' counts give the lines.
      await monitor.waitQuiet(result.summaries.reduce((n, s) => n + 2 * s.requests + s.notifications, 0));
    } catch (e) {
      await monitor.proc.stop('SIGKILL');
      throw e;
    }
    await monitor.stop();
    const expected = result.summaries.reduce((n, s) => n + 2 * s.requests + s.notifications, 0);
    if (foreignFixtures().length > 0) return { ok: false, why: 'other fixture processes ran meanwhile' };
    const check = join(dir, 'check.jsonl');
    replay(capture, check);
    if (lineCount(check) !== expected) return { ok: false, why: `replay gave ${lineCount(check)} lines, the clients exchanged ${expected} messages` };
    copyFileSync(capture, join(outDir, `${name}.mcpspy`));
    writeExpected(name);
    const summary = result.summaries.map((s) => `requests=${s.requests} notifications=${s.notifications}`).join('; ');
    process.stderr.write(
      `record-captures: ${name}: capture ${statSync(capture).size} bytes, live ${lineCount(live)} lines, ` +
        `replay ${lineCount(join(outDir, `${name}.jsonl`))} lines (clients: ${summary})\n`,
    );
    return { ok: true };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const name of wanted.length ? wanted : ALL) {
  if (replayOnly) {
    writeExpected(name);
    process.stderr.write(`record-captures: ${name}: replay ${lineCount(join(outDir, `${name}.jsonl`))} lines\n`);
  } else {
    await record(name);
  }
}
