/**
 * Test harness: real nats-server (JetStream on) and redis-server on free
 * loopback ports in a temporary directory. Used by the contract suites and
 * the integration tests of every stage; never a mock.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestServer {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGKILL when `crash`), keeping its data directory. */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it and removes the data directory. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => (s.destroy(), resolve(false)));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not listen on ${port} within ${timeoutMs} ms: ${stderr()}`);
}

function which(bin: string, fallbacks: string[]): string {
  for (const f of fallbacks) {
    try {
      require('node:fs').accessSync(f);
      return f;
    } catch {
      /* try next */
    }
  }
  return bin;
}

/** Servers started and not yet disposed: killed and their folders removed when the test process exits. */
const undisposed = new Map<string, () => ChildProcess | undefined>();
let exitHookSet = false;
function removeOnExit(dir: string, current: () => ChildProcess | undefined): void {
  undisposed.set(dir, current);
  if (exitHookSet) return;
  exitHookSet = true;
  process.on('exit', () => {
    for (const [d, child] of undisposed) {
      const c = child();
      if (c && c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
      try {
        rmSync(d, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        /* best effort at exit */
      }
    }
  });
}

async function startProcess(name: string, cmd: string, argsFor: (port: number, dir: string) => string[], urlFor: (port: number) => string): Promise<TestServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `mcpspy-${name}-`));
  let child: ChildProcess;
  let err = '';
  const launch = async () => {
    err = '';
    child = spawn(cmd, argsFor(port, dir), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    await waitForPort(port, 10_000, child, () => err);
  };
  const stop = async (options: { crash?: boolean } = {}) => {
    if (!child || child.exitCode !== null || child.signalCode) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(options.crash ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  removeOnExit(dir, () => child);
  await launch();
  return {
    url: urlFor(port),
    port,
    dir,
    stop,
    restart: launch,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
      undisposed.delete(dir);
    },
  };
}

/**
 * nats-server with JetStream, storing in a temp dir, with the payload limit
 * of deploy/nats/nats.conf. `conf` adds configuration (an `authorization`
 * block, `tls`).
 */
export function startNats(options: { conf?: string } = {}): Promise<TestServer> {
  const bin = which('nats-server', ['/usr/bin/nats-server', '/usr/sbin/nats-server']);
  return startProcess(
    'nats',
    bin,
    (port, dir) => {
      const conf = join(dir, 'nats.conf');
      writeFileSync(conf, `max_payload: 64MB\n${options.conf ?? ''}\n`);
      return ['-c', conf, '-js', '-sd', dir, '-p', String(port), '-a', '127.0.0.1'];
    },
    (p) => `nats://127.0.0.1:${p}`,
  );
}

/**
 * redis-server without persistence unless `persist`, on loopback; `password`
 * turns requirepass on; `tls` serves TLS only on the port (no plain port).
 */
export function startRedis(options: { persist?: boolean; password?: string; tls?: { cert: string; key: string; ca: string } } = {}): Promise<TestServer> {
  const bin = which('redis-server', ['/usr/bin/redis-server']);
  return startProcess(
    'redis',
    bin,
    (port, dir) => [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--save', options.persist ? '1 1' : '', '--appendonly', options.persist ? 'yes' : 'no',
      ...(options.password ? ['--requirepass', options.password] : []),
      ...(options.tls
        ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key, '--tls-ca-cert-file', options.tls.ca, '--tls-auth-clients', 'no']
        : []),
    ],
    (p) => `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${p}`,
  );
}
