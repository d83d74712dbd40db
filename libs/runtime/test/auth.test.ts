/**
 * The Bus and the Store with authentication on, against a real nats-server
 * and redis-server: refused without credentials (one line naming the
 * redacted URL), working with them, and a subscriber without credentials
 * seeing nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, nkeys } from 'nats';
import { BusConnectError, NatsBus, redactUrl, RedisStore, splitUrlCredentials, StoreConnectError } from '../src';
import { freePort, startNats, startRedis, TestServer } from '../src/testing';

const PASSWORD = 'pw-4f1c9e2a7b';
const TOKEN = 'tok-93ab1e77c2';
const nkey = nkeys.createUser();
const NKEY_PUBLIC = nkey.getPublicKey();

describe('redaction', () => {
  test('user:password and tokens are removed from URLs, lists included', () => {
    assert.equal(redactUrl('nats://u:p@h:4222'), 'nats://***@h:4222');
    assert.equal(redactUrl('nats://TOKEN@h:4222,nats://a:b@g:4222'), 'nats://***@h:4222,nats://***@g:4222');
    assert.equal(redactUrl('rediss://:secret@redis:6380/0'), 'rediss://***@redis:6380/0');
    assert.equal(redactUrl('nats://h:4222'), 'nats://h:4222');
    assert.deepEqual(splitUrlCredentials('nats://me:p%40ss@h:1'), { url: 'nats://h:1', user: 'me', password: 'p@ss' });
  });
});

describe('NATS with authentication', () => {
  let nats: TestServer;
  before(async () => {
    nats = await startNats({
      conf: `authorization {
  users = [
    { user: mcpspy, password: "${PASSWORD}" }
    { nkey: ${NKEY_PUBLIC} }
  ]
}`,
    });
  });
  after(async () => nats?.dispose());

  test('refused without credentials: one line, URL named, no secret', async () => {
    const err = await NatsBus.connect({ url: nats.url }).then(
      () => assert.fail('connected without credentials'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BusConnectError);
    assert.match(err.message, new RegExp(`^failed to connect to NATS at ${nats.url}: .*(Authorization|AUTHORIZATION)`));
    assert.equal(err.message.includes('\n'), false);
  });

  test('wrong credentials in the URL: refused, and the URL is printed redacted', async () => {
    const url = `nats://mcpspy:wrong-${PASSWORD}@127.0.0.1:${nats.port}`;
    const err = (await NatsBus.connect({ url }).catch((e: unknown) => e)) as Error;
    assert.ok(err instanceof BusConnectError);
    assert.ok(err.message.includes(`nats://***@127.0.0.1:${nats.port}`), err.message);
    assert.equal(err.message.includes(PASSWORD), false);
  });

  test('credentials in the URL are used (the client alone would ignore them)', async () => {
    const bus = await NatsBus.connect({ url: `nats://mcpspy:${PASSWORD}@127.0.0.1:${nats.port}` });
    assert.equal(bus.description.includes(PASSWORD), false);
    await bus.close();
  });

  test('user and password (from a file or variable) work; a subscriber without credentials sees nothing', async () => {
    const bus = await NatsBus.connect({ url: nats.url, auth: { user: 'mcpspy', password: PASSWORD } });
    try {
      // An outsider cannot even connect, so cannot read or forge traffic.
      await assert.rejects(connect({ servers: nats.url, reconnect: false, timeout: 3000 }), /Authorization|AUTHORIZATION/);
      const core = await connect({ servers: nats.url, user: 'mcpspy', pass: PASSWORD });
      const seen = new Promise<string>((resolve) => {
        const s = core.subscribe('mcpspy.test.>', { max: 1 });
        void (async () => {
          for await (const m of s) resolve(m.subject);
        })();
      });
      await core.flush();
      await bus.publish('mcpspy.test.hello', { hello: 1 });
      await bus.flush();
      assert.equal(await seen, 'mcpspy.test.hello');
      await core.close();
    } finally {
      await bus.close();
    }
  });

  test('an NKey seed file works', async () => {
    const dir = nats.dir;
    const seedFile = join(dir, 'user.nk');
    writeFileSync(seedFile, `${new TextDecoder().decode(nkey.getSeed())}\n`, { mode: 0o600 });
    const bus = await NatsBus.connect({ url: nats.url, auth: { nkeyFile: seedFile } });
    await bus.close();
  });
});

test('a creds file is read and its seed signs the login (the JWT is checked only by operator-mode servers)', async () => {
  const nats = await startNats({ conf: `authorization { users = [ { nkey: ${NKEY_PUBLIC} } ] }` });
  try {
    const creds = join(nats.dir, 'user.creds');
    const seed = new TextDecoder().decode(nkey.getSeed());
    const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln';
    writeFileSync(
      creds,
      `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
      { mode: 0o600 },
    );
    const bus = await NatsBus.connect({ url: nats.url, auth: { credsFile: creds } });
    await bus.close();
    await assert.rejects(NatsBus.connect({ url: nats.url, auth: { credsFile: join(nats.dir, 'missing.creds') } }), /failed to read NATS creds from .*missing\.creds: ENOENT/);
  } finally {
    await nats.dispose();
  }
});

describe('NATS with a token', () => {
  let nats: TestServer;
  before(async () => {
    nats = await startNats({ conf: `authorization { token: "${TOKEN}" }` });
  });
  after(async () => nats?.dispose());

  test('refused without, works with the token', async () => {
    await assert.rejects(NatsBus.connect({ url: nats.url }), BusConnectError);
    const bus = await NatsBus.connect({ url: nats.url, auth: { token: TOKEN } });
    await bus.close();
  });
});

describe('Redis with requirepass', () => {
  let redis: TestServer;
  before(async () => {
    redis = await startRedis({ password: PASSWORD });
  });
  after(async () => redis?.dispose());

  test('refused without the password: the error names the URL, not the secret', async () => {
    const err = (await RedisStore.connect({ url: redis.url, connectTimeoutMs: 3000 }).catch((e: unknown) => e)) as Error;
    assert.ok(err instanceof StoreConnectError, String(err));
    assert.match(err.message, /NOAUTH|Authentication required/i);
    const wrong = (await RedisStore.connect({ url: `redis://:wrong-${PASSWORD}@127.0.0.1:${redis.port}`, connectTimeoutMs: 3000 }).catch((e: unknown) => e)) as Error;
    assert.ok(wrong instanceof StoreConnectError);
    assert.equal(wrong.message.includes(PASSWORD), false, wrong.message);
    assert.ok(wrong.message.includes('redis://***@127.0.0.1'), wrong.message);
  });

  test('works with the password given apart from the URL', async () => {
    const store = await RedisStore.connect({ url: redis.url, auth: { password: PASSWORD } });
    await store.set('k', 'v');
    assert.equal(await store.get('k'), 'v');
    await store.close();
  });
});

/** A throw-away CA, and server and client certificates for 127.0.0.1 it signed (openssl, P-256). */
function makeCerts(): { dir: string; ca: string; cert: string; key: string; clientCert: string; clientKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mcpspy-tls-'));
  const f = (n: string) => join(dir, n);
  const ossl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=mcpspy-test-ca');
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const who of ['server', 'client']) {
    ossl('req', ...ec, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=${who === 'server' ? '127.0.0.1' : 'mcpspy-stage'}`);
    ossl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${who}.crt`), '-days', '1', '-extfile', f('san.ext'));
  }
  return { dir, ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key') };
}

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('TLS to NATS and Redis', { skip: haveOpenssl ? false : 'openssl is not installed' }, () => {
  let certs: ReturnType<typeof makeCerts>;
  let nats: TestServer;
  let redis: TestServer;
  before(async () => {
    certs = makeCerts();
    // Mutual TLS: the server verifies the client's certificate too; and a login on top.
    nats = await startNats({
      conf: `tls { cert_file: "${certs.cert}", key_file: "${certs.key}", ca_file: "${certs.ca}", verify: true }
authorization { users = [ { user: mcpspy, password: "${PASSWORD}" } ] }`,
    });
    redis = await startRedis({ password: PASSWORD, tls: { cert: certs.cert, key: certs.key, ca: certs.ca } });
  });
  after(async () => {
    await nats?.dispose();
    await redis?.dispose();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  test('NATS: mutual TLS with our CA and client certificate works; without the CA it is refused', async () => {
    const auth = { user: 'mcpspy', password: PASSWORD, tlsCa: certs.ca, tlsCert: certs.clientCert, tlsKey: certs.clientKey };
    const bus = await NatsBus.connect({ url: nats.url, auth });
    await bus.publish('mcpspy.test.tls', { ok: true });
    await bus.flush();
    await bus.close();
    // A server certificate from an unknown CA must not be trusted.
    await assert.rejects(NatsBus.connect({ url: `tls://127.0.0.1:${nats.port}`, auth: { user: 'mcpspy', password: PASSWORD } }), BusConnectError);
    // Without a client certificate the server refuses.
    await assert.rejects(NatsBus.connect({ url: nats.url, auth: { user: 'mcpspy', password: PASSWORD, tlsCa: certs.ca } }), BusConnectError);
  });

  test('Redis: rediss:// with our CA and the password works; an unknown CA is refused', async () => {
    const store = await RedisStore.connect({ url: redis.url, auth: { password: PASSWORD, tlsCa: certs.ca } });
    await store.set('tls', 'yes');
    assert.equal(await store.get('tls'), 'yes');
    await store.close();
    await assert.rejects(RedisStore.connect({ url: redis.url, auth: { password: PASSWORD }, connectTimeoutMs: 3000 }), StoreConnectError);
  });
});

describe('deploy/nats/nats.conf: one user per stage', () => {
  const REPO = join(__dirname, '..', '..', '..', '..');
  let dir: string;
  let child: ChildProcess;
  let url: string;
  const pw = (u: string) => `conf-${u}-pw`;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpspy-natsconf-'));
    const conf = join(dir, 'nats.conf');
    writeFileSync(conf, readFileSync(join(REPO, 'deploy', 'nats', 'nats.conf'), 'utf8').replace('/data/jetstream', join(dir, 'js')));
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const u of ['probe', 'http-session', 'mcp-parser', 'security', 'sink', 'web', 'reader']) env[`MCPSPY_NATS_PASSWORD_${u.toUpperCase().replace('-', '_')}`] = pw(u);
    child = spawn('nats-server', ['-c', conf, '-p', String(port), '-a', '127.0.0.1', '-m', '0'], { env, stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const nc = await connect({ servers: url, user: 'reader', pass: pw('reader'), reconnect: false });
        await nc.close();
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  after(async () => {
    child?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a stage's user publishes its own subjects only: another stage's messages cannot be forged", async () => {
    const reader = await connect({ servers: url, user: 'reader', pass: pw('reader') });
    const seen: string[] = [];
    const sub = reader.subscribe('mcpspy.v1.>');
    void (async () => {
      for await (const m of sub) seen.push(`${m.subject} ${new TextDecoder().decode(m.data)}`);
    })();
    await reader.flush();
    const sink = await connect({ servers: url, user: 'sink', pass: pw('sink') });
    const parser = await connect({ servers: url, user: 'mcp-parser', pass: pw('mcp-parser') });
    const web = await connect({ servers: url, user: 'web', pass: pw('web') });
    sink.publish('mcpspy.v1.mcp.message', new TextEncoder().encode('forged'));
    reader.publish('mcpspy.v1.mcp.message', new TextEncoder().encode('forged-by-reader'));
    // The web view only reads: neither single messages nor batches.
    web.publish('mcpspy.v1.mcp.message', new TextEncoder().encode('forged-by-web'));
    web.publish('mcpspy.v1.batch.mcp.message', new TextEncoder().encode('forged-batch-by-web'));
    await Promise.all([sink.flush(), reader.flush(), web.flush()]);
    parser.publish('mcpspy.v1.mcp.message', new TextEncoder().encode('genuine'));
    await parser.flush();
    const deadline = Date.now() + 5000;
    while (!seen.some((s) => s.endsWith('genuine')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, ['mcpspy.v1.mcp.message genuine']);
    await Promise.all([sink.close(), parser.close(), reader.close(), web.close()]);
  });

  test('a stage logs in with its own user through NatsBus (JetStream set-up allowed)', async () => {
    const bus = await NatsBus.connect({ url, auth: { user: 'mcp-parser', password: pw('mcp-parser') } });
    await bus.close();
    await assert.rejects(NatsBus.connect({ url, auth: { user: 'mcp-parser', password: pw('sink') } }), BusConnectError);
  });
});
