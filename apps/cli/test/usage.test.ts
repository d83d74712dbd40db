/**
 * The command as a person first meets it: help, version, bad flags, no root,
 * NATS or Redis down. Runs the real bin/mcpspy.js; the NATS used by the
 * Redis case is a real nats-server.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startNats, type TestServer } from '@mcpspy/runtime/testing';
import { Child, MCPSPY_BIN, plainLines, REPO_ROOT, runCli, scratchDir, type Run } from './cli';
import { execFileSync } from 'node:child_process';

after(() => Child.stopAll());

const dir = scratchDir('mcpspy-cli-usage-');

/** Exactly one non-empty line on stderr, and it is ours. */
function assertOneLine(stderr: string, re: RegExp, run?: Run): void {
  const lines = stderr.split('\n').filter((l) => l !== '');
  const ended = run ? ` (exit code ${run.code}${run.signal ? `, signal ${run.signal}` : ''})` : '';
  assert.equal(lines.length, 1, `one line on stderr, got: ${JSON.stringify(stderr)}${ended}`);
  assert.ok(lines[0].startsWith('mcpspy: '), `starts with "mcpspy: ": ${lines[0]}`);
  assert.match(lines[0], re);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

describe('usage errors: one line, exit code 2', { concurrency: 4 }, () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown flag', ['--bogus-flag'], /unknown option '--bogus-flag'/],
    ['misspelt flag keeps its suggestion on the same line', ['--secrity'], /unknown option '--secrity' \(did you mean --security\?\)/],
    ['--security-threshold out of 0..1', ['--security-threshold', '3'], /--security-threshold.*"3"/],
    ['--pid not a number', ['--pid', 'abc'], /--pid.*"abc"/],
    ['--metrics-port above 65535', ['--metrics-port', '70000'], /--metrics-port.*70000/],
    ['--tui not a boolean', ['--tui', 'maybe'], /--tui.*"maybe"/],
    ['--comm longer than the kernel comm', ['--comm', 'node,abcdefghijklmnop'], /--comm.*"abcdefghijklmnop".*15-byte/],
    ['--log-level not a level', ['--log-level', 'loud'], /--log-level.*'loud'/],
    ['--ring-size not a power of two', ['--ring-size', '3MB'], /--ring-size.*"3MB".*power of two/],
    ['--ring-size below 1MB', ['--ring-size', '64KB'], /--ring-size.*"64KB".*1MB/],
    ['--redis not a URL', ['--redis', 'localhost:6379'], /--redis.*localhost:6379/],
    ['-o without a file', ['-o'], /--output/],
    ['serve without --nats', ['serve', 'mcp-parser'], /serve needs --nats/],
    ['serve of an unknown stage', ['serve', 'unknownstage', '--nats', 'nats://127.0.0.1:4222'], /unknown stage "unknownstage".*mcp-parser/],
    ['serve without a stage', ['serve'], /missing required argument 'stage'/],
    // A capture named on the command line that is not there is the caller's
    // mistake, like a bad flag: 2, and said before any stage starts.
    ['replay of a missing file', ['replay', join(dir, 'nope.mcpspy')], /failed to open capture .*nope\.mcpspy: no such file/],
    ['replay of a directory', ['replay', dir], /failed to open capture .*: is a directory/],
  ];
  for (const [title, args, re] of cases) {
    test(title, async () => {
      const r = await runCli(args, { timeoutMs: 30_000 });
      assertOneLine(r.stderr, re, r);
      assert.equal(r.code, 2, `exit code of mcpspy ${args.join(' ')}`);
      assert.equal(r.stdout, '', 'nothing on stdout');
    });
  }
});

test('--help exits 0 and lists every seed flag and ours', async () => {
  const r = await runCli(['--help'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0);
  const seed = ['--tui', '-o, --output', '--security ', '--hf-token', '--security-model ', '--security-threshold', '--security-async'];
  const ours = ['--pid', '--comm', '--nats', '--redis', '--record', '--log-level', '--metrics-port', '--ring-size'];
  for (const flag of [...seed, ...ours]) assert.ok(r.stdout.includes(`  ${flag}`), `--help lists ${flag}:\n${r.stdout}`);
  for (const cmd of ['serve', 'replay', 'scan', 'version']) assert.match(r.stdout, new RegExp(`^  ${cmd} `, 'm'), `--help lists ${cmd}`);
  assert.match(r.stdout, /sudo mcpspy/, 'examples show how to start it');
});

test('serve --help names the stages', async () => {
  const r = await runCli(['serve', '--help'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0);
  for (const s of ['probe', 'http-session', 'mcp-parser', 'security', 'sink']) assert.ok(r.stdout.includes(s), `serve --help names ${s}`);
});

test('version prints the package version', async () => {
  const r = await runCli(['version'], { timeoutMs: 30_000 });
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `mcpspy ${pkg.version}\n`);
});

/**
 * `mcpspy ARGS` without the capabilities loading BPF needs. Dropping every
 * capability (root's uid kept) rather than changing to another user keeps
 * the checkout readable wherever it is: a clone into /root (mode 0700) is
 * unreadable to nobody, and the test must not depend on where it runs.
 */
async function runUnprivileged(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = new Child('mcpspy-nocaps', 'setpriv', ['--bounding-set=-all', '--inh-caps=-all', '--', process.execPath, MCPSPY_BIN, ...args]);
  const timer = setTimeout(() => c.child.kill('SIGKILL'), 30_000);
  const code = await c.exited;
  clearTimeout(timer);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

function unprivilegedSkip(): string | false {
  if (process.getuid?.() !== 0) return 'dropping capabilities needs root';
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'setpriv (util-linux) is not installed';
  }
  return false;
}

test('without privileges the monitor says what to run and exits 1', { skip: unprivilegedSkip() }, async () => {
  const out = join(dir, 'nobody.jsonl');
  const r = await runUnprivileged(['--tui=false', '-o', out, '--comm', 'node']);
  assert.equal(r.code, 1);
  assertOneLine(r.stderr, /needs root/);
  // The exact command to rerun, with the same flags.
  assert.ok(r.stderr.includes(`run: sudo mcpspy --tui=false -o ${out} --comm node`), r.stderr);
});

test('serve probe without privileges says what to run', { skip: unprivilegedSkip() }, async () => {
  const r = await runUnprivileged(['serve', 'probe', '--nats', 'nats://127.0.0.1:4222']);
  assert.equal(r.code, 1);
  assertOneLine(r.stderr, /run: sudo mcpspy serve probe --nats nats:\/\/127\.0\.0\.1:4222/);
});

describe('NATS and Redis unreachable: one line naming the URL, exit 1', () => {
  let nats: TestServer | undefined;
  after(() => nats?.dispose());

  test('serve mcp-parser with nothing listening on --nats', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const r = await runCli(['serve', 'mcp-parser', '--nats', url], { timeoutMs: 45_000 });
    assert.equal(r.code, 1, r.stderr);
    assertOneLine(r.stderr, new RegExp(`failed to connect to NATS at ${url.replace(/[.:/]/g, '\\$&')}`));
  });

  test('serve mcp-parser with nothing listening on --redis (NATS up)', async () => {
    nats = await startNats();
    const url = `redis://127.0.0.1:${await freePort()}`;
    const r = await runCli(['serve', 'mcp-parser', '--nats', nats.url, '--redis', url], { timeoutMs: 45_000 });
    assert.equal(r.code, 1, r.stderr);
    // pino's JSON log lines are for machines; a person reads one line.
    const human = plainLines(r.stderr);
    assert.equal(human.length, 1, `one plain line: ${r.stderr}`);
    assert.match(human[0], new RegExp(`^mcpspy: failed to connect to Redis at ${url.replace(/[.:/]/g, '\\$&')}`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});
