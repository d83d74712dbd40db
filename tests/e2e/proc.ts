/**
 * Child processes for the end-to-end suites: start, wait for a line, stop.
 * Every child is tracked so a failing test still leaves nothing running.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { ProcessError, CleanupError } from './errors';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the child wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line of stdout or stderr matching `re`. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (or 128 + signal number) once the child ended. */
  readonly exited: Promise<number>;
  /** Signals the child and waits; escalates to SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number>;
}

const live = new Set<Proc>();

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function startProcess(name: string, command: string, args: string[], options: SpawnOptions = {}): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new ProcessError(`failed to start ${name}: spawn gave no pid (${command})`);
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const scan = (text: string) => {
    for (const line of text.split('\n')) {
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].re.test(line)) {
          waiters[i].resolve(line);
          waiters.splice(i, 1);
        }
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    scan(d);
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    scan(d);
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(proc);
      resolve(code ?? 128 + (signal ? SIGNALS[signal] ?? 0 : 0));
    });
  });
  const proc: Proc = {
    name,
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(re, timeoutMs) {
      const seen = (out + '\n' + err).split('\n').find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new ProcessError(`failed to see ${re} from ${name} within ${timeoutMs} ms: stderr: ${tail(err)}`));
        }, timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new ProcessError(`failed to see ${re} from ${name}: it exited with ${code}: stderr: ${tail(err)}`));
        });
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  live.add(proc);
  return proc;
}

/** Runs a child to completion; rejects when it exceeds `timeoutMs`. */
export async function runProcess(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { timeoutMs = 60_000, ...rest } = options;
  const p = startProcess(name, command, args, rest);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Stops every child still running, gathering all failures. */
export async function stopAll(): Promise<void> {
  const failures: unknown[] = [];
  await Promise.all(
    [...live].map((p) =>
      p.stop('SIGTERM', 5_000).catch((e: unknown) => {
        failures.push(e);
      }),
    ),
  );
  if (failures.length > 0) throw new CleanupError(failures);
}

export function tail(text: string, n = 800): string {
  return text.length <= n ? text : '…' + text.slice(-n);
}
