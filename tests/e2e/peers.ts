/**
 * The fixture peers (tests/e2e/fixtures) as child processes: the MCP server
 * in listening mode, the SDK client, the python client, and the test
 * certificate. Each client prints one summary line; anything else is a
 * fixture failure.
 */
import { join } from 'node:path';
import { FIXTURES, SYSTEM_PYTHON } from './paths';
import { startProcess, runProcess, tail, type Proc } from './proc';
import { FixtureError } from './errors';

export type Scheme = 'http' | 'https';
export type ClientTransport = 'stdio' | 'http' | 'sse';
export type ClientScenario = 'full' | 'big' | 'evil';

/** Process names (comm) the fixtures give themselves; the monitor filters on them. */
export const COMMS = {
  client: 'mcpe2e-client',
  server: 'mcpe2e-server',
  evil: 'mcpe2e-evil',
  python: 'mcpe2e-py',
} as const;

export interface CertFiles {
  cert: string;
  key: string;
}

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI. */
export async function makeCert(dir: string): Promise<CertFiles> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = await runProcess('openssl', 'openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-keyout', key, '-out', cert,
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  if (r.code !== 0) throw new FixtureError(`failed to make a test certificate: openssl exited ${r.code}: ${tail(r.stderr)}`);
  return { cert, key };
}

export interface RunningServer {
  url: string;
  port: number;
  proc: Proc;
  stop(): Promise<void>;
}

export async function startServer(scheme: Scheme, opts: { cert?: CertFiles; transcript?: string } = {}): Promise<RunningServer> {
  const args = [join(FIXTURES, 'server.mjs'), '--listen', scheme];
  if (scheme === 'https') {
    if (!opts.cert) throw new FixtureError('failed to start the https server: no certificate given');
    args.push('--cert', opts.cert.cert, '--key', opts.cert.key);
  }
  const proc = startProcess('mcpe2e-server', process.execPath, args, { env: envWith(opts.transcript) });
  const line = await proc.waitForLine(/^mcpe2e-server listening /, 20_000);
  const url = line.split(' ')[2];
  return {
    url,
    port: Number(new URL(url).port),
    proc,
    async stop() {
      await proc.stop('SIGTERM');
    },
  };
}

export interface ClientSummary {
  line: string;
  requests: number;
  notifications: number;
}

export interface NodeClientOptions {
  scenario: ClientScenario;
  transport: ClientTransport;
  url?: string;
  caFile?: string;
  transcript?: string;
}

export async function runNodeClient(o: NodeClientOptions): Promise<ClientSummary> {
  const args = [join(FIXTURES, 'client.mjs'), '--scenario', o.scenario, '--transport', o.transport];
  if (o.url) args.push('--url', o.url);
  const env = envWith(o.transcript);
  if (o.caFile) env.NODE_EXTRA_CA_CERTS = o.caFile;
  const r = await runProcess(COMMS.client, process.execPath, args, { env, timeoutMs: 60_000 });
  return summaryOf(COMMS.client, r, /^mcpe2e-client: ok .*requests=(\d+) notifications=(\d+)$/);
}

export async function runPythonClient(o: { url: string; caFile: string; transcript?: string }): Promise<ClientSummary> {
  const args = [join(FIXTURES, 'client.py'), '--url', o.url, '--cafile', o.caFile];
  const r = await runProcess(COMMS.python, SYSTEM_PYTHON, args, { env: envWith(o.transcript), timeoutMs: 60_000 });
  return summaryOf(COMMS.python, r, /^mcpe2e-py: ok requests=(\d+) notifications=(\d+)$/);
}

function summaryOf(name: string, r: { code: number; stdout: string; stderr: string }, re: RegExp): ClientSummary {
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  const m = lines.length === 1 ? re.exec(lines[0]) : null;
  if (r.code !== 0 || !m) {
    throw new FixtureError(`failed to run ${name}: exit ${r.code}, stdout: ${tail(r.stdout)} stderr: ${tail(r.stderr)}`);
  }
  return { line: lines[0], requests: Number(m[1]), notifications: Number(m[2]) };
}

function envWith(transcript: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.E2E_TRANSCRIPT;
  delete env.NODE_EXTRA_CA_CERTS;
  if (transcript) env.E2E_TRANSCRIPT = transcript;
  return env;
}
