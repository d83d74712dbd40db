/**
 * The modes of the command: the monitor (all stages in one process), one
 * stage (`serve`), a capture replay, and an offline scan of JSONL.
 */
import { accessSync, constants as fsConstants, createReadStream, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { INestMicroservice } from '@nestjs/common';
import { LEGACY_RAW_IO, rawSubject, Subjects } from '@mcpspy/events';
import {
  createRuntime,
  McpspyConfig,
  MemoryStore,
  StageName,
  startStage,
  stopStages,
} from '@mcpspy/runtime';
import { checkProbePrerequisites, NotRootError, readCapture } from '@mcpspy/probe';
import { scanJsonl, SecurityEngine } from '@mcpspy/security';
import { formatAlertBlock } from '@mcpspy/sink';
import { EnvironmentError, UsageError } from './errors';
import { createCliLogger } from './logging';
import { PIPELINE, STAGE_MODULES } from './stages';

function say(line: string): void {
  process.stderr.write(`mcpspy: ${line}\n`);
}

function requireProbe(args: string): void {
  try {
    checkProbePrerequisites();
  } catch (err) {
    // One line that names the exact command to rerun beats the probe's generic hint.
    if (err instanceof NotRootError) {
      throw new EnvironmentError(
        `failed to start the monitor: loading eBPF programs needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN); run: sudo ${args} (or \`mcpspy replay FILE\` without root)`,
        { cause: err },
      );
    }
    throw new EnvironmentError((err as Error).message, { cause: err });
  }
}

/** A capture named on the command line that cannot be read is the caller's mistake: say so before starting any stage. */
function requireReadableFile(file: string, what: string): void {
  try {
    accessSync(file, fsConstants.R_OK);
    if (statSync(file).isDirectory()) throw new Error('is a directory');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const detail = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new UsageError(`failed to open ${what} ${file}: ${detail}`, { cause: err });
  }
}

/**
 * How long a stop may take after the first signal before the process exits
 * anyway (a stuck output, a hung server). A normal stop of the monitor takes
 * ~4–5 s on a loaded 2-core machine (the probe drains, held messages go out),
 * hence 10 s.
 */
export const STOP_DEADLINE_MS = Number(process.env.MCPSPY_STOP_DEADLINE_MS) > 0 ? Number(process.env.MCPSPY_STOP_DEADLINE_MS) : 10_000;

/**
 * Watches a stop from another thread: after `ms` it says so and sends
 * `signal` to this process, whose handlers are gone by then, so the kernel's
 * default action ends it (exit status 128 + signal). A thread of its own,
 * because a stop can block the main one for seconds in synchronous calls
 * (BPF links detached through libbpf), when no timer of it can run.
 */
function startStopWatchdog(ms: number, signal: 'SIGINT' | 'SIGTERM'): void {
  try {
    const code = `const { workerData: d } = require('node:worker_threads');
setTimeout(() => { require('node:fs').writeSync(2, d.msg); process.kill(d.pid, d.signal); }, d.ms);`;
    const w = new Worker(code, {
      eval: true,
      workerData: { ms, signal, pid: process.pid, msg: `mcpspy: stopping took longer than ${ms / 1000} s: exiting without waiting\n` },
    });
    w.unref();
    w.on('error', () => undefined);
  } catch {
    /* no watchdog: the stop just takes its time */
  }
}

/**
 * Waits for SIGINT/SIGTERM or a stage's request (TUI `q`). Once stopping,
 * our handlers are removed: a second Ctrl+C or SIGTERM gets the kernel's
 * default action and ends the process at once (130, 143), even while the
 * main thread is busy; and a stop longer than STOP_DEADLINE_MS is ended by
 * a watchdog thread (130 after SIGINT, 143 otherwise). No output can block
 * the event loop meanwhile (sink outputs/fd-queue.ts).
 */
function waitForStop(requests: { onRequest(l: (reason: string, code: number) => void): void }): Promise<{ reason: string; code: number }> {
  return new Promise((resolve) => {
    let stopping = false;
    const onInt = () => stop('SIGINT', 0);
    const onTerm = () => stop('SIGTERM', 0);
    const stop = (reason: string, code: number) => {
      if (stopping) return;
      stopping = true;
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      startStopWatchdog(STOP_DEADLINE_MS, reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
      resolve({ reason, code });
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    requests.onRequest(stop);
  });
}

async function runStages(
  config: McpspyConfig,
  stages: StageName[],
  opts: { embedded: boolean; replay?: boolean; name: string; ready: string; feed?: (publish: (s: string, p: unknown) => Promise<void>) => Promise<void> },
): Promise<number> {
  const { logger, file } = createCliLogger(config.logLevel, { tui: config.tui && stages.includes('sink'), name: opts.name });
  const rt = await createRuntime({ config, logger, embedded: opts.embedded, replay: opts.replay, name: opts.name });
  if (config.metricsPort) {
    const port = await rt.metrics.listen(config.metricsPort);
    logger.info({ port }, 'metrics on /metrics, health on /healthz');
  }
  const ordered = PIPELINE.filter((s) => stages.includes(s));
  const apps: Array<[StageName, INestMicroservice]> = [];
  try {
    // Consumers first, so nothing a producer emits at start is missed.
    for (const stage of [...ordered].reverse()) apps.unshift([stage, await startStage(stage, STAGE_MODULES[stage](rt), rt)]);
  } catch (err) {
    await stopStages(apps.map(([, a]) => a), rt).catch(() => undefined);
    throw err;
  }
  say(opts.ready + (file ? ` (logs: ${file})` : ''));
  let code = 0;
  if (opts.feed) {
    const stopped = waitForStop(rt.shutdownRequests);
    await Promise.race([opts.feed((s, p) => rt.bus.publish(s, p)), stopped]);
  } else {
    const r = await waitForStop(rt.shutdownRequests);
    code = r.code;
    logger.info({ reason: r.reason }, 'stopping');
  }
  await stopStages(apps.map(([, a]) => a), rt);
  return code;
}

/** `mcpspy`: every stage in one process (in-process Bus unless --nats). */
export async function runMonitor(config: McpspyConfig, argv: string): Promise<number> {
  requireProbe(argv);
  const stages = PIPELINE.filter((s) => s !== 'security' || config.security);
  const filters = [config.pids.length ? `pids ${config.pids.join(',')}` : '', config.comms.length ? `comms ${config.comms.join(',')}` : '']
    .filter(Boolean)
    .join(', ');
  return runStages(config, stages, {
    embedded: !config.natsUrl,
    name: 'mcpspy',
    ready: `monitoring${filters ? ` (${filters})` : ' all processes'}${config.output ? `, writing ${config.output}` : ''}; Ctrl+C to stop`,
  });
}

/** `mcpspy serve STAGE`: one stage, over NATS. */
export async function runServe(stage: StageName, config: McpspyConfig, argv: string): Promise<number> {
  if (!config.natsUrl) throw new UsageError('serve needs --nats URL (or MCPSPY_NATS_URL): stages talk over NATS');
  if (stage === 'probe') requireProbe(argv);
  if (stage !== 'sink') config.tui = false;
  return runStages(config, [stage], {
    embedded: false,
    name: `mcpspy-${stage}`,
    ready: stage === 'probe' ? `monitoring (serving probe on ${config.natsUrl})` : `serving ${stage} on ${config.natsUrl}`,
  });
}

/** `mcpspy replay FILE`: the stages after the probe, fed from a capture file. */
export async function runReplay(file: string, config: McpspyConfig): Promise<number> {
  requireReadableFile(file, 'capture');
  const stages = PIPELINE.filter((s) => s !== 'probe' && (s !== 'security' || config.security));
  let entries = 0;
  const code = await runStages(config, stages, {
    embedded: !config.natsUrl,
    replay: true,
    name: 'mcpspy-replay',
    ready: `replaying ${file}`,
    feed: async (publish) => {
      for await (const { subject, payload } of readCapture(file, {
        onTruncated: (info) => say(`capture file ends inside an entry after ${info.entriesRead} entries (${info.missingBytes} bytes missing): replayed what is whole`),
      })) {
        entries++;
        if (subject === Subjects.rawProc) {
          try {
            await publish(subject, JSON.parse(payload.toString('utf8')));
          } catch {
            say(`skipped an unreadable process event in entry ${entries}`);
          }
        } else if (subject.startsWith(`${LEGACY_RAW_IO}.`)) {
          // A capture made before raw subjects were routed by kind: its batches mix stdio and net records,
          // so both routes get them and each stage keeps the records it reads.
          const partition = Number(subject.slice(LEGACY_RAW_IO.length + 1));
          await publish(rawSubject('stdio', partition), payload);
          await publish(rawSubject('net', partition), payload);
        } else {
          await publish(subject, payload);
        }
      }
    },
  });
  say(`replayed ${entries} capture entries`);
  return code;
}

/** `mcpspy scan [FILE|-]`: the security analysis over a JSONL file of MCP messages. Exit 1 when alerts were found. */
export async function runScan(file: string, config: McpspyConfig): Promise<number> {
  const { logger } = createCliLogger(config.logLevel, { tui: false, name: 'mcpspy-scan' });
  const engine = new SecurityEngine({
    store: new MemoryStore(),
    logger,
    threshold: config.securityThreshold,
    hfToken: config.hfToken,
    hfUrl: config.hfUrl,
    model: config.securityModel,
    modelPath: config.securityModelPath,
    modelThreads: config.securityModelThreads,
  });
  await engine.init();
  const input = file === '-' ? process.stdin : createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    if (file === '-') return resolve();
    input.once('error', (e: Error) => reject(new UsageError(`failed to open ${file}: ${(e as Error).message}`)));
    input.once('open', () => resolve());
  });
  await opened;
  // A person at a terminal reads alert blocks (escaped like the monitor's console); a pipe gets JSON lines.
  const human = Boolean(process.stdout.isTTY);
  const color = human && !process.env.NO_COLOR;
  const r = await scanJsonl(input, engine, process.stdout, human ? (a) => `${formatAlertBlock(a, { color })}\n` : undefined);
  await engine.close();
  say(`scanned ${r.messages} messages: ${r.alerts} alerts, ${r.invalid} invalid lines`);
  return r.alerts > 0 ? 1 : 0;
}
