/**
 * Golden replays: captures recorded from the real probe while the e2e
 * fixtures talked (apps/cli/testdata, made by scripts/record-captures.mjs)
 * go through `mcpspy replay`, and the JSONL must equal the recorded
 * expectation. No root and no kernel needed; NATS and Redis are real servers.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT, Run, runMcpspy } from './cli';
import { startNats, startRedis } from '@mcpspy/runtime/testing';

const ROOT = REPO_ROOT;
const TESTDATA = join(ROOT, 'apps', 'cli', 'testdata');
const SCENARIOS = ['stdio', 'http', 'https', 'sse', 'evil'] as const;

const mcpspy = (args: string[], timeoutMs?: number, env?: NodeJS.ProcessEnv): Promise<Run> => runMcpspy(args, { timeoutMs, env });

const scratch = mkdtempSync(join(tmpdir(), 'mcpspy-replay-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let outputs = 0;

async function replay(capture: string, extra: string[] = [], out = join(scratch, `out-${++outputs}.jsonl`), env?: NodeJS.ProcessEnv): Promise<Run & { jsonl: string }> {
  const r = await mcpspy(['replay', capture, '-o', out, '--tui=false', '-q', ...extra], 60_000, env);
  return { ...r, jsonl: existsSync(out) ? readFileSync(out, 'utf8') : '' };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * What cannot be stable between two replays of one capture: `msg_id` starts
 * with the pid of the process that parsed the message, and an alert's
 * `timestamp` is when the detector ran. Everything else (timestamps of
 * messages come from the capture, pids, hosts, sessions, seq) must match.
 */
function stable(v: Json, key = ''): Json {
  if (Array.isArray(v)) return v.map((x) => stable(x));
  if (v !== null && typeof v === 'object') {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'timestamp' && v.type === 'security_alert') continue;
      o[k] = stable(x, k);
    }
    return o;
  }
  if (key === 'msg_id' && typeof v === 'string') return v.replace(/^\d+:/, '<pid>:');
  return v;
}

function parse(text: string): Json[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => stable(JSON.parse(l) as Json));
}

/** Compares line by line so a failure shows the first differing line, not two whole files. */
function assertSameLines(got: Json[], want: Json[], what: string): void {
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) assert.deepEqual(got[i], want[i], `${what}: line ${i + 1} differs`);
  assert.equal(got.length, want.length, `${what}: line count`);
}

function golden(name: string): string {
  return readFileSync(join(TESTDATA, name), 'utf8');
}

function capture(name: string): string {
  return join(TESTDATA, `${name}.mcpspy`);
}

/**
 * Messages in order; alerts reduced to what the golden pins down (which
 * message got which category, at which risk, from which detector) and
 * sorted, since the detector runs beside the pipeline and may finish in any
 * order. Summaries, scores and evidence lists follow the rules as they are
 * tuned, so the tests check a few telling rules instead of the whole list.
 */
function split(lines: Json[]): { messages: Json[]; alerts: string[] } {
  const isAlert = (l: Json) => (l as { type?: string }).type === 'security_alert';
  return {
    messages: lines.filter((l) => !isAlert(l)),
    alerts: lines
      .filter(isAlert)
      .map((l) => {
        const a = l as { category: string; risk: string; detector: string; message: { msg_id: string; id: number; method: string; type: string } };
        const m = a.message;
        return JSON.stringify({ category: a.category, risk: a.risk, detector: a.detector, message: { msg_id: m.msg_id, id: m.id, method: m.method, type: m.type } });
      })
      .sort(),
  };
}

describe('mcpspy replay: recorded captures give the golden JSONL', () => {
  const firstRuns = new Map<string, string>();
  for (const name of SCENARIOS) {
    test(`${name}: replay equals testdata/${name}.jsonl`, async () => {
      const r = await replay(capture(name));
      firstRuns.set(name, r.jsonl);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /mcpspy: replayed \d+ capture entries/);
      const want = parse(golden(`${name}.jsonl`));
      assert.ok(want.length > 0, 'the golden is not empty');
      assertSameLines(parse(r.jsonl), want, name);
    });
  }

  test('the goldens hold what the fixtures did (counts, pairs, directions, hosts)', () => {
    type Line = {
      type: string;
      timestamp: string;
      id?: number | string;
      method?: string;
      request?: { id?: number | string; method?: string; timestamp?: string };
      stdio_transport?: { from_comm: string; to_comm: string; from_pid: number; to_pid: number };
      http_transport?: { pid: number; comm: string; host: string; is_request: boolean; tls?: boolean };
    };
    const lines = (name: string) => golden(`${name}.jsonl`).trim().split('\n').map((l) => JSON.parse(l) as Line);
    const count = (ls: Line[], type: string) => ls.filter((l) => l.type === type).length;
    // The fixture client's full scenario: 13 requests (one ends in a JSON-RPC error), 7 notifications.
    for (const name of ['stdio', 'http', 'sse'] as const) {
      const ls = lines(name);
      assert.equal(count(ls, 'request'), 13, name);
      assert.equal(count(ls, 'response') + count(ls, 'error'), 13, name);
      assert.equal(count(ls, 'error'), 1, name);
      assert.equal(count(ls, 'notification'), 7, name);
    }
    for (const name of SCENARIOS) {
      const ls = lines(name);
      // Ids restart in every session (https holds two clients) and an HTTP
      // initialize has no session id yet, so a pair is found by the embedded
      // request's id, method and capture time.
      const requests = new Set(ls.filter((l) => l.type === 'request').map((l) => `${l.id} ${l.method} ${l.timestamp}`));
      for (const l of ls.filter((x) => x.type === 'response' || x.type === 'error')) {
        assert.ok(l.request, `${name}: response ${l.id} carries its request`);
        assert.ok(requests.has(`${l.request.id} ${l.request.method} ${l.request.timestamp}`), `${name}: response ${l.id} pairs with a request that was sent`);
        assert.ok(l.request.timestamp! <= l.timestamp, `${name}: the request came first`);
        assert.equal(l.request?.id, l.id, `${name}: pair ids`);
      }
    }
    for (const name of ['stdio', 'evil'] as const) {
      const server = name === 'evil' ? 'mcpe2e-evil' : 'mcpe2e-server';
      for (const l of lines(name)) {
        const t = l.stdio_transport!;
        const fromClient = l.type === 'request' || (l.type === 'notification' && l.method === 'notifications/initialized');
        assert.deepEqual([t.from_comm, t.to_comm], fromClient ? ['mcpe2e-client', server] : [server, 'mcpe2e-client'], `${name} ${l.type} ${l.method ?? l.id}`);
        assert.ok(t.from_pid > 0 && t.to_pid > 0);
      }
    }
    for (const name of ['http', 'https', 'sse'] as const) {
      const ls = lines(name);
      const hosts = new Set(ls.map((l) => l.http_transport!.host));
      assert.equal(hosts.size, 1, `${name}: one server`);
      assert.match([...hosts][0], /^127\.0\.0\.1:\d+$/);
      for (const l of ls) {
        // Reported from the client's side: requests are what it sent.
        assert.equal(l.http_transport!.is_request, l.type === 'request' || l.method === 'notifications/initialized', `${name} ${l.type} ${l.method ?? l.id}`);
        assert.equal(l.http_transport!.tls === true, name === 'https', `${name}: tls flag`);
      }
    }
    const https = lines('https');
    assert.equal(https.filter((l) => l.http_transport!.comm === 'mcpe2e-client').length, 33);
    // The python client: 6 requests, 1 notification, over the system libssl.
    assert.equal(https.filter((l) => l.http_transport!.comm === 'mcpe2e-py').length, 13);
  });

  test('replaying one capture twice gives byte-identical JSONL apart from the parser pid in msg_id', async () => {
    const a = firstRuns.get('https') ?? (await replay(capture('https'))).jsonl;
    const b = await replay(capture('https'));
    assert.equal(b.code, 0, b.stderr);
    const strip = (s: string) => s.replace(/"msg_id":"\d+:/g, '"msg_id":"<pid>:');
    assert.ok(a.length > 10_000);
    assert.equal(strip(b.jsonl), strip(a));
  });

  test("the role's node flags (young generation at 16 MB from the start) change no byte: the same JSONL with V8's defaults", async () => {
    const strip = (s: string) => s.replace(/"msg_id":"\d+:/g, '"msg_id":"<pid>:');
    // Each side really runs with its flags: the launcher's report (MCPSPY_PRINT_NODE_FLAGS) of a replay.
    const youngOf = async (env: NodeJS.ProcessEnv) => {
      // A NODE_OPTIONS of the caller's would decide the flags instead of the table.
      if (process.env.NODE_OPTIONS) return undefined;
      const r = await mcpspy(['replay', capture('stdio'), '-q'], 60_000, { ...process.env, MCPSPY_PRINT_NODE_FLAGS: '1', ...env });
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { newSpaceSize: number }).newSpaceSize;
    };
    const table = await youngOf({});
    const off = await youngOf({ MCPSPY_ROLE_NODE_FLAGS: '0' });
    if (table !== undefined) assert.equal(table, 16 * 1024 * 1024, 'the table: 16 MB from the start');
    if (off !== undefined) assert.ok(off < 16 * 1024 * 1024, "table off: V8's smaller start");
    for (const name of ['stdio', 'evil'] as const) {
      const table = firstRuns.get(name) ?? (await replay(capture(name))).jsonl;
      const plain = await replay(capture(name), [], undefined, { ...process.env, MCPSPY_ROLE_NODE_FLAGS: '0' });
      assert.equal(plain.code, 0, plain.stderr);
      assert.ok(table.length > 1_000, `${name}: lines written`);
      assert.equal(strip(plain.jsonl), strip(table), name);
    }
  });
});

/** Where each entry of a capture starts, and its subject (format in apps/probe/src/capture-file.ts). */
function entries(buf: Buffer): { offset: number; subject: string }[] {
  const out: { offset: number; subject: string }[] = [];
  let p = buf.readUInt16LE(10);
  while (p + 16 <= buf.length) {
    const sl = buf.readUInt16LE(p + 4);
    out.push({ offset: p, subject: buf.toString('utf8', p + 16, p + 16 + sl) });
    p += 16 + sl + buf.readUInt32LE(p + 8);
  }
  assert.equal(p, buf.length, 'the committed capture ends on an entry boundary');
  return out;
}

function entryOffsets(buf: Buffer): number[] {
  return entries(buf).map((e) => e.offset);
}

describe('mcpspy replay: damaged captures', () => {
  test('a capture cut inside an entry replays the whole entries, says so, and exits 0', async () => {
    const whole = readFileSync(capture('stdio'));
    const all = entries(whole);
    // Most entries are process events; cut inside a batch of syscall data
    // three quarters of the way through the conversation.
    const io = all.map((e, i) => ({ ...e, i })).filter((e) => e.subject.startsWith('mcpspy.v1.raw.io.'));
    assert.ok(io.length >= 4, 'the capture holds several batches of pipe data');
    const k = io[Math.floor(io.length * 0.75)].i;
    const cut = join(scratch, 'cut.mcpspy');
    writeFileSync(cut, whole.subarray(0, all[k].offset + 40));
    const r = await replay(cut);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`capture file ends inside an entry after ${k} entries \\(\\d+ bytes missing\\)`));
    assert.match(r.stderr, new RegExp(`mcpspy: replayed ${k} capture entries`));
    const got = parse(r.jsonl);
    const want = parse(golden('stdio.jsonl'));
    assert.ok(got.length > 0 && got.length < want.length, `some but not all messages (${got.length} of ${want.length})`);
    // What was replayed is the beginning of the conversation, message for message.
    assertSameLines(got, want.slice(0, got.length), 'truncated stdio');
  });

  test('a file that is not a capture (bad magic) is a one-line error and a non-zero exit', async () => {
    const bad = join(scratch, 'bad.mcpspy');
    const body = readFileSync(capture('stdio'));
    writeFileSync(bad, Buffer.concat([Buffer.from('NOTMCPSY'), body.subarray(8)]));
    const r = await replay(bad);
    assert.notEqual(r.code, 0);
    const errors = r.stderr.split('\n').filter((l) => l.length > 0 && !/^mcpspy: replaying /.test(l));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0], /^mcpspy: failed to read capture .*bad\.mcpspy: not a capture file \(bad magic\)$/);
    assert.equal(r.jsonl.trim(), '', 'no messages from a corrupt file');
  });

  test('a checksum mismatch in the middle is corruption, not truncation', async () => {
    const whole = Buffer.from(readFileSync(capture('stdio')));
    const offsets = entryOffsets(whole);
    const k = Math.floor(offsets.length / 2);
    whole[offsets[k] + 20] ^= 0xff;
    const bad = join(scratch, 'crc.mcpspy');
    writeFileSync(bad, whole);
    const r = await replay(bad);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`^mcpspy: failed to read capture .*checksum mismatch at offset ${offsets[k]}$`, 'm'));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});

describe('mcpspy replay --security', () => {
  test('the malicious-server capture gives the golden messages and alerts of the right categories', async () => {
    const r = await replay(capture('evil'), ['--security']);
    assert.equal(r.code, 0, r.stderr);
    const got = split(parse(r.jsonl));
    const want = split(parse(golden('evil.security.jsonl')));
    assertSameLines(got.messages, parse(golden('evil.jsonl')), 'the messages are those of the plain replay');
    assert.deepEqual(got.alerts, want.alerts);
    assert.equal(got.alerts.length, 4);
    const alerts = parse(r.jsonl).filter((l) => (l as { type?: string }).type === 'security_alert') as unknown as {
      category: string;
      risk: string;
      evidence: { rule: string; field: string }[];
      message: { method: string; type: string };
    }[];
    const byCategory = new Map(alerts.map((a) => [a.category, a]));
    assert.deepEqual([...byCategory.keys()].sort(), ['exfiltration', 'jailbreak', 'prompt_injection', 'tool_poisoning']);
    const poisoning = byCategory.get('tool_poisoning')!;
    assert.equal(poisoning.message.method, 'tools/list');
    assert.equal(poisoning.risk, 'critical');
    assert.ok(poisoning.evidence.some((e) => e.rule === 'hidden_tag' && e.field === 'result.tools[0].description'), 'the <IMPORTANT> tag of the tool description');
    const injection = byCategory.get('prompt_injection')!;
    assert.equal(injection.message.method, 'tools/call');
    assert.ok(injection.evidence.some((e) => e.rule === 'override_instructions' && e.field === 'result.content[0].text'), 'the override in the tool result');
  });

  test('a slow model in async mode: every model alert still arrives (replay waits for them), the same as in sync mode', async () => {
    // A local double of the HuggingFace Inference API (the real one needs a token and network): every text is an injection, after 300 ms.
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify([[{ label: 'INJECTION', score: 0.96 }, { label: 'SAFE', score: 0.04 }]]));
        }, 300),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const env = { ...process.env, MCPSPY_HF_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/models` };
    try {
      // Alerts as split() gives them, without the parser pid that starts msg_id (two processes).
      const key = (line: string) => {
        const a = JSON.parse(line) as { message: { msg_id: string }; category: string; detector: string; risk: string };
        return `${a.message.msg_id.replace(/^[^:]*:/, '')} ${a.category} ${a.detector} ${a.risk}`;
      };
      const asyncRun = await replay(capture('stdio'), ['--security', '--hf-token', 'x'], undefined, env);
      const syncRun = await replay(capture('stdio'), ['--security', '--hf-token', 'x', '--security-async=false'], undefined, env);
      assert.equal(asyncRun.code, 0, asyncRun.stderr);
      assert.equal(syncRun.code, 0, syncRun.stderr);
      const a = split(parse(asyncRun.jsonl));
      const s = split(parse(syncRun.jsonl));
      assertSameLines(a.messages, parse(golden('stdio.jsonl')), 'async: every message');
      assert.ok(s.alerts.length > 0, 'the model judged some texts');
      // The double calls everything an injection: in tool, prompt and resource listings that is tool poisoning.
      assert.ok(s.alerts.every((x) => /"category":"(prompt_injection|tool_poisoning)"/.test(x) && /"detector":"hf_api"/.test(x)), s.alerts.join("\n"));
      assert.deepEqual(a.alerts.map(key).sort(), s.alerts.map(key).sort());
    } finally {
      server.close();
    }
  });

  test('benign captures raise no alert', async () => {
    const r = await replay(capture('stdio'), ['--security']);
    assert.equal(r.code, 0, r.stderr);
    const got = split(parse(r.jsonl));
    assert.deepEqual(got.alerts, []);
    assertSameLines(got.messages, parse(golden('stdio.jsonl')), 'stdio with --security');
  });
});

describe('mcpspy replay: the -o file, and NATS with Redis (real servers)', () => {
  test('replaying into an existing -o file replaces it (embedded)', async () => {
    const out = join(scratch, 'again.jsonl');
    writeFileSync(out, '{"stale":true}\n');
    const r = await replay(capture('evil'), [], out);
    assert.equal(r.code, 0, r.stderr);
    assertSameLines(parse(r.jsonl), parse(golden('evil.jsonl')), 'evil into an old file');
  });

  // The sink appends whenever it is not embedded (right for `serve sink`,
  // which resumes from JetStream), and replay over NATS is not embedded.
  // Fix: `append: !runtime.embedded && !runtime.replay` in apps/sink/src/sink.module.ts.
  test('replaying into an existing -o file replaces it (over NATS)', async () => {
    const nats = await startNats();
    const redis = await startRedis();
    try {
      const out = join(scratch, 'again-nats.jsonl');
      writeFileSync(out, '{"stale":true}\n');
      const r = await replay(capture('evil'), ['--nats', nats.url, '--redis', redis.url], out);
      assert.equal(r.code, 0, r.stderr);
      assertSameLines(parse(r.jsonl), parse(golden('evil.jsonl')), 'evil over NATS into an old file');
    } finally {
      await nats.dispose();
      await redis.dispose();
    }
  });

  for (const name of ['stdio', 'https'] as const) {
    test(`${name}: --nats --redis gives the same JSONL as the embedded replay`, async () => {
      const nats = await startNats();
      const redis = await startRedis();
      try {
        const r = await replay(capture(name), ['--nats', nats.url, '--redis', redis.url]);
        assert.equal(r.code, 0, r.stderr);
        assertSameLines(parse(r.jsonl), parse(golden(`${name}.jsonl`)), `${name} over NATS`);
      } finally {
        await nats.dispose();
        await redis.dispose();
      }
    });
  }
});
