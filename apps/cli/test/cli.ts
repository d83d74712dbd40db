/**
 * Helpers of the command's integration tests: run the real `bin/mcpspy.js`
 * as a child process, wait for its lines, stop it, read what it wrote.
 * Every child started here is tracked so a failing test leaves nothing running.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function findRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error(`failed to find the repository root: no nx.json above ${__dirname}`);
}

export const REPO_ROOT = findRoot();

const scratch: string[] = [];
/**
 * A fresh folder under the temp dir, removed when the test process exits
 * (after every `after` hook, so after the children writing into it stopped);
 * MCPSPY_TEST_KEEP=1 keeps them for a post-mortem.
 */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (scratch.length === 0 && process.env.MCPSPY_TEST_KEEP !== '1') {
    process.on('exit', () => {
      for (const d of scratch) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    });
  }
  scratch.push(dir);
  return dir;
}
export const MCPSPY_BIN = join(REPO_ROOT, 'bin', 'mcpspy.js');
/** The MCP SDK peers of the end-to-end suite, reused as traffic. */
export const E2E_FIXTURES = join(REPO_ROOT, 'tests', 'e2e', 'fixtures');

/** Why tests that load BPF cannot run here, or undefined when they can. */
export function rootSkipReason(): string | undefined {
  if (process.env.MCPSPY_E2E === '0') return 'MCPSPY_E2E=0 turns the monitored suites off';
  if (process.getuid?.() !== 0) return 'needs root to load BPF programs (run the suite as root)';
  return undefined;
}

export interface Run {
  code: number | null;
  /** The signal that ended it, when one did (a test's failure message names it). */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `mcpspy ARGS` to its end and gives its exit code and whole output; killed, and the test failed, after timeoutMs. */
export function runMcpspy(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [MCPSPY_BIN, ...args], { cwd: REPO_ROOT, stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcpspy ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
    if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
  });
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGUSR2: 12, SIGTERM: 15 };

export class Child {
  readonly child: ChildProcess;
  readonly exited: Promise<number>;
  private out = '';
  private err = '';
  private readonly waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  private static readonly live = new Set<Child>();

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: SpawnOptions = {},
  ) {
    this.child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    Child.live.add(this);
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => this.feed('out', d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => this.feed('err', d));
    this.exited = new Promise((res) => {
      this.child.on('exit', (code, signal) => {
        Child.live.delete(this);
        res(code ?? 128 + (signal ? SIGNAL_NUMBERS[signal] ?? 0 : 0));
      });
      this.child.on('error', () => res(-1));
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  private feed(which: 'out' | 'err', d: string): void {
    if (which === 'out') this.out += d;
    else this.err += d;
    for (const line of d.split('\n')) {
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i].re.test(line)) {
          this.waiters[i].resolve(line);
          this.waiters.splice(i, 1);
        }
      }
    }
  }

  /** The first line of stdout or stderr matching `re`; rejects on timeout or exit, quoting stderr. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string> {
    const seen = `${this.out}\n${this.err}`.split('\n').find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`failed to see ${re} from ${this.name} within ${timeoutMs} ms: stderr: ${tail(this.err)}`)), timeoutMs);
      this.waiters.push({
        re,
        resolve: (l) => {
          clearTimeout(timer);
          res(l);
        },
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        rej(new Error(`failed to see ${re} from ${this.name}: it exited with ${code}: stderr: ${tail(this.err)}`));
      });
    });
  }

  /** Signals and waits; SIGKILL after `graceMs` so a hung child cannot hang the suite. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  static async stopAll(): Promise<void> {
    await Promise.all([...Child.live].map((c) => c.stop('SIGKILL', 2_000)));
  }
}

/** `mcpspy ARGS` as a child process. */
export function startCli(args: string[], options: SpawnOptions = {}): Child {
  return new Child('mcpspy', process.execPath, [MCPSPY_BIN, ...args], options);
}

/** Runs `mcpspy ARGS` to completion (killed after `timeoutMs`). */
export async function runCli(
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { timeoutMs = 60_000, ...rest } = options;
  const c = startCli(args, rest);
  const timer = setTimeout(() => c.child.kill('SIGKILL'), timeoutMs);
  const code = await c.exited;
  clearTimeout(timer);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export function readJsonl(file: string): Array<Record<string, any>> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

export function httpGet(url: string, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((res, rej) => {
    const req = request(url, { timeout: timeoutMs, headers }, (r) => {
      let body = '';
      r.setEncoding('utf8').on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, type: String(r.headers['content-type'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`failed to GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', rej);
    req.end();
  });
}

/** Value of `mcpspy_stage_counter{stage,name}` in a Prometheus text body, or undefined. */
export function stageCounter(body: string, stage: string, name: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`mcpspy_stage_counter{stage="${stage}",name="${name}"} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

export function tail(text: string, n = 1200): string {
  return text.length <= n ? text : '…' + text.slice(-n);
}

/** Lines a person reads on stderr, leaving out pino's JSON log lines. */
export function plainLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{"level":'));
}
