/**
 * The web view's HTTP server on a real socket: every route refuses without
 * the token, the token moves from the URL into an HttpOnly SameSite=Strict
 * cookie, Host and Origin checks, security headers, and the event stream.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { WebView } from '../src/web-view';
import { CONTENT_SECURITY_POLICY, WebServer } from '../src/web-server';
import { WebEngine } from '../src/web-engine';
import { request as mcpRequest } from '../src/testdata/messages';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens the event stream and collects its events until `until` says enough. */
function stream(port: number, headers: Record<string, string>, until: (events: Array<{ event: string; data: any }>) => boolean, timeoutMs = 10_000) {
  return new Promise<Array<{ event: string; data: any }>>((resolve, reject) => {
    const events: Array<{ event: string; data: any }> = [];
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`stream: gave up after ${timeoutMs} ms with ${events.map((e) => e.event).join(',')}`));
    }, timeoutMs);
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/stream', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      let buf = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
        }
        if (until(events)) {
          clearTimeout(timer);
          req.destroy();
          resolve(events);
        }
      });
    });
    req.on('error', () => undefined);
    req.end();
  });
}

describe('web server', () => {
  const token = 'test-token-0123456789';
  let view: WebView;
  let port: number;
  const lines: string[] = [];

  before(async () => {
    view = new WebView({ host: '127.0.0.1', port: 0, maxMessages: 50, token, say: (l) => lines.push(l) });
    await view.start();
    port = view.server.port;
  });
  after(async () => view.close());

  test('prints the address with the token once', () => {
    assert.deepEqual(lines, [`mcpspy: web view at http://127.0.0.1:${port}/?token=${token}`]);
  });

  test('every route and the stream answer 401 without the token, or with a wrong one', async () => {
    for (const path of ['/', '/app.js', '/app.css', '/api/stream', '/api/snapshot', '/favicon.ico', '/nope', '/?x=1']) {
      const variants: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { cookie: `mcpspy_web_${port}=wrong` }, { cookie: `mcpspy_web_1=${token}` }];
      for (const headers of variants) {
        const r = await get(port, path, headers);
        assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.doesNotMatch(r.body, /<html|mcpspy_web/i);
      }
    }
    assert.equal((await get(port, '/?token=wrong')).status, 401);
  });

  test('the token in the URL becomes an HttpOnly SameSite=Strict cookie and leaves the address', async () => {
    const r = await get(port, `/?token=${token}`);
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/');
    const cookie = String(r.headers['set-cookie']);
    assert.match(cookie, new RegExp(`^mcpspy_web_${port}=${token};`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const page = await get(port, '/', { cookie: cookie.split(';')[0] });
    assert.equal(page.status, 200);
    assert.match(page.body, /<script type="module" src="\/app.js"><\/script>/);
    assert.doesNotMatch(page.body, /<script>|\son\w+=/i, 'no inline script in the page');
  });

  test('every answer carries the CSP (no inline script, no framing) and nosniff', async () => {
    for (const [path, headers] of [
      ['/', { authorization: `Bearer ${token}` }],
      ['/app.js', { authorization: `Bearer ${token}` }],
      ['/', {}],
    ] as Array<[string, Record<string, string>]>) {
      const r = await get(port, path, headers);
      assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
    const js = await get(port, '/app.js', { authorization: `Bearer ${token}` });
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.doesNotMatch(js.body, /https?:\/\/(?!www\.w3\.org)[a-z]/i, 'the bundle loads nothing from elsewhere');
  });

  test('a DNS-rebinding Host, another origin or a cross-site fetch is refused even with the token', async () => {
    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await get(port, '/api/snapshot', { ...auth, host: `attacker.example:${port}` })).status, 403);
    assert.equal((await get(port, '/api/snapshot', { ...auth, host: `127.0.0.1:${port + 1}` })).status, 403);
    assert.equal((await get(port, '/api/snapshot', { ...auth, origin: 'http://127.0.0.1:3000' })).status, 403);
    assert.equal((await get(port, '/api/snapshot', { ...auth, 'sec-fetch-site': 'same-site' })).status, 403);
    assert.equal((await get(port, '/api/snapshot', { ...auth, 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await get(port, '/api/snapshot', { ...auth, origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' })).status, 200);
    assert.equal((await get(port, '/api/snapshot', { ...auth, host: `localhost:${port}` })).status, 200);
  });

  test('the stream sends a snapshot, then each message as it arrives', async () => {
    view.engine.onMessage(mcpRequest(1, 'tools/list', {}, 0));
    const got = stream(port, { authorization: `Bearer ${token}` }, (evs) => evs.some((e) => e.event === 'message'));
    // Publish once the stream is registered (a condition, not a sleep).
    while (view.server.streamCount === 0) await new Promise((r) => setImmediate(r));
    view.engine.onMessage(mcpRequest(2, 'tools/call', { name: '<img src=x onerror=alert(1)>' }, 5));
    const evs = await got;
    assert.equal(evs[0].event, 'snapshot');
    assert.deepEqual(evs[0].data.messages.map((m: any) => m.m.id), [1]);
    const msg = evs.find((e) => e.event === 'message')!;
    assert.equal(msg.data.m.params.name, '<img src=x onerror=alert(1)>');
  });
});

describe('web server under a slow reader', () => {
  test('a snapshot larger than the backlog limit is delivered; a reader that stops reading is cut off, counted', { timeout: 60_000 }, async () => {
    const engine = new WebEngine({ maxMessages: 1000, toolsIntervalMs: 0 });
    const big = 'y'.repeat(20_000);
    for (let i = 0; i < 20; i++) engine.onMessage(mcpRequest(i, 'tools/call', { name: 'big', arguments: { big } }, i));
    const server = new WebServer({ engine, host: '127.0.0.1', port: 0, token: 'slow-token-0123456789', maxStreamBacklog: 64 * 1024 });
    const port = await server.listen();
    try {
      // A reader that takes the snapshot (> 64 KiB) whole.
      const evs = await stream(port, { authorization: 'Bearer slow-token-0123456789' }, (e) => e.length >= 1);
      assert.equal(evs[0].data.messages.length, 20);
      assert.equal(engine.counters.get('streams_dropped_slow'), 0);
      while (server.streamCount !== 0) await new Promise((r) => setTimeout(r, 10));

      // A reader that never reads: the socket buffers fill, then the stage lets go of it.
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/stream', headers: { host: `127.0.0.1:${port}`, authorization: 'Bearer slow-token-0123456789' } }, (res) => res.pause());
      req.on('error', () => undefined);
      req.end();
      while (server.streamCount === 0) await new Promise((r) => setTimeout(r, 10));
      for (let i = 100; engine.counters.get('streams_dropped_slow') === 0 && i < 100_000; i++) {
        engine.onMessage(mcpRequest(i, 'tools/call', { name: 'big', arguments: { big } }, i));
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      assert.equal(engine.counters.get('streams_dropped_slow'), 1);
      while (server.streamCount !== 0) await new Promise((r) => setTimeout(r, 10));
      req.destroy();
    } finally {
      await server.close();
      engine.close();
    }
  });
});
