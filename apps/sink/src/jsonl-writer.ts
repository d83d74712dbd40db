/**
 * The `-o FILE` output: one JSON object a line, file mode 0600 (MCP traffic
 * carries tokens and user data), rotated by size. Opened with
 * openOutputFile (@mcpspy/runtime): no symlink followed, no other user's file
 * or FIFO/device taken without `force`, a device never chmod-ed, a FIFO
 * without a reader refused at once rather than hanging start-up.
 *
 * Lines are buffered and written with synchronous writes, either when 64 KiB
 * have piled up or at the latest flushMs (25) after the first buffered line;
 * with flushMs 0 (embedded: a probe batch is handled whole in one turn of the
 * event loop) at the end of that turn.
 * Without rotation a line is encoded straight into one reused buffer
 * (`Buffer.write`), instead of kept as a string, joined with the others and
 * encoded again at the flush; with rotation each line stays a string until
 * the flush, which cuts files between lines.
 * Synchronous writes to a regular file only copy into the page cache, so a
 * batch costs tens of microseconds, keeps lines in order without a promise
 * chain, and lets close() (and a signal handler) finish the file without
 * waiting on the event loop: nothing handed to write() can be left behind.
 */
import * as fs from 'node:fs';
import { type Counters, type Logger, openOutputFile, turnTrace } from '@mcpspy/runtime';
import { safeJsonText } from '@mcpspy/events';
import { OutputOpenError, OutputWriteError } from './errors';
import { safeLine } from './jsonl-format';
import { FdQueue, reopenNonBlocking, type FdQueueOptions } from './outputs/fd-queue';

/** MCPSPY_TURN_TRACE set: each write is timed (libs/runtime turn-trace.ts). */
const TRACE = turnTrace.enabled;

export interface JsonlWriterOptions {
  path: string;
  /** Rotate when the file would grow past this many bytes; 0 or undefined = never. */
  maxSize?: number;
  /** Rotated files kept: FILE.1 (newest) … FILE.<keep>. */
  keep?: number;
  /** Longest a line waits in memory, in ms (default 25); 0 = until the end of this turn of the event loop (setImmediate). */
  flushMs?: number;
  /** Bytes buffered before an immediate write. */
  highWaterMark?: number;
  /** Keep what the file holds instead of truncating it (a restarted sink resuming). */
  append?: boolean;
  /** Accept a symlink, another user's file, a FIFO or a device at the path (`--output-force`). */
  force?: boolean;
  logger?: Logger;
  /** Receives jsonl_write_errors and jsonl_rotations. */
  counters?: Counters;
  /** A FIFO, pipe or device at the path is written without blocking (outputs/fd-queue.ts): bounds and the stuck callback. */
  backPressure?: FdQueueOptions;
}

export interface JsonlWriterStats {
  lines: number;
  bytes: number;
  rotations: number;
  writeErrors: number;
}

export class JsonlWriter {
  private fd = -1;
  private size = 0;
  /** A FIFO, pipe, tty or device is neither rotated nor fsynced. */
  private regular = true;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Lines encoded and not written yet (no rotation): `chunk[0, chunkOff)` holds `chunkLines` lines. */
  private chunk: Buffer | undefined;
  private chunkOff = 0;
  private chunkLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  // Set at the first write when the fd is a FIFO, pipe or device: writes that never block the event loop.
  private queue: FdQueue | undefined;
  private kindChecked = false;
  private readonly loggedErrors = new Set<string>();
  readonly stats: JsonlWriterStats = { lines: 0, bytes: 0, rotations: 0, writeErrors: 0 };
  private readonly maxSize: number;
  private readonly keep: number;
  private readonly flushMs: number;
  private readonly highWaterMark: number;

  constructor(private readonly opts: JsonlWriterOptions) {
    this.maxSize = Math.max(0, opts.maxSize ?? 0);
    this.keep = Math.max(1, opts.keep ?? 5);
    this.flushMs = opts.flushMs ?? 25;
    this.highWaterMark = opts.highWaterMark ?? 64 * 1024;
  }

  get path(): string {
    return this.opts.path;
  }

  /** Opens (creates 0600, or truncates our own regular file). Throws OutputOpenError. */
  open(): void {
    try {
      const r = openOutputFile(this.opts.path, { append: this.opts.append, force: this.opts.force, what: 'output' });
      this.fd = r.fd;
      this.regular = r.regular;
      this.size = r.size;
    } catch (err) {
      this.fd = -1;
      throw new OutputOpenError(this.opts.path, err);
    }
  }

  /** Queues one line (without its newline). Never throws: failures are counted and logged. */
  writeLine(line: string): void {
    this.put(line, false);
  }

  /**
   * Queues one line given as JSON text that has not been through safeLine
   * (messageToJsonlText): the bytes written are safeLine(text)'s. Encoded
   * first; when the byte count equals the length (plain ASCII) and there is
   * no DEL, the line is safe as encoded — one pass fewer than checking the
   * string before encoding it. Otherwise it is encoded again, escaped.
   */
  writeJsonText(text: string): void {
    this.put(text, true);
  }

  /**
   * Queues one message line given in three parts: `head` (JSON text up to and
   * with `raw`'s opening quote), `raw`'s string and `tail` (from its closing
   * quote on), both texts unchecked as in writeJsonText; `bytes` is what `raw`
   * was decoded from (holdCapturedBytes). The bytes written are
   * safeLine(head + JSON.stringify(raw).slice(1, -1) + tail)'s. When `bytes`
   * holds only printable ASCII (nearly every captured line) `raw`'s escape is
   * written from them straight into the buffer: a `\` before each `"` and
   * `\`, every other byte as it is, which is all JSON.stringify changes in such
   * a text; the line's other parts are encoded around it. Anything else (a
   * byte outside printable ASCII in `raw`, a head or tail that is not plain
   * ASCII or holds DEL, rotation) takes the whole line through writeJsonText.
   */
  writeJsonWithRaw(head: string, raw: string, bytes: Uint8Array, tail: string): void {
    if (this.closed) return;
    if (this.maxSize > 0 && this.regular) {
      this.writeJsonText(head + JSON.stringify(raw).slice(1, -1) + tail);
      return;
    }
    // Head and tail at most 3 bytes per unit, raw's escape at most 2 bytes per byte, and the newline.
    const most = (head.length + tail.length) * 3 + bytes.length * 2 + 1;
    if (this.chunk && this.chunkOff + most > this.chunk.length && this.chunkOff > 0) this.flush();
    if (!this.chunk || most > this.chunk.length) this.chunk = Buffer.allocUnsafe(Math.max(this.highWaterMark * 2, most));
    const c = this.chunk;
    // Nothing is committed until the end (chunkOff unchanged): a line that cannot be written this way is written
    // again over it.
    const n = c.write(head, this.chunkOff, 'utf8');
    let off = n === head.length ? escapeAsciiInto(bytes, c, this.chunkOff + n) : -1;
    if (off >= 0) {
      const t = c.write(tail, off, 'utf8');
      off = t === tail.length && head.indexOf('\u007f') === -1 && tail.indexOf('\u007f') === -1 ? off + t : -1;
    }
    if (off < 0) {
      this.writeJsonText(head + JSON.stringify(raw).slice(1, -1) + tail);
      return;
    }
    c[off++] = 0x0a;
    this.chunkOff = off;
    this.chunkLines++;
    this.pendingBytes = off;
    this.scheduleFlush();
  }

  private put(line: string, unchecked: boolean): void {
    if (this.closed) return;
    if (unchecked && this.maxSize > 0 && this.regular) line = safeLine(line);
    if (this.maxSize > 0 && this.regular) {
      const text = `${line}\n`;
      this.pending.push(text);
      this.pendingBytes += text.length;
    } else {
      // At most 3 bytes per UTF-16 unit (a surrogate pair takes 4 for 2), plus the newline.
      const most = line.length * 3 + 1;
      if (this.chunk && this.chunkOff + most > this.chunk.length && this.chunkOff > 0) this.flush();
      if (!this.chunk || most > this.chunk.length) this.chunk = Buffer.allocUnsafe(Math.max(this.highWaterMark * 2, most));
      const c = this.chunk;
      const n = c.write(line, this.chunkOff, 'utf8');
      // Not committed yet (chunkOff unchanged): a line that needs escaping is written again over it.
      if (unchecked && (n !== line.length || line.indexOf('\u007f') !== -1)) {
        this.put(safeJsonText(line), false);
        return;
      }
      let off = this.chunkOff + n;
      c[off++] = 0x0a;
      this.chunkOff = off;
      this.chunkLines++;
      this.pendingBytes = off;
    }
    this.scheduleFlush();
  }

  /** After a line is queued: a write now past the high-water mark, else one at the end of the turn or after flushMs. */
  private scheduleFlush(): void {
    if (this.pendingBytes >= this.highWaterMark) this.flush();
    else if (this.flushMs === 0) {
      if (!this.immediate) {
        this.immediate = setImmediate(() => {
          this.immediate = undefined;
          this.flush();
        });
        this.immediate.unref();
      }
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes every buffered line now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    if ((this.pending.length === 0 && this.chunkOff === 0) || this.fd < 0) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const chunk = this.chunk;
    const bytes = this.chunkOff;
    const lineCount = this.chunkLines;
    this.chunkOff = 0;
    this.chunkLines = 0;
    try {
      if (lines.length > 0) {
        if (this.maxSize > 0 && this.regular) this.writeRotating(lines);
        else this.writeAll(Buffer.from(lines.join(''), 'utf8'), lines.length);
      }
      if (chunk && bytes > 0) {
        this.writeAll(chunk.subarray(0, bytes), lineCount);
        // A FIFO/pipe queue keeps what it could not write yet: the next lines go to a new buffer.
        if (this.queue) this.chunk = undefined;
      }
    } catch (err) {
      this.stats.writeErrors++;
      this.opts.counters?.inc('jsonl_write_errors');
      // A full disk fails every write: one line per kind of failure, then only the counter.
      const code = (err as NodeJS.ErrnoException).code ?? 'other';
      if (!this.loggedErrors.has(code)) {
        this.loggedErrors.add(code);
        this.opts.logger?.error({ err }, `${new OutputWriteError(this.opts.path, 'write', err).message} (logged once; further failures are counted in jsonl_write_errors)`);
      }
    }
  }

  // Rotation happens between lines only, so every file holds whole lines.
  private writeRotating(lines: string[]): void {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    for (const text of lines) {
      const buf = Buffer.from(text, 'utf8');
      if (this.size + batchBytes > 0 && this.size + batchBytes + buf.length > this.maxSize) {
        if (batch.length > 0) this.writeAll(Buffer.concat(batch, batchBytes), batch.length);
        batch = [];
        batchBytes = 0;
        if (this.size > 0) this.rotate();
      }
      batch.push(buf);
      batchBytes += buf.length;
    }
    if (batch.length > 0) this.writeAll(Buffer.concat(batch, batchBytes), batch.length);
  }

  private writeAll(buf: Buffer, lineCount: number): void {
    if (!this.kindChecked) {
      this.kindChecked = true;
      const nb = reopenNonBlocking(this.fd);
      if (nb !== undefined) this.queue = new FdQueue(nb, this.opts.backPressure);
    }
    if (this.queue) {
      this.queue.push(buf, lineCount);
      return;
    }
    const t0 = TRACE ? performance.now() : 0;
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    if (TRACE) turnTrace.write(t0, performance.now() - t0, buf.length, lineCount);
    this.size += buf.length;
    this.stats.bytes += buf.length;
    this.stats.lines += lineCount;
  }

  /**
   * FILE → FILE.1 → FILE.2 … ; the oldest beyond `keep` is overwritten by the
   * rename. rename(2) never follows a symlink, and the new FILE is created
   * with O_EXCL|O_NOFOLLOW: a link planted at FILE between the rename and the
   * open is refused, and the lines keep going to the file we hold (now
   * FILE.1) until the next rotation succeeds.
   */
  private rotate(): void {
    const p = this.opts.path;
    try {
      fs.fsyncSync(this.fd);
      for (let i = this.keep - 1; i >= 1; i--) {
        if (lexists(`${p}.${i}`)) fs.renameSync(`${p}.${i}`, `${p}.${i + 1}`);
      }
      fs.renameSync(p, `${p}.1`);
      const r = openOutputFile(p, { what: 'output' });
      fs.closeSync(this.fd);
      this.fd = r.fd;
      this.size = 0;
      this.stats.rotations++;
      this.opts.counters?.inc('jsonl_rotations');
    } catch (err) {
      // A failed rotation must not stop capture: keep writing into the file we hold, try again after another maxSize.
      this.size = 0;
      this.stats.writeErrors++;
      this.opts.counters?.inc('jsonl_write_errors');
      this.opts.logger?.error({ err }, new OutputWriteError(p, 'rotate', err).message);
    }
  }

  /** Lines written, dropped and stuck episodes of a FIFO/pipe/device output (undefined for a regular file). */
  backlog(): FdQueue['stats'] | undefined {
    return this.queue?.stats;
  }

  /**
   * Flushes, fsyncs and closes. Safe to call twice and from a signal handler.
   * A FIFO or pipe whose reader does not read gets `graceMs` at most; what it
   * did not take is counted as dropped.
   */
  close(graceMs = 1000): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.queue?.close(graceMs);
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      if (this.regular) fs.fsyncSync(fd);
    } catch (err) {
      // A pipe, FIFO or character device (-o /dev/stdout) cannot be fsynced: nothing to make durable.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EROFS') throw err;
    } finally {
      fs.closeSync(fd);
    }
  }
}

/**
 * JSON.stringify's escape of a printable-ASCII text, from its bytes into `out`
 * at `off`: `"` and `\` get a backslash, bytes 0x20–0x7E (but DEL) are copied.
 * Returns the offset after it, or -1 at the first other byte (a control, DEL or
 * any byte of a non-ASCII character), which the caller leaves to
 * JSON.stringify and safeJsonText. `out` must have room for 2 bytes a byte.
 */
export function escapeAsciiInto(bytes: Uint8Array, out: Uint8Array, off: number): number {
  const len = bytes.length;
  for (let i = 0; i < len; i++) {
    const b = bytes[i];
    if (b === 0x22 || b === 0x5c) {
      out[off] = 0x5c;
      out[off + 1] = b;
      off += 2;
    } else if (b >= 0x20 && b < 0x7f) out[off++] = b;
    else return -1;
  }
  return off;
}

function lexists(path: string): boolean {
  try {
    fs.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
