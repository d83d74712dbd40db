/**
 * The distributed stack for the end-to-end scenarios: a real nats-server
 * (JetStream) and redis-server on free ports, and one process per stage,
 * `node bin/mcpspy.js serve <stage> --nats URL --redis URL`.
 *
 * Readiness contract with the CLI: a serve process prints
 * `mcpspy: serving <stage>` on stderr once subscribed; the probe stage prints
 * `mcpspy: monitoring` once attached (the same line as the embedded CLI).
 * Stages start downstream first (sink … probe) so nothing published is lost,
 * and stop upstream first so every message drains to the sink.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { MCPSPY_BIN, REPO_ROOT } from './paths';
import { startProcess, type Proc } from './proc';
import { CleanupError, ProcessError } from './errors';
import { waitFileQuiet, READY_LINE } from './harness';

const REDIS_READY = /Ready to accept connections/;

export const STACK_STAGES = ['sink', 'security', 'mcp-parser', 'http-session', 'probe'] as const;
export type StackStage = (typeof STACK_STAGES)[number];

export function stageReadyLine(stage: StackStage): RegExp {
  return stage === 'probe' ? READY_LINE : new RegExp(`mcpspy: serving ${stage}\\b`);
}

/** A port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface StackOptions {
  /** Scratch directory: JetStream store and logs. */
  dir: string;
  /** JSONL file the sink writes. */
  output: string;
  /** --comm of the probe stage. */
  comms: string[];
  security?: boolean;
  /** Further flags for every stage. */
  extraArgs?: string[];
  readyTimeoutMs?: number;
  /** The CLI script; only the harness self-test points this at a stand-in. */
  bin?: string;
  /** `mcpspy serve security` processes sharing the queue group (default 1). */
  securityInstances?: number;
  /** Give every stage process its own --metrics-port (see metricsUrl). */
  metrics?: boolean;
}

/** Passwords of deploy/nats/nats.conf's users, given to nats-server as its environment. */
const STACK_NATS_PASSWORDS: Record<string, string> = Object.fromEntries(
  ['probe', 'http-session', 'mcp-parser', 'security', 'sink', 'web', 'reader'].map((u) => [`MCPSPY_NATS_PASSWORD_${u.toUpperCase().replace('-', '_')}`, `e2e-${u}-pw`]),
);

/** What a stage logs in with: its own user (deploy/nats/nats.conf), password from the environment. */
export function stageNatsLogin(stage: string): Record<string, string> {
  return { MCPSPY_NATS_USER: stage, MCPSPY_NATS_PASSWORD: `e2e-${stage}-pw` };
}

/** One `mcpspy serve <stage>` process, with what it takes to start it again. */
export interface StageProc {
  stage: StackStage;
  instance?: string;
  args: string[];
  metricsPort?: number;
  proc: Proc;
}

export class Stack {
  /** The first (or only) process of each stage. */
  readonly stages = new Map<StackStage, Proc>();
  /** Every stage process, in start order; security may have several. */
  readonly procs: StageProc[] = [];
  private readonly readyTimeoutMs: number;

  private constructor(
    readonly natsUrl: string,
    readonly redisUrl: string,
    private readonly nats: Proc,
    private redis: Proc,
    private readonly redisArgs: string[],
    readonly output: string,
    private readonly options: StackOptions,
  ) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  }

  static async start(o: StackOptions): Promise<Stack> {
    // The stack runs NATS with authentication on, as shipped.
    const timeout = o.readyTimeoutMs ?? 30_000;
    const natsPort = await freePort();
    const redisPort = await freePort();
    const jsDir = join(o.dir, 'jetstream');
    mkdirSync(jsDir, { recursive: true });
    // deploy/nats/nats.conf itself (payload limit, per-stage users and their permissions), so the
    // stack proves the shipped permissions let every stage do its work. -m 0: no monitoring port.
    const natsConf = join(o.dir, 'nats.conf');
    writeFileSync(natsConf, readFileSync(join(REPO_ROOT, 'deploy', 'nats', 'nats.conf'), 'utf8').replace('/data/jetstream', jsDir));
    const nats = startProcess('nats-server', 'nats-server', ['-c', natsConf, '-p', String(natsPort), '-a', '127.0.0.1', '-m', '0'], {
      env: { ...process.env, ...STACK_NATS_PASSWORDS },
    });
    const redisArgs = ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const redis = startProcess('redis-server', 'redis-server', redisArgs);
    const stack = new Stack(`nats://127.0.0.1:${natsPort}`, `redis://127.0.0.1:${redisPort}`, nats, redis, redisArgs, o.output, o);
    try {
      await Promise.all([nats.waitForLine(/Server is ready/, timeout), redis.waitForLine(REDIS_READY, timeout)]);
      for (const stage of STACK_STAGES) {
        const n = stage === 'security' ? Math.max(1, o.securityInstances ?? 1) : 1;
        for (let i = 1; i <= n; i++) {
          // Only extra security processes get their own name; the others keep the CLI default.
          const instance = n > 1 ? `${stage}-${i}` : undefined;
          await stack.launch(await stack.stageArgs(stage, instance));
        }
      }
    } catch (e) {
      await stack.stop().catch(() => undefined);
      throw e;
    }
    return stack;
  }

  private async stageArgs(stage: StackStage, instance: string | undefined): Promise<Omit<StageProc, 'proc'>> {
    const o = this.options;
    const args = [o.bin ?? MCPSPY_BIN, 'serve', stage, '--nats', this.natsUrl, '--redis', this.redisUrl];
    if (stage === 'sink') args.push('-o', o.output, '--tui=false');
    if (stage === 'probe' && o.comms.length > 0) args.push('--comm', o.comms.join(','));
    if (stage === 'security' && o.security) args.push('--security');
    if (instance) args.push('--instance', instance);
    const metricsPort = o.metrics ? await freePort() : undefined;
    if (metricsPort !== undefined) args.push('--metrics-port', String(metricsPort));
    args.push(...(o.extraArgs ?? []));
    return { stage, instance, args, metricsPort };
  }

  private async launch(spec: Omit<StageProc, 'proc'>): Promise<StageProc> {
    const name = `mcpspy serve ${spec.stage}${spec.instance ? ` (${spec.instance})` : ''}`;
    const proc = startProcess(name, process.execPath, spec.args, { cwd: REPO_ROOT, env: { ...process.env, ...stageNatsLogin(spec.stage) } });
    const sp: StageProc = { ...spec, proc };
    const at = this.procs.findIndex((p) => p.stage === spec.stage && p.instance === spec.instance);
    if (at >= 0) this.procs[at] = sp;
    else this.procs.push(sp);
    if (this.procsOf(spec.stage)[0] === sp) this.stages.set(spec.stage, proc);
    await proc.waitForLine(stageReadyLine(spec.stage), this.readyTimeoutMs);
    return sp;
  }

  /** The processes of one stage (several for a scaled security stage). */
  procsOf(stage: StackStage): StageProc[] {
    return this.procs.filter((p) => p.stage === stage);
  }

  /** Kills one stage process (the first of its stage unless given) and resolves with its exit code. */
  async killStage(stage: StackStage, signal: NodeJS.Signals = 'SIGKILL', which?: StageProc): Promise<number> {
    const sp = which ?? this.procsOf(stage)[0];
    if (!sp) throw new ProcessError(`failed to kill stage ${stage}: it is not part of this stack`);
    return sp.proc.stop(signal, 5_000);
  }

  /**
   * Starts a stage process again with the arguments it had (same instance
   * name, so the same durable consumer; same metrics port), once the old one
   * has exited. Resolves when the new one is ready.
   */
  async restartStage(stage: StackStage, which?: StageProc): Promise<StageProc> {
    const sp = which ?? this.procsOf(stage)[0];
    if (!sp) throw new ProcessError(`failed to restart stage ${stage}: it is not part of this stack`);
    if (sp.proc.child.exitCode === null && sp.proc.child.signalCode === null) {
      throw new ProcessError(`failed to restart stage ${stage}: pid ${sp.proc.pid} is still running (kill it first)`);
    }
    const { proc: _old, ...spec } = sp;
    return this.launch(spec);
  }

  /**
   * Kills redis-server (no persistence: every key is gone), waits `downMs`,
   * and starts it again on the same port.
   */
  async restartRedis(downMs = 0): Promise<void> {
    await this.redis.stop('SIGKILL', 5_000);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    this.redis = startProcess('redis-server', 'redis-server', this.redisArgs);
    await this.redis.waitForLine(REDIS_READY, this.readyTimeoutMs);
  }

  /** Stage processes that have exited, with their exit codes. */
  exited(): { name: string; code: number | null; signal: string | null }[] {
    return this.procs
      .filter((p) => p.proc.child.exitCode !== null || p.proc.child.signalCode !== null)
      .map((p) => ({ name: p.proc.name, code: p.proc.child.exitCode, signal: p.proc.child.signalCode }));
  }

  /** http://127.0.0.1:<port>/metrics of a stage process started with `metrics: true`. */
  metricsUrl(sp: StageProc): string {
    if (sp.metricsPort === undefined) throw new ProcessError(`failed to find the metrics port of ${sp.proc.name}: start the stack with metrics: true`);
    return `http://127.0.0.1:${sp.metricsPort}/metrics`;
  }

  async waitQuiet(minLines: number, quietMs = 2_000, timeoutMs = 40_000): Promise<void> {
    await waitFileQuiet(this.output, minLines, quietMs, timeoutMs);
  }

  /** Stops stages upstream first, then Redis and NATS; reports every failure together. */
  async stop(): Promise<void> {
    const failures: unknown[] = [];
    for (const stage of [...STACK_STAGES].reverse()) {
      for (const { proc: p } of this.procsOf(stage)) {
        const code = await p.stop('SIGINT', 15_000).catch((e: unknown) => {
          failures.push(e);
          return 0;
        });
        if (code !== 0) failures.push(new Error(`failed to stop ${p.name}: exit ${code}: ${p.stderr().slice(-500)}`));
      }
    }
    for (const p of [this.redis, this.nats]) {
      await p.stop('SIGTERM', 5_000).catch((e: unknown) => failures.push(e));
    }
    // A permission of deploy/nats/nats.conf too narrow for a stage shows only here.
    const violations = (this.nats.stdout() + this.nats.stderr()).split('\n').filter((l) => /Violation/.test(l));
    if (violations.length > 0) failures.push(new Error(`nats-server refused ${violations.length} operations of the stages: ${violations.slice(0, 3).join(' | ')}`));
    if (failures.length > 0) throw new CleanupError(failures);
  }
}

/** Why the distributed suites cannot run (MCPSPY_E2E_STACK=0 turns them off on purpose). */
export function stackSkipReason(base: string | undefined): string | undefined {
  if (base) return base;
  if (process.env.MCPSPY_E2E_STACK === '0') return 'distributed stack runs turned off by MCPSPY_E2E_STACK=0';
  return undefined;
}
