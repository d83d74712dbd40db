/**
 * NATS subjects of mcpspy, version 1. Renaming or removing a field of any
 * payload makes a v2 subject; adding a field keeps v1.
 */
export const SUBJECT_PREFIX = 'mcpspy.v1' as const;

export const Subjects = {
  /**
   * Raw batches (binary, see raw-codec.ts), routed at the probe by stream kind
   * so each stage decodes only what it needs; suffix: partition.
   * Pipes and unix socketpairs (stdio) — mcp-parser.
   */
  rawStdio: `${SUBJECT_PREFIX}.raw.stdio`,
  /** Internet sockets (plain HTTP) — http-session. */
  rawNet: `${SUBJECT_PREFIX}.raw.net`,
  /** TLS plaintext from library hooks — http-session. */
  rawTls: `${SUBJECT_PREFIX}.raw.tls`,
  /** Process exec / exit / comm change (JSON). */
  rawProc: `${SUBJECT_PREFIX}.raw.proc`,
  /** One HTTP request, response or SSE event (JSON). */
  httpMessage: `${SUBJECT_PREFIX}.http.message`,
  /** One MCP message in the JSONL schema (JSON, JetStream). */
  mcpMessage: `${SUBJECT_PREFIX}.mcp.message`,
  /** One security alert (JSON, JetStream). */
  securityAlert: `${SUBJECT_PREFIX}.security.alert`,
  /** One verdict per analysed message, only with --security-async=false (JSON). */
  securityVerdict: `${SUBJECT_PREFIX}.security.verdict`,
  /** Probe counters (JSON). */
  probeStats: `${SUBJECT_PREFIX}.probe.stats`,
  /** Counters of any stage (JSON); suffix: stage name. */
  stageStats: `${SUBJECT_PREFIX}.stage.stats`,
  /** What a stage saw but cannot show, or saw done wrong (JSON, JetStream). */
  notice: `${SUBJECT_PREFIX}.notice`,
} as const;

export type SubjectName = keyof typeof Subjects;

/**
 * Subjects kept by JetStream so a restarted consumer resumes where it stopped.
 * `batch.mcp.message` carries MCP messages in batches (batch-envelope.ts).
 */
export const DURABLE_SUBJECTS: readonly string[] = [Subjects.mcpMessage, `${SUBJECT_PREFIX}.batch.mcp.message`, Subjects.securityAlert, Subjects.notice];

/** Name of the JetStream stream holding the durable subjects. */
export const JETSTREAM_STREAM = 'MCPSPY_V1';

/** The kinds of raw stream, each on its own subject. */
export const RAW_ROUTES = ['stdio', 'net', 'tls'] as const;
export type RawRoute = (typeof RAW_ROUTES)[number];

const RAW_BASES: Record<RawRoute, string> = { stdio: Subjects.rawStdio, net: Subjects.rawNet, tls: Subjects.rawTls };

/**
 * Subject of the raw batches of one route and partition. Capture files made
 * before the routes existed name `mcpspy.v1.raw.io.<p>` (stdio and net records
 * mixed): `LEGACY_RAW_IO` is that base, replayed on both routes.
 */
export function rawSubject(route: RawRoute, partition: number): string {
  return `${RAW_BASES[route]}.${partition}`;
}

export const LEGACY_RAW_IO = `${SUBJECT_PREFIX}.raw.io` as const;

/** Subjects whose payload is a binary raw batch rather than JSON. */
export function isBinarySubject(subject: string): boolean {
  return subject.startsWith(`${SUBJECT_PREFIX}.raw.`) && subject !== Subjects.rawProc;
}

/** Wildcard matching every partition of a partitioned subject. */
export function allPartitions(base: string): string {
  return `${base}.*`;
}

/**
 * NATS-style subject matching: `*` matches one token, `>` the rest.
 * Used by the in-process transport so both Bus implementations agree.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** FNV-1a over a string key: stable across processes and languages. */
export function partitionOf(key: string, partitions: number): number {
  if (partitions <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
