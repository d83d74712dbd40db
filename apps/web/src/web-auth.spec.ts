import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cookieValue, hostAllowed, newToken, originAllowed, requestToken, tokensEqual } from './web-auth';

test('tokens compare equal only when identical, whatever their lengths', () => {
  const t = newToken();
  assert.equal(t.length, 43);
  assert.notEqual(newToken(), t);
  assert.equal(tokensEqual(t, t), true);
  assert.equal(tokensEqual(t.slice(0, -1), t), false);
  assert.equal(tokensEqual(`${t}x`, t), false);
  assert.equal(tokensEqual('', t), false);
  assert.equal(tokensEqual(undefined, t), false);
});

test('the token comes from the per-port cookie or a bearer header, never another port\'s cookie', () => {
  assert.equal(cookieValue('a=1; mcpspy_web_8080=tok; b=2', 'mcpspy_web_8080'), 'tok');
  assert.equal(requestToken({ cookie: 'mcpspy_web_9090=other' }, 8080), undefined);
  assert.equal(requestToken({ cookie: 'mcpspy_web_8080=tok' }, 8080), 'tok');
  assert.equal(requestToken({ authorization: 'Bearer abc' }, 8080), 'abc');
});

test('Host must name this port and an address, localhost, or an allowed name (DNS rebinding)', () => {
  assert.equal(hostAllowed('127.0.0.1:8080', 8080), true);
  assert.equal(hostAllowed('localhost:8080', 8080), true);
  assert.equal(hostAllowed('[::1]:8080', 8080), true);
  assert.equal(hostAllowed('10.1.2.3:8080', 8080), true);
  assert.equal(hostAllowed('127.0.0.1:8081', 8080), false);
  assert.equal(hostAllowed('127.0.0.1', 8080), false);
  assert.equal(hostAllowed('attacker.example:8080', 8080), false);
  assert.equal(hostAllowed('localhost.attacker.example:8080', 8080), false);
  assert.equal(hostAllowed('monitor.lan:8080', 8080, ['monitor.lan']), true);
  assert.equal(hostAllowed(undefined, 8080), false);
  assert.equal(hostAllowed('127.0.0.1:8080/x', 8080), false);
});

test('Origin must be this origin; Sec-Fetch-Site must be same-origin or none', () => {
  assert.equal(originAllowed(undefined, undefined, '127.0.0.1:8080'), true);
  assert.equal(originAllowed('http://127.0.0.1:8080', 'same-origin', '127.0.0.1:8080'), true);
  assert.equal(originAllowed(undefined, 'none', '127.0.0.1:8080'), true);
  assert.equal(originAllowed('http://127.0.0.1:3000', undefined, '127.0.0.1:8080'), false);
  assert.equal(originAllowed('null', undefined, '127.0.0.1:8080'), false);
  assert.equal(originAllowed(undefined, 'same-site', '127.0.0.1:8080'), false);
  assert.equal(originAllowed(undefined, 'cross-site', '127.0.0.1:8080'), false);
});
