/**
 * Runs a scenario under the monitor: start `node bin/mcpspy.js -o FILE
 * --tui=false --comm …` as a child, wait for its readiness line on stderr,
 * drive the scenario, wait until the JSONL file is quiet, stop the monitor
 * with SIGINT, and hand back the lines it wrote.
 *
 * Readiness contract with the CLI: once every probe is attached it prints
 * `mcpspy: monitoring` on stderr (distributed stages: see stack.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MCPSPY_BIN, REPO_ROOT } from './paths';
import { startProcess, tail, type Proc } from './proc';
import { ProcessError } from './errors';
import { parseJsonl } from './golden';
import { SCENARIOS, type ScenarioName, type ScenarioResult } from './scenarios';

export const READY_LINE = /mcpspy: monitoring/;

/** Why the monitored suites cannot run here, or undefined when they can. */
export function monitorSkipReason(): string | undefined {
  if (process.env.MCPSPY_E2E === '0') return 'MCPSPY_E2E=0 turns the monitored end-to-end suites off';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'needs root to load BPF programs (run the suite as root)';
  }
  if (!existsSync(MCPSPY_BIN)) return `the monitor CLI ${MCPSPY_BIN} does not exist yet`;
  return undefined;
}

export interface MonitorOptions {
  output: string;
  comms?: string[];
  pids?: number[];
  security?: boolean;
  /** Further CLI flags, e.g. ['--nats', url]. */
  extraArgs?: string[];
  readyTimeoutMs?: number;
  /** The CLI script; only the harness self-test points this at a stand-in. */
  bin?: string;
}

export class Monitor {
  private constructor(
    readonly proc: Proc,
    readonly output: string,
  ) {}

  static async start(o: MonitorOptions): Promise<Monitor> {
    const args = [o.bin ?? MCPSPY_BIN, '-o', o.output, '--tui=false'];
    if (o.comms?.length) args.push('--comm', o.comms.join(','));
    if (o.pids?.length) args.push('--pid', o.pids.join(','));
    if (o.security) args.push('--security');
    args.push(...(o.extraArgs ?? []));
    const proc = startProcess('mcpspy', process.execPath, args, { cwd: REPO_ROOT });
    const m = new Monitor(proc, o.output);
    try {
      await proc.waitForLine(READY_LINE, o.readyTimeoutMs ?? 60_000);
    } catch (e) {
      await proc.stop('SIGKILL');
      throw e;
    }
    return m;
  }

  /**
   * Waits until the output holds at least `minLines` lines and has not grown
   * for `quietMs`, or `timeoutMs` passed (the comparison then reports the
   * exact shortfall, so this never fails by itself).
   */
  async waitQuiet(minLines: number, quietMs = 1_500, timeoutMs = 30_000): Promise<void> {
    await waitFileQuiet(this.output, minLines, quietMs, timeoutMs);
  }

  /** SIGINT, as Ctrl+C would; the sink must flush everything before exiting 0. */
  async stop(): Promise<number> {
    const code = await this.proc.stop('SIGINT', 20_000);
    if (code !== 0) {
      throw new ProcessError(`failed to stop the monitor cleanly: exit ${code}: stderr: ${tail(this.proc.stderr(), 2000)}`);
    }
    return code;
  }

  lines(): Record<string, never>[] {
    return existsSync(this.output) ? (parseJsonl(readFileSync(this.output, 'utf8')) as Record<string, never>[]) : [];
  }
}

export async function waitFileQuiet(file: string, minLines: number, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastSize = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const size = existsSync(file) ? statSync(file).size : 0;
    if (size !== lastSize) {
      lastSize = size;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs && countLines(file) >= minLines) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function countLines(file: string): number {
  if (!existsSync(file)) return 0;
  const b = readFileSync(file);
  let n = 0;
  for (const c of b) if (c === 0x0a) n++;
  return n;
}

export interface MonitoredRun {
  result: ScenarioResult;
  lines: Record<string, never>[];
  stderr: string;
}

/**
 * One scenario under the embedded monitor. `expectedLines` (from the
 * golden) only tells how long to wait; the caller compares.
 */
export async function runUnderMonitor(
  name: ScenarioName,
  dir: string,
  opts: { expectedLines: number; security?: boolean; extraArgs?: string[]; onReady?: (m: Monitor) => void },
): Promise<MonitoredRun> {
  const sc = SCENARIOS[name];
  const monitor = await Monitor.start({ output: join(dir, 'out.jsonl'), comms: sc.comms, security: opts.security, extraArgs: opts.extraArgs });
  let result: ScenarioResult;
  try {
    opts.onReady?.(monitor);
    result = await sc.run({ dir, transcripts: false });
    await monitor.waitQuiet(opts.expectedLines);
  } catch (e) {
    // The scenario's own failure is the one worth reporting.
    await monitor.proc.stop('SIGKILL');
    throw e;
  }
  await monitor.stop();
  return { result, lines: monitor.lines(), stderr: monitor.proc.stderr() };
}
