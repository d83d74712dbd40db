import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyStart, StartLineScanner } from './wire-scan';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('classifyStart', () => {
  test('recognises requests, responses, h2, TLS and garbage from a few bytes', () => {
    assert.equal(classifyStart(b('POST /')), 'request');
    assert.equal(classifyStart(b('HTTP/1.1 200')), 'response');
    assert.equal(classifyStart(b('PRI * HTTP/2.0')), 'h2');
    assert.equal(classifyStart(Buffer.from([0x16, 0x03, 0x01])), 'tls');
    assert.equal(classifyStart(b('SSH-2.0-OpenSSH')), 'other');
    assert.equal(classifyStart(b('{"jsonrpc"')), 'other');
    assert.equal(classifyStart(b('PO')), 'need_more');
    assert.equal(classifyStart(b('HTT')), 'need_more');
    assert.equal(classifyStart(b('P')), 'need_more');
  });
});

describe('StartLineScanner', () => {
  test('finds a start line at a line start, across feeds, keeping only a short carry', () => {
    const s = new StartLineScanner(['request']);
    s.reset(false);
    assert.equal(s.scan(b('junk GET / HTTP/1.1 not at line start\r\nxx\r\nGE')), undefined);
    const found = s.scan(b('T /ok HTTP/1.1\r\n'));
    assert.ok(found);
    assert.equal(found.mode, 'request');
    assert.equal(Buffer.from(found.rest).toString(), 'GET /ok HTTP/1.1\r\n');
  });

  test('a call start counts as a line start', () => {
    const s = new StartLineScanner(['response']);
    s.reset(false);
    assert.equal(s.scan(b('tail of a body')), undefined);
    s.callStart();
    assert.equal(s.scan(b('HTTP/1.1 200 OK\r\n'))?.mode, 'response');
  });
});
