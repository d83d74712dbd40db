/**
 * Splits one byte stream into newline-delimited lines, across any chunk and
 * syscall boundaries, with bounded memory:
 * - a line not starting with `{` or `[` (a log line or banner on stdout) is
 *   counted once (`non_json_lines`) and its bytes handed to `noise` without
 *   being buffered, up to its first `{`: from there the line is kept as a
 *   JSON candidate (a message glued after a log prefix is resynchronised;
 *   the consumer tries later `{` when the candidate does not parse), and a
 *   line with no `{` is skipped to its newline (never wedges or fills the stream);
 * - a line longer than `maxLineBytes`, or one that would push the shared
 *   budget past its total, is dropped and the stream resyncs at the next newline;
 * - after a gap (lost bytes) the partial line and everything up to the next
 *   newline are dropped: bytes on both sides of a hole are never glued.
 * The meta of a line is the one passed with the chunk holding its last byte
 * (a newline arriving alone in a later call does not move the line's time).
 */

/** Bytes buffered by every splitter together, against one bound. */
export class ByteBudget {
  used = 0;
  constructor(readonly max: number) {}
}

export type DropReason = 'non_json_lines' | 'line_too_long' | 'total_bytes_exceeded' | 'gap_lines_dropped';

export interface SplitterSink<M> {
  /** `resync`: the line began with non-JSON bytes, cut off before this `{`. */
  line(bytes: Buffer, meta: M, resync: boolean): void;
  drop(reason: DropReason): void;
  /** Non-JSON bytes skipped (`lineStart`: the first piece of a noisy line). Views into the chunk: copy to keep. */
  noise?(bytes: Buffer, meta: M, lineStart: boolean): void;
}

const NL = 0x0a;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0d || c === 0x09;
}

export class NdjsonSplitter<M> {
  private pieces: Buffer[] = [];
  private pending = 0;
  /** Why bytes up to the next newline are being discarded, or null. */
  private skipping: DropReason | null = null;
  /** Inside a noisy line, looking for a `{` where a JSON-RPC message may start. */
  private hunting = false;
  /** The partial line held began after noise. */
  private resync = false;
  private lastMeta: M | undefined;

  constructor(
    private readonly maxLineBytes: number,
    private readonly budget: ByteBudget,
    private readonly sink: SplitterSink<M>,
  ) {}

  /** Bytes of the partial line held. */
  get buffered(): number {
    return this.pending;
  }

  get idle(): boolean {
    return this.pending === 0 && this.skipping === null && !this.hunting;
  }

  feed(chunk: Uint8Array, meta: M): void {
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = data.length;
    let pos = 0;
    while (pos < n) {
      const nl = data.indexOf(NL, pos);
      const end = nl === -1 ? n : nl;
      if (this.skipping !== null) {
        if (nl === -1) return;
        this.skipping = null;
        pos = nl + 1;
        continue;
      }
      let s = pos;
      let resync = false;
      if (this.hunting) {
        const brace = indexOfBrace(data, pos, end);
        this.sink.noise?.(data.subarray(pos, brace === -1 ? end : brace), meta, false);
        if (brace === -1) {
          if (nl === -1) return;
          this.hunting = false;
          pos = nl + 1;
          continue;
        }
        this.hunting = false;
        s = brace;
        resync = true;
      } else if (this.pending === 0) {
        while (s < end && isWs(data[s])) s++;
        if (s === end) {
          // Blank so far: leading whitespace of a line carries nothing.
          if (nl === -1) return;
          pos = nl + 1;
          continue;
        }
        const c = data[s];
        if (c !== 0x7b && c !== 0x5b) {
          this.sink.drop('non_json_lines');
          const brace = indexOfBrace(data, s, end);
          this.sink.noise?.(data.subarray(s, brace === -1 ? end : brace), meta, true);
          if (brace === -1) {
            if (nl === -1) {
              this.hunting = true;
              return;
            }
            pos = nl + 1;
            continue;
          }
          s = brace;
          resync = true;
        }
      }
      if (this.pending === 0) {
        if (nl !== -1) {
          if (nl - s > this.maxLineBytes) this.sink.drop('line_too_long');
          else this.sink.line(data.subarray(s, end), meta, resync);
          pos = nl + 1;
          continue;
        }
        if (this.append(data.subarray(s, end))) {
          this.resync = resync;
          this.lastMeta = meta;
        }
        return;
      }
      if (!this.append(data.subarray(pos, end))) continue;
      if (nl === -1) {
        this.lastMeta = meta;
        return;
      }
      const lineMeta = end > pos || this.lastMeta === undefined ? meta : this.lastMeta;
      const line = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.pending);
      const lineResync = this.resync;
      this.release();
      this.sink.line(line, lineMeta, lineResync);
      pos = nl + 1;
    }
  }

  /** Bytes were lost before the next chunk: the line they belong to is dropped. */
  gap(): void {
    this.release();
    this.hunting = false;
    if (this.skipping === null) this.skip('gap_lines_dropped');
  }

  /** Forgets everything held (stream closed or superseded). */
  reset(): void {
    this.release();
    this.skipping = null;
    this.hunting = false;
  }

  /** Copies a slice of a partial line; false when a bound made the line drop. */
  private append(slice: Buffer): boolean {
    if (slice.length === 0) return true;
    if (this.pending + slice.length > this.maxLineBytes) {
      this.release();
      this.skip('line_too_long');
      return false;
    }
    if (this.budget.used + slice.length > this.budget.max) {
      this.release();
      this.skip('total_bytes_exceeded');
      return false;
    }
    // The chunk is a view into a batch buffer the transport may reuse: copy.
    this.pieces.push(Buffer.from(slice));
    this.pending += slice.length;
    this.budget.used += slice.length;
    return true;
  }

  /** Discards up to the next newline; the drop is counted now, not when the newline comes (it may never). */
  private skip(reason: DropReason): void {
    this.skipping = reason;
    this.sink.drop(reason);
  }

  private release(): void {
    this.lastMeta = undefined;
    this.resync = false;
    this.budget.used -= this.pending;
    this.pieces = [];
    this.pending = 0;
  }
}

/** First `{` in data[from, to), or -1. */
function indexOfBrace(data: Buffer, from: number, to: number): number {
  const i = data.indexOf(0x7b, from);
  return i === -1 || i >= to ? -1 : i;
}
