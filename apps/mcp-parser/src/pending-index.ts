/**
 * The pending requests' one table: key → row, and per row the expiry, the
 * size, the requester and (with an in-process Store) the value itself.
 *
 * Before, an in-process pending request was two entries in two 100,000-entry
 * Maps (the MemoryStore's and RequestPairing's own view of its bounds), each
 * with an entry object, and two lookups per request. Here it is one Map entry
 * whose value is a small integer (a row) and five numbers in typed arrays: no
 * JavaScript object per pending request, one table rebuilt by V8 as keys come
 * and go instead of two, and the value as UTF-8 in a StringSlab outside V8's
 * heap. With a Store in another process (Redis) the table is this instance's
 * view of its bounds and holds no value.
 */
import { StringSlab } from '@mcpspy/runtime';
import { LiveQueue } from './live-queue';

/** One requester's rows, oldest first, with how many are live and their bytes. */
interface Owner {
  queue: LiveQueue<number>;
  live: number;
  bytes: number;
}

const MIN_ROWS = 1024;
/** Stamps wrap below 2^30: small integers, never a boxed number in a queue. */
const STAMP_MASK = 0x3fffffff;

export class PendingIndex {
  private readonly rows = new Map<string, number>();
  private exp = new Float64Array(MIN_ROWS);
  private size_ = new Int32Array(MIN_ROWS);
  private owner_ = new Int32Array(MIN_ROWS);
  /** The value's slab handle, -1 when it is a string in `big`, -2 when this table holds no value. */
  private slot = new Int32Array(MIN_ROWS);
  /** Which insertion a row holds now: a queue entry is live while its key's row still carries its stamp. */
  private stamp = new Int32Array(MIN_ROWS);
  private readonly freeRows: number[] = [];
  private nextRow = 0;
  private nextStamp = 0;
  /** Values the slab cannot hold (larger than its largest slot, or with a lone surrogate). */
  private readonly big = new Map<number, string>();
  /** The row the last liveness check found (`oldest()` then `oldestExpiry()`: one lookup, not two). */
  private hit = 0;
  private readonly live = (k: string, s: number): boolean => {
    const r = this.rows.get(k);
    if (r === undefined || this.stamp[r] !== s) return false;
    this.hit = r;
    return true;
  };
  /** Every row, oldest first: expiry and the count and byte bounds take the oldest without walking the Map. */
  private readonly order = new LiveQueue<number>(this.live);
  private readonly owners = new Map<number, Owner>();
  private bytes = 0;

  /** `slab`: keep the values here (an in-process Store); without one the table keeps only the bounds' view. */
  constructor(private readonly slab?: StringSlab) {}

  get size(): number {
    return this.rows.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** Entries held by the queues, stale ones included (tests: what evicting the oldest leaves behind). */
  get queued(): number {
    let n = this.order.length;
    for (const o of this.owners.values()) n += o.queue.length;
    return n;
  }

  has(key: string): boolean {
    return this.rows.has(key);
  }

  /** The oldest key, or undefined. */
  oldest(): string | undefined {
    return this.order.oldest();
  }

  /** The expiry of the key `oldest()` (or `oldestOf`) just returned. */
  oldestExpiry(): number {
    return this.exp[this.hit];
  }

  /** The oldest key of one requester. */
  oldestOf(owner: number): string | undefined {
    return this.owners.get(owner)?.queue.oldest();
  }

  ownerBytes(owner: number): number {
    return this.owners.get(owner)?.bytes ?? 0;
  }

  /** The requester and size of the key the last `forget` removed. */
  forgotOwner = 0;
  forgotBytes = 0;

  /** The live keys of one requester, oldest first. */
  keysOf(owner: number): string[] {
    return this.owners.get(owner)?.queue.live() ?? [];
  }

  /** Adds a key (it must not be live: `forget` it first). `value` is kept only when the table has a slab. */
  add(key: string, expiry: number, bytes: number, owner: number, value?: string): void {
    const r = this.freeRows.length > 0 ? this.freeRows.pop()! : this.newRow();
    const s = (this.nextStamp = (this.nextStamp + 1) & STAMP_MASK);
    this.exp[r] = expiry;
    this.size_[r] = bytes;
    this.owner_[r] = owner;
    this.stamp[r] = s;
    let h = -2;
    if (this.slab && value !== undefined) {
      h = value.length >= MIN_SLAB_CHARS ? this.slab.put(value) : -1;
      if (h < 0) this.big.set(r, value);
    }
    this.slot[r] = h;
    this.rows.set(key, r);
    this.bytes += bytes;
    this.order.push(key, s);
    this.order.compact(this.rows.size);
    let o = this.owners.get(owner);
    if (!o) {
      o = { queue: new LiveQueue<number>(this.live), live: 0, bytes: 0 };
      this.owners.set(owner, o);
    }
    o.queue.push(key, s);
    o.live++;
    o.bytes += bytes;
    o.queue.compact(o.live);
  }

  /**
   * Removes a key and returns its value (with a slab), or null when it is
   * not there or expired at `now` (then it is removed too).
   */
  take(key: string, now: number): string | null {
    const r = this.rows.get(key);
    if (r === undefined) return null;
    const h = this.slot[r];
    const value = this.exp[r] <= now ? null : h >= 0 ? this.slab!.get(h) : h === -1 ? (this.big.get(r) ?? null) : null;
    this.drop(key, r);
    return value;
  }

  /** Removes the key `oldest()` or `oldestOf()` just returned (its row is known: one lookup fewer). */
  forgetOldest(key: string): void {
    this.drop(key, this.hit);
  }

  /** Removes a key if it is there. */
  forget(key: string): void {
    const r = this.rows.get(key);
    if (r !== undefined) this.drop(key, r);
  }

  clear(): void {
    this.rows.clear();
    this.owners.clear();
    this.big.clear();
    this.slab?.clear();
    this.freeRows.length = 0;
    this.nextRow = 0;
    this.bytes = 0;
  }

  private drop(key: string, r: number): void {
    this.rows.delete(key);
    const h = this.slot[r];
    if (h >= 0) this.slab!.release(h);
    else if (h === -1) this.big.delete(r);
    // Oldest first (expiry, eviction): its queue entries go now, so no queue piles up stale ones until a compaction
    // walks them all (one owner's queue of 300,000 every 100,000 requests, with a lookup each, at 40k msg/s).
    const s = this.stamp[r];
    this.order.dropIfOldest(key, s);
    const bytes = this.size_[r];
    this.bytes -= bytes;
    const owner = this.owner_[r];
    this.forgotOwner = owner;
    this.forgotBytes = bytes;
    const o = this.owners.get(owner);
    if (o) {
      o.queue.dropIfOldest(key, s);
      o.bytes -= bytes;
      if (--o.live === 0) this.owners.delete(owner);
    }
    this.freeRows.push(r);
  }

  private newRow(): number {
    const r = this.nextRow++;
    if (r === this.exp.length) {
      const n = r * 2;
      const grow = <A extends Float64Array | Int32Array>(a: A, make: (n: number) => A): A => {
        const b = make(n);
        b.set(a);
        return b;
      };
      this.exp = grow(this.exp, (k) => new Float64Array(k));
      this.size_ = grow(this.size_, (k) => new Int32Array(k));
      this.owner_ = grow(this.owner_, (k) => new Int32Array(k));
      this.slot = grow(this.slot, (k) => new Int32Array(k));
      this.stamp = grow(this.stamp, (k) => new Int32Array(k));
    }
    return r;
  }
}

/** Below this a JS string costs no more than a slab slot (as in MemoryStore). */
const MIN_SLAB_CHARS = 48;
