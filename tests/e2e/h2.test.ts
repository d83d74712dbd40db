/**
 * MCP over HTTP/2 under the embedded monitor (needs root and BPF), tracing
 * ONLY the client process: curl (Debian's, OpenSSL + nghttp2) with
 * `--http2` over TLS (ALPN h2) and `--http2-prior-knowledge` over
 * cleartext, and Node's http2 client over both, against a node:http2 MCP
 * server (fixtures/h2-server.mjs). Each test compares the client's own
 * record of what it sent and received with the JSONL: every message once,
 * type/method/id right, every response paired with its request.
 */
import { test, after } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Monitor, monitorSkipReason } from './harness';
import { FIXTURES, SYSTEM_PYTHON } from './paths';
import { makeCert } from './peers';
import { runProcess, startProcess, stopAll, tail } from './proc';
import { scratchDir } from './tmp';

after(stopAll);
const skip = monitorSkipReason();

type Json = Record<string, unknown>;
interface ClientRecord {
  sent: Json[];
  received: Json[];
}

async function startH2Server(tls: boolean, dir: string, upgrade = false): Promise<{ url: string; ca?: string; stop(): Promise<void> }> {
  if (upgrade) {
    // node:http2 cannot answer `Upgrade: h2c`; Debian's python3-h2 can.
    const proc = startProcess('mcpe2e-h2up', SYSTEM_PYTHON, [join(FIXTURES, 'h2c-upgrade-server.py')]);
    const line = await proc.waitForLine(/^mcpe2e-h2up listening /, 20_000);
    return { url: line.split(' ')[2], stop: async () => void (await proc.stop('SIGTERM')) };
  }
  const args = [join(FIXTURES, 'h2-server.mjs')];
  let ca: string | undefined;
  if (tls) {
    const cert = await makeCert(dir);
    ca = cert.cert;
    args.push('--tls', '--cert', cert.cert, '--key', cert.key);
  } else {
    args.push('--h2c');
  }
  const proc = startProcess('mcpe2e-h2srv', process.execPath, args);
  const line = await proc.waitForLine(/^mcpe2e-h2srv listening /, 20_000);
  return { url: line.split(' ')[2], ca, stop: async () => void (await proc.stop('SIGTERM')) };
}

const MESSAGES: Json[] = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'mcpe2e-curl', version: '1' } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
  { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello over h2' } } },
  { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'progress', arguments: {} } },
];

/** curl, renamed by a symlink so `--comm` selects it alone; one process, one connection, `--next` per message. */
async function runCurl(dir: string, url: string, mode: '--http2' | '--http2-prior-knowledge'): Promise<ClientRecord> {
  const bin = join(dir, 'mcpe2e-curl');
  symlinkSync('/usr/bin/curl', bin);
  const segments: string[][] = MESSAGES.map((m, i) => {
    const body = join(dir, `req${i}.json`);
    writeFileSync(body, JSON.stringify(m));
    const seg = ['-sS', mode, '-k', '-X', 'POST', url, '-H', 'content-type: application/json', '-H', 'accept: application/json, text/event-stream'];
    if (i > 0) seg.push('-H', 'mcp-session-id: h2-session-1');
    seg.push('--data-binary', `@${body}`, '-o', join(dir, `res${i}.txt`));
    return seg;
  });
  // curl 7.88 fails to reuse an h2c prior-knowledge connection across --next
  // ("Error in the HTTP2 framing layer", without any monitor): one process per message there.
  const runs = mode === '--http2' ? [segments.flatMap((seg, i) => (i > 0 ? ['--next', ...seg] : seg))] : segments;
  for (const args of runs) {
    const r = await runProcess('mcpe2e-curl', bin, args, { timeoutMs: 30_000 });
    assert.equal(r.code, 0, `curl failed: ${tail(r.stderr)}`);
  }
  const received: Json[] = [];
  MESSAGES.forEach((_, i) => {
    const text = readFileSync(join(dir, `res${i}.txt`), 'utf8');
    if (text === '') return;
    if (text.startsWith('event:') || text.startsWith('data:')) {
      for (const block of text.split('\n\n')) {
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) received.push(JSON.parse(data));
      }
    } else received.push(JSON.parse(text));
  });
  return { sent: MESSAGES, received };
}

async function runNodeClient(url: string, ca?: string): Promise<ClientRecord> {
  const args = [join(FIXTURES, 'h2-client.mjs'), '--url', url];
  if (ca) args.push('--ca', ca);
  const r = await runProcess('mcpe2e-h2cli', process.execPath, args, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `h2 client failed: ${tail(r.stderr)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ClientRecord;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v as Json).sort().map((k) => [k, sortKeys((v as Json)[k])]));
  return v;
}

/** Every message the client sent or received appears once, typed, named and paired as it should. */
function compare(record: ClientRecord, lines: Json[], comm: string, tls: boolean): void {
  const msgs = lines.filter((l) => l.transport_type === 'http');
  const expected = [...record.sent.map((m) => ({ m, isRequest: true })), ...record.received.map((m) => ({ m, isRequest: false }))];
  const sentById = new Map(record.sent.filter((m) => m.id !== undefined).map((m) => [m.id, m]));
  for (const { m, isRequest } of expected) {
    const hits = msgs.filter((l) => {
      const h = l.http_transport as Json;
      return h.is_request === isRequest && sameJson(JSON.parse(l.raw as string), m);
    });
    assert.equal(hits.length, 1, `${isRequest ? 'sent' : 'received'} ${JSON.stringify(m).slice(0, 120)}: ${hits.length} lines`);
    const l = hits[0];
    const h = l.http_transport as Json;
    assert.equal(h.comm, comm);
    assert.equal(h.tls, tls);
    assert.equal(h.side, 'client');
    const type = m.method !== undefined ? (m.id !== undefined ? 'request' : 'notification') : m.error ? 'error' : 'response';
    assert.equal(l.type, type, `type of ${JSON.stringify(m).slice(0, 80)}`);
    if (m.method !== undefined) assert.equal(l.method, m.method);
    if (m.id !== undefined) assert.equal(l.id, m.id);
    if (type === 'response' || type === 'error') {
      const req = l.request as Json | undefined;
      assert.ok(req, `response ${m.id} is paired`);
      assert.equal(req.method, sentById.get(m.id)?.method);
    }
  }
  assert.equal(msgs.length, expected.length, `lines: ${msgs.map((l) => `${l.type} ${l.method ?? ''} ${l.id ?? ''}`).join(', ')}`);
}

async function monitored(
  name: string,
  tls: boolean,
  comm: string,
  client: (dir: string, url: string, ca?: string) => Promise<ClientRecord>,
  upgrade = false,
): Promise<void> {
  const tmp = scratchDir(`h2-${name}`);
  const server = await startH2Server(tls, tmp.dir, upgrade);
  try {
    const monitor = await Monitor.start({ output: join(tmp.dir, 'out.jsonl'), comms: [comm] });
    let record: ClientRecord;
    try {
      record = await client(tmp.dir, server.url, server.ca);
      await monitor.waitQuiet(record.sent.length + record.received.length);
    } catch (e) {
      await monitor.proc.stop('SIGKILL');
      throw e;
    }
    await monitor.stop();
    assert.equal(record.received.length, 5, 'the client received 4 responses and 1 progress notification');
    compare(record, monitor.lines() as Json[], comm, tls);
  } finally {
    await server.stop();
    tmp.remove();
  }
}

test('curl --http2 over TLS (ALPN h2, OpenSSL + nghttp2), client traced alone', { skip }, async () => {
  await monitored('curl-tls', true, 'mcpe2e-curl', (dir, url) => runCurl(dir, url, '--http2'));
});

test('curl --http2-prior-knowledge over cleartext (h2c), client traced alone', { skip }, async () => {
  await monitored('curl-h2c', false, 'mcpe2e-curl', (dir, url) => runCurl(dir, url, '--http2-prior-knowledge'));
});

const upgradeSkip = skip ?? (hasPythonH2() ? undefined : 'needs Debian python3-h2 (scripts/setup.sh installs it) for the Upgrade: h2c server');
function hasPythonH2(): boolean {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import h2'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('curl --http2 on an http:// URL: Upgrade: h2c, 101, then h2 on the same connection; client traced alone', { skip: upgradeSkip }, async () => {
  await monitored('curl-upgrade', false, 'mcpe2e-curl', (dir, url) => runCurl(dir, url, '--http2'), true);
});

test("Node's http2 client over TLS (ALPN h2), client traced alone", { skip }, async () => {
  await monitored('node-tls', true, 'mcpe2e-h2cli', (_dir, url, ca) => runNodeClient(url, ca));
});

test("Node's http2 client over h2c prior knowledge, client traced alone", { skip }, async () => {
  await monitored('node-h2c', false, 'mcpe2e-h2cli', (_dir, url) => runNodeClient(url));
});
