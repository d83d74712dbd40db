import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { normalise, predictLines, LONG_STRING } from './golden';

const stdioLine = (from: number, to: number, extra: Record<string, unknown>) => ({
  timestamp: '2026-01-01T00:00:00.123Z',
  transport_type: 'stdio',
  stdio_transport: { from_pid: from, from_comm: 'a', to_pid: to, to_comm: 'b' },
  seq: 7,
  msg_id: 'x:7',
  session: 'pipe:123',
  error: {},
  raw: '{}',
  ...extra,
});

describe('normalise', () => {
  test('labels pids by first appearance and keeps 0 as none', () => {
    const n = normalise([stdioLine(4242, 17, { type: 'request', id: 1 }), stdioLine(17, 0, { type: 'response', id: 1 })]);
    assert.deepEqual(
      n.messages.map((m) => m.stdio_transport),
      [
        { from_pid: 'pid#1', from_comm: 'a', to_pid: 'pid#2', to_comm: 'b' },
        { from_pid: 'pid#2', from_comm: 'a', to_pid: 'none', to_comm: 'b' },
      ],
    );
    assert.equal('timestamp' in n.messages[0], false);
    assert.equal('seq' in n.messages[0], false);
    assert.equal('session' in n.messages[0], false);
  });

  test('hides the port, keeps tls, digests long strings', () => {
    const big = 'z'.repeat(LONG_STRING + 1);
    const n = normalise([
      {
        timestamp: 't',
        transport_type: 'http',
        http_transport: { pid: 9, comm: 'c', host: '127.0.0.1:39211', is_request: false, tls: true, path: '/mcp', session_id: 's' },
        type: 'response',
        id: 2,
        result: { text: big },
        error: {},
        raw: big,
      },
    ]);
    const digest = `<sha256:${createHash('sha256').update(big).digest('hex')} chars=${big.length}>`;
    assert.deepEqual(n.messages[0], {
      transport_type: 'http',
      http_transport: { pid: 'pid#1', comm: 'c', host: '127.0.0.1:<port>', is_request: false, tls: true },
      type: 'response',
      id: 2,
      result: { text: digest },
      error: {},
      raw: digest,
    });
  });

  test('splits alerts out, projects and sorts them', () => {
    const alert = (category: string, id: number) => ({
      type: 'security_alert',
      timestamp: 't',
      risk: 'high',
      category,
      score: 0.81,
      detector: 'rules',
      summary: 's',
      evidence: [{ text: 'x', field: 'result', start: 0, end: 1, rule: 'r1' }],
      message: { msg_id: 'm', id, type: 'response', transport_type: 'stdio', timestamp: 't', pid: 3 },
    });
    const n = normalise([alert('tool_poisoning', 1), stdioLine(1, 2, { type: 'request', id: 1 }), alert('prompt_injection', 2)]);
    assert.equal(n.messages.length, 1);
    assert.deepEqual(
      n.alerts.map((a) => a.category),
      ['prompt_injection', 'tool_poisoning'],
    );
    assert.deepEqual(n.alerts[0], {
      type: 'security_alert',
      category: 'prompt_injection',
      risk: 'high',
      detector: 'rules',
      message: { type: 'response', id: 2 },
      evidence: ['result r1'],
    });
  });
});

describe('predictLines', () => {
  test('types messages, pairs replies with their request, reports HTTP from the client side', () => {
    const lines = predictLines(
      [{ transport: 'http', tls: true, clientComm: 'cli', serverComm: 'srv' }],
      [
        { session: 0, dir: 'c2s', raw: '{"jsonrpc":"2.0","id":5,"method":"ping"}' },
        { session: 0, dir: 's2c', raw: '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info"}}' },
        { session: 0, dir: 's2c', raw: '{"jsonrpc":"2.0","id":5,"error":{"code":-1,"message":"no"}}' },
      ],
    );
    assert.deepEqual(
      lines.map((l) => [l.type, (l.http_transport as { is_request: boolean }).is_request, l.request ?? null]),
      [
        ['request', true, null],
        ['notification', false, null],
        ['error', false, { type: 'request', id: 5, method: 'ping', error: {} }],
      ],
    );
    assert.deepEqual(lines[2].error, { code: -1, message: 'no' });
    assert.deepEqual(lines[0].error, {});
  });
});
