// Clock columns are local time; pin the zone so the golden lines hold anywhere.
process.env.TZ = 'UTC';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAlertBlock, formatConsoleLine, formatNoticeLine } from './console-format';
import { noticeToJsonl } from './jsonl-format';
import { alert, httpRequest, httpResponse, notice, stdioError, stdioNotification, stdioRequest, stdioResponse } from './testdata/messages';

describe('formatConsoleLine', () => {
  test('golden lines for each kind of message', () => {
    const lines = [stdioNotification(), stdioRequest(), stdioResponse(), stdioError(), httpRequest(), httpResponse()].map((m) =>
      formatConsoleLine(m),
    );
    assert.deepEqual(lines, [
      '12:34:55.001 python[12345] → python[12346] NOTF notifications/initialized Client finished initialization',
      '12:34:56.789 python[12345] → python[12346] REQ tools/call (get_weather) Execute a tool',
      '12:34:56.890 python[12346] → python[12345] RESP OK tools/call (get_weather)',
      '12:34:57.000 python[12346] → python[12345] ERR -32601 Method not found tools/destroy',
      '12:34:58.100 node[47837] → 127.0.0.1:3000 REQ resources/read (file:///etc/motd) Read a resource',
      '12:34:58.150 127.0.0.1:3000 → node[47837] RESP OK resources/read (file:///etc/motd)',
    ]);
  });

  test('a response carrying a JSON-RPC error reads as ERR', () => {
    const m = stdioResponse({ error: { code: -32000, message: 'boom' } });
    assert.equal(formatConsoleLine(m), '12:34:56.890 python[12346] → python[12345] ERR -32000 boom tools/call (get_weather)');
  });

  test('an input_required result says INPUT-REQUIRED; its retry names the round and the first request', () => {
    const interim = stdioResponse({ result: { resultType: 'input_required', inputRequests: {}, requestState: 's' }, result_type: 'input_required' });
    assert.match(formatConsoleLine(interim), / RESP INPUT-REQUIRED tools\/call \(get_weather\)$/);
    const retry = stdioRequest({ id: 8, retry_of: 'a:1', retry_of_id: 7, round: 2 });
    assert.match(formatConsoleLine(retry), / REQ tools\/call \(get_weather\) Execute a tool, round 2 of a:1$/);
  });

  test('a response whose request was not seen says so, unless the transport told its method', () => {
    const lone = stdioResponse({ request: undefined });
    assert.equal(formatConsoleLine(lone), '12:34:56.890 python[12346] → python[12345] RESP OK (request not seen)');
    const told = httpResponse({ request: undefined, request_method: 'tools/call' });
    assert.match(formatConsoleLine(told), / RESP OK tools\/call$/);
  });

  test('a tool result with isError is marked', () => {
    const m = stdioResponse({ result: { isError: true, content: [] } });
    assert.match(formatConsoleLine(m), / RESP isError tools\/call \(get_weather\)$/);
  });

  test('falls back to the built-in description and to ? for unknown endpoints', () => {
    const m = stdioRequest({ description: undefined, method: 'prompts/get', params: { name: 'greet' }, stdio_transport: { from_pid: 9, from_comm: 'a', to_pid: 0, to_comm: '' } });
    assert.equal(formatConsoleLine(m), '12:34:56.789 a[9] → ? REQ prompts/get (greet) Get a prompt');
  });

  test('colour only when asked, and the text underneath is unchanged', () => {
    const plain = formatConsoleLine(stdioRequest());
    const coloured = formatConsoleLine(stdioRequest(), { color: true });
    assert.doesNotMatch(plain, /\u001b\[/);
    assert.match(coloured, /\u001b\[34mREQ\u001b\[0m/);
    assert.equal(coloured.replace(/\u001b\[[0-9;]*m/g, ''), plain);
  });
});

describe('formatAlertBlock', () => {
  test('golden block', () => {
    assert.equal(
      formatAlertBlock(alert()),
      [
        '▲ SECURITY ALERT HIGH prompt_injection score=0.93 detector=rules',
        '  summary  Instruction override in tool arguments',
        '  message  12:34:56.789 REQ tools/call id=7 python[12345] stdio msg=i:1',
        '  evidence params.arguments.city [ignore-previous] "ignore all previous instructions"',
      ].join('\n'),
    );
  });

  test('details and long evidence are shortened to one line', () => {
    const text = `${'x'.repeat(300)}\nsecond line`;
    const block = formatAlertBlock(
      alert({ risk: 'critical', category: 'rug_pull', details: { tool: 'get_weather', changed: ['description'] }, evidence: [{ text, field: 'description', start: 0, end: 5, rule: 'r' }] }),
    );
    const lines = block.split('\n');
    assert.match(lines[0], /CRITICAL rug_pull/);
    assert.equal(lines.length, 5);
    assert.match(lines[3], /^  evidence description \[r\] "x{119}…"$/);
    assert.equal(lines[4], '  details  {"tool":"get_weather","changed":["description"]}');
  });

  test('critical alerts are highlighted when coloured', () => {
    const block = formatAlertBlock(alert({ risk: 'critical' }), { color: true });
    assert.match(block, /\u001b\[1m\u001b\[41;97mCRITICAL\u001b\[0m/);
  });
});

describe('notices', () => {
  test('one console line: reason, process, detail, sample, and the count from the second time on', () => {
    assert.equal(
      formatNoticeLine(notice()),
      '⚠ NOTICE stdio_non_jsonrpc python[12346] bytes that are not JSON-RPC on stdout before a message [Server ready\\n]',
    );
    assert.match(formatNoticeLine(notice({ count: 3 })), / ×3$/);
    assert.equal(formatNoticeLine(notice({ pid: undefined, comm: undefined, sample: undefined, reason: 'capture_gap', detail: 'lost 12 chunks' })), '⚠ NOTICE capture_gap lost 12 chunks');
    const coloured = formatNoticeLine(notice(), { color: true });
    assert.match(coloured, /^\u001b\[1m\u001b\[33m⚠ NOTICE\u001b\[0m/);
  });

  test('a JSONL line "type":"notice" with the event\'s fields in a fixed order', () => {
    assert.equal(
      noticeToJsonl(notice({ detail: 'x\u2028y\u202e' })),
      '{"type":"notice","timestamp":"2024-01-15T12:34:56.500Z","reason":"stdio_non_jsonrpc","stage":"mcp-parser","pid":12346,"comm":"python","stream":"stdio:12346:1","detail":"x\\u2028y\\u202e","sample":"Server ready\\\\n","count":1}',
    );
  });
});
