/**
 * The modes of the command: the monitor (all stages in one process), one
 * stage (`serve`), a capture replay, and an offline scan of JSONL.
 */
import { accessSync, constants as fsConstants, createReadStream, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { INestMicroservice } from '@nestjs/common';
import { LEGACY_RAW_IO, rawSubject, safeJsonText, Subjects, visibleText } from '@mcpspy/events';
import {
  createRuntime,
  McpspyConfig,
  MemoryStore,
  redactUrl,
  runWarmUp,
  StageName,
  startStage,
  stopStages,
  warmUpEnabled,
  lowerPriority,
  securityNice,
} from '@mcpspy/runtime';
// The stages' packages are loaded where they are used (here and in stages.ts):
// `mcpspy serve <stage>` then holds only its own stage's code.
import { EnvironmentError, UsageError } from './errors';
import { createCliLogger } from './logging';
import { PIPELINE, pkg, STAGE_MODULES, STAGE_WARMUPS } from './stages';

function say(line: string): void {
  process.stderr.write(`mcpspy: ${line}\n`);
}

async function requireProbe(args: string): Promise<void> {
  const { checkProbePrerequisites, NotRootError } = pkg('@mcpspy/probe');
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
  opts: {
    embedded: boolean;
    replay?: boolean;
    name: string;
    ready: string;
    feed?: (publish: (s: string, p: unknown) => Promise<void>) => Promise<void>;
    /** Run after the stages are subscribed and before the ready line (serve: the stage's warm-up). */
    warmUp?: () => Promise<unknown> | unknown;
  },
): Promise<number> {
  const { logger, file } = createCliLogger(config.logLevel, { tui: config.tui && stages.includes('sink'), name: opts.name });
  const rt = await createRuntime({ config, logger, embedded: opts.embedded, replay: opts.replay, name: opts.name });
  if (config.metricsPort) {
    const port = await rt.metrics.listen(config.metricsPort, config.metricsAddr, { token: config.metricsToken });
    logger.info({ port, addr: config.metricsAddr, token: Boolean(config.metricsToken) }, 'metrics on /metrics, health on /healthz');
  }
  const ordered = PIPELINE.filter((s) => stages.includes(s));
  const apps: Array<[StageName, INestMicroservice]> = [];
  try {
    // Consumers first, so nothing a producer emits at start is missed.
    for (const stage of [...ordered].reverse()) apps.unshift([stage, await startStage(stage, await STAGE_MODULES[stage](rt), rt)]);
  } catch (err) {
    await stopStages(apps.map(([, a]) => a), rt).catch(() => undefined);
    throw err;
  }
  // Before the ready line, so whoever waits for it (a user, a bench, an orchestrator's probe) starts traffic on warm code.
  if (opts.warmUp) await runWarmUp(opts.name, logger, opts.warmUp);
  // The signal handlers go in before the ready line: a SIGINT sent as soon as it is read (a script, a test)
  // would otherwise meet the default action and end the process with 130 instead of a clean stop.
  const stopped = waitForStop(rt.shutdownRequests);
  say(opts.ready + (file ? ` (logs: ${file})` : ''));
  let code = 0;
  if (opts.feed) {
    await Promise.race([opts.feed((s, p) => rt.bus.publish(s, p)), stopped]);
  } else {
    const r = await stopped;
    code = r.code;
    logger.info({ reason: r.reason }, 'stopping');
  }
  await stopStages(apps.map(([, a]) => a), rt);
  return code;
}

/** Where --otlp sends, for the ready line. */
function otlpNote(config: McpspyConfig): string {
  if (!config.otlp) return '';
  const where = config.otlpEndpoint ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318';
  return `, OpenTelemetry to ${where}`;
}

/** `mcpspy`: every stage in one process (in-process Bus unless --nats). */
export async function runMonitor(config: McpspyConfig, argv: string): Promise<number> {
  await requireProbe(argv);
  const stages = PIPELINE.filter((s) => (s !== 'security' || config.security) && (s !== 'web' || config.web));
  const filters = [config.pids.length ? `pids ${config.pids.join(',')}` : '', config.comms.length ? `comms ${config.comms.join(',')}` : '']
    .filter(Boolean)
    .join(', ');
  return runStages(config, stages, {
    embedded: !config.natsUrl,
    name: 'mcpspy',
    ready: `monitoring${filters ? ` (${filters})` : ' all processes'}${config.output ? `, writing ${config.output}` : ''}${otlpNote(config)}; Ctrl+C to stop`,
  });
}

/** `mcpspy serve STAGE`: one stage, over NATS. */
export async function runServe(stage: StageName, config: McpspyConfig, argv: string): Promise<number> {
  if (!config.natsUrl) throw new UsageError('serve needs --nats URL (or MCPSPY_NATS_URL): stages talk over NATS');
  if (stage === 'probe') await requireProbe(argv);
  if (stage !== 'sink') config.tui = false;
  // Asynchronous verdicts put security off the write -> line path: on a busy host it gives way to the other stages (libs/runtime priority.ts).
  if (stage === 'security' && config.securityAsync) lowerPriority(securityNice());
  // `serve web` without --web: the default address, loopback only.
  if (stage === 'web') config.web ??= { host: '127.0.0.1', port: 8080 };
  return runStages(config, [stage], {
    embedded: false,
    name: `mcpspy-${stage}`,
    warmUp: warmUpEnabled() ? STAGE_WARMUPS[stage] : undefined,
    ready: stage === 'probe' ? `monitoring (serving probe on ${redactUrl(config.natsUrl)})` : `serving ${stage} on ${redactUrl(config.natsUrl)}${stage === 'sink' ? otlpNote(config) : ''}`,
  });
}

/** `mcpspy replay FILE`: the stages after the probe, fed from a capture file. */
export async function runReplay(file: string, config: McpspyConfig): Promise<number> {
  requireReadableFile(file, 'capture');
  const { readCapture } = pkg('@mcpspy/probe');
  const stages = PIPELINE.filter((s) => s !== 'probe' && (s !== 'security' || config.security) && (s !== 'web' || config.web));
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

/** Exit code of `scan` when no alert was found but some lines were invalid or too long to read. */
export const EXIT_SCAN_BAD_INPUT = 3;

/** `mcpspy scan [FILE|-]`: the security analysis over a JSONL file of MCP messages. Exit 1 when alerts were found, 3 when none were but lines were bad. */
export async function runScan(file: string, config: McpspyConfig): Promise<number> {
  const { logger } = createCliLogger(config.logLevel, { tui: false, name: 'mcpspy-scan' });
  const { SCAN_MAX_LINE_BYTES, scanJsonl, SecurityEngine } = pkg('@mcpspy/security');
  const { formatAlertBlock } = pkg('@mcpspy/sink');
  const engine = new SecurityEngine({
    store: new MemoryStore(),
    logger,
    threshold: config.securityThreshold,
    hfToken: config.hfToken,
    hfUrl: config.hfUrl,
    model: config.securityModel,
    modelPath: config.securityModelPath,
    modelThreads: config.securityModelThreads,
    offlineBudgetMs: config.securityBudgetMs,
    cacheEntries: config.securityCacheEntries,
    cacheMb: config.securityCacheMb,
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
  const r = await scanJsonl(input, engine, process.stdout, { format: human ? (a) => `${formatAlertBlock(a, { color })}\n` : undefined });
  await engine.close();
  say(`scanned ${r.messages} messages: ${r.alerts} alerts, ${r.invalid} invalid lines${r.skipped ? `, ${r.skipped} lines over ${SCAN_MAX_LINE_BYTES / 1048576} MiB skipped` : ''}`);
  // Alerts win (1); otherwise input the scan could not read whole is its own code (3), so a CI job knows the scan was partial.
  return r.alerts > 0 ? 1 : r.invalid + r.skipped > 0 ? EXIT_SCAN_BAD_INPUT : 0;
}

/**
 * `mcpspy coverage`: what this host lets the monitor see (root). Kernel hook
 * types are tried one by one with empty programs; TLS libraries come from the
 * probe's own discovery run dry over every process (nothing stays attached).
 * Process names come from the traffic's hosts, so they are escaped.
 */
export async function runCoverage(json: boolean, argv: string): Promise<number> {
  await requireProbe(argv);
  const { probeHookTypes, scanTls } = pkg('@mcpspy/probe');
  const hooks = probeHookTypes();
  const tls = scanTls();
  const unhooked = tls.processes.filter((p) => p.hooked.length === 0 && p.httpsConnections > 0);
  if (json) {
    process.stdout.write(`${safeJsonText(JSON.stringify({ hooks, tls: tls.processes, unhooked: unhooked.map((p) => p.pid), problems: tls.problems }))}\n`);
    return 0;
  }
  const yes = (b: boolean) => (b ? 'yes' : 'no ');
  const out: string[] = ['Kernel hook types (each tried alone with an empty program):', '  hook             loads attaches  used for'];
  for (const h of hooks) out.push(`  ${h.hook.padEnd(16)} ${yes(h.loads)}   ${yes(h.attaches)}       ${h.use}${h.error ? ` — ${h.error}` : ''}`);
  const fexit = hooks.find((h) => h.hook === 'fentry/fexit');
  out.push(`  syscall capture backend on this host: ${fexit?.attaches ? 'fexit' : 'tracepoints (fentry/fexit refused)'}`, '');
  out.push('Processes with TLS libraries mcpspy hooks, or with HTTPS connections open:', '  pid      comm             hooked TLS             HTTPS connections');
  for (const p of tls.processes.sort((a, b) => a.pid - b.pid)) {
    out.push(`  ${String(p.pid).padEnd(8)} ${visibleText(p.comm, 16).padEnd(16)} ${(p.hooked.join(',') || '— none').padEnd(22)} ${p.httpsConnections}`);
  }
  out.push('');
  if (unhooked.length) {
    out.push('HTTPS through no hooked library (invisible to mcpspy; a tls_unhooked notice is raised when their handshakes are seen live):');
    for (const p of unhooked) out.push(`  ${p.pid} ${visibleText(p.comm, 16)}: ${p.httpsConnections} connection(s)`);
  } else {
    out.push('No process holds an HTTPS connection through an unhooked library right now.');
  }
  if (tls.problems.length) {
    out.push('', 'Files with a TLS library mcpspy found but could not hook:');
    for (const p of tls.problems) out.push(`  ${visibleText(p.path, 120)}${p.library ? ` (${p.library})` : ''}: ${visibleText(p.problem, 200)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
