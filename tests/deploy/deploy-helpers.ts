/**
 * Shared by the deployment suites: where the files are, a YAML loader that
 * keeps anchors and merge keys, Compose-style `${VAR:-default}` interpolation,
 * and a child-process wrapper that waits for output lines.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

/** tests/dist/deploy/<file>.js → repository root. */
export const REPO = resolve(__dirname, '..', '..', '..');
export const COMPOSE_FILE = join(REPO, 'docker-compose.yml');
export const DOCKERFILE = join(REPO, 'deploy', 'Dockerfile');
export const K8S_DIR = join(REPO, 'deploy', 'k8s');
export const NATS_CONF = join(REPO, 'deploy', 'nats', 'nats.conf');
export const EXAMPLES = join(REPO, 'deploy', 'examples');

/** The stages that run as their own service / workload: the pipeline and the web view. */
export const STAGE_SERVICES = ['probe', 'http-session', 'mcp-parser', 'security', 'sink', 'web'] as const;

export function readYaml(path: string): any {
  return parse(readFileSync(path, 'utf8'), { merge: true });
}

export function readYamlDocuments(path: string): any[] {
  return parseAllDocuments(readFileSync(path, 'utf8'), { merge: true }).map((d) => {
    if (d.errors.length > 0) throw new Error(`failed to parse ${path}: ${d.errors[0].message}`);
    return d.toJS();
  }).filter((d) => d !== null && d !== undefined);
}

/**
 * Compose's variable substitution: `${VAR}`, `${VAR:-default}` (default when
 * unset or empty), `${VAR-default}` (default when unset), `$$` for a literal `$`.
 */
export function interpolate(value: unknown, env: Record<string, string | undefined>): any {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (m, name, op, def) => {
      if (m === '$$') return '$';
      const v = env[name];
      if (op === ':-') return v === undefined || v === '' ? def : v;
      if (op === '-') return v === undefined ? def : v;
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  }
  return value;
}

export function findBinary(name: string, dirs = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/bin', '/sbin']): string | undefined {
  for (const d of dirs) if (existsSync(join(d, name))) return join(d, name);
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Environment without the variables the compose file reads, so defaults apply. */
export function envWithoutMcpspy(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MCPSPY_') && !k.startsWith('COMPOSE_')) env[k] = v;
  return { ...env, ...extra };
}

export function workspaceDirs(): string[] {
  const out: string[] = [];
  for (const top of ['libs', 'apps']) {
    for (const name of readdirSync(join(REPO, top))) {
      if (existsSync(join(REPO, top, name, 'package.json'))) out.push(`${top}/${name}`);
    }
  }
  return out.sort();
}

/** A child process whose stdout and stderr lines are kept and can be awaited. */
export class LineProcess {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private waiters: Array<() => void> = [];
  private exit: Promise<number | null>;

  constructor(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exit = new Promise((r) => this.child.once('exit', (code) => (this.wake(), r(code))));
    this.collect(this.child.stdout!, this.stdout);
    this.collect(this.child.stderr!, this.stderr);
  }

  private collect(stream: NodeJS.ReadableStream, into: string[]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        into.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      this.wake();
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first line (of `which` stream) matching, else rejects after `ms`. */
  async waitFor(which: 'stdout' | 'stderr', match: RegExp | string, ms = 10_000, from = 0): Promise<string> {
    const deadline = Date.now() + ms;
    const lines = which === 'stdout' ? this.stdout : this.stderr;
    for (;;) {
      const hit = lines.slice(from).find((l) => (typeof match === 'string' ? l.includes(match) : match.test(l)));
      if (hit !== undefined) return hit;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`process exited before printing ${match} on ${which}; stderr:\n${this.stderr.join('\n')}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no ${which} line matching ${match} within ${ms} ms; stdout:\n${this.stdout.join('\n')}\nstderr:\n${this.stderr.join('\n')}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /** Exit code once the process ends by itself; rejects after `ms`. */
  async exited(ms = 10_000): Promise<number | null> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`process still running after ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 5000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const code = await this.exit;
    clearTimeout(t);
    return code;
  }
}
