/**
 * Command-line flags of every mode, and how they map onto McpspyConfig.
 * Flags are optional overrides of MCPSPY_* variables, which override defaults.
 */
import { Command, Option } from 'commander';
import {
  ConfigError,
  configFromEnv,
  LOG_LEVELS,
  McpspyConfig,
  parseBool,
  parseFloatRange,
  parseHostPort,
  parseIntStrict,
  parseList,
  parseOtlp,
  parseRingSize,
  parseSize,
  readSecretFile,
  redactUrl,
} from '@mcpspy/runtime/core';

export interface CliFlags {
  tui?: string | boolean;
  output?: string;
  outputMaxSize?: string;
  outputForce?: boolean;
  quiet?: boolean;
  security?: string | boolean;
  hfToken?: string;
  hfTokenFile?: string;
  securityModel?: string;
  securityModelPath?: string;
  securityThreshold?: string;
  securityAsync?: string | boolean;
  securityEncoder?: string | boolean;
  pid?: string[];
  comm?: string[];
  nats?: string;
  natsCreds?: string;
  natsNkey?: string;
  natsUser?: string;
  natsPasswordFile?: string;
  natsTokenFile?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  redis?: string;
  redisPasswordFile?: string;
  redisTlsCa?: string;
  metricsAddr?: string;
  record?: string;
  ringSize?: string;
  logLevel?: string;
  metricsPort?: string;
  partitions?: string;
  partition?: string;
  instance?: string;
  web?: string;
  webMaxMessages?: string;
  otlp?: string | boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Adds the shared flags to a command. `which` leaves out flags that make no sense there. */
export function addCommonFlags(cmd: Command, which: { capture: boolean; output: boolean; distributed: boolean }): Command {
  if (which.output) {
    cmd
      .addOption(new Option('--tui [bool]', 'interactive terminal UI (default: on when stdout is a terminal)'))
      .option('-o, --output <file>', 'write MCP messages and alerts as JSONL to FILE')
      .option('--output-max-size <size>', 'rotate the JSONL file past this size (e.g. 100MB)')
      .option('--output-force', 'let -o/--record write through a symlink, into another user\'s file, a FIFO or a device (-o /dev/stdout)')
      .option('-q, --quiet', 'no console lines (with --tui=false)')
      .addOption(new Option('--otlp [endpoint]', 'export MCP spans and metrics over OpenTelemetry (OTLP/HTTP; default endpoint from OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318)'));
  }
  cmd
    .addOption(new Option('--security [bool]', 'detect prompt injection, tool poisoning, rug pulls and data leaks'))
    .option('--hf-token <token>', 'HuggingFace API token: adds the HF Inference API model to the offline detectors (visible in ps: prefer --hf-token-file or MCPSPY_HF_TOKEN)')
    .option('--hf-token-file <file>', 'read the HuggingFace API token from FILE')
    .option('--security-model <name>', 'HuggingFace model for detection (default protectai/deberta-v3-base-prompt-injection-v2)')
    .option('--security-model-path <dir>', 'local ONNX classifier directory')
    .addOption(new Option('--security-encoder [bool]', 'also judge windows the n-gram classifier is unsure of with a pretrained sentence encoder (Universal Sentence Encoder lite; slow, +150-300 MB; default false)'))
    .option('--security-threshold <0..1>', 'minimum score of an alert (default 0.5)')
    .addOption(new Option('--security-async [bool]', 'analyse without holding messages (default true); false holds each message until judged'));
  if (which.capture) {
    cmd
      .option('--pid <pids>', 'only these process ids and every descendant (comma-separated, repeatable); children they start later are followed, as strace -f does, so a wrapper script, npx or uvx chain is captured', collect)
      .option('--comm <names>', 'only processes with these names, first 15 bytes (comma-separated, repeatable): the process name (its main thread\'s), or the name of the thread making the call', collect)
      .option('--record <file>', 'also save raw events to a capture file (replay it with `mcpspy replay FILE`)')
      .option('--ring-size <size>', 'kernel ring of captured syscall data, a power of two (default 64MB; the TLS ring is the same size up to 16MB): the largest single write captured whole and the burst the monitor rides out; smaller saves memory');
  }
  if (which.distributed) {
    cmd
      .option('--nats <url>', 'NATS server (JetStream on): run over NATS instead of in-process')
      .option('--nats-creds <file>', 'NATS creds file (user JWT and NKey seed)')
      .option('--nats-nkey <file>', 'NATS NKey seed file')
      .option('--nats-user <name>', 'NATS user (password from --nats-password-file or MCPSPY_NATS_PASSWORD[_FILE])')
      .option('--nats-password-file <file>', 'read the NATS password from FILE')
      .option('--nats-token-file <file>', 'read the NATS token from FILE')
      .option('--nats-tls-ca <file>', 'CA bundle that signed the NATS server certificate (turns TLS on)')
      .option('--nats-tls-cert <file>', 'client certificate for NATS mutual TLS')
      .option('--nats-tls-key <file>', 'private key of --nats-tls-cert')
      .option('--redis <url>', 'Redis server for shared state (pairing, tool fingerprints); rediss:// for TLS')
      .option('--redis-password-file <file>', 'read the Redis password from FILE (or MCPSPY_REDIS_PASSWORD[_FILE])')
      .option('--redis-tls-ca <file>', 'CA bundle that signed the Redis server certificate (turns TLS on)')
      .option('--partitions <n>', 'partitions of the raw subjects (default 1)')
      .option('--partition <list>', 'partitions this stream-stage instance owns (serve mode; default all)')
      .option('--instance <name>', 'name of this process (durable consumer names, metrics)');
  }
  if (which.output) {
    cmd
      .option('--web <[host:]port>', 'serve the web view on [host:]port (host default 127.0.0.1; token: MCPSPY_WEB_TOKEN or printed at start)')
      .option('--web-max-messages <n>', 'messages the web view keeps (default 5000)');
  }
  cmd
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS as string[]))
    .option('--metrics-port <port>', 'serve Prometheus /metrics and /healthz on PORT')
    .option('--metrics-addr <addr>', 'address of /metrics and /healthz (default 127.0.0.1); MCPSPY_METRICS_TOKEN[_FILE] requires a bearer token');
  return cmd;
}

function bool(name: string, v: string | boolean | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  return parseBool(name, v);
}

/** Builds the settings: defaults ← MCPSPY_* ← flags. Throws ConfigError for bad values. */
export function configFromFlags(f: CliFlags, env: NodeJS.ProcessEnv = process.env): McpspyConfig {
  const c = configFromEnv(env);
  const tui = bool('--tui', f.tui);
  if (tui !== undefined) c.tui = tui;
  else if (env.MCPSPY_TUI === undefined) c.tui = Boolean(process.stdout.isTTY && process.stdin.isTTY);
  if (f.output !== undefined) c.output = f.output;
  if (f.outputMaxSize !== undefined) c.outputMaxSize = parseSize('--output-max-size', f.outputMaxSize);
  if (f.outputForce) c.outputForce = true;
  if (f.quiet) c.console = false;
  if (f.otlp === true) c.otlp = true;
  else if (typeof f.otlp === 'string') Object.assign(c, parseOtlp('--otlp', f.otlp));
  const sec = bool('--security', f.security);
  if (sec !== undefined) c.security = sec;
  if (f.hfToken !== undefined) c.hfToken = f.hfToken;
  if (f.hfTokenFile !== undefined) c.hfToken = readSecretFile('--hf-token-file', f.hfTokenFile);
  if (f.securityModel !== undefined) c.securityModel = f.securityModel;
  if (f.securityModelPath !== undefined) c.securityModelPath = f.securityModelPath;
  if (f.securityThreshold !== undefined) c.securityThreshold = parseFloatRange('--security-threshold', f.securityThreshold, 0, 1);
  const se = bool('--security-encoder', f.securityEncoder);
  if (se !== undefined) c.securityEncoder = se;
  const sa = bool('--security-async', f.securityAsync);
  if (sa !== undefined) c.securityAsync = sa;
  if (f.pid?.length) c.pids = f.pid.flatMap(parseList).map((p) => parseIntStrict('--pid', p, 1));
  if (f.comm?.length) c.comms = f.comm.flatMap(parseList);
  for (const name of c.comms) {
    if (Buffer.byteLength(name) > 15) throw new ConfigError(`invalid value for --comm: "${name}" is longer than the kernel's 15-byte process names`);
  }
  if (f.nats !== undefined) c.natsUrl = f.nats;
  if (f.redis !== undefined) c.redisUrl = f.redis;
  if (f.natsCreds !== undefined) c.natsAuth.credsFile = f.natsCreds;
  if (f.natsNkey !== undefined) c.natsAuth.nkeyFile = f.natsNkey;
  if (f.natsUser !== undefined) c.natsAuth.user = f.natsUser;
  if (f.natsPasswordFile !== undefined) c.natsAuth.password = readSecretFile('--nats-password-file', f.natsPasswordFile);
  if (f.natsTokenFile !== undefined) c.natsAuth.token = readSecretFile('--nats-token-file', f.natsTokenFile);
  if (f.natsTlsCa !== undefined) c.natsAuth.tlsCa = f.natsTlsCa;
  if (f.natsTlsCert !== undefined) c.natsAuth.tlsCert = f.natsTlsCert;
  if (f.natsTlsKey !== undefined) c.natsAuth.tlsKey = f.natsTlsKey;
  if (Boolean(c.natsAuth.tlsCert) !== Boolean(c.natsAuth.tlsKey)) throw new ConfigError('invalid NATS TLS settings: --nats-tls-cert and --nats-tls-key go together');
  if (f.redisPasswordFile !== undefined) c.redisAuth.password = readSecretFile('--redis-password-file', f.redisPasswordFile);
  if (f.redisTlsCa !== undefined) c.redisAuth.tlsCa = f.redisTlsCa;
  if (f.metricsAddr !== undefined) c.metricsAddr = f.metricsAddr;
  if (f.record !== undefined) c.record = f.record;
  if (f.ringSize !== undefined) c.ringSize = parseRingSize('--ring-size', f.ringSize);
  if (f.logLevel !== undefined) c.logLevel = f.logLevel;
  if (f.metricsPort !== undefined) c.metricsPort = parseIntStrict('--metrics-port', f.metricsPort, 0, 65535);
  if (f.partitions !== undefined) c.partitions = parseIntStrict('--partitions', f.partitions, 1, 1024);
  if (f.partition !== undefined) c.ownedPartitions = parseList(f.partition).map((p) => parseIntStrict('--partition', p, 0, 1023));
  if (f.instance !== undefined) c.instance = f.instance;
  if (f.web !== undefined) c.web = parseHostPort('--web', f.web);
  if (f.webMaxMessages !== undefined) c.webMaxMessages = parseIntStrict('--web-max-messages', f.webMaxMessages, 1, 1_000_000);
  if (c.ownedPartitions?.some((p) => p >= c.partitions)) {
    throw new ConfigError(`invalid value for --partition: partitions are 0..${c.partitions - 1}`);
  }
  if (c.natsUrl && !/^(nats|tls|ws|wss):\/\/|^[\w.-]+:\d+$/.test(c.natsUrl)) {
    throw new ConfigError(`invalid value for --nats: "${redactUrl(c.natsUrl)}" (expected nats://host:port)`);
  }
  if (c.redisUrl && !/^rediss?:\/\//.test(c.redisUrl)) {
    throw new ConfigError(`invalid value for --redis: "${redactUrl(c.redisUrl)}" (expected redis://host:port or rediss://host:port; password from MCPSPY_REDIS_PASSWORD_FILE)`);
  }
  if (!LOG_LEVELS.includes(c.logLevel as never)) {
    throw new ConfigError(`invalid value for MCPSPY_LOG_LEVEL: "${c.logLevel}" (expected one of ${LOG_LEVELS.join(', ')})`);
  }
  return c;
}
