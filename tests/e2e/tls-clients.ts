/**
 * TLS clients beyond Node and python, each tracing only the client: a
 * GnuTLS C client, Go crypto/tls (normal and stripped builds), Bun. Every
 * client waits for a line on stdin before it connects, so the monitor is
 * started with `--pid <client>` first; it prints what it sent and received
 * as JSON lines ({"sent":…} / {"recv":…}), which is compared with the JSONL:
 * every message once, requests paired with their responses, each tagged
 * with the TLS library whose hook saw it.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { FIXTURES, REPO_ROOT } from './paths';
import { Monitor } from './harness';
import type { CertFiles } from './peers';
import { runProcess, startProcess, tail, type Proc } from './proc';
import { FixtureError } from './errors';

export const TLS_CLIENTS_DIR = join(FIXTURES, 'tls-clients');

export interface TlsServer {
  port: number;
  url: string;
  /** `cert`: the CA the clients trust; the server presents a leaf it signed. */
  cert: CertFiles;
  proc: Proc;
}

/**
 * A CA and a server certificate it signed, for localhost and 127.0.0.1:
 * webpki (rustls) accepts neither a self-signed end entity nor an IP-only
 * name, so the other suites' single self-signed certificate does not do.
 */
async function makeCaAndLeaf(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const f = (n: string) => join(dir, n);
  const steps: string[][] = [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-subj', '/CN=mcpe2e-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'],
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', '/CN=localhost'],
    ['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.pem'), '-days', '1',
      '-extfile', f('leaf.ext')],
  ];
  const { writeFileSync } = await import('node:fs');
  writeFileSync(f('leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  for (const args of steps) {
    const r = await runProcess('openssl', 'openssl', args);
    if (r.code !== 0) throw new FixtureError(`failed to make the test CA: openssl ${args[0]} exited ${r.code}: ${tail(r.stderr)}`);
  }
  return { ca: f('ca.pem'), cert: f('leaf.pem'), key: f('leaf.key') };
}

export async function startTlsServer(dir: string, opts: { h2?: boolean } = {}): Promise<TlsServer> {
  const pki = await makeCaAndLeaf(dir);
  const cert: CertFiles = { cert: pki.ca, key: pki.key };
  const args = [join(FIXTURES, 'tls-server.mjs'), '--cert', pki.cert, '--key', pki.key];
  if (opts.h2) args.push('--h2');
  const proc = startProcess('mcpe2e-tlssrv', process.execPath, args);
  const line = await proc.waitForLine(/^mcpe2e-tls-server listening /, 20_000);
  const url = `${line.split(' ')[2]}/mcp`;
  return { port: Number(new URL(url).port), url, cert, proc };
}

/** A command is on PATH (or an absolute path that exists). */
export function have(cmd: string): boolean {
  if (cmd.startsWith('/')) return existsSync(cmd);
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Compiles the GnuTLS client; the reason it cannot be built otherwise. */
export function buildGnutlsClient(dir: string): string {
  const out = join(dir, 'gnutls-client');
  execFileSync('gcc', ['-O1', '-o', out, join(TLS_CLIENTS_DIR, 'gnutls-client.c'), '-lgnutls'], { timeout: 120_000, stdio: 'pipe' });
  return out;
}

/**
 * Builds the rustls client with Debian's cargo and rustc, offline, from the
 * crates Debian packages in /usr/share/cargo/registry (the fixture's
 * .cargo/config.toml replaces crates.io with that directory).
 */
export function buildRustlsClient(dir: string): string {
  // Kept between runs (cargo rebuilds what changed): ring and rustls take a minute to compile.
  const target = join(tmpdir(), 'mcpspy-e2e-rust-target');
  execFileSync('/usr/bin/cargo', ['build', '--release', '--offline', '--target-dir', target], {
    cwd: join(TLS_CLIENTS_DIR, 'rustls-client'),
    timeout: 600_000,
    stdio: 'pipe',
    env: { ...process.env, RUSTC: '/usr/bin/rustc', CARGO_HOME: join(dir, 'cargo-home') },
  });
  // A private copy: another run may rebuild the shared target meanwhile.
  const out = join(dir, 'rustls-client');
  copyFileSync(join(target, 'release', 'rustls-client'), out);
  return out;
}

/** The bun binary of the @oven/bun-linux-x64 dev dependency. */
export const BUN_BINARY = join(REPO_ROOT, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun');

/** Compiles the OpenSSL client statically and strips it: a TLS library no hook can find. */
export function buildStaticClient(dir: string): string {
  const out = join(dir, 'static-openssl-client');
  const src = join(TLS_CLIENTS_DIR, 'static-openssl-client.c');
  execFileSync('gcc', ['-O1', '-static', '-s', '-o', out, src, '-lssl', '-lcrypto', '-lpthread'], { timeout: 180_000, stdio: 'pipe' });
  return out;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** One counter of a stage from the monitor's /metrics, 0 when absent. */
export async function stageCounter(port: number, stage: string, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  const m = new RegExp(`^mcpspy_stage_counter\\{[^}]*stage="${stage}"[^}]*name="${name}"[^}]*\\} (\\d+)`, 'm').exec(text)
    ?? new RegExp(`^mcpspy_stage_counter\\{[^}]*name="${name}"[^}]*stage="${stage}"[^}]*\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Builds the Go client with Debian's golang-go, offline (standard library only). */
export function buildGoClient(dir: string, stripped: boolean): string {
  const out = join(dir, stripped ? 'go-client-stripped' : 'go-client');
  const args = ['build', '-o', out];
  if (stripped) args.push('-ldflags', '-s -w');
  args.push('.');
  execFileSync('go', args, {
    cwd: join(TLS_CLIENTS_DIR, 'go-client'),
    timeout: 300_000,
    stdio: 'pipe',
    // A shared build cache: the standard library is compiled once per machine, not once per run.
    env: { ...process.env, GO111MODULE: 'off', GOCACHE: join(tmpdir(), 'mcpspy-e2e-gocache'), GOPATH: join(dir, 'gopath'), GOFLAGS: '', CGO_ENABLED: '0' },
  });
  return out;
}

export interface ClientRecord {
  sent: Record<string, unknown>[];
  recv: Record<string, unknown>[];
  /** Extra fields the client reported on its recv lines (e.g. Go's negotiated protocol). */
  protos: string[];
}

function parseRecord(stdout: string): ClientRecord {
  const rec: ClientRecord = { sent: [], recv: [], protos: [] };
  let done = false;
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { sent?: Record<string, unknown>; recv?: Record<string, unknown>; proto?: string; done?: boolean };
    if (o.sent) rec.sent.push(o.sent);
    if (o.recv) rec.recv.push(o.recv);
    if (o.proto) rec.protos.push(o.proto);
    if (o.done) done = true;
  }
  if (!done) throw new FixtureError(`the client did not finish: ${tail(stdout)}`);
  return rec;
}

export interface TracedRun {
  pid: number;
  record: ClientRecord;
  lines: Record<string, unknown>[];
  monitorStderr: string;
}

/**
 * Starts the client (it waits), starts the monitor on its pid, lets the
 * client run, waits for the JSONL to settle and stops the monitor.
 */
export async function traceClient(name: string, command: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): Promise<TracedRun> {
  const client = startProcess(name, command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
  await client.waitForLine(/ready/, 30_000);
  const output = join(dir, `${name}.jsonl`);
  const monitor = await Monitor.start({ output, pids: [client.pid] });
  let code: number;
  try {
    client.child.stdin!.end('go\n');
    code = await Promise.race([
      client.exited,
      new Promise<number>((_, reject) => setTimeout(() => reject(new FixtureError(`${name} did not finish within 60 s`)), 60_000)),
    ]);
  } catch (e) {
    await monitor.proc.stop('SIGKILL');
    throw e;
  }
  if (code !== 0) {
    await monitor.proc.stop('SIGKILL');
    throw new FixtureError(`${name} exited ${code}: ${tail(client.stderr())}`);
  }
  const record = parseRecord(client.stdout());
  await monitor.waitQuiet(record.sent.length + record.recv.length);
  await monitor.stop();
  return { pid: client.pid, record, lines: monitor.lines(), monitorStderr: monitor.proc.stderr() };
}

type Line = Record<string, unknown> & { http_transport?: Record<string, unknown> };

/** Every message the client sent or received appears exactly once, paired, from the client side, tagged `library`. */
export function assertCaptured(run: TracedRun, library: string): void {
  const msgs = (run.lines as Line[]).filter((l) => ['request', 'response', 'notification', 'error'].includes(String(l.type)));
  const show = () => msgs.map((m) => `${m.type} ${m.method ?? ''} id=${String(m.id)}`).join('; ');
  const unhooked = run.monitorStderr.split('\n').filter((l) => l.includes('tls_unhooked'));
  assert.deepEqual(unhooked, [], 'a hooked client raises no tls_unhooked notice');
  for (const m of msgs) {
    const h = m.http_transport ?? {};
    assert.equal(h.pid, run.pid, `every message from the traced client: ${JSON.stringify(h)}`);
    assert.equal(h.side, 'client');
    assert.equal(h.tls, true);
    assert.equal(h.tls_library, library, `tls_library of ${m.type} ${String(m.method ?? m.id)}`);
  }
  for (const s of run.record.sent) {
    const type = s.id === undefined ? 'notification' : 'request';
    const same = msgs.filter((m) => m.type === type && m.method === s.method && m.id === s.id);
    assert.equal(same.length, 1, `${type} ${String(s.method)} id=${String(s.id)} once; JSONL has: ${show()}`);
    assert.deepEqual(JSON.parse(String(same[0].raw)), s, 'the request bytes as the client sent them');
  }
  for (const r of run.record.recv) {
    const same = msgs.filter((m) => (m.type === 'response' || m.type === 'error') && m.id === r.id);
    assert.equal(same.length, 1, `response id=${String(r.id)} once; JSONL has: ${show()}`);
    assert.deepEqual(JSON.parse(String(same[0].raw)), r, 'the response bytes as the client received them');
    const req = same[0].request as Record<string, unknown> | undefined;
    const asked = run.record.sent.find((s) => s.id === r.id);
    assert.equal(req?.method, asked?.method, `response id=${String(r.id)} paired with its request`);
  }
  assert.equal(msgs.length, run.record.sent.length + run.record.recv.length, `no extra messages: ${show()}`);
}

