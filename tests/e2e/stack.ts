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
import { mkdirSync, writeFileSync } from 'node:fs';
import { MCPSPY_BIN, REPO_ROOT } from './paths';
import { startProcess, type Proc } from './proc';
import { CleanupError } from './errors';
import { waitFileQuiet, READY_LINE } from './harness';

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
}

export class Stack {
  readonly stages = new Map<StackStage, Proc>();

  private constructor(
    readonly natsUrl: string,
    readonly redisUrl: string,
    private readonly nats: Proc,
    private readonly redis: Proc,
    readonly output: string,
  ) {}

  static async start(o: StackOptions): Promise<Stack> {
    const timeout = o.readyTimeoutMs ?? 30_000;
    const natsPort = await freePort();
    const redisPort = await freePort();
    const jsDir = join(o.dir, 'jetstream');
    mkdirSync(jsDir, { recursive: true });
    // As deploy/nats/nats.conf: MCP messages of several MB exceed NATS's 1 MB default payload.
    const natsConf = join(o.dir, 'nats.conf');
    writeFileSync(natsConf, 'max_payload: 64MB\n');
    const nats = startProcess('nats-server', 'nats-server', ['-c', natsConf, '-js', '-sd', jsDir, '-p', String(natsPort), '-a', '127.0.0.1']);
    const redis = startProcess('redis-server', 'redis-server', [
      '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    ]);
    const stack = new Stack(`nats://127.0.0.1:${natsPort}`, `redis://127.0.0.1:${redisPort}`, nats, redis, o.output);
    try {
      await Promise.all([nats.waitForLine(/Server is ready/, timeout), redis.waitForLine(/Ready to accept connections/, timeout)]);
      for (const stage of STACK_STAGES) {
        const args = [o.bin ?? MCPSPY_BIN, 'serve', stage, '--nats', stack.natsUrl, '--redis', stack.redisUrl];
        if (stage === 'sink') args.push('-o', o.output, '--tui=false');
        if (stage === 'probe' && o.comms.length > 0) args.push('--comm', o.comms.join(','));
        if (stage === 'security' && o.security) args.push('--security');
        args.push(...(o.extraArgs ?? []));
        const p = startProcess(`mcpspy serve ${stage}`, process.execPath, args, { cwd: REPO_ROOT });
        stack.stages.set(stage, p);
        await p.waitForLine(stageReadyLine(stage), timeout);
      }
    } catch (e) {
      await stack.stop().catch(() => undefined);
      throw e;
    }
    return stack;
  }

  async waitQuiet(minLines: number, quietMs = 2_000, timeoutMs = 40_000): Promise<void> {
    await waitFileQuiet(this.output, minLines, quietMs, timeoutMs);
  }

  /** Stops stages upstream first, then Redis and NATS; reports every failure together. */
  async stop(): Promise<void> {
    const failures: unknown[] = [];
    for (const stage of [...STACK_STAGES].reverse()) {
      const p = this.stages.get(stage);
      if (!p) continue;
      const code = await p.stop('SIGINT', 15_000).catch((e: unknown) => {
        failures.push(e);
        return 0;
      });
      if (code !== 0) failures.push(new Error(`failed to stop stage ${stage}: exit ${code}: ${p.stderr().slice(-500)}`));
    }
    for (const p of [this.redis, this.nats]) {
      await p.stop('SIGTERM', 5_000).catch((e: unknown) => failures.push(e));
    }
    if (failures.length > 0) throw new CleanupError(failures);
  }
}

/** Why the distributed suites cannot run (MCPSPY_E2E_STACK=0 turns them off on purpose). */
export function stackSkipReason(base: string | undefined): string | undefined {
  if (base) return base;
  if (process.env.MCPSPY_E2E_STACK === '0') return 'distributed stack runs turned off by MCPSPY_E2E_STACK=0';
  return undefined;
}
