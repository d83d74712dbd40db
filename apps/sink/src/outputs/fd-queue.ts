/**
 * Writing to a FIFO, a pipe, a terminal or a device without ever blocking
 * the event loop. A reader that stops reading (`mcpspy -o fifo` whose reader
 * is suspended, `mcpspy --tui=false | less` left on one page, Ctrl+S on a
 * terminal) would otherwise hold write(2) forever: the process freezes and
 * signal handlers, which run on the event loop, never run, so neither Ctrl+C
 * nor SIGTERM stops it.
 *
 * The fd is opened again through /proc/self/fd with O_NONBLOCK: a new open
 * file description of the same pipe or device, so the flag does not leak to
 * the other processes sharing the original one (the shell's pipeline).
 * Writes take what the pipe accepts; the rest waits in a bounded queue and is
 * retried on a timer. Past `maxPendingBytes` new lines are dropped and
 * counted. When nothing could be written for `stuckMs` while data waits, the
 * output is declared stuck once (until it moves again): `onStuck` is called,
 * which the sink turns into an `output_stuck` notice.
 *
 * A socket cannot be reopened through /proc (ENXIO): it is written as before
 * (blocking), a documented limit.
 */
import * as fs from 'node:fs';

const { O_WRONLY, O_NONBLOCK, O_APPEND } = fs.constants;

export interface FdQueueOptions {
  /** Bytes waiting in memory before new lines are dropped (default 8 MiB). */
  maxPendingBytes?: number;
  /** No progress for this long while data waits = stuck (default 5000 ms). */
  stuckMs?: number;
  /** Retry interval while the reader does not read (default 20 ms). */
  retryMs?: number;
  /** Called once per stuck episode. */
  onStuck?: (info: { pendingBytes: number; stuckMs: number }) => void;
  /** Called when a stuck output accepts data again. */
  onResumed?: (info: { droppedLines: number }) => void;
  /** Clock, for tests. */
  now?: () => number;
}

export interface FdQueueStats {
  linesWritten: number;
  bytesWritten: number;
  /** Lines never written: refused past the bound, or left when close() gave up. */
  droppedLines: number;
  stuckEpisodes: number;
}

interface Chunk {
  buf: Buffer;
  off: number;
  lines: number;
}

/** What to do with an fd that is not a regular file: reopen it non-blocking, or undefined if it cannot be (a socket). */
export function reopenNonBlocking(fd: number): number | undefined {
  try {
    const st = fs.fstatSync(fd);
    if (st.isFile() || st.isSocket()) return undefined;
    return fs.openSync(`/proc/self/fd/${fd}`, O_WRONLY | O_NONBLOCK | O_APPEND);
  } catch {
    return undefined;
  }
}

export class FdQueue {
  readonly stats: FdQueueStats = { linesWritten: 0, bytesWritten: 0, droppedLines: 0, stuckEpisodes: 0 };
  private readonly chunks: Chunk[] = [];
  private pending = 0;
  private lastProgress: number;
  private stuck = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly maxPending: number;
  private readonly stuckMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;

  /** `fd` must be non-blocking (see reopenNonBlocking); it is closed by close(). */
  constructor(
    private readonly fd: number,
    private readonly opts: FdQueueOptions = {},
  ) {
    this.maxPending = opts.maxPendingBytes ?? 8 * 1024 * 1024;
    this.stuckMs = opts.stuckMs ?? 5000;
    this.retryMs = opts.retryMs ?? 20;
    this.now = opts.now ?? Date.now;
    this.lastProgress = this.now();
  }

  get pendingBytes(): number {
    return this.pending;
  }

  get isStuck(): boolean {
    return this.stuck;
  }

  /** Queues `buf` (holding `lines` whole lines) and writes what the reader takes now. Never blocks, never throws for EAGAIN. */
  push(buf: Buffer, lines: number): void {
    if (this.closed) return;
    if (this.pending > 0 && this.pending + buf.length > this.maxPending) {
      this.stats.droppedLines += lines;
      this.check();
      return;
    }
    if (this.pending === 0) this.lastProgress = this.now();
    this.chunks.push({ buf, off: 0, lines });
    this.pending += buf.length;
    this.drain();
  }

  /** Writes as much as the reader accepts. Throws a real write error (EPIPE, EIO); EAGAIN only waits. */
  drain(): void {
    while (this.chunks.length > 0) {
      const c = this.chunks[0];
      let n: number;
      try {
        n = fs.writeSync(this.fd, c.buf, c.off, c.buf.length - c.off);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.dropAll();
          throw err;
        }
        break;
      }
      if (n > 0) this.progress(n);
      c.off += n;
      this.pending -= n;
      if (c.off >= c.buf.length) {
        this.chunks.shift();
        this.stats.linesWritten += c.lines;
      } else if (n === 0) break;
    }
    this.check();
  }

  /**
   * Writes what it can for at most `graceMs` (blocking this thread in short
   * sleeps: close() runs at shutdown, possibly from a signal handler), then
   * drops the rest, counted, and closes the fd. Bounded: a stuck reader
   * cannot hold shutdown.
   */
  close(graceMs = 1000): void {
    if (this.closed) return;
    const deadline = this.now() + graceMs;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      try {
        this.drain();
      } catch {
        break;
      }
      if (this.chunks.length === 0 || this.now() >= deadline) break;
      Atomics.wait(nap, 0, 0, Math.min(10, Math.max(1, deadline - this.now())));
    }
    this.closed = true;
    this.dropAll();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already gone */
    }
  }

  private progress(n: number): void {
    this.stats.bytesWritten += n;
    this.lastProgress = this.now();
    if (this.stuck) {
      this.stuck = false;
      this.opts.onResumed?.({ droppedLines: this.stats.droppedLines });
    }
  }

  private dropAll(): void {
    for (const c of this.chunks) this.stats.droppedLines += c.lines;
    this.chunks.length = 0;
    this.pending = 0;
  }

  /** Schedules a retry while data waits, and declares the output stuck after stuckMs without progress. */
  private check(): void {
    if (this.chunks.length === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (!this.stuck && this.now() - this.lastProgress >= this.stuckMs) {
      this.stuck = true;
      this.stats.stuckEpisodes++;
      this.opts.onStuck?.({ pendingBytes: this.pending, stuckMs: this.now() - this.lastProgress });
    }
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        try {
          this.drain();
        } catch {
          /* counted as dropped; the next push sees the error again */
        }
      }, this.retryMs);
      this.timer.unref();
    }
  }
}
