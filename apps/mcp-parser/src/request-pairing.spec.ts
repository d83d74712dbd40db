import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldJsonText, type PairedRequest } from '@mcpspy/events';
import { pairedRequestText, pendingKey, RequestPairing, requestValue, splitPendingKey, storedText, storedValue, unexpired } from './request-pairing';

test('pairedRequestText is JSON.stringify of the request, and leaves the params text for the sink when params come last', () => {
  const shapes: PairedRequest[] = [
    { type: 'request', id: 1, method: 'tools/call', error: {}, timestamp: '2026-12-06T00:00:00.000Z', params: { name: 't', arguments: { q: 'x"\n\u2028,"params":{}', n: 1.5e300 } } },
    { type: 'request', id: ',"params":', method: ',"params":"', error: {}, timestamp: 't', params: { a: 1 } },
    { type: 'request', id: 'a"b', method: 'ping', error: {}, timestamp: 't' },
    { type: 'request', id: null, method: 'x', error: {}, timestamp: 't', params: [1, 'two', null] as unknown as Record<string, unknown> },
    { type: 'request', id: 2, method: 'x', error: {}, timestamp: 't', params: null as unknown as Record<string, unknown> },
    { type: 'request', id: 3, method: 'x', error: {}, timestamp: 't', params: undefined },
  ];
  for (const req of shapes) {
    assert.equal(pairedRequestText(req), JSON.stringify(req));
    if (req.params && typeof req.params === 'object') assert.equal(heldJsonText(req.params), JSON.stringify(req.params));
  }
});

test('pairedRequestText keeps no params text when params is not the last key', () => {
  const params = { a: 1 };
  const req = { type: 'request', id: 1, method: 'x', params, error: {}, timestamp: 't' } as PairedRequest;
  assert.equal(pairedRequestText(req), JSON.stringify(req));
  assert.equal(heldJsonText(params), undefined);
});

test('the Store value drops the fixed parts of a request and storedText puts them back byte for byte', () => {
  const cases: Array<{ id: string | number | null; method: string; params?: unknown; timestamp?: string }> = [
    { id: 1, method: 'tools/call', params: { name: 'x', arguments: { a: '\t\n"\\' } }, timestamp: '2026-12-06T12:00:00.000Z' },
    { id: 'a"b\\c', method: 'ping', timestamp: 't' },
    { id: null, method: 'weird",\t"', params: [1, { error: {}, timestamp: 'x' }], timestamp: '' },
    { id: 7, method: 'no/timestamp', params: { error: {}, timestamp: 'inside params' } },
    { id: 8, method: 'no/timestamp', params: { a: 1, error: {}, timestamp: 'the first match is inside params' } },
    { id: -0.5, method: '', params: ',"error":{},"timestamp":', timestamp: '\u2028é😀' },
  ];
  for (const c of cases) {
    const req: Record<string, unknown> = { type: 'request', id: c.id, method: c.method, error: {} };
    if (c.timestamp !== undefined) req.timestamp = c.timestamp;
    if (c.params !== undefined) req.params = c.params;
    const text = JSON.stringify(req);
    for (const msgId of [undefined, 'inst:42']) {
      const value = storedValue(text, c.id, msgId);
      const back = storedText(value, c.id);
      assert.equal(back.text, text);
      assert.equal(back.msgId, msgId);
      if (c.timestamp !== undefined) assert.ok(value.length < text.length + (msgId ? msgId.length + 1 : 0) - 40, `compact: ${value}`);
    }
  }
  // A text of another form is kept whole.
  assert.equal(storedValue('{"id":1}', 1, undefined), '{"id":1}');
  assert.equal(storedText('{"id":1}', 1).text, '{"id":1}');
});

test('requestValue is storedValue(pairedRequestText(req)) byte for byte, for requests of every shape', () => {
  const reqs: Array<Record<string, unknown>> = [
    { type: 'request', id: 1, method: 'tools/call', error: {}, timestamp: '2026-12-06T12:00:00.000Z', params: { name: 'x', arguments: { a: '\t\n"\\\u2028\ud800' } } },
    { type: 'request', id: 'a"b\\c', method: 'ping', error: {}, timestamp: 't' },
    { type: 'request', id: null, method: 'weird",\t"', error: {}, timestamp: '', params: [1, { error: {}, timestamp: 'x' }] },
    { type: 'request', id: -0.5, method: '', error: {}, timestamp: '\u2028é😀', params: ',"error":{},"timestamp":' },
    { type: 'request', id: 2, method: 'x', error: {}, timestamp: 't', params: null },
    { type: 'request', id: 3, method: 'x', error: {}, timestamp: 't', params: undefined },
    { type: 'request', id: 4, method: 'x', error: {}, timestamp: 't', params: 1e21 },
    // Other shapes take the general path.
    { type: 'request', id: 5, method: 'x', error: { code: 1 }, timestamp: 't' },
    { type: 'request', id: 6, method: 'x', error: [], timestamp: 't' },
    { type: 'request', id: 7, method: 'x', params: { a: 1 }, error: {}, timestamp: 't' },
    { type: 'request', id: 8, method: 'x', error: {} },
    { type: 'request', id: 9, method: 'x', error: {}, timestamp: 't', params: {}, extra: true },
    { type: 'response', id: 10, method: 'x', error: {}, timestamp: 't' },
    { type: 'request', id: 11, method: 5, error: {}, timestamp: 't' },
    { type: 'request', id: 12, method: 'x', error: Object.create(null), timestamp: 't' },
  ];
  for (const r of reqs) {
    const req = r as unknown as PairedRequest;
    for (const msgId of [undefined, 'inst:42']) {
      const value = requestValue(req, msgId);
      assert.equal(value, storedValue(pairedRequestText(req), req.id, msgId), JSON.stringify(r));
      assert.equal(storedText(value, req.id).text, JSON.stringify(req));
    }
    if (r.params !== null && typeof r.params === 'object' && Object.keys(r).at(-1) === 'params') assert.equal(heldJsonText(r.params), JSON.stringify(r.params));
  }
});

test('splitPendingKey gives back the scope and the id as JSON, whatever the scope and id hold', () => {
  const pick = (a: string[]) => a[Math.floor(Math.random() * a.length)];
  const bits = ['a', ':', '"', '\\', '\\"', '>', '1', ' ', '\u2028', '""', ':"'];
  const text = (n: number) => Array.from({ length: Math.floor(Math.random() * n) }, () => pick(bits)).join('');
  const cases: Array<[string, string | number | null]> = [
    ['stdio:1>2', 5], ['stdio:1>2', 'r-1'], ['http:a:b:c', 'x:"y"'], ['http:s"', '\\'], ['http:', ''], ['stdio:0>9', null], ['http:h:1', -3.5],
  ];
  for (let i = 0; i < 20_000; i++) cases.push([`http:${text(8)}`, Math.random() < 0.3 ? Math.floor(Math.random() * 1e9) : text(8)]);
  for (const [scope, id] of cases) assert.deepEqual(splitPendingKey(pendingKey(scope, id)), { scope, field: JSON.stringify(id) }, `${scope} / ${String(id)}`);
});

test('unexpired: the value without its expiry, null past it; a value of the older form whole', () => {
  assert.equal(unexpired('2000\n"tools/call"\t"t"}', 1999), '"tools/call"\t"t"}');
  assert.equal(unexpired('2000\n"tools/call"\t"t"}', 2000), null);
  assert.equal(unexpired('"tools/call"\t"t"}\nmcp:1', 5000), '"tools/call"\t"t"}\nmcp:1');
  assert.equal(unexpired('{"type":"request"}', 5000), '{"type":"request"}');
});

// remember() hashes a request's key once for the forget of an older request with the same key and for the add: a
// request whose id comes again before its response replaces the older one, in the table and in the pairing.
test('a request remembered again with the same id replaces the pending one (one entry, the newer request pairs)', async () => {
  const { Counters, MemoryStore } = await import('@mcpspy/runtime');
  const logger = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {}, child() { return logger; } } as unknown as import('@mcpspy/runtime').Logger;
  const pairing = new RequestPairing(new MemoryStore(), 60_000, 1000, new Counters(), logger);
  assert.equal(pairing.takesNow, true);
  const req = (method: string): PairedRequest => ({ type: 'request', id: 7, method, error: {}, timestamp: '2026-12-07T08:00:00.000Z', params: { n: method } });
  await pairing.remember('stdio:1>2', req('tools/list'), 1, 'i:1');
  await pairing.remember('stdio:1>2', req('tools/call'), 1, 'i:2');
  assert.equal(pairing.size, 1);
  const taken = pairing.takeNow(['stdio:1>2'], 7);
  assert.equal(taken?.request.method, 'tools/call');
  assert.equal(taken?.msgId, 'i:2');
  assert.equal(pairing.takeNow(['stdio:1>2'], 7), undefined);
  assert.equal(pairing.size, 0);
});

test('requestValue in runs and alternations of methods and timestamps (the last texts kept) stays storedValue byte for byte', () => {
  const methods = ['tools/call', 'tools/call', 'ping', 'weird",\t"\u2028', 'tools/call', '', 'é😀', 'x'.repeat(100), 'x'.repeat(100), 'tools/call'];
  const stamps = ['2026-12-06T12:00:00.000Z', '2026-12-06T12:00:00.000Z', '2026-12-06T12:00:00.001Z', '"quoted\\"', '2026-12-06T12:00:00.000Z', '', '\ud800'];
  let n = 0;
  for (const method of methods) {
    for (const timestamp of stamps) {
      const req = { type: 'request', id: n++, method, error: {}, timestamp, params: { n } } as unknown as PairedRequest;
      assert.equal(requestValue(req, 'i:1'), storedValue(pairedRequestText(req), req.id, 'i:1'), `${method} ${timestamp}`);
    }
  }
});

// Through a Store that hands the writes of one turn the same promise (RedisStore), remember() watches that promise
// once for the turn, and a failure still counts and forgets every request of the turn, as one watcher each did.
test('writes sharing one Store promise: one watcher, every request counted and forgotten when the write fails or times out', async () => {
  const { Counters } = await import('@mcpspy/runtime');
  const logger = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {}, child() { return logger; } } as unknown as import('@mcpspy/runtime').Logger;
  let turn: { promise: Promise<void>; resolve(): void; reject(e: unknown): void } | undefined;
  const newTurn = () => {
    const t = {} as NonNullable<typeof turn>;
    t.promise = new Promise<void>((res, rej) => ((t.resolve = res), (t.reject = rej)));
    return (turn = t);
  };
  const puts: string[] = [];
  const store = {
    hput(_key: string, field: string) {
      puts.push(field);
      return turn!.promise;
    },
    hremove: () => Promise.resolve(),
  } as unknown as import('@mcpspy/runtime').Store;
  const req = (id: number): PairedRequest => ({ type: 'request', id, method: 'tools/call', error: {}, timestamp: 't', params: { id } });

  // A turn whose write fails: three requests, one promise watched, three errors, all three forgotten.
  let counters = new Counters();
  let pairing = new RequestPairing(store, 60_000, 1000, counters, logger, 0);
  const t1 = newTurn();
  const r1 = [1, 2, 3].map((id) => pairing.remember('stdio:1>2', req(id), 1));
  assert.equal(r1[1], r1[0]);
  assert.equal(r1[2], r1[0]);
  assert.equal(pairing.size, 3);
  // The next turn's write succeeds: its request stays.
  const t2 = newTurn();
  const r2 = pairing.remember('stdio:1>2', req(4), 1);
  assert.notEqual(r2, r1[0]);
  t1.reject(new Error('connection lost'));
  t2.resolve();
  await Promise.all([...r1, r2]);
  assert.equal(counters.get('store_errors'), 3);
  assert.equal(pairing.size, 1);
  assert.deepEqual(puts, ['1', '2', '3', '4']);

  // A turn that never answers: each request counted as timed out, none forgotten (Redis may still run it).
  counters = new Counters();
  pairing = new RequestPairing(store, 60_000, 1000, counters, logger, 30);
  newTurn();
  const r3 = [5, 6].map((id) => pairing.remember('stdio:1>2', req(id), 1));
  // The deadline's timer does not hold the process open: this one does, until the deadline passed.
  const keepAlive = setInterval(() => undefined, 1000);
  await Promise.all(r3).finally(() => clearInterval(keepAlive));
  assert.equal(counters.get('store_timeouts'), 2);
  assert.equal(pairing.size, 2);
});
