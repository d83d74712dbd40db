import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyFraming, parseHead } from './http-head';
import { HttpFramingError } from './errors';

describe('parseHead', () => {
  test('request line, lower-cased names, repeated fields joined, folded lines', () => {
    const h = parseHead('POST /mcp?x=1 HTTP/1.1\r\nHost: a:1\r\nAccept: a\r\naccept: b\r\nX-Long: one\r\n  two\r\n\r\n', 'request');
    assert.equal(h.method, 'POST');
    assert.equal(h.path, '/mcp?x=1');
    assert.deepEqual(h.headers, { host: 'a:1', accept: 'a, b', 'x-long': 'one two' });
  });

  test('status line with and without reason', () => {
    assert.equal(parseHead('HTTP/1.1 404 Not Found\r\n\r\n', 'response').status, 404);
    assert.equal(parseHead('HTTP/1.0 200\n\n', 'response').versionMinor, 0);
  });

  test('rejections name their counter', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof HttpFramingError);
        assert.match(e.message, /^failed to parse HTTP message: /);
        return e.counter;
      }
      return 'none';
    };
    assert.equal(code(() => parseHead('PRI * HTTP/2.0\r\n\r\n', 'request')), 'not_http_h2');
    assert.equal(code(() => parseHead('GET / HTTP/2.0\r\n\r\n', 'request')), 'bad_version');
    assert.equal(code(() => parseHead('GET /\r\n\r\n', 'request')), 'bad_start_line');
    assert.equal(code(() => parseHead('HTTP/1.1 20 OK\r\n\r\n', 'response')), 'bad_start_line');
    assert.equal(code(() => parseHead('GET / HTTP/1.1\r\nBad Header: x\r\n\r\n', 'request')), 'bad_header');
  });
});

describe('bodyFraming', () => {
  const req = (hdr: string) => parseHead(`POST / HTTP/1.1\r\n${hdr}\r\n`, 'request');
  const res = (status: number, hdr = '') => parseHead(`HTTP/1.1 ${status} X\r\n${hdr}\r\n`, 'response');

  test('requests: chunked beats length; no framing means no body', () => {
    assert.deepEqual(bodyFraming(req('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n')), { type: 'chunked' });
    assert.deepEqual(bodyFraming(req('Content-Length: 5\r\n')), { type: 'length', length: 5 });
    assert.deepEqual(bodyFraming(req('Content-Length: 5, 5\r\n')), { type: 'length', length: 5 });
    assert.deepEqual(bodyFraming(req('')), { type: 'none' });
    assert.throws(() => bodyFraming(req('Content-Length: 5, 6\r\n')), HttpFramingError);
    assert.throws(() => bodyFraming(req('Content-Length: -1\r\n')), HttpFramingError);
    assert.throws(() => bodyFraming(req('Transfer-Encoding: gzip\r\n')), HttpFramingError);
  });

  test('responses depend on status and the request method', () => {
    assert.deepEqual(bodyFraming(res(200, 'Content-Length: 9\r\n'), 'HEAD'), { type: 'none' });
    assert.deepEqual(bodyFraming(res(204)), { type: 'none' });
    assert.deepEqual(bodyFraming(res(304, 'Content-Length: 9\r\n')), { type: 'none' });
    assert.deepEqual(bodyFraming(res(103)), { type: 'none' });
    assert.deepEqual(bodyFraming(res(101)), { type: 'tunnel' });
    assert.deepEqual(bodyFraming(res(200), 'CONNECT'), { type: 'tunnel' });
    assert.deepEqual(bodyFraming(res(200)), { type: 'eof' });
    assert.deepEqual(bodyFraming(res(200, 'Transfer-Encoding: gzip, chunked\r\n')), { type: 'chunked' });
  });
});
