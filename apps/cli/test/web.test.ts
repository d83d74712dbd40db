/**
 * The web view from the command: `--web` parsing, and `mcpspy serve web`
 * over a real nats-server, fed by a NATS publisher like the other stages,
 * with the token from MCPSPY_WEB_TOKEN (never on the command line).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Subjects } from '@mcpspy/events';
import { NatsBus, silentLogger } from '@mcpspy/runtime';
import { startNats } from '@mcpspy/runtime/testing';
import { configFromFlags } from '../src/options';
import { Child, httpGet, runCli, startCli, waitUntil } from './cli';

after(() => Child.stopAll());

test('--web takes [host:]port, loopback by default; bad values are usage errors', async () => {
  assert.deepEqual(configFromFlags({ web: '8080', tui: false }, {}).web, { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(configFromFlags({ web: '0.0.0.0:9000', tui: false }, {}).web, { host: '0.0.0.0', port: 9000 });
  assert.deepEqual(configFromFlags({ web: '[::1]:9000', tui: false }, {}).web, { host: '::1', port: 9000 });
  assert.equal(configFromFlags({ tui: false }, {}).web, undefined);
  assert.equal(configFromFlags({ tui: false }, {}).webMaxMessages, 5000);
  assert.equal(configFromFlags({ tui: false, webMaxMessages: '20' }, {}).webMaxMessages, 20);
  assert.equal(configFromFlags({ tui: false }, { MCPSPY_WEB_TOKEN: 'abcdefghijklmnop' }).webToken, 'abcdefghijklmnop');
  for (const weak of ['short', 'has space in it 0123', 'semi;colon;0123456789']) {
    assert.throws(() => configFromFlags({ tui: false }, { MCPSPY_WEB_TOKEN: weak }), (e: Error) => /MCPSPY_WEB_TOKEN/.test(e.message) && !e.message.includes(weak));
  }
  for (const bad of ['--web=70000', '--web=host:port', '--web-max-messages=0']) {
    const r = await runCli(['serve', 'web', bad], { timeoutMs: 20_000 });
    assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /^mcpspy: invalid value for --web/m);
  }
});

test('serve web over NATS: messages published by another process reach the view; the token comes from the environment', async (t) => {
  const nats = await startNats();
  t.after(() => nats.dispose());
  const token = 'tok-from-env-0123456789abcdef';
  const web = startCli(['serve', 'web', '--nats', nats.url, '--web', '127.0.0.1:0', '--web-max-messages', '10'], { env: { ...process.env, MCPSPY_WEB_TOKEN: token } });
  const line = await web.waitForLine(/^mcpspy: web view at /, 30_000);
  await web.waitForLine(/^mcpspy: serving web on /, 30_000);
  const url = new URL(line.replace('mcpspy: web view at ', ''));
  assert.equal(url.hostname, '127.0.0.1');
  assert.equal(url.searchParams.get('token'), token);
  const base = `http://127.0.0.1:${url.port}`;
  assert.equal((await httpGet(`${base}/api/snapshot`)).status, 401);

  const bus = await NatsBus.connect({ url: nats.url, name: 'test-publisher', logger: silentLogger() });
  t.after(() => bus.close());
  for (let i = 1; i <= 15; i++) {
    await bus.publish(Subjects.mcpMessage, {
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      transport_type: 'stdio',
      stdio_transport: { from_pid: 10, from_comm: 'c', to_pid: 11, to_comm: 's' },
      type: 'request',
      id: i,
      method: 'ping',
      error: {},
      raw: `{"jsonrpc":"2.0","id":${i},"method":"ping"}`,
      msg_id: `pub:${i}`,
    });
  }
  await bus.flush();
  let snap: { messages: Array<{ m: { id: number } }>; counts: { messages: number } } | undefined;
  const arrived = await waitUntil(async () => {
    const r = await fetch(`${base}/api/snapshot`, { headers: { authorization: `Bearer ${token}` } });
    snap = (await r.json()) as typeof snap;
    return snap!.counts.messages === 15;
  }, 20_000, 200);
  assert.ok(arrived, `snapshot: ${JSON.stringify(snap?.counts)}`);
  assert.deepEqual(snap!.messages.map((m) => m.m.id), [6, 7, 8, 9, 10, 11, 12, 13, 14, 15], 'the newest --web-max-messages');
  assert.equal(await web.stop('SIGTERM'), 0);
});
