import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { objectEnd, parseJsonRpcText, recoverJsonRpc } from './jsonrpc';
import { describeMethod, KNOWN_METHODS } from '@mcpspy/events';

describe('parseJsonRpcText', () => {
  test('request, notification, response, error; ids kept as they are', () => {
    const r = (t: string) => parseJsonRpcText(t).messages[0];
    assert.deepEqual(r('{"jsonrpc":"2.0","id":"1","method":"ping"}'), { type: 'request', method: 'ping', error: {}, raw: '{"jsonrpc":"2.0","id":"1","method":"ping"}', id: '1' });
    assert.equal(r('{"jsonrpc":"2.0","id":1.5,"method":"ping"}').id, 1.5);
    assert.equal(r('{"jsonrpc":"2.0","method":"notifications/initialized"}').type, 'notification');
    assert.deepEqual(r('{"jsonrpc":"2.0","id":3,"result":null}').result, null);
    assert.equal(r('{"jsonrpc":"2.0","id":3,"result":null}').type, 'response');
    const e = r('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
    assert.equal(e.type, 'error');
    assert.equal(e.id, null);
    assert.deepEqual(e.error, { code: -32700, message: 'Parse error' });
  });

  test('raw is trimmed of surrounding whitespace only', () => {
    assert.equal(parseJsonRpcText('  {"jsonrpc":"2.0", "method":"x"}\r').messages[0].raw, '{"jsonrpc":"2.0", "method":"x"}');
  });

  test('rejects name their counter', () => {
    const c = (t: string) => parseJsonRpcText(t).rejects.map((x) => x.counter);
    assert.deepEqual(c('hello'), ['non_json']);
    assert.deepEqual(c('{"jsonrpc":"2.0","id":1,"method":"pi'), ['invalid_json']);
    assert.deepEqual(c('{"jsonrpc":"2.0","id":1}'), ['not_jsonrpc']);
    assert.deepEqual(c('{"jsonrpc":"2.0","id":{},"method":"x"}'), ['not_jsonrpc']);
    assert.deepEqual(c('{"jsonrpc":"2.0","id":1,"error":"bad"}'), ['not_jsonrpc']);
    assert.deepEqual(c('[]'), ['not_jsonrpc']);
    assert.deepEqual(c('"just a string"'), ['non_json']);
  });

  test('nesting past the bound is refused before JSON.parse, quotes and escapes do not count', () => {
    const deep = '{"jsonrpc":"2.0","method":"x","params":' + '['.repeat(300) + ']'.repeat(300) + '}';
    assert.deepEqual(parseJsonRpcText(deep, 256).rejects.map((x) => x.counter), ['json_too_deep']);
    const fake = '{"jsonrpc":"2.0","method":"x","params":"' + '[\\"'.repeat(400) + '"}';
    assert.equal(parseJsonRpcText(fake, 256).messages.length, 1);
    const huge = '['.repeat(1_000_000);
    assert.deepEqual(parseJsonRpcText(huge).rejects.map((x) => x.counter), ['json_too_deep']);
  });

  test('batch elements keep their exact text, invalid elements are rejected alone', () => {
    const t = '[{"jsonrpc":"2.0","id":1,"method":"a","params":[1,{"b":"],"}]} , 5,{"jsonrpc":"2.0","method":"n"}]';
    const r = parseJsonRpcText(t);
    assert.deepEqual(
      r.messages.map((m) => [m.raw, m.batch]),
      [
        ['{"jsonrpc":"2.0","id":1,"method":"a","params":[1,{"b":"],"}]}', true],
        ['{"jsonrpc":"2.0","method":"n"}', true],
      ],
    );
    assert.equal(r.rejects.length, 1);
  });
});

describe('describeMethod', () => {
  test('knows the spec methods and nothing else', () => {
    assert.equal(describeMethod('tools/call'), 'Execute a tool');
    assert.equal(describeMethod('constructor'), undefined);
    assert.equal(describeMethod('tools/unknown'), undefined);
    for (const m of ['initialize', 'ping', 'resources/templates/list', 'completion/complete', 'logging/setLevel', 'sampling/createMessage', 'elicitation/create', 'roots/list', 'notifications/cancelled', 'notifications/resources/updated', 'tasks/get']) {
      assert.ok(KNOWN_METHODS.includes(m), m);
      assert.ok((describeMethod(m) ?? '').length > 0, m);
    }
  });
});


describe('non-conforming JSON-RPC is told apart from other JSON', () => {
  test('JSON-RPC 1.0, a missing version or a bad id look like JSON-RPC; a log object does not', () => {
    const flag = (t: string) => parseJsonRpcText(t).rejects.map((r) => r.nonconforming);
    assert.deepEqual(flag('{"jsonrpc":"1.0","id":1,"result":2}'), [true]);
    assert.deepEqual(flag('{"method":"tools/list","id":1}'), [true]);
    assert.deepEqual(flag('{"jsonrpc":"2.0","id":null,"method":"x"}'), [true]);
    assert.deepEqual(flag('{"level":"info","msg":"started"}'), [false]);
    assert.deepEqual(flag('[{"level":"info"},{"jsonrpc":"1.0","id":1,"result":0}]'), [false, true]);
  });
});

describe('recoverJsonRpc: messages glued to other output on one line', () => {
  const A = '{"jsonrpc":"2.0","id":1,"result":{"s":"}{"}}';
  const B = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}';
  test('before, after, between, and braces inside strings', () => {
    const r = recoverJsonRpc(`[DEBUG] done {"x":1} ${A} trailing {log}${B}tail`);
    assert.deepEqual(r.messages.map((m) => m.raw), [A, B]);
    assert.equal(r.noise, '[DEBUG] done {"x":1} … trailing {log} … tail');
    assert.equal(objectEnd(A, 0), A.length);
  });
  test('nothing recoverable: the whole line is noise; tries are bounded', () => {
    assert.deepEqual(recoverJsonRpc('plain log line {not json}'), { messages: [], noise: 'plain log line {not json}' });
    const braces = '{"a":1}'.repeat(1000) + A;
    assert.equal(recoverJsonRpc(braces, 256, 16).messages.length, 0, 'the message past 16 candidates is not reached');
  });
});
