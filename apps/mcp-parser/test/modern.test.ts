/**
 * MCP 2026-07-28 (stateless) beside 2025-11-25 through the engine: the
 * modern opening (server/discover, subscriptions/listen and its
 * acknowledgement), Multi Round-Trip Requests as one logical call, the
 * conversation fields from `_meta` and HTTP headers, unknown methods on an
 * MCP stream, and stdio hygiene (logs on stdout) with its notices.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HttpMessageEvent, McpMessageEvent, NoticeEvent, Subjects, validatePayload } from '@mcpspy/events';
import { harness, RawScript, strip, toBatches } from './raw-builder';

const CLIENT = { pid: 300, comm: 'agent' };
const SERVER = { pid: 400, comm: 'mcp-srv' };
const UP = 9101n;
const DOWN = 9102n;
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';

const meta = (extra: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'demo-client', version: '2.4.0' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
  ...extra,
});
const serverMeta = { 'io.modelcontextprotocol/serverInfo': { name: 'demo-server', version: '1.0.0' } };
const j = (o: unknown) => JSON.stringify(o);

/** What the client writes and what the server writes, in conversation order: [who, line]. */
export const MODERN: Array<['c' | 's', string]> = [
  ['c', j({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: meta() } })],
  ['s', j({ jsonrpc: '2.0', id: 1, result: { resultType: 'complete', supportedVersions: ['2026-07-28', '2025-11-25'], capabilities: { tools: {} }, ttlMs: 0, cacheScope: 'private', _meta: serverMeta } })],
  ['c', j({ jsonrpc: '2.0', id: 2, method: 'subscriptions/listen', params: { _meta: meta(), notifications: { toolsListChanged: true } } })],
  ['s', j({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 2 }, notifications: { toolsListChanged: true } } })],
  ['c', j({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { _meta: meta({ traceparent: TRACEPARENT }), name: 'deploy', arguments: { env: 'prod' } } })],
  ['s', j({ jsonrpc: '2.0', id: 3, result: { resultType: 'input_required', inputRequests: { confirm: { method: 'elicitation/create', params: { mode: 'form', message: 'Deploy to prod?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } } } }, requestState: 'st-1', _meta: serverMeta } })],
  ['c', j({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { _meta: meta(), name: 'deploy', arguments: { env: 'prod' }, inputResponses: { confirm: { action: 'accept', content: { ok: true } } }, requestState: 'st-1' } })],
  ['s', j({ jsonrpc: '2.0', id: 4, result: { resultType: 'input_required', inputRequests: { again: { method: 'elicitation/create', params: { mode: 'form', message: 'Really?', requestedSchema: { type: 'object' } } } }, requestState: 'st-2' } })],
  ['c', j({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { _meta: meta(), name: 'deploy', arguments: { env: 'prod' }, inputResponses: { again: { action: 'accept', content: {} } }, requestState: 'st-2' } })],
  ['s', j({ jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 2 } } })],
  ['s', j({ jsonrpc: '2.0', id: 5, result: { resultType: 'complete', content: [{ type: 'text', text: 'deployed' }], _meta: serverMeta } })],
  ['c', j({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { _meta: meta(), name: 'build' } })],
  ['s', j({ jsonrpc: '2.0', id: 6, result: { resultType: 'task', task: { taskId: 't-9', status: 'working' } } })],
  ['c', j({ jsonrpc: '2.0', id: 7, method: 'tasks/get', params: { _meta: meta(), taskId: 't-9' } })],
  ['s', j({ jsonrpc: '2.0', id: 7, result: { resultType: 'complete', taskId: 't-9', status: 'completed' } })],
];

function conversation(
  lines: Array<['c' | 's', string]>,
  opts: { chunk?: number; split?: number[] } = {},
): RawScript {
  const s = new RawScript();
  let t = 0;
  let k = 0;
  for (const [who, text] of lines) {
    const bytes = Buffer.from(text + '\n');
    const from = who === 'c' ? CLIENT : SERVER;
    const to = who === 'c' ? SERVER : CLIENT;
    const stream = who === 'c' ? UP : DOWN;
    // The writer may cut one message over several write calls.
    const cut = opts.split ? Math.min(bytes.length, opts.split[k++ % opts.split.length] % (bytes.length + 1)) : bytes.length;
    const parts = cut > 0 && cut < bytes.length ? [bytes.subarray(0, cut), bytes.subarray(cut)] : [bytes];
    for (const part of parts) s.call({ ...from, dir: 'write', stream, data: part, atMs: t++, chunk: opts.chunk });
    s.call({ ...to, dir: 'read', stream, data: bytes, atMs: t++ });
  }
  return s;
}

const byId = (out: McpMessageEvent[], type: string, id: number) => out.find((m) => m.type === type && m.id === id)!;

describe('modern era (2026-07-28) over stdio', () => {
  test('MRTR retries are linked when the first request carries no trace context (its call is kept as its msg_id alone)', async () => {
    const plain = MODERN.map(([who, line]): ['c' | 's', string] => [who, line.replace(`,"traceparent":"${TRACEPARENT}"`, '')]);
    assert.notDeepEqual(plain, MODERN);
    const h = harness();
    await h.feed(conversation(plain).batches());
    const out = await h.done();
    const first = byId(out, 'request', 3);
    assert.equal(first.traceparent, undefined);
    assert.equal(byId(out, 'response', 3).traceparent, undefined);
    assert.equal(first.retry_of, undefined);
    assert.deepEqual([byId(out, 'request', 4).retry_of, byId(out, 'request', 4).retry_of_id, byId(out, 'request', 4).round], [first.msg_id, 3, 2]);
    assert.deepEqual([byId(out, 'request', 5).retry_of, byId(out, 'request', 5).retry_of_id, byId(out, 'request', 5).round], [first.msg_id, 3, 3]);
    assert.equal(byId(out, 'request', 6).retry_of, undefined);
    assert.equal(h.engine.counters.get('mrtr_retries_linked'), 2);
  });

  test('every message once, typed, described, paired; conversation fields from _meta; MRTR retries linked to the first request', async () => {
    const h = harness();
    await h.feed(conversation(MODERN).batches());
    const out = await h.done();
    assert.equal(out.length, MODERN.length);
    for (const m of out) assert.equal(validatePayload(Subjects.mcpMessage, m).ok, true, JSON.stringify(m));
    assert.deepEqual(
      out.map((m) => [m.type, m.id ?? null, m.method ?? m.request?.method]),
      [
        ['request', 1, 'server/discover'],
        ['response', 1, 'server/discover'],
        ['request', 2, 'subscriptions/listen'],
        ['notification', null, 'notifications/subscriptions/acknowledged'],
        ['request', 3, 'tools/call'],
        ['response', 3, 'tools/call'],
        ['request', 4, 'tools/call'],
        ['response', 4, 'tools/call'],
        ['request', 5, 'tools/call'],
        ['notification', null, 'notifications/tools/list_changed'],
        ['response', 5, 'tools/call'],
        ['request', 6, 'tools/call'],
        ['response', 6, 'tools/call'],
        ['request', 7, 'tasks/get'],
        ['response', 7, 'tasks/get'],
      ],
    );
    assert.equal(out[0].description, 'Discover server versions and capabilities');
    assert.equal(out[2].description, 'Open a notification subscription');
    assert.equal(out[3].description, 'Subscription acknowledged');
    assert.equal(h.engine.counters.get('unpaired_responses'), 0);
    assert.equal(h.engine.counters.get('unknown_methods'), 0);
    for (const m of out) {
      assert.equal(m.protocol_version, '2026-07-28', `protocol_version of ${m.msg_id}`);
      assert.equal(m.client_name, 'demo-client');
      assert.equal(m.client_version, '2.4.0');
    }
    assert.equal(byId(out, 'response', 1).server_name, 'demo-server');
    assert.equal(byId(out, 'response', 1).result_type, 'complete');
    // trace context: on the request that carried it and on its response
    assert.equal(byId(out, 'request', 3).traceparent, TRACEPARENT);
    assert.equal(byId(out, 'response', 3).traceparent, TRACEPARENT);
    assert.equal(byId(out, 'request', 4).traceparent, undefined);
    // MRTR: one logical call, ids 3 -> 4 -> 5
    const first = byId(out, 'request', 3);
    assert.equal(byId(out, 'response', 3).result_type, 'input_required');
    assert.equal(byId(out, 'response', 3).description, 'Input required: the client must answer and retry');
    assert.equal(byId(out, 'response', 5).description, undefined, 'a complete result needs no description');
    assert.equal(first.retry_of, undefined);
    assert.deepEqual([byId(out, 'request', 4).retry_of, byId(out, 'request', 4).retry_of_id, byId(out, 'request', 4).round], [first.msg_id, 3, 2]);
    assert.deepEqual([byId(out, 'request', 5).retry_of, byId(out, 'request', 5).retry_of_id, byId(out, 'request', 5).round], [first.msg_id, 3, 3]);
    assert.equal(byId(out, 'request', 6).retry_of, undefined, 'a new call is not a retry');
    assert.equal(byId(out, 'response', 6).result_type, 'task');
    assert.equal(h.engine.counters.get('mrtr_retries_linked'), 2);
  });

  test('property: any split of a modern conversation across syscalls and chunks gives the same JSONL', async () => {
    const ref = harness();
    await ref.feed(conversation(MODERN).batches());
    const expected = strip(await ref.done());
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.nat(400), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        async (chunk, split, perBatch) => {
          const h = harness();
          await h.feed(toBatches(conversation(MODERN, { chunk, split }).records, perBatch));
          const got = strip(await h.done());
          // The line's time is its last byte's call: compare everything but timestamps.
          const noTime = (ms: typeof got) => ms.map(({ timestamp: _t, request, ...m }) => ({ ...m, request: request ? { ...request, timestamp: undefined } : undefined }));
          assert.deepEqual(noTime(got), noTime(expected));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('a server/discover probe alone makes a stream MCP (no initialize); then an unknown method there is written, marked and noticed once', async () => {
    const notices: NoticeEvent[] = [];
    const h = harness({ emitNotice: (n) => notices.push(n) });
    const lines: Array<['c' | 's', string]> = [
      ['c', j({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: meta() } })],
      ['s', j({ jsonrpc: '2.0', id: 1, result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: {} } })],
      ['c', j({ jsonrpc: '2.0', id: 2, method: 'x-vendor/thing', params: {} })],
      ['c', j({ jsonrpc: '2.0', id: 3, method: 'x-vendor/thing', params: {} })],
    ];
    await h.feed(conversation(lines).batches());
    const out = await h.done();
    assert.deepEqual(out.map((m) => [m.method ?? m.request?.method, m.unknown_method ?? false]), [
      ['server/discover', false],
      ['server/discover', false],
      ['x-vendor/thing', true],
      ['x-vendor/thing', true],
    ]);
    const unknown = notices.filter((n) => n.reason === 'unknown_method');
    assert.equal(unknown.length >= 1 && unknown.length <= 2, true, 'first notice, then at most one count update');
    assert.equal(unknown[0].count, 1);
    assert.equal(unknown.at(-1)!.count, 2);
    assert.equal(unknown[0].pid, CLIENT.pid);
    for (const n of notices) assert.equal(validatePayload(Subjects.notice, n).ok, true);
  });

  test('other JSON-RPC protocols on unrelated pipes stay out', async () => {
    const h = harness();
    const lines: Array<['c' | 's', string]> = [
      ['c', j({ jsonrpc: '2.0', id: 1, method: 'textDocument/hover', params: {} })],
      ['s', j({ jsonrpc: '2.0', id: 1, result: null })],
    ];
    await h.feed(conversation(lines).batches());
    const out = await h.done();
    // The response is always written (it may answer a request another instance saw); the request is not MCP.
    assert.deepEqual(out.map((m) => m.type), ['response']);
    assert.equal(h.engine.counters.get('unknown_method_dropped'), 1);
  });
});

describe('stdio hygiene: logs and banners on a server stdout', () => {
  test('every JSON-RPC message is written, glued ones resynchronised; the violation is one notice with a count', async () => {
    const notices: NoticeEvent[] = [];
    const h = harness({ emitNotice: (n) => notices.push(n) });
    const s = new RawScript();
    let t = 0;
    const up = (text: string) => {
      s.call({ ...CLIENT, dir: 'write', stream: UP, data: text + '\n', atMs: t++ });
      s.call({ ...SERVER, dir: 'read', stream: UP, data: text + '\n', atMs: t++ });
    };
    const down = (text: string) => {
      s.call({ ...SERVER, dir: 'write', stream: DOWN, data: text, atMs: t++ });
      s.call({ ...CLIENT, dir: 'read', stream: DOWN, data: text, atMs: t++ });
    };
    down('*** demo-server v1.0 starting ***\n');
    down('[INFO] listening on stdio\n');
    const n = 10;
    for (let i = 1; i <= n; i++) {
      up(j({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { _meta: meta(), name: 'echo', arguments: { i } } }));
      const res = j({ jsonrpc: '2.0', id: i, result: { resultType: 'complete', content: [{ type: 'text', text: `r${i}` }] } });
      // odd: a log line of its own before the result; even: a log prefix glued to the result on one line
      if (i % 2 === 1) down(`debug: handling call ${i}\n${res}\n`);
      else down(`[DEBUG] call ${i} done ${res}\n`);
    }
    down(j({ jsonrpc: '1.0', id: 99, result: 'legacy' }) + '\n');
    await h.feed(s.batches());
    const out = await h.done();
    const requests = out.filter((m) => m.type === 'request');
    const responses = out.filter((m) => m.type === 'response');
    assert.equal(requests.length, n);
    assert.equal(responses.length, n, 'every result written, also the ones glued after a log prefix');
    for (const r of responses) assert.equal(r.request?.method, 'tools/call', `response ${r.id} paired`);
    assert.deepEqual(responses.map((r) => r.id), Array.from({ length: n }, (_, i) => i + 1));
    const glued = responses.find((r) => r.id === 2)!;
    assert.equal(glued.raw.startsWith('{"jsonrpc"'), true, 'raw is the message, not the log prefix');
    const bad = notices.filter((x) => x.reason === 'stdio_non_jsonrpc');
    assert.equal(bad.length >= 1, true);
    assert.equal(bad[0].pid, SERVER.pid);
    assert.equal(bad[0].comm, SERVER.comm);
    assert.equal(bad[0].stream !== undefined, true);
    assert.match(bad[0].sample ?? '', /demo-server v1\.0 starting/);
    // 2 banner lines + 5 log lines + 5 glued prefixes, reported once then as counts
    assert.equal(bad.at(-1)!.count, 2 + n);
    assert.equal(new Set(bad.map((x) => `${x.pid}:${x.stream}`)).size, 1, 'one (reason, pid, stream)');
    const nonconf = notices.filter((x) => x.reason === 'jsonrpc_nonconforming');
    assert.equal(nonconf.length, 1);
    assert.equal(nonconf[0].count, 1);
    assert.match(nonconf[0].sample ?? '', /"jsonrpc":"1\.0"/);
    assert.equal(h.engine.counters.get('stdio_resynced'), n / 2);
  });

  test('a JSON document that is not JSON-RPC is never mined for messages quoted inside it', async () => {
    // A client printing its own records ({"sent":{…jsonrpc…}}) on a pipe: valid JSON of another protocol.
    const h = harness();
    const s = new RawScript();
    const rec = j({ sent: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    s.call({ ...CLIENT, dir: 'write', stream: UP, data: `${rec}\n${j({ recv: { jsonrpc: '2.0', id: 1, result: { tools: [] } } })}\n`, atMs: 0 });
    s.call({ ...SERVER, dir: 'read', stream: UP, data: `${rec}\n`, atMs: 1 });
    await h.feed(s.batches());
    const out = await h.done();
    assert.deepEqual(out, []);
  });

  test('a log after a message on its line, and two messages glued together, are all recovered', async () => {
    const notices: NoticeEvent[] = [];
    const h = harness({ emitNotice: (x) => notices.push(x) });
    const n1 = j({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } });
    const n2 = j({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 2 } });
    const n3 = j({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: '{brace}' } });
    const s = new RawScript()
      .call({ ...SERVER, dir: 'write', stream: DOWN, data: `${n1} <- sent\n`, atMs: 0 })
      .call({ ...CLIENT, dir: 'read', stream: DOWN, data: `${n1} <- sent\n`, atMs: 1 })
      .call({ ...SERVER, dir: 'write', stream: DOWN, data: `${n2}${n3}\n`, atMs: 2 })
      .call({ ...CLIENT, dir: 'read', stream: DOWN, data: `${n2}${n3}\n`, atMs: 3 });
    await h.feed(s.batches());
    const out = await h.done();
    assert.deepEqual(out.map((m) => m.raw), [n1, n2, n3]);
    const bad = notices.filter((x) => x.reason === 'stdio_non_jsonrpc');
    assert.equal(bad.at(-1)?.count, 1, 'the trailing log is one violation; glued messages are none');
    assert.equal(bad[0].sample, '<- sent');
  });

  test('logs on a pipe that never carries MCP raise no notice', async () => {
    const notices: NoticeEvent[] = [];
    const h = harness({ emitNotice: (x) => notices.push(x) });
    const s = new RawScript().call({ pid: 1, comm: 'make', dir: 'write', stream: 42n, data: 'building...\n[1/3] cc x.c {}\n' });
    await h.feed(s.batches());
    await h.done();
    assert.deepEqual(notices, []);
  });
});

describe('legacy era (2025-11-25) conversation fields', () => {
  test('initialize names the client and the version for the whole conversation', async () => {
    const h = harness();
    const lines: Array<['c' | 's', string]> = [
      ['c', j({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old-client', version: '1.32.2' } } })],
      ['s', j({ jsonrpc: '2.0', id: 0, result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'old-server', version: '0.9' } } })],
      ['c', j({ jsonrpc: '2.0', method: 'notifications/initialized' })],
      ['c', j({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} })],
      ['s', j({ jsonrpc: '2.0', id: 1, result: { tools: [] } })],
    ];
    await h.feed(conversation(lines).batches());
    const out = await h.done();
    assert.equal(out.length, 5);
    for (const m of out) {
      assert.equal(m.protocol_version, '2025-11-25');
      assert.equal(m.client_name, 'old-client');
      assert.equal(m.client_version, '1.32.2');
      assert.equal(m.result_type, undefined, 'legacy results carry no resultType');
    }
    assert.deepEqual(out.slice(1).map((m) => m.server_name), ['old-server', 'old-server', 'old-server', 'old-server']);
  });
});

describe('modern era over HTTP', () => {
  const HOST = '127.0.0.1:9000';
  function obs(isRequest: boolean, body: string, extra: Partial<HttpMessageEvent> = {}): HttpMessageEvent {
    return {
      timestamp: '2024-01-15T12:34:56.100Z',
      ts_ns: '0',
      stream: 'inet:5001',
      pid: 700,
      comm: 'node',
      side: 'client',
      tls: false,
      is_request: isRequest,
      kind: 'body',
      method: 'POST',
      path: '/mcp',
      status: isRequest ? undefined : 200,
      host: HOST,
      content_type: 'application/json',
      headers: {},
      body,
      exchange: 0,
      ...extra,
    };
  }

  test('headers: MCP-Protocol-Version and traceparent fill the fields; pairing without Mcp-Session-Id and without initialize', async () => {
    const h = harness();
    const req = j({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: meta(), name: 'echo' } });
    await h.engine.onHttpMessage(obs(true, req, { headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo', traceparent: TRACEPARENT } }));
    await h.engine.onHttpMessage(obs(false, j({ jsonrpc: '2.0', id: 1, result: { resultType: 'complete', content: [] } })));
    const out = await h.done();
    assert.equal(out.length, 2);
    assert.equal(out[1].request?.method, 'tools/call');
    assert.equal(out[0].traceparent, TRACEPARENT);
    assert.equal(out[1].traceparent, TRACEPARENT);
    assert.equal(out[0].protocol_version, '2026-07-28');
  });

  test('a response whose request body was lost keeps the method the exchange told (Mcp-Method); otherwise it has none', async () => {
    const h = harness();
    await h.engine.onHttpMessage(obs(true, '', { gap: true, exchange: 3, headers: { 'mcp-method': 'tools/call' } }));
    await h.engine.onHttpMessage(obs(false, j({ jsonrpc: '2.0', id: 8, result: { resultType: 'complete', content: [] } }), { exchange: 3 }));
    await h.engine.onHttpMessage(obs(false, j({ jsonrpc: '2.0', id: 9, result: { resultType: 'complete' } }), { exchange: 4 }));
    const out = await h.done();
    assert.equal(out.length, 2);
    assert.equal(out[0].request, undefined);
    assert.equal(out[0].request_method, 'tools/call');
    assert.equal(out[1].request_method, undefined);
  });
});
