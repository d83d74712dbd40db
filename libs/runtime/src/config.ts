/**
 * Settings shared by every stage. Sources, strongest first: command-line
 * flags, MCPSPY_* environment variables, defaults. Each field names its
 * variable; `mcpspy --help` lists the flags.
 */
import { ConfigError } from './errors';
import { authFromEnv, type NatsAuth, type RedisAuth, secretFromEnv } from './secrets';

/** The pipeline: every stage `mcpspy serve` runs, deployed by docker-compose and Kubernetes. */
export const STAGES = ['probe', 'http-session', 'mcp-parser', 'security', 'sink'] as const;
/** Stages that only watch the pipeline, started on request (`--web`, `mcpspy serve web`). */
export const VIEW_STAGES = ['web'] as const;
export type StageName = (typeof STAGES)[number] | (typeof VIEW_STAGES)[number];

export interface McpspyConfig {
  /** MCPSPY_NATS_URL: empty means the in-process Bus (embedded mode). */
  natsUrl?: string;
  /** MCPSPY_REDIS_URL: empty means the in-memory Store. */
  redisUrl?: string;
  /** NATS credentials and TLS: MCPSPY_NATS_USER, _PASSWORD[_FILE], _TOKEN[_FILE], _NKEY_FILE, _CREDS, _TLS_CA/_CERT/_KEY. */
  natsAuth: NatsAuth;
  /** Redis password and TLS: MCPSPY_REDIS_USER, MCPSPY_REDIS_PASSWORD[_FILE], MCPSPY_REDIS_TLS_CA. */
  redisAuth: RedisAuth;
  /** MCPSPY_LOG_LEVEL */
  logLevel: string;
  /** MCPSPY_PARTITIONS: partitions of raw subjects. */
  partitions: number;
  /** MCPSPY_PARTITION: partitions this stream-stage instance owns (serve mode); empty = all. */
  ownedPartitions?: number[];
  /** MCPSPY_PID: pids to watch (empty = all). */
  pids: number[];
  /** MCPSPY_COMM: process names to watch (empty = all). */
  comms: string[];
  /** MCPSPY_OUTPUT: JSONL file. */
  output?: string;
  /** MCPSPY_OUTPUT_MAX_SIZE: rotate the JSONL file past this many bytes (0 = never). */
  outputMaxSize: number;
  /**
   * MCPSPY_OUTPUT_FORCE: let `-o` and `--record` write through a symlink, into
   * another user's file, a FIFO or a device (`-o /dev/stdout`); refused by default.
   */
  outputForce: boolean;
  /** MCPSPY_TUI */
  tui: boolean;
  /** MCPSPY_CONSOLE: print one line per message on stdout when the TUI is off. */
  console: boolean;
  /** MCPSPY_RECORD: capture file for raw events. */
  record?: string;
  /** MCPSPY_METRICS_PORT: Prometheus /metrics and /healthz (0 = off). */
  metricsPort: number;
  /** MCPSPY_METRICS_ADDR: address /metrics and /healthz listen on (default 127.0.0.1). */
  metricsAddr: string;
  /** MCPSPY_METRICS_TOKEN / MCPSPY_METRICS_TOKEN_FILE: bearer token required on /metrics and /healthz. */
  metricsToken?: string;
  /** MCPSPY_STALL_SECONDS: /healthz reports a stage stalled after this long without progress (default 30). */
  stallSeconds: number;
  /** MCPSPY_SECURITY */
  security: boolean;
  /** MCPSPY_HF_TOKEN / MCPSPY_HF_TOKEN_FILE / --hf-token-file (the --hf-token flag shows in `ps`). */
  hfToken?: string;
  /** MCPSPY_SECURITY_MODEL */
  securityModel: string;
  /** MCPSPY_SECURITY_MODEL_PATH: local ONNX model directory. */
  securityModelPath?: string;
  /** MCPSPY_SECURITY_ENCODER: the pretrained sentence encoder behind the n-gram classifier (default false). */
  securityEncoder?: boolean;
  /** MCPSPY_SECURITY_ENCODER_RATE: most windows the sentence encoder embeds per second (default 5). */
  securityEncoderRate?: number;
  /** MCPSPY_SECURITY_MODEL_THREADS: WebAssembly threads of one local inference (default 1). */
  securityModelThreads?: number;
  /** MCPSPY_SECURITY_BUDGET_MS: time one message's rules and secret patterns may take on the offline worker (default 2000). */
  securityBudgetMs?: number;
  /** MCPSPY_SECURITY_CACHE_ENTRIES: most entries of security's verdict cache (default 10,000; 0 turns it off). */
  securityCacheEntries?: number;
  /** MCPSPY_SECURITY_CACHE_MB: most MB held by security's verdict cache (default 16). */
  securityCacheMb?: number;
  /** MCPSPY_SECURITY_THRESHOLD */
  securityThreshold: number;
  /** MCPSPY_SECURITY_ASYNC */
  securityAsync: boolean;
  /** MCPSPY_HF_URL: base URL of the HuggingFace Inference API (tests point it at a local double). */
  hfUrl: string;
  /** MCPSPY_INSTANCE: name of this process in durable consumer names and metrics. */
  instance: string;
  /** MCPSPY_HOST_PROC: the host's /proc (a container mounts it elsewhere). */
  hostProc: string;
  /** MCPSPY_WEB: where the web view listens (`[host:]port`; host defaults to 127.0.0.1); empty = no web view. */
  web?: { host: string; port: number };
  /** MCPSPY_WEB_MAX_MESSAGES: messages the web view keeps (the newest). */
  webMaxMessages: number;
  /** MCPSPY_RING_SIZE: the syscall capture ring in bytes (a power of two, 1 MiB to 1 GiB); the TLS ring is the same size up to its 16 MiB default. Unset: the probe's defaults. */
  ringSize?: number;
  /** MCPSPY_WEB_TOKEN: the web view's access token (environment only: never on a command line); empty = a random one. */
  webToken?: string;
  /** MCPSPY_OTLP: OpenTelemetry export from the sink (`true`, or the base URL of an OTLP/HTTP endpoint). */
  otlp?: boolean;
  /** Base URL from `--otlp URL` / MCPSPY_OTLP=URL; unset: the OTEL_EXPORTER_OTLP_* variables decide. */
  otlpEndpoint?: string;
}

/** `--otlp` / MCPSPY_OTLP: a boolean, or a URL that turns the export on and names its endpoint. */
export function parseOtlp(name: string, v: string): { otlp: boolean; otlpEndpoint?: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim())) {
    if (!/^https?:\/\/[^/\s]+/i.test(v.trim())) throw new ConfigError(`invalid value for ${name}: "${v}" (expected true, false or an http(s) URL such as http://127.0.0.1:4318)`);
    return { otlp: true, otlpEndpoint: v.trim() };
  }
  return { otlp: parseBool(name, v) };
}

/** MCPSpy's default since the Inference API stopped serving meta-llama/Llama-Prompt-Guard-2-86M (HTTP 410). */
export const DEFAULT_SECURITY_MODEL = 'protectai/deberta-v3-base-prompt-injection-v2';
export const DEFAULT_HF_URL = 'https://router.huggingface.co/hf-inference/models';

export function defaultConfig(): McpspyConfig {
  return {
    logLevel: 'info',
    partitions: 1,
    pids: [],
    comms: [],
    outputMaxSize: 0,
    outputForce: false,
    tui: false,
    console: true,
    metricsPort: 0,
    metricsAddr: '127.0.0.1',
    stallSeconds: 30,
    natsAuth: {},
    redisAuth: {},
    security: false,
    securityModel: DEFAULT_SECURITY_MODEL,
    securityThreshold: 0.5,
    securityAsync: true,
    hfUrl: DEFAULT_HF_URL,
    instance: 'default',
    hostProc: '/proc',
    webMaxMessages: 5000,
  };
}

export function parseBool(name: string, v: string): boolean {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new ConfigError(`invalid value for ${name}: "${v}" (expected true or false)`);
}

export function parseIntStrict(name: string, v: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(v.trim())) throw new ConfigError(`invalid value for ${name}: "${v}" (expected a whole number)`);
  const n = Number(v.trim());
  if (n < min || n > max) throw new ConfigError(`invalid value for ${name}: ${n} (expected ${min}..${max})`);
  return n;
}

export function parseFloatRange(name: string, v: string, min: number, max: number): number {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(`invalid value for ${name}: "${v}" (expected a number from ${min} to ${max})`);
  }
  return n;
}

export function parseList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `--ring-size` / MCPSPY_RING_SIZE: the kernel wants a power of two of pages; 1 MiB to 1 GiB. */
export function parseRingSize(name: string, v: string): number {
  const n = parseSize(name, v);
  if (n < 1024 ** 2 || n > 1024 ** 3 || (n & (n - 1)) !== 0) {
    throw new ConfigError(`invalid value for ${name}: "${v}" (expected a power of two from 1MB to 1GB, such as 16MB, 32MB or 64MB)`);
  }
  return n;
}

export function parseSize(name: string, v: string): number {
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(v.trim());
  if (!m) throw new ConfigError(`invalid value for ${name}: "${v}" (expected a size such as 100MB)`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Number(m[1]) * mult;
}

/** `[host:]port` (IPv6 in brackets): host defaults to 127.0.0.1, port 0 picks a free one. */
export function parseHostPort(name: string, v: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(v.trim());
  if (!m) throw new ConfigError(`invalid value for ${name}: "${v}" (expected [host:]port, e.g. 8080 or 127.0.0.1:8080)`);
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError(`invalid value for ${name}: port ${port} (expected 0..65535)`);
  const host = m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
  return { host, port };
}

/** Reads MCPSPY_* variables over the defaults. Throws ConfigError on bad values. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, base = defaultConfig()): McpspyConfig {
  const c = { ...base };
  const s = (k: string) => {
    const v = env[k];
    return v === undefined || v === '' ? undefined : v;
  };
  let v: string | undefined;
  if ((v = s('MCPSPY_NATS_URL'))) c.natsUrl = v;
  if ((v = s('MCPSPY_REDIS_URL'))) c.redisUrl = v;
  if ((v = s('MCPSPY_LOG_LEVEL'))) c.logLevel = v;
  if ((v = s('MCPSPY_PARTITIONS'))) c.partitions = parseIntStrict('MCPSPY_PARTITIONS', v, 1, 1024);
  if ((v = s('MCPSPY_PARTITION'))) c.ownedPartitions = parseList(v).map((p) => parseIntStrict('MCPSPY_PARTITION', p, 0, 1023));
  if ((v = s('MCPSPY_PID'))) c.pids = parseList(v).map((p) => parseIntStrict('MCPSPY_PID', p, 1));
  if ((v = s('MCPSPY_COMM'))) c.comms = parseList(v);
  if ((v = s('MCPSPY_OUTPUT'))) c.output = v;
  if ((v = s('MCPSPY_OUTPUT_MAX_SIZE'))) c.outputMaxSize = parseSize('MCPSPY_OUTPUT_MAX_SIZE', v);
  if ((v = s('MCPSPY_OUTPUT_FORCE'))) c.outputForce = parseBool('MCPSPY_OUTPUT_FORCE', v);
  if ((v = s('MCPSPY_TUI'))) c.tui = parseBool('MCPSPY_TUI', v);
  if ((v = s('MCPSPY_CONSOLE'))) c.console = parseBool('MCPSPY_CONSOLE', v);
  if ((v = s('MCPSPY_RECORD'))) c.record = v;
  if ((v = s('MCPSPY_METRICS_PORT'))) c.metricsPort = parseIntStrict('MCPSPY_METRICS_PORT', v, 0, 65535);
  if ((v = s('MCPSPY_SECURITY'))) c.security = parseBool('MCPSPY_SECURITY', v);
  if ((v = secretFromEnv(env, 'MCPSPY_HF_TOKEN'))) c.hfToken = v;
  if ((v = s('MCPSPY_METRICS_ADDR'))) c.metricsAddr = v;
  if ((v = secretFromEnv(env, 'MCPSPY_METRICS_TOKEN'))) c.metricsToken = v;
  if ((v = s('MCPSPY_STALL_SECONDS'))) c.stallSeconds = parseIntStrict('MCPSPY_STALL_SECONDS', v, 1, 86_400);
  const auth = authFromEnv(env);
  c.natsAuth = { ...c.natsAuth, ...auth.nats };
  c.redisAuth = { ...c.redisAuth, ...auth.redis };
  if ((v = s('MCPSPY_SECURITY_MODEL'))) c.securityModel = v;
  if ((v = s('MCPSPY_SECURITY_MODEL_PATH'))) c.securityModelPath = v;
  if ((v = s('MCPSPY_SECURITY_ENCODER'))) c.securityEncoder = parseBool('MCPSPY_SECURITY_ENCODER', v);
  if ((v = s('MCPSPY_SECURITY_ENCODER_RATE'))) c.securityEncoderRate = parseIntStrict('MCPSPY_SECURITY_ENCODER_RATE', v, 1, 10_000);
  if ((v = s('MCPSPY_SECURITY_MODEL_THREADS'))) c.securityModelThreads = parseIntStrict('MCPSPY_SECURITY_MODEL_THREADS', v, 1, 64);
  if ((v = s('MCPSPY_SECURITY_BUDGET_MS'))) c.securityBudgetMs = parseIntStrict('MCPSPY_SECURITY_BUDGET_MS', v, 10, 600_000);
  if ((v = s('MCPSPY_SECURITY_CACHE_ENTRIES'))) c.securityCacheEntries = parseIntStrict('MCPSPY_SECURITY_CACHE_ENTRIES', v, 0, 10_000_000);
  if ((v = s('MCPSPY_SECURITY_CACHE_MB'))) c.securityCacheMb = parseIntStrict('MCPSPY_SECURITY_CACHE_MB', v, 1, 65_536);
  if ((v = s('MCPSPY_SECURITY_THRESHOLD'))) c.securityThreshold = parseFloatRange('MCPSPY_SECURITY_THRESHOLD', v, 0, 1);
  if ((v = s('MCPSPY_SECURITY_ASYNC'))) c.securityAsync = parseBool('MCPSPY_SECURITY_ASYNC', v);
  if ((v = s('MCPSPY_HF_URL'))) c.hfUrl = v;
  if ((v = s('MCPSPY_INSTANCE'))) c.instance = v;
  if ((v = s('MCPSPY_HOST_PROC'))) c.hostProc = v;
  if ((v = s('MCPSPY_WEB'))) c.web = parseHostPort('MCPSPY_WEB', v);
  if ((v = s('MCPSPY_RING_SIZE'))) c.ringSize = parseRingSize('MCPSPY_RING_SIZE', v);
  if ((v = s('MCPSPY_WEB_MAX_MESSAGES'))) c.webMaxMessages = parseIntStrict('MCPSPY_WEB_MAX_MESSAGES', v, 1, 1_000_000);
  if ((v = s('MCPSPY_WEB_TOKEN'))) {
    // It travels in a cookie: printable ASCII without separators; long enough not to be guessed. Never echoed.
    if (!/^[A-Za-z0-9._~+\/=-]{16,512}$/.test(v)) throw new ConfigError('invalid value for MCPSPY_WEB_TOKEN (expected 16 to 512 characters of A-Z a-z 0-9 . _ ~ + / = -)');
    c.webToken = v;
  }
  if ((v = s('MCPSPY_OTLP'))) Object.assign(c, parseOtlp('MCPSPY_OTLP', v));
  return c;
}
