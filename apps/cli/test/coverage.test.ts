/**
 * `mcpspy coverage` through the real command, as root with real BPF: every
 * hook type is answered for (this kernel's answers are not assumed, except
 * the two the monitor cannot run without), and a process with the system
 * libssl loaded is listed with its hooked library.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { MCPSPY_BIN, rootSkipReason } from './cli';

const skip = rootSkipReason();

test('mcpspy coverage --json: hook types, TLS libraries per process', { skip }, async () => {
  // A python3 that has loaded the system libssl and waits: its pid must be listed with openssl hooked.
  const py = spawn('python3', ['-c', 'import ssl, sys; print("ready", flush=True); sys.stdin.read()'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      py.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      py.on('exit', (c) => reject(new Error(`python3 exited ${c}`)));
    });
    const r = spawnSync(process.execPath, [MCPSPY_BIN, 'coverage', '--json'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'libbpf says nothing of its own');
    const report = JSON.parse(r.stdout) as {
      hooks: Array<{ hook: string; loads: boolean; attaches: boolean; error?: string }>;
      tls: Array<{ pid: number; comm: string; hooked: string[]; httpsConnections: number }>;
      unhooked: number[];
    };
    const hook = (name: string) => report.hooks.find((h) => h.hook === name);
    for (const name of ['tracepoint', 'ring buffer', 'raw tracepoint', 'uprobe', 'fentry/fexit', 'kprobe', 'BPF LSM']) {
      const h = hook(name);
      assert.ok(h, `${name} answered`);
      assert.equal(typeof h.loads, 'boolean');
      if (!h.attaches) assert.match(h.error ?? '', /\S/, `${name}: says why not`);
    }
    // The monitor itself cannot run without these two: where it runs, they load.
    assert.deepEqual([hook('tracepoint')?.attaches, hook('uprobe')?.attaches, hook('ring buffer')?.attaches], [true, true, true]);
    const me = report.tls.find((p) => p.pid === py.pid);
    assert.ok(me, `python3 ${py.pid} listed: ${JSON.stringify(report.tls.map((p) => p.pid))}`);
    assert.deepEqual(me.hooked, ['openssl']);
    assert.ok(!report.unhooked.includes(py.pid!));
  } finally {
    py.kill();
  }
});

test('mcpspy coverage as a table names the backend this host runs', { skip }, () => {
  const r = spawnSync(process.execPath, [MCPSPY_BIN, 'coverage'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Kernel hook types/m);
  assert.match(r.stdout, /syscall capture backend on this host: (fexit|tracepoints)/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'no raw control byte');
});
