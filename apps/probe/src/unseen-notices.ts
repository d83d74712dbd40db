/**
 * Turns the kernel's "bytes moved where no hook reads them" sightings
 * (RawKind.unseen: splice, tee, sendfile, io_uring) into notices: one per
 * (process, what) when first seen, then the count raised at most every
 * `minIntervalMs`, and a last count when the process exits. The counts live
 * in the syscall object's `unseen` map; this class only reads them.
 */
import { FdType, NoticeEvent, UnseenWhat, UnseenWhatCode, visibleText } from '@mcpspy/events';

export interface UnseenSighting {
  pid: number;
  comm: string;
  what: number;
  /** io_uring: opcode of the first request; quiet: calls that went unchecked. */
  detail: number;
  fdType: number;
  streamId: bigint;
  /** Bytes of the first call (0 for io_uring; quiet: of the unchecked calls). */
  bytes: number;
  timestamp: string;
}

export interface UnseenCounts {
  calls: number;
  bytes: number;
}

export interface UnseenNoticesOptions {
  publish(n: NoticeEvent): void;
  /** Current counts of (pid, what) in the kernel map; undefined when gone. */
  read(pid: number, what: number): UnseenCounts | undefined;
  /** Drops (pid, what) from the kernel map. */
  forget(pid: number, what: number): void;
  minIntervalMs?: number;
  now?: () => number;
}

interface Entry {
  base: Omit<NoticeEvent, 'count' | 'detail'>;
  sighting: UnseenSighting;
  published: number;
  at: number;
}

/** Names of the io_uring opcodes that move bytes (include/uapi/linux/io_uring.h). */
const IORING_OPS: Record<number, string> = {
  1: 'READV',
  2: 'WRITEV',
  4: 'READ_FIXED',
  5: 'WRITE_FIXED',
  9: 'SENDMSG',
  10: 'RECVMSG',
  22: 'READ',
  23: 'WRITE',
  26: 'SEND',
  27: 'RECV',
  30: 'SPLICE',
  33: 'TEE',
};

const WHAT_NAMES: Record<UnseenWhatCode, string> = {
  [UnseenWhat.splice]: 'splice(2)',
  [UnseenWhat.tee]: 'tee(2)',
  [UnseenWhat.sendfile]: 'sendfile(2)',
  [UnseenWhat.ioUring]: 'io_uring',
  [UnseenWhat.quiet]: 'quiet stream',
};

function streamName(fdType: number, streamId: bigint): string | undefined {
  switch (fdType) {
    case FdType.pipe:
      return `pipe:${streamId}`;
    case FdType.unix:
      return `unix:${streamId}`;
    case FdType.inet:
      return `inet:${streamId}`;
    default:
      return undefined;
  }
}

export function unseenDetail(s: UnseenSighting, c: UnseenCounts): string {
  const who = `pid ${s.pid} (${visibleText(s.comm)})`;
  if (s.what === UnseenWhat.ioUring) {
    const op = IORING_OPS[s.detail] ?? `opcode ${s.detail}`;
    return `${who} submits I/O through io_uring (first request ${op}); its buffers are not read, so what it sends or receives that way cannot be shown (${c.calls} requests so far)`;
  }
  if (s.what === UnseenWhat.quiet) {
    const on = streamName(s.fdType, s.streamId) ?? 'a stream';
    return `${who}: a sampled call on ${on} looked like JSON or HTTP after 256 or more calls there that did not, so the probe had stopped checking every call; ${c.calls} earlier calls (${c.bytes} bytes) were not checked and are not shown: capture starts at the sampled call`;
  }
  const name = WHAT_NAMES[s.what as UnseenWhatCode] ?? `call ${s.what}`;
  const on = s.fdType === FdType.pipe ? 'a pipe' : 'a socket';
  return `${who} moved bytes on ${on} with ${name}, a kernel-to-kernel copy with no user buffer to read, so they cannot be shown (${c.calls} calls, ${c.bytes} bytes so far)`;
}

export class UnseenNotices {
  private readonly entries = new Map<string, Entry>();
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: UnseenNoticesOptions) {
    this.minIntervalMs = opts.minIntervalMs ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The kernel reports each (pid, what) once; a repeat (the map entry was evicted) raises the count. */
  onSighting(s: UnseenSighting): void {
    const key = `${s.pid}:${s.what}`;
    const known = this.entries.get(key);
    if (known) {
      this.update(known, true);
      return;
    }
    const e: Entry = {
      base: {
        timestamp: s.timestamp,
        reason: s.what === UnseenWhat.ioUring ? 'io_uring' : s.what === UnseenWhat.quiet ? 'quiet_unchecked' : 'kernel_copy',
        stage: 'probe',
        pid: s.pid,
        comm: s.comm,
        stream: streamName(s.fdType, s.streamId),
      },
      sighting: s,
      published: 0,
      at: 0,
    };
    this.entries.set(key, e);
    this.emit(e, { calls: s.what === UnseenWhat.quiet ? s.detail : 1, bytes: s.bytes });
  }

  /** Raises counts that changed, at most every minIntervalMs per entry. */
  tick(): void {
    for (const e of this.entries.values()) this.update(e, false);
  }

  /** The process is gone: its last count (if it changed) and its kernel entries go. */
  onExit(pid: number): void {
    for (const [key, e] of this.entries) {
      if (e.sighting.pid !== pid) continue;
      this.update(e, true);
      this.opts.forget(pid, e.sighting.what);
      this.entries.delete(key);
    }
  }

  private update(e: Entry, force: boolean): void {
    const c = this.opts.read(e.sighting.pid, e.sighting.what);
    if (!c || c.calls <= e.published) return;
    if (!force && this.now() - e.at < this.minIntervalMs) return;
    this.emit(e, c);
  }

  private emit(e: Entry, c: UnseenCounts): void {
    e.published = c.calls;
    e.at = this.now();
    try {
      this.opts.publish({ ...e.base, detail: unseenDetail(e.sighting, c), count: c.calls });
    } catch {
      // A publisher that throws must not stop the drain; the next count retries.
    }
  }
}
