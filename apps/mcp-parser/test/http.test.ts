/**
 * HTTP path: http.message events (as http-session publishes them) in,
 * MCP messages out, one line per message whichever sides were observed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpMessageEvent, Subjects, validatePayload } from '@mcpspy/events';
import { harness, sleep, strip } from './raw-builder';

const HOST = '127.0.0.1:8080';
let tsCounter = 0;

function obs(side: 'client' | 'server', isRequest: boolean, body: string, extra: Partial<HttpMessageEvent> = {}): HttpMessageEvent {
  const client = side === 'client';
  return {
    timestamp: extra.timestamp ?? `2024-01-15T12:34:56.${String(100 + tsCounter++).padStart(3, '0')}Z`,
    ts_ns: '0',
    stream: client ? 'inet:1001' : 'inet:2002',
    pid: client ? 500 : 600,
    comm: client ? 'python' : 'mcp-server',
    side,
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

const REQ = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"New York"}}}';
const RES = '{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"20°C"}],"isError":false}}';

describe('HTTP twins', () => {
  test('client and server views of a request and a response give one line each, from the client', async () => {
    const h = harness({ twinWaitMs: 5000 });
    const sid = { session_id: 'abc' };
    await h.engine.onHttpMessage(obs('client', true, REQ, { ...sid, timestamp: '2024-01-15T12:34:56.789Z' }));
    await h.engine.onHttpMessage(obs('server', true, REQ, sid));
    await h.engine.onHttpMessage(obs('server', false, RES, sid));
    assert.equal(h.out.length, 1, 'server view of the response waits for its client twin');
    await h.engine.onHttpMessage(obs('client', false, RES, { ...sid, timestamp: '2024-01-15T12:34:56.890Z' }));
    assert.equal(h.out.length, 2, 'the client twin goes out at once');
    const out = await h.done();
    const params = { name: 'get_weather', arguments: { city: 'New York' } };
    assert.deepEqual(strip(out), [
      {
        timestamp: '2024-01-15T12:34:56.789Z',
        transport_type: 'http',
        http_transport: { pid: 500, comm: 'python', host: HOST, is_request: true, method: 'POST', path: '/mcp', session_id: 'abc', tls: false, side: 'client' },
        type: 'request',
        id: 7,
        method: 'tools/call',
        params,
        error: {},
        raw: REQ,
        session: 'http:abc',
        description: 'Execute a tool',
      },
      {
        timestamp: '2024-01-15T12:34:56.890Z',
        transport_type: 'http',
        http_transport: { pid: 500, comm: 'python', host: HOST, is_request: false, method: 'POST', path: '/mcp', status: 200, session_id: 'abc', tls: false, side: 'client' },
        type: 'response',
        id: 7,
        result: { content: [{ type: 'text', text: '20°C' }], isError: false },
        error: {},
        request: { type: 'request', id: 7, method: 'tools/call', params, error: {}, timestamp: '2024-01-15T12:34:56.789Z' },
        raw: RES,
        session: 'http:abc',
      },
    ]);
    assert.equal(h.engine.counters.get('http_twins_merged'), 2);
    for (const m of out) {
      const v = validatePayload(Subjects.mcpMessage, JSON.parse(JSON.stringify(m)));
      assert.ok(v.ok, `output passes the McpMessageDto contract: ${v.reasons.join('; ')}`);
    }
  });

  test('the same message really sent twice gives two lines, whatever the order of the views', async () => {
    const h = harness({ twinWaitMs: 5000 });
    const n = '{"jsonrpc":"2.0","method":"notifications/initialized"}';
    await h.engine.onHttpMessage(obs('client', true, n));
    await h.engine.onHttpMessage(obs('client', true, n));
    await h.engine.onHttpMessage(obs('server', true, n));
    await h.engine.onHttpMessage(obs('server', true, n));
    const p = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}';
    await h.engine.onHttpMessage(obs('server', false, p, { kind: 'sse_event' }));
    await h.engine.onHttpMessage(obs('server', false, p, { kind: 'sse_event' }));
    await h.engine.onHttpMessage(obs('client', false, p, { kind: 'sse_event' }));
    await h.engine.onHttpMessage(obs('client', false, p, { kind: 'sse_event' }));
    const out = await h.done();
    assert.deepEqual(out.map((m) => [m.raw, m.http_transport?.side]), [
      [n, 'client'],
      [n, 'client'],
      [p, 'client'],
      [p, 'client'],
    ]);
  });

  test('server-only observation comes out after the wait, from the server view; a late client twin is swallowed', async () => {
    const h = harness({ twinWaitMs: 40 });
    await h.engine.onHttpMessage(obs('server', true, REQ));
    assert.equal(h.out.length, 0);
    await sleep(120);
    assert.equal(h.out.length, 1, 'emitted by the timer');
    assert.equal(h.out[0].http_transport?.side, 'server');
    assert.equal(h.out[0].http_transport?.pid, 600);
    await h.engine.onHttpMessage(obs('client', true, REQ));
    const out = await h.done();
    assert.equal(out.length, 1);
    assert.equal(h.engine.counters.get('http_twins_late'), 1);
  });

  test('once a client of the host was seen here, a server view waits longer for its slow client twin', async () => {
    const h = harness({ twinWaitMs: 40, localClientTwinWaitMs: 400 });
    await h.engine.onHttpMessage(obs('client', true, REQ));
    await h.engine.onHttpMessage(obs('server', true, REQ));
    // A large response: the server's write completes well before the client has read it all.
    await h.engine.onHttpMessage(obs('server', false, RES));
    await sleep(150);
    assert.equal(h.out.length, 1, 'the server view of the response is still waiting past twinWaitMs');
    await h.engine.onHttpMessage(obs('client', false, RES));
    const out = await h.done();
    assert.deepEqual(
      out.map((m) => [m.type, m.http_transport?.side]),
      [
        ['request', 'client'],
        ['response', 'client'],
      ],
    );
  });
});

describe('HTTP bodies', () => {
  test('SSE events yield their data payloads; a whole event-stream body (only an older producer sends one) is counted, not parsed', async () => {
    const h = harness();
    const a = '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}';
    const b = '{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}';
    await h.engine.onHttpMessage(obs('client', false, a, { kind: 'sse_event', sse_event: 'message', content_type: 'text/event-stream' }));
    await h.engine.onHttpMessage(obs('client', false, `event: message\ndata: ${a}\n\nevent: message\ndata: ${b}\n\n`, { content_type: 'text/event-stream' }));
    await h.engine.onHttpMessage(obs('client', false, 'event: endpoint\ndata: /messages?sessionId=1\n\n', { kind: 'sse_event', sse_event: 'endpoint', content_type: 'text/event-stream' }));
    const out = await h.done();
    assert.deepEqual(out.map((m) => m.raw), [a]);
    assert.equal(h.engine.counters.get('sse_bodies_unsplit'), 1);
    assert.equal(h.engine.counters.get('non_json'), 1);
  });

  test('a batch body yields one line per element; base64 bodies are decoded; gaps and empty bodies are dropped', async () => {
    const h = harness();
    const e1 = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
    const e2 = '{"jsonrpc":"2.0","id":2,"method":"prompts/list"}';
    await h.engine.onHttpMessage(obs('client', true, `[${e1},${e2}]`));
    await h.engine.onHttpMessage(obs('client', true, Buffer.from(e1).toString('base64'), { body_encoding: 'base64' }));
    await h.engine.onHttpMessage(obs('client', false, '', { status: 202 }));
    await h.engine.onHttpMessage(obs('client', true, e2, { gap: true }));
    const out = await h.done();
    assert.deepEqual(out.map((m) => [m.raw, m.batch ?? false]), [
      [e1, true],
      [e2, true],
      [e1, false],
    ]);
    assert.equal(h.engine.counters.get('http_gap'), 1);
  });

  test('unknown methods only on sessions that carried MCP', async () => {
    const h = harness();
    await h.engine.onHttpMessage(obs('client', true, '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}', { host: 'rpc:8545', stream: 'inet:9' }));
    await h.engine.onHttpMessage(obs('client', true, '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}', { session_id: 's1' }));
    await h.engine.onHttpMessage(obs('client', true, '{"jsonrpc":"2.0","method":"vendor/x"}', { session_id: 's1', stream: 'inet:77' }));
    const out = await h.done();
    assert.deepEqual(out.map((m) => m.method), ['initialize', 'vendor/x']);
    assert.equal(h.engine.counters.get('unknown_method_dropped'), 1);
  });
});

describe('HTTP pairing', () => {
  test('initialize pairs with its response although only the response names the session', async () => {
    const h = harness();
    await h.engine.onHttpMessage(obs('client', true, '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}'));
    await h.engine.onHttpMessage(obs('client', false, '{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18"}}', { session_id: 'S' }));
    const out = await h.done();
    assert.equal(out[1].request?.method, 'initialize');
    assert.equal(out[1].session, 'http:S');
  });

  test('same ids in two sessions never cross; server-to-client requests pair with the client reply', async () => {
    const h = harness();
    for (const sid of ['one', 'two']) {
      await h.engine.onHttpMessage(obs('client', true, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${sid}"}}`, { session_id: sid }));
    }
    // Server 'one' asks the client to sample, with its own id 1, over SSE.
    await h.engine.onHttpMessage(obs('client', false, '{"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{}}', { session_id: 'one', kind: 'sse_event' }));
    await h.engine.onHttpMessage(obs('client', true, '{"jsonrpc":"2.0","id":1,"result":{"role":"assistant"}}', { session_id: 'one' }));
    for (const sid of ['two', 'one']) {
      await h.engine.onHttpMessage(obs('client', false, `{"jsonrpc":"2.0","id":1,"result":{"s":"${sid}"}}`, { session_id: sid }));
    }
    const out = await h.done();
    const responses = out.filter((m) => m.type === 'response');
    assert.deepEqual(
      responses.map((m) => [m.raw.includes('assistant') ? 'sampling' : (m.result as { s: string }).s, m.request?.method, (m.request?.params as { name?: string })?.name]),
      [
        ['sampling', 'sampling/createMessage', undefined],
        ['two', 'tools/call', 'two'],
        ['one', 'tools/call', 'one'],
      ],
    );
  });
});
