import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BatchEncoder, batchLineText, decodeBatchBytes, decodeBatchText, encodeBatchText } from './batch-envelope';
import { eventJsonText, holdJsonText } from './json-text';
import { Subjects } from './subjects';
import { validatorFor } from './validation';
import { bodyOnceJsonText, expandWireBody, textAt, WIRE_FORM_BODY_ONCE } from './wire-form';

const T = '2026-12-07T19:00:00.000Z';
const STDIO = { from_pid: 10, from_comm: 'client', to_pid: 11, to_comm: 'server' };

/** An event as mcp-parser builds it (MCPSpy's order), `raw` the captured text of `msg`. */
function eventOf(msg: Record<string, unknown>, raw = JSON.stringify(msg), extra: Record<string, unknown> = {}): Record<string, unknown> {
  const type = 'result' in msg ? 'response' : 'id' in msg ? 'request' : 'notification';
  const ev: Record<string, unknown> = { timestamp: T, transport_type: 'stdio', stdio_transport: STDIO, type };
  if ('id' in msg) ev.id = msg.id;
  if ('method' in msg) ev.method = msg.method;
  if ('params' in msg) ev.params = msg.params;
  if ('result' in msg) ev.result = msg.result;
  ev.error = {};
  Object.assign(ev, extra);
  ev.raw = raw;
  ev.session = 'stdio:10-11';
  ev.msg_id = 'a:1';
  return ev;
}

/** Through a form-2 batch and back: the delivered value and the line the sink would write. */
function roundTrip(events: Record<string, unknown>[]): { values: unknown[]; texts: string[]; compact: number } {
  const enc = new BatchEncoder(Subjects.mcpMessage, 1024, WIRE_FORM_BODY_ONCE);
  let compact = 0;
  for (const ev of events) {
    const line = bodyOnceJsonText(ev);
    if (line !== undefined) compact++;
    enc.add(line ?? (eventJsonText(ev) as string));
  }
  const d = decodeBatchBytes(enc.seal() as Uint8Array);
  assert.equal(d.problem, undefined);
  assert.equal(d.form, 2);
  const values: unknown[] = [];
  const texts: string[] = [];
  for (const l of d.lines) {
    assert.ok(l.ok, l.ok ? '' : l.reason);
    values.push(l.value);
    texts.push(batchLineText(l));
  }
  return { values, texts, compact };
}

test('form 2: a request, a response and a notification come back as the form-1 event, line byte for byte', () => {
  const events = [
    eventOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', arguments: { query: 'weather in "Paris"\n', n: 3 } } }),
    eventOf({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'Sunny, 21 °C — 😀 \u2028 done' }], isError: false } }, undefined, {
      request: { type: 'request', id: 1, method: 'tools/call', params: { name: 'search' }, error: {}, timestamp: T },
    }),
    eventOf({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'a log line long enough' } }),
  ];
  const { values, texts, compact } = roundTrip(events);
  assert.equal(compact, 3, 'each body is inside its raw');
  assert.deepEqual(values, events);
  assert.deepEqual(texts, events.map((e) => JSON.stringify(e)));
  // `raw` keeps its place among the keys (the sink checks MCPSpy's order).
  assert.deepEqual(Object.keys(values[0] as object), Object.keys(events[0]));
  for (const v of values) assert.ok(validatorFor(Subjects.mcpMessage)(v).ok);
});

test('form 2 is shorter on the wire by about the escaped body', () => {
  const params = { name: 'read_file', arguments: { path: '/home/user/project/notes/"quoted".md', max: 4096 } };
  const ev = eventOf({ jsonrpc: '2.0', id: 7, method: 'tools/call', params });
  const full = eventJsonText(ev) as string;
  const once = bodyOnceJsonText(ev) as string;
  assert.ok(once.length < full.length - JSON.stringify(params).length + 40, `${once.length} vs ${full.length}`);
});

test('a body the publisher holds as its captured text (mcp-parser) is found at the end of raw', () => {
  const raw = '{"jsonrpc":"2.0","id":"x-1","method":"tools/call","params":{"name":"echo","arguments":{"text":"hello there"}}}';
  const msg = JSON.parse(raw) as Record<string, unknown>;
  const ev = eventOf(msg, raw);
  holdJsonText(msg.params, raw.slice(raw.indexOf('"params":') + 9, -1));
  const { texts, compact } = roundTrip([ev]);
  assert.equal(compact, 1);
  assert.equal(texts[0], JSON.stringify(ev));
});

test('what cannot be referenced goes in form 1 inside the form-2 batch', () => {
  const events = [
    // Captured with spaces: the body's JSON.stringify text is not inside raw.
    eventOf({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 'abcdefghijklmnopqrstuvwxyz' } }, '{"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"cursor": "abcdefghijklmnopqrstuvwxyz"}}'),
    // Non-ASCII escaped in the capture (Python's ensure_ascii).
    eventOf({ jsonrpc: '2.0', id: 3, method: 'x/y', params: { text: 'Привет, мир! Привет, мир!' } }, '{"jsonrpc":"2.0","id":3,"method":"x/y","params":{"text":"\\u041f\\u0440\\u0438\\u0432\\u0435\\u0442, \\u043c\\u0438\\u0440! \\u041f\\u0440\\u0438\\u0432\\u0435\\u0442, \\u043c\\u0438\\u0440!"}}'),
    // An error: no body to refer to.
    { ...eventOf({ jsonrpc: '2.0', id: 4, error: { code: -32601, message: 'Method not found' } }), type: 'error', error: { code: -32601, message: 'Method not found' } },
    // A body too small to be worth a reference.
    eventOf({ jsonrpc: '2.0', id: 5, method: 'ping', params: {} }),
  ];
  const { values, texts, compact } = roundTrip(events);
  assert.equal(compact, 0);
  assert.deepEqual(values, events);
  assert.deepEqual(texts, events.map((e) => JSON.stringify(e)));
});

test('a huge body travels once and comes back whole', () => {
  const big = 'x"\\'.repeat(400_000);
  const ev = eventOf({ jsonrpc: '2.0', id: 9, result: { content: [{ type: 'text', text: big }] } });
  const full = eventJsonText(ev) as string;
  const once = bodyOnceJsonText(ev) as string;
  assert.ok(once.length < full.length - JSON.stringify(ev.result).length + 100, `${once.length} vs ${full.length}`);
  const { texts } = roundTrip([ev]);
  assert.equal(texts[0], full);
});

test('random events: form 2 gives back JSON.stringify of the event, byte for byte, whatever the strings', () => {
  const str = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('\ud800', '\u2028', '"\\', '\u0000', ',"params":', ',"raw":["a","params",3,"}"]'));
  const body = fc.dictionary(str, fc.oneof(str, fc.integer(), fc.boolean(), fc.constant(null), fc.array(str, { maxLength: 3 })), { minKeys: 1, maxKeys: 5 });
  fc.assert(
    fc.property(body, str, fc.constantFrom('request', 'response', 'notification'), str, (b, method, kind, comm) => {
      const msg: Record<string, unknown> = { jsonrpc: '2.0' };
      if (kind !== 'notification') msg.id = comm;
      if (kind === 'response') msg.result = b;
      else {
        msg.method = method;
        msg.params = b;
      }
      const ev = eventOf(msg, undefined, { description: comm });
      const { values, texts } = roundTrip([ev]);
      assert.deepEqual(values[0], JSON.parse(JSON.stringify(ev)));
      assert.equal(texts[0], JSON.stringify(ev));
    }),
    { numRuns: 1500 },
  );
});

test('hostile references are refused line by line, never thrown, and the other lines still arrive', () => {
  const good = eventOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', arguments: { q: 'a long enough query' } } });
  const goodLine = bodyOnceJsonText(good) as string;
  assert.match(goodLine, /"params":0,"error":\[\d+,\d+\]/);
  const slice = /"error":\[(\d+),(\d+)\]/;
  const bad = [
    goodLine.replace(slice, (_m, a: string, b: string) => `"error":[${a},${Number(b) - 1}]`), // the slice is not JSON
    goodLine.replace(slice, (_m, a: string) => `"error":[${a},99999999]`), // past the end
    goodLine.replace(slice, (_m, a: string, b: string) => `"error":[${b},${a}]`), // end before start
    goodLine.replace(slice, '"error":[-1,5]'),
    goodLine.replace(slice, '"error":[1.5,5]'),
    goodLine.replace(slice, '"error":[1,2,3]'),
    goodLine.replace(slice, '"error":["1","5"]'),
    goodLine.replace(slice, (_m, a: string, b: string) => `"error":[ ${a},${b}]`), // not JSON.stringify's form
    goodLine.replace('"params":0', '"params":1'), // no placeholder
    goodLine.replace('"type":"request"', '"type":"error"'), // a type without a body
    goodLine.replace(/"raw":"(?:[^"\\]|\\.)*"/, '"raw":"{\\"a\\":\\t[1,\\r2]}                                                                              "'), // control characters in the slice
    goodLine.replace(/"raw":"(?:[^"\\]|\\.)*"/, '"raw":7'),
    // A slice that is JSON, with a tab and a CR as its whitespace: parsed fine, but not put back into a line.
    (() => {
      const body = `{"a":\t"${'x'.repeat(30)}",\r"b":1}`;
      return JSON.stringify({ ...good, params: 0, error: [5, 5 + body.length], raw: `{"p":${body}}` });
    })(),
    goodLine.slice(0, goodLine.length - 10), // cut: not JSON
  ];
  const text = encodeBatchText(Subjects.mcpMessage, [goodLine, ...bad, goodLine]).replace('"count":', '"form":2,"count":');
  const d = decodeBatchText(text);
  assert.equal(d.lines.length, bad.length + 2);
  assert.ok(d.lines[0].ok && d.lines[bad.length + 1].ok);
  assert.deepEqual(d.lines[0].ok && d.lines[0].value, good);
  for (let i = 1; i <= bad.length; i++) {
    const l = d.lines[i];
    // Refused at decoding, or (a `raw` that is no string) by the DTO.
    assert.ok(!l.ok || !validatorFor(Subjects.mcpMessage)(l.value).ok, `line ${i} accepted: ${bad[i - 1]}`);
  }
});

test('a form-1 batch never expands a slice: the line fails validation instead of being read wrong', () => {
  const ev = eventOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', arguments: { q: 'a long enough query' } } });
  const d = decodeBatchText(encodeBatchText(Subjects.mcpMessage, [bodyOnceJsonText(ev) as string]));
  assert.equal(d.form, undefined);
  const l = d.lines[0];
  assert.ok(l.ok);
  assert.equal((l.value as { params: unknown }).params, 0);
  assert.equal(validatorFor(Subjects.mcpMessage)(l.value).ok, false, 'error is an array: the DTO refuses it');
});

test('a batch of a form this build does not know delivers nothing and says which form', () => {
  const ev = eventOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', arguments: { q: 'a long enough query' } } });
  for (const form of ['3', '"2"', 'null', '{"x":1}']) {
    const text = encodeBatchText(Subjects.mcpMessage, [JSON.stringify(ev)]).replace('"count":', `"form":${form},"count":`);
    for (const d of [decodeBatchText(text), decodeBatchBytes(Buffer.from(text))]) {
      assert.equal(d.lines.length, 0, form);
      assert.notEqual(d.unknownForm, undefined, form);
      assert.match(d.problem ?? '', /unknown wire form/);
      assert.equal(d.subject, Subjects.mcpMessage);
    }
  }
  // Form 1 named explicitly is the default form.
  const one = decodeBatchText(encodeBatchText(Subjects.mcpMessage, [JSON.stringify(ev)]).replace('"count":', '"form":1,"count":'));
  assert.equal(one.unknownForm, undefined);
  assert.equal(one.lines.length, 1);
});

test('expandWireBody leaves a form-1 event alone', () => {
  const ev = eventOf({ jsonrpc: '2.0', id: 1, method: 'ping' });
  const v = JSON.parse(JSON.stringify(ev)) as Record<string, unknown>;
  assert.equal(expandWireBody(v, JSON.stringify(ev)), null);
  assert.deepEqual(v, ev);
});

test('a response whose request was never seen (no `request`, a `request_method` from the transport) travels in form 2 and comes back whole', () => {
  const ev = eventOf({ jsonrpc: '2.0', id: 'late-1', result: { content: [{ type: 'text', text: 'an answer to a request this process never saw' }] } }, undefined, {
    request_method: 'tools/call',
  });
  assert.equal('request' in ev, false);
  const { values, texts, compact } = roundTrip([ev]);
  assert.equal(compact, 1);
  assert.deepEqual(values[0], ev);
  assert.equal(texts[0], JSON.stringify(ev));
});

test('textAt is startsWith at a position >= 0, and false below 0 (a negative slice would read from the end)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 50 }), (s, sub, at) => {
      assert.equal(textAt(s, sub, at), s.startsWith(sub, at));
    }),
    { numRuns: 3000 },
  );
  // Whole-string cases: the body at the end of raw, one unit off, running past the end.
  const body = '{"name":"search","arguments":{"q":"x"}}';
  const raw = `{"jsonrpc":"2.0","id":1,"params":${body}}`;
  const at = raw.length - 1 - body.length;
  assert.equal(textAt(raw, body, at), true);
  assert.equal(textAt(raw, body, at + 1), false);
  assert.equal(textAt(raw, `${body}}}`, at), false);
  assert.equal(textAt(raw, `{"name":"search"`.replace('s', 'S'), at), false);
  // 'ab' is the last two units of 'xxab': slice(-2, 0) is '' but slice(-2) would be 'ab'; either way no match below 0.
  assert.equal(textAt('xxab', 'ab', -2), false);
  assert.equal(textAt('abab', '', -1), false);
});

test('the publisher does not reference a body that raw holds only one unit off', () => {
  const good = eventOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', arguments: { q: 'a long enough query' } } });
  assert.ok(bodyOnceJsonText(good));
  // The same body in raw with one unit changed (at its start, at its end): not inside raw, so form 1.
  const text = JSON.stringify(good.params);
  for (const changed of [`[${text.slice(1)}`, `${text.slice(0, -1)}]`]) {
    const ev = { ...good, raw: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${changed}}` };
    assert.equal(bodyOnceJsonText(ev), undefined);
  }
});
