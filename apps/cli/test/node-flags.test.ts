/**
 * The flags a stage process really runs with, through the real bin/mcpspy.js: MCPSPY_PRINT_NODE_FLAGS=1 makes the
 * launcher report (after its re-exec, before the command's code) its pid, node's flags and V8's heap size limit,
 * which moves with the semispace size (three semispaces' worth), so it shows what V8 took, not only what was asked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { MCPSPY_BIN } from './cli';

interface Report {
  pid: number;
  role: string | null;
  execArgv: string[];
  missing: string[];
  failed: string | null;
  marker: string | null;
  heapSizeLimit: number;
  /** The young generation's semispace size as the process starts (V8 starts it at its minimum). */
  newSpaceSize: number | null;
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, MCPSPY_PRINT_NODE_FLAGS: '1' };
  delete env.NODE_OPTIONS;
  delete env.MCPSPY_ROLE_NODE_FLAGS;
  return env;
};

/** Runs the launcher and resolves its report with the pid node was started as. */
function launch(args: string[], nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ report: Report; startedPid: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, MCPSPY_BIN, ...args], { env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`exit ${code}: ${err}`));
      resolve({ report: JSON.parse(out) as Report, startedPid: child.pid!, stderr: err });
    });
  });
}

/** V8's heap size limit of a plain node with these flags. */
function heapLimitOf(flags: string[]): number {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [...flags, '-p', "require('v8').getHeapStatistics().heap_size_limit"], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

const at = (mb: number) => heapLimitOf([`--max-semi-space-size=${mb}`]);

test('serve sink and serve security started with plain node run with 8 MB semispaces, in the same process (re-exec, same pid)', async () => {
  assert.notEqual(at(8), at(16), 'the heap limit tells 8 from 16 on this node');
  for (const stage of ['sink', 'security']) {
    const { report, startedPid, stderr } = await launch(['serve', stage, '--nats', 'nats://127.0.0.1:1']);
    assert.equal(report.role, stage);
    assert.deepEqual(report.execArgv, ['--max-semi-space-size=8'], stage);
    assert.equal(report.heapSizeLimit, at(8), `${stage}: V8 took the flag`);
    assert.equal(report.pid, startedPid, `${stage}: execve, not a child process`);
    assert.equal(stderr, '', 'no warning');
  }
});

test('other flags given to node are kept through the re-exec, and stages without table flags are not re-executed', async () => {
  const { report } = await launch(['serve', 'sink'], ['--stack-size=900']);
  assert.deepEqual(report.execArgv, ['--max-semi-space-size=8', '--stack-size=900']);
  const parser = await launch(['serve', 'mcp-parser']);
  assert.deepEqual(parser.report.execArgv, []);
  assert.equal(parser.report.heapSizeLimit, heapLimitOf([]));
});

test("the user's own flag wins: on node's command line, in NODE_OPTIONS, or the table turned off", async () => {
  const cmd = await launch(['serve', 'sink'], ['--max-semi-space-size=16']);
  assert.deepEqual(cmd.report.execArgv, ['--max-semi-space-size=16']);
  assert.equal(cmd.report.heapSizeLimit, at(16));
  const opts = await launch(['serve', 'security'], [], { NODE_OPTIONS: '--max-semi-space-size=4' });
  assert.deepEqual(opts.report.execArgv, []);
  assert.equal(opts.report.heapSizeLimit, at(4));
  const off = await launch(['serve', 'sink'], [], { MCPSPY_ROLE_NODE_FLAGS: '0' });
  assert.deepEqual(off.report.execArgv, []);
  assert.equal(off.report.heapSizeLimit, heapLimitOf([]));
});

test('the embedded monitor keeps the 16 MB semispaces the embedded benches chose (the shebang gave them before), 16 MB from the start', async () => {
  const MB16 = 16 * 1024 * 1024;
  const plain = newSpaceOf(['--max-semi-space-size=16']);
  assert.ok(plain < MB16, `a plain node starts its young generation smaller (${plain} bytes): the check below can fail`);
  const { report } = await launch(['--tui=false', '-o', '/dev/null']);
  assert.equal(report.role, 'monitor');
  assert.deepEqual(report.execArgv, ['--max-semi-space-size=16', '--min-semi-space-size=16']);
  assert.equal(report.heapSizeLimit, at(16));
  assert.equal(report.newSpaceSize, MB16, 'V8 took the minimum');
  // As the embedded benches start it (bench/pipeline-common.mjs startEmbedded: the tree's shebang flags, now none).
  const replay = await launch(['replay', 'x.mcpspy']);
  assert.deepEqual(replay.report.execArgv, ['--max-semi-space-size=16', '--min-semi-space-size=16']);
  assert.equal(replay.report.newSpaceSize, MB16);
  // A user's own maximum (a profiling run's, an older tree's shebang) keeps its value; the minimum is added.
  const own = await launch(['--tui=false', '-o', '/dev/null'], ['--max-semi-space-size=16']);
  assert.deepEqual(own.report.execArgv, ['--min-semi-space-size=16', '--max-semi-space-size=16']);
  assert.equal(own.report.newSpaceSize, MB16);
});

/** The young generation's semispace size of a plain node with these flags as it starts. */
function newSpaceOf(flags: string[]): number {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [...flags, '-p', "require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size"], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

test('a stage that went through the re-exec still writes to the stdout and stderr it was given, and the marker is not passed on', async () => {
  const r = spawnSync(process.execPath, [MCPSPY_BIN, 'serve', 'sink', '--nats', 'nats://127.0.0.1:1', '--log-level', 'warn'], {
    env: { ...baseEnv(), MCPSPY_PRINT_NODE_FLAGS: '0' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  // No NATS there: the re-executed sink says so on its stderr and exits 1, as a directly started one does.
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /mcpspy: failed to connect to NATS at nats:\/\/127\.0\.0\.1:1/);
  const { report } = await launch(['serve', 'sink']);
  assert.deepEqual(report.execArgv, ['--max-semi-space-size=8']);
  assert.equal(report.marker, null, 'the re-exec marker is not left for what the stage starts');
  assert.equal(report.failed, null);
});
