/**
 * Entry point of the `mcpspy` command. Parses flags, then hands over to a mode.
 * Exit codes: 0 ok, 1 runtime failure (or alerts found by `scan`), 2 usage error,
 * 3 `scan` found no alert but could not read every line (invalid or over-long).
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { BusConnectError, ConfigError, McpspyError, STAGES, StageName, StoreConnectError, VIEW_STAGES } from '@mcpspy/runtime/core';
import { EnvironmentError, UsageError } from './errors';
// The modes load Nest, NATS, Redis and the stages: only when a command runs, so --help and usage errors answer at once.
// require, not import(): see STAGE_MODULES in stages.ts.
const modes = async () => require('./modes') as typeof import('./modes');
import { addCommonFlags, CliFlags, configFromFlags } from './options';

const ROOT = join(__dirname, '../../../..');
const SERVABLE: readonly StageName[] = [...STAGES, ...VIEW_STAGES];

export function version(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The arguments as a person would retype them in a shell (the privilege message tells what to rerun). */
function shellArgs(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function buildProgram(run: (p: Promise<number>) => void): Command {
  const program = new Command('mcpspy')
    .description('Watch Model Context Protocol traffic (stdio, HTTP, HTTPS) with eBPF, without touching the programs.')
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Examples:
  sudo mcpspy                                  live TUI of all MCP traffic on this host
  sudo mcpspy --tui=false -o mcp.jsonl         console lines, and JSONL to mcp.jsonl
  sudo mcpspy --comm node,python3 --security   only these programs, with attack detection
  sudo mcpspy --record cap.mcpspy              also save raw events for later replay
  sudo mcpspy --tui=false --web 8080           web view on http://127.0.0.1:8080 (token printed)
  mcpspy replay cap.mcpspy -o mcp.jsonl        rebuild messages from a capture (no root)
  mcpspy scan mcp.jsonl                        security analysis of a JSONL file
  mcpspy serve mcp-parser --nats nats://127.0.0.1:4222 --redis redis://127.0.0.1:6379

Every flag can also be set as an MCPSPY_* environment variable (see README).`,
    );
  addCommonFlags(program, { capture: true, output: true, distributed: true }).action((flags: CliFlags) => {
    run(modes().then((m) => m.runMonitor(configFromFlags(flags), `mcpspy ${shellArgs(process.argv.slice(2))}`.trim())));
  });

  addCommonFlags(
    program
      .command('serve')
      .description('run one stage of the pipeline over NATS (distributed mode)')
      .argument('<stage>', `one of: ${SERVABLE.join(', ')}`),
    { capture: true, output: true, distributed: true },
  ).action((stage: string, flags: CliFlags) => {
    if (!SERVABLE.includes(stage as StageName)) throw new UsageError(`unknown stage "${stage}" (expected one of: ${SERVABLE.join(', ')})`);
    run(modes().then((m) => m.runServe(stage as StageName, configFromFlags(flags), `mcpspy serve ${shellArgs(process.argv.slice(3))}`)));
  });

  addCommonFlags(
    program
      .command('replay')
      .description('run the pipeline over a capture file made with --record (no root, no kernel)')
      .argument('<file>', 'capture file'),
    { capture: false, output: true, distributed: true },
  ).action((file: string, flags: CliFlags) => {
    const config = configFromFlags({ tui: false, ...flags });
    run(modes().then((m) => m.runReplay(file, config)));
  });

  program
    .command('scan')
    .description('security analysis of a JSONL file of MCP messages (our output format); prints alert lines, exit 1 if any, 3 if none but bad lines')
    .argument('[file]', 'JSONL file, or - for standard input', '-')
    .option('--hf-token <token>', 'also ask the HuggingFace Inference API (visible in ps: prefer --hf-token-file or MCPSPY_HF_TOKEN)')
    .option('--hf-token-file <file>', 'read the HuggingFace API token from FILE')
    .option('--security-model <name>', 'HuggingFace model')
    .option('--security-model-path <dir>', 'local ONNX classifier directory')
    .addOption(new Option('--security-encoder [bool]', 'also judge with the pretrained sentence encoder (slow; default false)'))
    .option('--security-threshold <0..1>', 'minimum score of an alert (default 0.5)')
    .option('--log-level <level>', 'log level')
    .action((file: string, flags: CliFlags) => run(modes().then((m) => m.runScan(file, configFromFlags({ tui: false, ...flags })))));

  program
    .command('coverage')
    .description('what this host lets mcpspy see: kernel hook types that load, TLS libraries per process (hooked or not), HTTPS connections through no hooked library (root)')
    .option('--json', 'one JSON document instead of tables')
    .action((flags: { json?: boolean }) => run(modes().then((m) => m.runCoverage(Boolean(flags.json), `${process.argv0} ${process.argv.slice(1).join(' ')}`))));

  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`mcpspy ${version()}\n`);
    });
  return program;
}

function fail(err: unknown): never {
  if (err instanceof ConfigError || err instanceof UsageError) {
    process.stderr.write(`mcpspy: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof EnvironmentError || err instanceof BusConnectError || err instanceof StoreConnectError) {
    process.stderr.write(`mcpspy: ${err.message}\n`);
    process.exit(1);
  }
  // Our named errors carry a complete `failed to <verb> <object>: <detail>` line; a stack only helps for the unexpected.
  if (err instanceof McpspyError) {
    process.stderr.write(`mcpspy: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`mcpspy: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
}

/** Commander's errors as our one-liner: `mcpspy: <problem>`, its suggestion kept on the same line. */
function writeUsageError(s: string): void {
  if (!s.startsWith('error: ')) {
    process.stderr.write(s);
    return;
  }
  const text = s.slice(7).trim().replace(/\s*\n\s*/g, ' ').replace(/\(Did you mean/, '(did you mean');
  process.stderr.write(`mcpspy: ${text}\n`);
}

/**
 * When whoever reads our stdout goes away (`mcpspy scan f | head`), stop as
 * other command-line tools do: quietly. A running monitor shuts down the way
 * SIGTERM makes it (its JSONL file is flushed); anything else just exits.
 */
function stopQuietlyOnClosedStdout(): void {
  let seen = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (seen) return;
    seen = true;
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
    else process.exit(0);
  });
}

export function main(argv = process.argv): void {
  stopQuietlyOnClosedStdout();
  const run = (p: Promise<number>) => {
    p.then((code) => process.exit(code), fail);
  };
  const program = buildProgram(run);
  program.exitOverride();
  program.configureOutput({ writeErr: writeUsageError });
  for (const sub of program.commands) {
    sub.exitOverride();
    sub.configureOutput({ writeErr: writeUsageError });
  }
  try {
    program.parse(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
      process.exit(2);
    }
    fail(err);
  }
}

if (require.main === module) main();
