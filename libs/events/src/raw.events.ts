/**
 * Raw events: what the kernel saw, one record per chunk of a read/write or
 * SSL call. The layout mirrors `struct mcpspy_event` in bpf/include/events.h;
 * raw-layout.spec.ts checks the offsets against the C compiler.
 */
import type { RawRoute } from './subjects';
export const SCHEMA_RAW_BATCH = 'mcpspy.raw.v1.batch' as const;

export const RawKind = {
  io: 1,
  tls: 2,
  exec: 3,
  exit: 4,
  gap: 5,
  /** A process opened a libssl file (data = path); the probe attaches uprobes to it. */
  libsslOpen: 6,
  /** Bytes moved where no hook reads them (data = what, detail); the probe turns it into a notice. */
  unseen: 7,
  /** A process sent a TLS ClientHello on an inet socket (data = record header); the probe checks a hook covers it. */
  tlsHello: 8,
  userGap: 100,
} as const;
export type RawKindCode = (typeof RawKind)[keyof typeof RawKind];

export const Direction = { read: 0, write: 1 } as const;
export type DirectionCode = (typeof Direction)[keyof typeof Direction];

export const FdType = { other: 0, pipe: 1, unix: 2, inet: 3, tty: 4, file: 5, none: 6 } as const;
export type FdTypeCode = (typeof FdType)[keyof typeof FdType];

/**
 * `elided`: a pipe or unix read whose bytes its writer's records already
 * carry (a write of that stream was captured): it names the reader and holds
 * no data (len 0, totalLen 0; bpf/include/events.h MCPSPY_F_ELIDED).
 */
export const RawFlags = { truncated: 1, lostBefore: 2, first: 4, last: 8, elided: 128 } as const;

/**
 * TLS records carry in flags bits 4..6 the hook that saw the plaintext
 * (enum mcpspy_tls_lib of events.h; index = code).
 */
export const TLS_LIBRARY_SHIFT = 4;
export const TLS_LIBRARIES = ['openssl', 'gnutls', 'go', 'boringssl', 'rustls'] as const;
export type TlsLibraryName = (typeof TLS_LIBRARIES)[number];

/** The library of a TLS record from its flags; undefined for codes this build does not know. */
export function tlsLibraryOf(flags: number): TlsLibraryName | undefined {
  return TLS_LIBRARIES[(flags >> TLS_LIBRARY_SHIFT) & 7];
}

/** Byte offsets of `struct mcpspy_event`. */
export const RawEventLayout = {
  kind: 0,
  direction: 1,
  fdType: 2,
  flags: 3,
  pid: 4,
  tid: 8,
  fd: 12,
  tsNs: 16,
  streamId: 24,
  callId: 32,
  totalLen: 40,
  offset: 48,
  len: 56,
  lostBytes: 60,
  comm: 64,
  commLen: 16,
  headerSize: 80,
} as const;

/** Counter indexes of the kernel's per-CPU stats map (enum mcpspy_stat). */
export const KernelStat = {
  events: 0,
  bytes: 1,
  ringbufFull: 2,
  readFaults: 3,
  gaps: 4,
  lostBytes: 5,
  filtered: 6,
  /** A child of a --pid process not followed: the allow list was full. */
  pidFull: 7,
  /** An elided read that sent no record: its reader was named already (bpf/io_common.bpf.h fold_read). */
  readsFolded: 8,
  /** A stream's pending lost bytes dropped when its process exited: no record of it could carry them any more (bpf/io_common.bpf.h sweep_lost). */
  lostSwept: 9,
} as const;

/** `enum mcpspy_unseen_what` of bpf/include/events.h: what a RawKind.unseen record reports. */
export const UnseenWhat = { splice: 1, tee: 2, sendfile: 3, ioUring: 4, quiet: 5 } as const;
export type UnseenWhatCode = (typeof UnseenWhat)[keyof typeof UnseenWhat];
export const KERNEL_STAT_SLOTS = 16;

/** One decoded record. `data` is a view into the batch: copy it to keep it. */
export interface RawEvent {
  kind: number;
  direction: number;
  fdType: number;
  flags: number;
  pid: number;
  tid: number;
  fd: number;
  /** Kernel monotonic time of the call (ns). */
  tsNs: bigint;
  /** Pipe inode, writer-end unix inode, socket inode, SSL pointer, or parent pid. */
  streamId: bigint;
  callId: bigint;
  totalLen: number;
  offset: number;
  lostBytes: number;
  comm: string;
  data: Uint8Array;
}

/** A decoded batch with its clock reference. */
export interface RawBatch {
  /** wall-clock ns minus kernel monotonic ns, measured by the probe. */
  wallOffsetNs: bigint;
  /** Per-producer batch sequence; a jump means batches were dropped. */
  seq: bigint;
  producer: number;
  events: RawEvent[];
}

/**
 * Key of the byte channel an event belongs to. Writer and reader of the same
 * pipe (or unix socketpair direction) share it; TLS streams are per process.
 */
export function streamKeyOf(ev: Pick<RawEvent, 'kind' | 'fdType' | 'pid' | 'streamId'>): string {
  // A message's write and read, and the messages after it, are on the same stream: the key of the one
  // before is reused instead of printing the 64-bit id again (and hashing a new string).
  const tls = ev.kind === RawKind.tls;
  if (ev.streamId === lastStreamId && ev.fdType === lastFdType && tls === lastTls && (!tls || ev.pid === lastPid)) return lastStreamKey;
  let key: string;
  if (tls) key = `tls:${ev.pid}:${ev.streamId.toString(16)}`;
  else {
    switch (ev.fdType) {
      case FdType.pipe:
        key = `pipe:${ev.streamId}`;
        break;
      case FdType.unix:
        key = `unix:${ev.streamId}`;
        break;
      case FdType.inet:
        key = `inet:${ev.streamId}`;
        break;
      default:
        key = `fd${ev.fdType}:${ev.streamId}`;
    }
  }
  lastStreamId = ev.streamId;
  lastFdType = ev.fdType;
  lastTls = tls;
  lastPid = ev.pid;
  lastStreamKey = key;
  return key;
}
let lastStreamId = -1n;
let lastFdType = -1;
let lastTls = false;
let lastPid = -1;
let lastStreamKey = '';

/** True for events the stdio path (mcp-parser) owns: pipes and unix socketpairs. */
export function isStdioEvent(ev: Pick<RawEvent, 'kind' | 'fdType'>): boolean {
  return rawRouteOf(ev.kind, ev.fdType) === 'stdio';
}

/**
 * The subject route of a record: stdio (pipes, unix socketpairs), net (inet
 * sockets) or tls; undefined for records no stage reads.
 */
export function rawRouteOf(kind: number, fdType: number): RawRoute | undefined {
  if (kind === RawKind.tls) return 'tls';
  if (kind !== RawKind.io) return undefined;
  if (fdType === FdType.pipe || fdType === FdType.unix) return 'stdio';
  if (fdType === FdType.inet) return 'net';
  return undefined;
}

/** True for events the HTTP path (http-session) owns: inet sockets and TLS. */
export function isHttpCandidate(ev: Pick<RawEvent, 'kind' | 'fdType'>): boolean {
  const route = rawRouteOf(ev.kind, ev.fdType);
  return route === 'net' || route === 'tls';
}

let lastWallMs = Number.NaN;
let lastIso = '';
/** The kernel times [lastLoNs, lastHiNs) that fall in lastWallMs with offset lastOffsetNs (empty until one is set). */
let lastLoNs = 1n;
let lastHiNs = 0n;
let lastOffsetNs = 0n;

/** Converts a kernel timestamp to RFC 3339 with milliseconds. */
export function kernelTimeToIso(tsNs: bigint, wallOffsetNs: bigint): string {
  // Messages come thousands a second: most fall in the millisecond of the one before. That is checked in kernel
  // time, by comparisons only: the sum and the division below make a BigInt each (two allocations per message).
  if (tsNs < lastHiNs && tsNs >= lastLoNs && wallOffsetNs === lastOffsetNs) return lastIso;
  const wallMs = Number((tsNs + wallOffsetNs) / 1_000_000n);
  if (wallMs !== lastWallMs) {
    lastIso = new Date(wallMs).toISOString();
    lastWallMs = wallMs;
  }
  // The division truncates toward zero: the millisecond's range is [ms, ms + 1) only from 0 up.
  if (wallMs >= 0 && Number.isSafeInteger(wallMs)) {
    lastLoNs = BigInt(wallMs) * 1_000_000n - wallOffsetNs;
    lastHiNs = lastLoNs + 1_000_000n;
    lastOffsetNs = wallOffsetNs;
  } else {
    lastLoNs = 1n;
    lastHiNs = 0n;
  }
  return lastIso;
}
