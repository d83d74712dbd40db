/**
 * Secrets through the real command: `mcpspy serve` against a nats-server and
 * a redis-server that require credentials. Refused without them (one line,
 * redacted URL, exit 1); with them given as files or variables, running,
 * and no secret in `ps` or in any line it printed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, startRedis, type TestServer } from '@mcpspy/runtime/testing';
import { freePort } from '@mcpspy/runtime/testing';
import { Child, httpGet, runCli, startCli } from './cli';

const NATS_PASSWORD = 'natspw-7d1e0c55aa';
const REDIS_PASSWORD = 'redispw-2b6f93e1cc';
const HF_TOKEN = 'hf_secret4c0ffee9d';
const METRICS_TOKEN = 'metrics-tok-55e1a0';

after(() => Child.stopAll());

describe('serve with NATS and Redis authentication', () => {
  let nats: TestServer;
  let redis: TestServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpspy-secrets-'));
    nats = await startNats({ conf: `authorization { users = [ { user: parser, password: "${NATS_PASSWORD}" } ] }` });
    redis = await startRedis({ password: REDIS_PASSWORD });
    writeFileSync(join(dir, 'nats.pw'), `${NATS_PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'redis.pw'), `${REDIS_PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'hf.token'), `${HF_TOKEN}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'metrics.token'), `${METRICS_TOKEN}\n`, { mode: 0o600 });
  });
  after(async () => {
    await nats?.dispose();
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without credentials: refused, exit 1, one line naming the redacted URL', async () => {
    const r = await runCli(['serve', 'mcp-parser', '--nats', `nats://parser:wrong${NATS_PASSWORD}@127.0.0.1:${nats.port}`], { timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^mcpspy: failed to connect to NATS at nats://\\*\\*\\*@127\\.0\\.0\\.1:${nats.port}: .*(Authorization|AUTHORIZATION)`));
    assert.equal(r.stderr.includes(NATS_PASSWORD), false);

    const r2 = await runCli(['serve', 'mcp-parser', '--nats', nats.url, '--nats-user', 'parser', '--nats-password-file', join(dir, 'nats.pw'), '--redis', `redis://:wrong${REDIS_PASSWORD}@127.0.0.1:${redis.port}`], { timeoutMs: 30_000 });
    assert.equal(r2.code, 1, r2.stderr);
    assert.match(r2.stderr, new RegExp(`failed to connect to Redis at redis://\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}`));
    assert.equal(r2.stderr.includes(REDIS_PASSWORD), false, r2.stderr);
  });

  test('with secrets from files and variables: runs, metrics need the token, and no secret shows in ps or its output', async () => {
    const env = {
      ...process.env,
      MCPSPY_REDIS_PASSWORD_FILE: join(dir, 'redis.pw'),
      MCPSPY_HF_TOKEN_FILE: join(dir, 'hf.token'),
      MCPSPY_METRICS_TOKEN_FILE: join(dir, 'metrics.token'),
      MCPSPY_LOG_LEVEL: 'debug',
    };
    const port = await freePort();
    const c = startCli(['serve', 'security', '--nats', nats.url, '--nats-user', 'parser', '--nats-password-file', join(dir, 'nats.pw'), '--redis', redis.url, '--metrics-port', String(port)], { env });
    await c.waitForLine(/^mcpspy: serving security on nats:\/\/127\.0\.0\.1/, 60_000);
    const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    assert.ok(ps.includes('serve security'), 'the stage is in ps');
    for (const secret of [NATS_PASSWORD, REDIS_PASSWORD, HF_TOKEN, METRICS_TOKEN]) assert.equal(ps.includes(secret), false, `${secret} in ps`);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/metrics`)).status, 401);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/healthz`)).status, 401);
    const h = await httpGet(`http://127.0.0.1:${port}/healthz`, 10_000, { authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(h.status, 200, h.body);
    assert.match(h.body, /"security-queue":\{"ok":true/);
    await c.stop('SIGTERM');
    for (const secret of [NATS_PASSWORD, REDIS_PASSWORD, HF_TOKEN, METRICS_TOKEN]) {
      assert.equal(c.stderr().includes(secret) || c.stdout().includes(secret), false, `${secret} printed`);
    }
  });
});
