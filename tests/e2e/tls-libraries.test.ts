/**
 * TLS libraries beyond OpenSSL, traced from the client side only (needs root
 * and BPF): GnuTLS (gnutls_record_send/recv), Go crypto/tls with HTTP/2 off
 * in a normal and a stripped build, Go's default transport (h2, skipped
 * while http-session cannot decode HTTP/2), Bun's fetch (static BoringSSL
 * without symbols), a Rust client on rustls, and a client no hook reaches
 * (the tls_unhooked notice).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { monitorSkipReason } from './harness';
import { stopAll } from './proc';
import { scratchDir } from './tmp';
import { Monitor } from './harness';
import { startProcess } from './proc';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertCaptured,
  BUN_BINARY,
  buildStaticClient,
  freePort,
  stageCounter,
  buildGnutlsClient,
  buildGoClient,
  buildRustlsClient,
  have,
  TLS_CLIENTS_DIR,
  startTlsServer,
  traceClient,
  type TlsServer,
} from './tls-clients';

const tmp = scratchDir('tls-libs');
after(async () => {
  await stopAll();
  tmp.remove();
});
const skip = monitorSkipReason();

let server: TlsServer | undefined;
before(async () => {
  if (!skip) server = await startTlsServer(tmp.dir);
});

const gnutlsSkip = skip ?? (have('gcc') && have('/usr/include/gnutls/gnutls.h') ? undefined : 'needs gcc and libgnutls28-dev');
test('GnuTLS client (gnutls_record_send/recv) over HTTPS/1.1: every message once, paired, tls_library gnutls', { skip: gnutlsSkip }, async () => {
  const bin = buildGnutlsClient(tmp.dir);
  const run = await traceClient('mcpe2e-gnutls', bin, [String(server!.port), server!.cert.cert], tmp.dir);
  assertCaptured(run, 'gnutls');
});

const goSkip = skip ?? (have('go') ? undefined : "needs Debian's golang-go");
for (const stripped of [false, true]) {
  test(`Go crypto/tls client, HTTP/2 off, ${stripped ? 'stripped (-s -w: .gopclntab)' : 'with .symtab'}: every message once, paired, tls_library go`, { skip: goSkip }, async () => {
    const bin = buildGoClient(tmp.dir, stripped);
    const run = await traceClient(stripped ? 'mcpe2e-go-s' : 'mcpe2e-go', bin, ['-url', server!.url, '-ca', server!.cert.cert], tmp.dir);
    assert.ok(run.record.protos.every((p) => p === 'HTTP/1.1'), `HTTP/1.1 only: ${run.record.protos.join(',')}`);
    assertCaptured(run, 'go');
    assert.match(run.monitorStderr, stripped ? /"source":"pclntab"/ : /"source":"symtab"/, 'the names came from where the build keeps them');
  });
}

test('Go crypto/tls client, default transport (HTTP/2 over ALPN): every message once, paired', { skip: goSkip }, async () => {
  // Its own folder: a second CA written over the first would leave the shared server's leaf signed by a CA no client trusts.
  const h2Dir = join(tmp.dir, 'h2');
  mkdirSync(h2Dir, { recursive: true });
  const h2 = await startTlsServer(h2Dir, { h2: true });
  try {
    const bin = buildGoClient(tmp.dir, false);
    const run = await traceClient('mcpe2e-go-h2', bin, ['-url', h2.url, '-ca', h2.cert.cert, '-h2'], tmp.dir);
    assert.ok(run.record.protos.every((p) => p === 'HTTP/2.0'), `HTTP/2 negotiated: ${run.record.protos.join(',')}`);
    assertCaptured(run, 'go');
  } finally {
    await h2.proc.stop('SIGTERM');
  }
});

const bunSkip = skip ?? (have(BUN_BINARY) ? undefined : 'needs the @oven/bun-linux-x64 dev dependency (npm ci)');
test('Bun fetch (static BoringSSL, no symbols) over HTTPS/1.1: every message once, paired, tls_library boringssl', { skip: bunSkip }, async () => {
  const script = join(TLS_CLIENTS_DIR, 'bun-client.mjs');
  const run = await traceClient('mcpe2e-bun', BUN_BINARY, [script, server!.url, server!.cert.cert], tmp.dir);
  assertCaptured(run, 'boringssl');
  assert.match(run.monitorStderr, /"library":"boringssl","probes":4,"source":"error sites"/);
});

const rustSkip =
  skip ?? (have('/usr/bin/cargo') && have('/usr/share/cargo/registry/rustls-0.20.8') ? undefined : "needs Debian's cargo, rustc, librust-rustls-dev and librust-rustls-pemfile-dev");
test('Rust client on rustls 0.20 (Debian crates) over HTTPS/1.1: every message once, paired, tls_library rustls', { skip: rustSkip }, async () => {
  const bin = buildRustlsClient(tmp.dir);
  const run = await traceClient('mcpe2e-rustls', bin, [String(server!.port), server!.cert.cert], tmp.dir);
  assertCaptured(run, 'rustls');
});

const staticSkip = skip ?? (have('gcc') && have('/usr/lib/x86_64-linux-gnu/libssl.a') ? undefined : 'needs gcc and libssl-dev (libssl.a)');
test('a TLS client no hook reaches (static, stripped OpenSSL): a tls_unhooked notice naming its pid, and the counter rises', { skip: staticSkip }, async () => {
  const bin = buildStaticClient(tmp.dir);
  const client = startProcess('mcpe2e-static', bin, [String(server!.port), server!.cert.cert], { stdio: ['pipe', 'pipe', 'pipe'] });
  await client.waitForLine(/ready/, 30_000);
  const metricsPort = await freePort();
  const monitor = await Monitor.start({ output: join(tmp.dir, 'static.jsonl'), pids: [client.pid], extraArgs: ['--metrics-port', String(metricsPort)] });
  try {
    assert.equal(await stageCounter(metricsPort, 'probe', 'tls_unhooked'), 0);
    client.child.stdin!.end('go\n');
    assert.equal(await client.exited, 0, client.stderr());
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await stageCounter(metricsPort, 'probe', 'tls_unhooked')) < 1) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await stageCounter(metricsPort, 'probe', 'tls_unhooked'), 1, 'one connection, one notice');
    assert.equal(await stageCounter(metricsPort, 'probe', 'notices_tls_unhooked'), 1, 'published on the notice subject');
  } finally {
    await monitor.stop();
  }
  const warn = monitor.proc.stderr().split('\n').find((l) => l.includes('tls_unhooked'));
  assert.ok(warn, 'the monitor says so');
  const w = JSON.parse(warn) as { traced_pid: number; comm: string };
  assert.equal(w.traced_pid, client.pid);
  assert.equal(w.comm, 'mcpe2e-static');
  const lines = monitor.lines() as Array<{ type?: string; reason?: string; pid?: number }>;
  assert.deepEqual(lines.filter((l) => l.type !== 'notice'), [], 'nothing made up from ciphertext');
  const notice = lines.find((l) => l.type === 'notice' && l.reason === 'tls_unhooked');
  assert.equal(notice?.pid, client.pid, 'the JSONL says it too, as a notice line naming the pid');
});
