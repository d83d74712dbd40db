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
 * - partial lines are held against a ByteBudget (a total, and a share per
 *   writing process): past either, the oldest partial lines are evicted
 *   first (their process's own first for the share), so a process holding
 *   unfinished lines cannot starve the capture of the others; a complete
 *   line is never evicted (it is handed over as soon as its newline comes);
 * - after a gap (lost bytes) the partial line and everything up to the next
 *   newline are dropped: bytes on both sides of a hole are never glued.
 * The meta of a line is the one passed with the chunk holding its last byte
 * (a newline arriving alone in a later call does not move the line's time).
 */

/** Why partial-line bytes were let go by the budget: `total`/`process` bound, or the writer exited. */
export type EvictionCause = 'total' | 'process' | 'exit';

export interface Eviction {
  /** The writing process whose partial line was let go. */
  owner: number;
  bytes: number;
  cause: EvictionCause;
}

/** Something that holds partial-line bytes against a ByteBudget and can give them up. */
interface BudgetHolder {
  /** Drops the partial line held (counted by the holder); returns the bytes released. */
  evict(cause: EvictionCause): number;
}

/**
 * Bytes buffered by every splitter together, against a total bound and a
 * bound per owner (the writing process). Holders are kept oldest partial
 * line first, which is the eviction order.
 */
export class ByteBudget {
  used = 0;
  /** Partial lines evicted (by cause) and their bytes, since start. */
  readonly evicted = { total: 0, process: 0, exit: 0, bytes: 0 };
  /** Told of every eviction (the stage counts it and raises a `budget_evicted` notice). */
  onEvict?: (e: Eviction) => void;
  private readonly holders = new Map<BudgetHolder, number>();
  private readonly byOwner = new Map<number, number>();
  readonly maxPerOwner: number;

  constructor(
    readonly max: number,
    maxPerOwner?: number,
  ) {
    this.maxPerOwner = Math.min(max, maxPerOwner ?? max);
  }

  /** Bytes held for one owner. */
  ownerUsed(owner: number): number {
    return this.byOwner.get(owner) ?? 0;
  }

  /**
   * Makes room for `n` more bytes of `who`'s partial line, evicting older
   * partial lines (the owner's own first when its share is the limit).
   * Returns the bound that still refuses, or undefined when the bytes are
   * accounted.
   */
  reserve(who: BudgetHolder, owner: number, n: number): EvictionCause | undefined {
    while (this.maxPerOwner < this.max && this.ownerUsed(owner) + n > this.maxPerOwner) {
      const victim = this.oldest(who, owner);
      if (!victim) return 'process';
      this.evict(victim, 'process');
    }
    while (this.used + n > this.max) {
      const victim = this.oldest(who);
      if (!victim) return 'total';
      this.evict(victim, 'total');
    }
    if (!this.holders.has(who)) this.holders.set(who, owner);
    this.used += n;
    this.byOwner.set(owner, this.ownerUsed(owner) + n);
    return undefined;
  }

  /** `who` let go of `n` bytes of `owner` (its line ended or was dropped). */
  release(who: BudgetHolder, owner: number, n: number): void {
    this.holders.delete(who);
    if (n === 0) return;
    this.used -= n;
    const left = this.ownerUsed(owner) - n;
    if (left > 0) this.byOwner.set(owner, left);
    else this.byOwner.delete(owner);
  }

  /** The writer exited: its partial lines can never be finished. Returns the bytes released. */
  releaseOwner(owner: number): number {
    let bytes = 0;
    for (const [h, o] of [...this.holders]) if (o === owner) bytes += this.evict(h, 'exit');
    return bytes;
  }

  private oldest(except: BudgetHolder, owner?: number): BudgetHolder | undefined {
    for (const [h, o] of this.holders) if (h !== except && (owner === undefined || o === owner)) return h;
    return undefined;
  }

  private evict(h: BudgetHolder, cause: EvictionCause): number {
    const owner = this.holders.get(h) ?? 0;
    const bytes = h.evict(cause);
    this.holders.delete(h);
    this.evicted[cause]++;
    this.evicted.bytes += bytes;
    this.onEvict?.({ owner, bytes, cause });
    return bytes;
  }
}

export type DropReason = 'non_json_lines' | 'line_too_long' | 'total_bytes_exceeded' | 'process_bytes_exceeded' | 'partial_line_evicted' | 'gap_lines_dropped';

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

export class NdjsonSplitter<M> implements BudgetHolder {
  private pieces: Buffer[] = [];
  private pending = 0;
  /** The process the held partial line is counted against. */
  private owner = 0;
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
    /** The writing process of a chunk (its share of the budget); all one owner without it. */
    private readonly ownerOf: (meta: M) => number = () => 0,
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
        if (this.append(data.subarray(s, end), meta)) {
          this.resync = resync;
          this.lastMeta = meta;
        }
        return;
      }
      if (!this.append(data.subarray(pos, end), meta)) continue;
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
  private append(slice: Buffer, meta: M): boolean {
    if (slice.length === 0) return true;
    if (this.pending + slice.length > this.maxLineBytes) {
      this.release();
      this.skip('line_too_long');
      return false;
    }
    if (this.pending === 0) this.owner = this.ownerOf(meta);
    const refused = this.budget.reserve(this, this.owner, slice.length);
    if (refused !== undefined) {
      this.release();
      this.skip(refused === 'process' ? 'process_bytes_exceeded' : 'total_bytes_exceeded');
      return false;
    }
    // The chunk is a view into a batch buffer the transport may reuse: copy.
    this.pieces.push(Buffer.from(slice));
    this.pending += slice.length;
    return true;
  }

  /** The budget takes this partial line back (see ByteBudget): dropped, the stream resyncs at the next newline. */
  evict(cause: EvictionCause): number {
    const bytes = this.pending;
    this.release();
    if (cause === 'exit') {
      // The writer is gone: nothing more of this line will come.
      this.skipping = null;
      return bytes;
    }
    if (this.skipping === null) this.skip('partial_line_evicted');
    return bytes;
  }

  /** Discards up to the next newline; the drop is counted now, not when the newline comes (it may never). */
  private skip(reason: DropReason): void {
    this.skipping = reason;
    this.sink.drop(reason);
  }

  private release(): void {
    this.lastMeta = undefined;
    this.resync = false;
    this.budget.release(this, this.owner, this.pending);
    this.pieces = [];
    this.pending = 0;
  }
}

/** First `{` in data[from, to), or -1. */
function indexOfBrace(data: Buffer, from: number, to: number): number {
  const i = data.indexOf(0x7b, from);
  return i === -1 || i >= to ? -1 : i;
}
