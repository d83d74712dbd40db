/**
 * docker-compose.yml: validated by docker-compose itself (Debian's v1 binary;
 * no Docker engine is needed for `config`), then checked field by field. The
 * health-check command is run for real against a local HTTP server, because
 * the image has no curl and a typo in the node one-liner would only show up
 * as an unhealthy stack.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { parse } from 'yaml';
import { Subjects } from '@mcpspy/events';
import { configFromEnv, STAGES, VIEW_STAGES } from '@mcpspy/runtime';
import { freePort } from '@mcpspy/runtime/testing';
import {
  COMPOSE_FILE,
  REPO,
  STAGE_SERVICES,
  envWithoutMcpspy,
  findBinary,
  interpolate,
  readYaml,
} from './deploy-helpers';

const DEFAULT_PASSWORD = 'mcpspy-local-only';
const raw = readYaml(COMPOSE_FILE);
/** The file as Compose sees it with no MCPSPY_* variables set. */
const resolved = interpolate(raw, {});
const services: Record<string, any> = resolved.services;

function envOf(name: string): Record<string, string> {
  const e = services[name].environment;
  assert.ok(e && !Array.isArray(e), `${name}: environment should be a map`);
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

function volumeStrings(name: string): string[] {
  return (services[name].volumes ?? []).map((v: unknown) => String(v));
}

describe('docker-compose.yml, parsed', () => {
  test('declares NATS, Redis and one service per pipeline stage, nothing else', () => {
    assert.deepEqual(Object.keys(services).sort(), ['http-session', 'mcp-parser', 'nats', 'probe', 'redis', 'security', 'sink', 'web']);
    // Every stage the CLI can serve is deployed.
    assert.deepEqual([...STAGE_SERVICES].sort(), [...STAGES, ...VIEW_STAGES].sort());
  });

  test('every stage runs `serve <stage>` from the one image built by deploy/Dockerfile', () => {
    for (const s of STAGE_SERVICES) {
      const svc = services[s];
      assert.deepEqual(svc.command, ['serve', s], s);
      assert.equal(svc.image, 'mcpspy:latest', s);
      assert.equal(svc.build.context, '.', s);
      assert.equal(svc.build.dockerfile, 'deploy/Dockerfile', s);
      assert.equal(svc.restart, 'unless-stopped', s);
    }
    assert.equal(services.nats.restart, 'unless-stopped');
    assert.equal(services.redis.restart, 'unless-stopped');
  });

  test('stage settings parse with the real config loader and point at nats and redis', () => {
    for (const s of STAGE_SERVICES) {
      const env = envOf(s);
      const c = configFromEnv(env);
      assert.equal(c.natsUrl, 'nats://nats:4222', s);
      assert.equal(c.redisUrl, 'redis://redis:6379', s);
      // Secrets as variables, not inside a URL (printed in errors) or on a command line (ps).
      assert.equal(c.redisAuth.password, DEFAULT_PASSWORD, s);
      assert.deepEqual([c.natsAuth.user, c.natsAuth.password], [s, DEFAULT_PASSWORD], `${s} logs in as its own NATS user`);
      assert.equal(c.metricsPort, 9464, s);
      assert.equal(c.logLevel, 'info', s);
      assert.equal(c.tui, false, s);
    }
    assert.equal(configFromEnv(envOf('security')).security, true);
    assert.equal(configFromEnv(envOf('security')).securityThreshold, 0.5);
    assert.equal(configFromEnv(envOf('security')).hfToken, undefined, 'empty token means rules only');
    assert.equal(configFromEnv(envOf('sink')).output, '/data/mcpspy.jsonl');
    assert.equal(configFromEnv(envOf('sink')).outputMaxSize, 100 * 1024 * 1024);
    // The sink's durable consumer is named after its instance: it must not change across restarts.
    assert.equal(configFromEnv(envOf('sink')).instance, 'sink');
    for (const s of ['probe', 'http-session', 'mcp-parser', 'sink', 'web']) {
      assert.equal(configFromEnv(envOf(s)).security, false, `${s} does not scan`);
    }
    // The web view listens on every address inside its container, with a durable consumer of its own and no fixed token.
    const web = configFromEnv(envOf('web'));
    assert.deepEqual(web.web, { host: '0.0.0.0', port: 8080 });
    assert.equal(web.instance, 'web');
    assert.equal(web.webToken, undefined, 'empty token: a random one, printed in the logs');
    assert.equal(configFromEnv({ ...envOf('web'), MCPSPY_WEB_TOKEN: 'a-token-of-twenty-chars' }).webToken, 'a-token-of-twenty-chars');
  });

  test('no service sets NODE_OPTIONS, and each stage started as the image starts it gets its role\'s heap flags (security and the sink 8 MB semispaces)', () => {
    for (const s of STAGE_SERVICES) assert.equal(envOf(s).NODE_OPTIONS, undefined, s);
    // The image starts `node /app/bin/mcpspy.js serve <stage>` with the service's environment: the launcher's report
    // (MCPSPY_PRINT_NODE_FLAGS=1, printed after its re-exec and before the stage's code) says what V8 runs with.
    const heapLimit = (flags: string[]) => Number(spawnSync(process.execPath, [...flags, '-p', "require('v8').getHeapStatistics().heap_size_limit"], { env: envWithoutMcpspy(), encoding: 'utf8' }).stdout);
    for (const s of STAGE_SERVICES) {
      const r = spawnSync(process.execPath, [`${REPO}/bin/mcpspy.js`, ...services[s].command], { env: { ...envWithoutMcpspy(), ...envOf(s), MCPSPY_PRINT_NODE_FLAGS: '1' }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { execArgv: string[]; heapSizeLimit: number };
      const semi = s === 'security' || s === 'sink' ? ['--max-semi-space-size=8'] : [];
      assert.deepEqual(report.execArgv, semi, s);
      assert.equal(report.heapSizeLimit, heapLimit(semi), s);
    }
  });

  test('the probe is privileged, in the host pid namespace, with the mounts BPF needs', () => {
    const p = services.probe;
    assert.equal(p.privileged, true);
    assert.equal(p.pid, 'host');
    assert.equal(p.user, undefined, 'the probe runs as root');
    const vols = volumeStrings('probe');
    assert.ok(vols.includes('/sys/kernel/debug:/sys/kernel/debug:ro'), vols.join(' '));
    assert.ok(vols.includes('/sys/kernel/tracing:/sys/kernel/tracing'), 'tracefs writable so the probe can mount it');
    assert.ok(vols.includes('/sys/fs/bpf:/sys/fs/bpf'));
    assert.ok(vols.includes('/sys/kernel/btf:/sys/kernel/btf:ro'));
    assert.ok(vols.includes('/proc:/host/proc:ro'));
    assert.equal(envOf('probe').MCPSPY_HOST_PROC, '/host/proc');
    assert.equal(p.ulimits.memlock, -1);
  });

  test('security can be scaled: no container_name, no host ports, no fixed instance name', () => {
    const s = services.security;
    assert.equal(s.container_name, undefined);
    assert.equal(s.ports, undefined);
    assert.equal(s.hostname, undefined);
    assert.equal(envOf('security').MCPSPY_INSTANCE, undefined);
    assert.equal(s.privileged, undefined);
    assert.equal(s.user, 'node');
  });

  test('only NATS and the web view publish a port, both on loopback, and no service pins a container name', () => {
    for (const [name, svc] of Object.entries(services)) {
      assert.equal(svc.container_name, undefined, name);
      if (name !== 'nats' && name !== 'web') assert.equal(svc.ports, undefined, `${name} must not publish ports`);
    }
    assert.deepEqual(services.nats.ports, ['127.0.0.1:4222:4222']);
    assert.deepEqual(services.web.ports, ['127.0.0.1:8080:8080']);
    assert.deepEqual(interpolate(raw, { MCPSPY_WEB_PORT: '9000' }).services.web.ports, ['127.0.0.1:9000:8080']);
  });

  test('stages wait for healthy NATS, and for healthy Redis when they keep state there', () => {
    for (const s of STAGE_SERVICES) {
      assert.deepEqual(services[s].depends_on.nats, { condition: 'service_healthy' }, s);
    }
    for (const s of ['mcp-parser', 'security']) {
      assert.deepEqual(services[s].depends_on.redis, { condition: 'service_healthy' }, s);
    }
  });

  test('every service has a health check; stages probe /healthz on the metrics port', () => {
    for (const [name, svc] of Object.entries(services)) {
      assert.ok(Array.isArray(svc.healthcheck?.test) && svc.healthcheck.test.length > 1, `${name} health check`);
    }
    for (const s of STAGE_SERVICES) {
      const t: string[] = services[s].healthcheck.test;
      assert.equal(t[0], 'CMD');
      assert.equal(t[1], 'node', `${s}: the image has no curl`);
      assert.match(t.join(' '), /\/healthz/);
      assert.match(t.join(' '), /MCPSPY_METRICS_PORT\|\|9464/);
    }
    assert.match(services.nats.healthcheck.test.join(' '), /8222\/healthz/);
    assert.match(services.redis.healthcheck.test.join(' '), /redis-cli ping/);
  });

  test('the sink writes JSONL into a named volume', () => {
    assert.deepEqual(volumeStrings('sink'), ['mcpspy-data:/data']);
    assert.ok('mcpspy-data' in resolved.volumes);
    assert.ok('nats-data' in resolved.volumes);
    assert.ok(volumeStrings('nats').includes('./deploy/nats/nats.conf:/etc/nats/nats.conf:ro'));
  });

  test('NATS requires a login, one user per stage: nats.conf reads each password from the environment the stage shares', () => {
    const conf = readFileSync(`${REPO}/deploy/nats/nats.conf`, 'utf8');
    const v = (u: string) => `MCPSPY_NATS_PASSWORD_${u.toUpperCase().replace('-', '_')}`;
    for (const u of [...STAGE_SERVICES, 'reader']) {
      assert.match(conf, new RegExp(`\\{ user: ${u}, password: \\$${v(u)}, permissions:`), u);
      assert.equal(envOf('nats')[v(u)], DEFAULT_PASSWORD, u);
    }
    const custom = interpolate(raw, Object.fromEntries(STAGE_SERVICES.map((s) => [v(s), `pw-${s}`])));
    for (const s of STAGE_SERVICES) {
      assert.equal(custom.services.nats.environment[v(s)], `pw-${s}`, s);
      assert.equal(custom.services[s].environment.MCPSPY_NATS_USER, s);
      assert.equal(custom.services[s].environment.MCPSPY_NATS_PASSWORD, `pw-${s}`, `${s} gets only its own password`);
    }
  });

  test('Redis takes its password from MCPSPY_REDIS_PASSWORD, with the documented default', () => {
    const text = readFileSync(COMPOSE_FILE, 'utf8');
    assert.match(text, new RegExp(`MCPSPY_REDIS_PASSWORD +Redis password \\(default: ${DEFAULT_PASSWORD}\\)`));
    assert.equal(envOf('redis').REDIS_PASSWORD, DEFAULT_PASSWORD);
    // `$$` is Compose's escape: the container's shell expands the variable, not Compose.
    assert.match(services.redis.command.join(' '), /--requirepass "\$REDIS_PASSWORD"/);
    const custom = interpolate(raw, { MCPSPY_REDIS_PASSWORD: 's3cret-pw', MCPSPY_LOG_LEVEL: 'debug' });
    assert.equal(custom.services.redis.environment.REDIS_PASSWORD, 's3cret-pw');
    for (const s of STAGE_SERVICES) {
      assert.equal(custom.services[s].environment.MCPSPY_REDIS_PASSWORD, 's3cret-pw', s);
      assert.equal(custom.services[s].environment.MCPSPY_LOG_LEVEL, 'debug', s);
    }
  });
});

describe('docker-compose.yml, health-check command run for real', () => {
  let server: Server;
  let port: number;
  let status = 200;
  let token: string | undefined;
  before(async () => {
    port = await freePort();
    server = createServer((req, res) => {
      // Like Metrics.listen with a token: 401 without the bearer header.
      if (token && req.headers.authorization !== `Bearer ${token}`) res.statusCode = 401;
      else res.statusCode = req.url === '/healthz' ? status : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  // Asynchronous: the HTTP server answering the check lives in this process.
  function runCheck(metricsPort: number, env: Record<string, string> = {}): Promise<number | null> {
    const t: string[] = services.sink.healthcheck.test;
    return new Promise((resolve) => {
      const child = spawn(process.execPath, t.slice(2), {
        env: { ...process.env, MCPSPY_METRICS_PORT: String(metricsPort), ...env },
        stdio: 'ignore',
        timeout: 10_000,
      });
      child.once('exit', (code) => resolve(code));
    });
  }

  test('healthy when /healthz answers 200, unhealthy on 503 or when nothing listens', async () => {
    status = 200;
    assert.equal(await runCheck(port), 0);
    status = 503;
    assert.equal(await runCheck(port), 1);
    assert.equal(await runCheck(await freePort()), 1);
  });

  test('sends MCPSPY_METRICS_TOKEN when the stage requires one', async () => {
    status = 200;
    token = 'tok-compose-1';
    try {
      assert.equal(await runCheck(port), 1, 'no token: 401, unhealthy');
      assert.equal(await runCheck(port, { MCPSPY_METRICS_TOKEN: token }), 0);
    } finally {
      token = undefined;
    }
  });
});

describe('docker-compose config', () => {
  const bin = findBinary('docker-compose');

  function config(extraEnv: Record<string, string> = {}, args: string[] = []) {
    return spawnSync(bin!, ['-f', COMPOSE_FILE, 'config', ...args], {
      cwd: REPO,
      env: envWithoutMcpspy(extraEnv),
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  test('validates the file and resolves it as the parsed checks assume', { skip: bin ? false : 'docker-compose is not installed (apt-get install docker-compose)' }, () => {
    const r = config();
    assert.equal(r.status, 0, r.stderr);
    const out = parse(r.stdout);
    assert.deepEqual(Object.keys(out.services).sort(), Object.keys(services).sort());
    for (const s of STAGE_SERVICES) {
      const svc = out.services[s];
      assert.deepEqual(svc.command, ['serve', s]);
      assert.equal(svc.environment.MCPSPY_REDIS_URL, 'redis://redis:6379');
      assert.equal(svc.environment.MCPSPY_REDIS_PASSWORD, DEFAULT_PASSWORD);
      assert.equal(String(svc.environment.MCPSPY_METRICS_PORT), '9464');
      assert.equal(svc.environment.MCPSPY_NATS_URL, 'nats://nats:4222');
      assert.equal(svc.build.dockerfile, 'deploy/Dockerfile');
      assert.equal(svc.build.context, REPO);
      assert.deepEqual(svc.healthcheck.test, services[s].healthcheck.test, 'our interpolation matches Compose');
    }
    assert.equal(out.services.probe.privileged, true);
    assert.equal(out.services.probe.pid, 'host');
    // v1 prints short syntax with the mode spelled out; later versions print long syntax.
    const probeVols = out.services.probe.volumes.map((v: any) =>
      typeof v === 'string' ? v : `${v.source}:${v.target}:${v.read_only ? 'ro' : 'rw'}`,
    );
    for (const want of ['/proc:/host/proc:ro', '/sys/kernel/btf:/sys/kernel/btf:ro', '/sys/fs/bpf:/sys/fs/bpf:rw', '/sys/kernel/tracing:/sys/kernel/tracing:rw', '/sys/kernel/debug:/sys/kernel/debug:ro']) {
      assert.ok(probeVols.includes(want), `${want} in ${probeVols.join(' ')}`);
    }
    assert.equal(out.services.security.container_name, undefined);
    assert.equal(out.services.security.ports, undefined);
    assert.equal(out.services.redis.environment.REDIS_PASSWORD, DEFAULT_PASSWORD);
    // `config` prints a file Compose can read again, so the `$$` escape stays;
    // at run time the container's shell receives a single `$`.
    assert.match(out.services.redis.command.join(' '), /--requirepass "\$\$REDIS_PASSWORD"/);
  });

  test('takes the Redis password and NATS port from the environment', { skip: bin ? false : 'docker-compose is not installed' }, () => {
    const r = config({ MCPSPY_REDIS_PASSWORD: 'from-env-123', MCPSPY_NATS_PORT: '14222' });
    assert.equal(r.status, 0, r.stderr);
    const out = parse(r.stdout);
    assert.equal(out.services.redis.environment.REDIS_PASSWORD, 'from-env-123');
    assert.equal(out.services['mcp-parser'].environment.MCPSPY_REDIS_PASSWORD, 'from-env-123');
    const port = out.services.nats.ports[0];
    assert.equal(String(port.published ?? port).includes('14222'), true, JSON.stringify(port));
  });

  test('lists exactly the eight services', { skip: bin ? false : 'docker-compose is not installed' }, () => {
    const r = config({}, ['--services']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), Object.keys(services).sort());
  });

  test('rejects a broken file (the check can fail)', { skip: bin ? false : 'docker-compose is not installed' }, () => {
    const r = spawnSync(bin!, ['-f', '-', 'config'], {
      cwd: REPO,
      env: envWithoutMcpspy(),
      input: 'services:\n  sink:\n    image: x\n    depends_on:\n      nats:\n        condition: service_sometimes\n',
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(r.status, 0);
  });
});

// Keep the subject names the compose comments and README use in step with the contract.
test('README names the durable subjects of the contract', () => {
  const readme = readFileSync(`${REPO}/deploy/README.md`, 'utf8');
  assert.ok(readme.includes(Subjects.mcpMessage));
  assert.ok(readme.includes(Subjects.securityAlert));
});
