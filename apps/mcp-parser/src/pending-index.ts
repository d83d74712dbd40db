/**
 * The pending requests' one table: per row the expiry, the size, the
 * requester and (with an in-process Store) the key and value themselves.
 *
 * Before, an in-process pending request was two entries in two 100,000-entry
 * Maps (the MemoryStore's and RequestPairing's own view of its bounds), each
 * with an entry object and the key string, and two lookups per request. Each
 * of those lived ~10 s at 10k requests/s, long enough to be promoted to V8's
 * old generation, where it died: old-generation garbage that RSS carried
 * until the next full collection (~1 MB/s). Here a pending request holds no
 * JavaScript object at all: numbers in typed arrays, a hash index of its own
 * (open addressing over an Int32Array), queues of (row, stamp) pairs, and its
 * key and value as UTF-8 in one StringSlab slot outside V8's heap. With a
 * Store in another process (Redis) the table is this instance's view of its
 * bounds: it keeps each key as a string (to delete it in the Store) and no
 * value.
 */
import { randomBytes } from 'node:crypto';
import { StringSlab } from '@mcpspy/runtime';

const MIN_ROWS = 1024;
/** Stamps wrap below 2^30: small integers. -1 marks a free row. */
const STAMP_MASK = 0x3fffffff;
const FREE = -1;
/** Index slots: 0 empty, TOMB deleted, otherwise row + 1. */
const TOMB = -1;
/** Below this a JS string costs no more than a slab slot (as in MemoryStore). */
const MIN_SLAB_CHARS = 48;

/**
 * The hash's seed, random per process. A key ends with the request's id, which
 * the traffic chooses: with a fixed, public hash a hostile client could send
 * ids that all land in one probe chain and make every lookup walk 100,000
 * slots. A random seed and a final mix keep such collisions unknowable.
 */
const SEED = randomBytes(4).readInt32LE(0);

/** FNV-1a over the UTF-16 units from a random basis, then murmur3's finaliser (the index uses the low bits). */
export function hashOf(key: string, seed = SEED): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * Rows in the order they were added, as (row, stamp) pairs in a ring of
 * Int32Arrays: an entry whose row was removed (or reused: another stamp) is
 * stale, skipped when it reaches the front or dropped by `compact`.
 */
class RowQueue {
  private ring = new Int32Array(2 * 1024);
  private mask = 1024 - 1;
  private head = 0;
  count = 0;

  constructor(private readonly stamps: () => Int32Array) {}

  push(row: number, stamp: number): void {
    if (this.count > this.mask) this.grow();
    const at = ((this.head + this.count) & this.mask) << 1;
    this.ring[at] = row;
    this.ring[at + 1] = stamp;
    this.count++;
  }

  /** The oldest live row, or -1 (stale entries before it are dropped). */
  oldest(): number {
    const st = this.stamps();
    while (this.count > 0) {
      const at = this.head << 1;
      const row = this.ring[at];
      if (st[row] === this.ring[at + 1]) return row;
      this.head = (this.head + 1) & this.mask;
      this.count--;
    }
    return -1;
  }

  /** Drops the front entry when it is this row with this stamp (being removed oldest first). */
  dropIfOldest(row: number, stamp: number): void {
    const at = this.head << 1;
    if (this.count > 0 && this.ring[at] === row && this.ring[at + 1] === stamp) {
      this.head = (this.head + 1) & this.mask;
      this.count--;
    }
  }

  /** The live rows, oldest first. */
  live(): number[] {
    const st = this.stamps();
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const at = ((this.head + i) & this.mask) << 1;
      if (st[this.ring[at]] === this.ring[at + 1]) out.push(this.ring[at]);
    }
    return out;
  }

  /** Drops the stale entries in one pass when they outnumber the `live` ones (plus some slack). */
  compact(live: number): void {
    if (this.count < 1024 || this.count <= 2 * live) return;
    const st = this.stamps();
    const out = new Int32Array(this.ring.length);
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const at = ((this.head + i) & this.mask) << 1;
      if (st[this.ring[at]] !== this.ring[at + 1]) continue;
      out[n << 1] = this.ring[at];
      out[(n << 1) + 1] = this.ring[at + 1];
      n++;
    }
    this.ring = out;
    this.head = 0;
    this.count = n;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const out = new Int32Array(cap * 2);
    for (let i = 0; i < this.count; i++) {
      const at = ((this.head + i) & this.mask) << 1;
      out[i << 1] = this.ring[at];
      out[(i << 1) + 1] = this.ring[at + 1];
    }
    this.ring = out;
    this.mask = cap - 1;
    this.head = 0;
  }
}

/** One requester's rows, oldest first, with how many are live and their bytes. */
interface Owner {
  queue: RowQueue;
  live: number;
  bytes: number;
}

export class PendingIndex {
  private exp = new Float64Array(MIN_ROWS);
  private size_ = new Int32Array(MIN_ROWS);
  private owner_ = new Int32Array(MIN_ROWS);
  private hash_ = new Int32Array(MIN_ROWS);
  /** The slab handle holding key + value, or -1 (the key is in `keys`, the value in `big`, if any). */
  private slot = new Int32Array(MIN_ROWS);
  /** The key's length in UTF-16 units (the slab string is key then value). */
  private keyLen = new Int32Array(MIN_ROWS);
  /** Which insertion a row holds now (FREE when free): a queue entry is live while its row still carries its stamp. */
  private stamp = new Int32Array(MIN_ROWS).fill(FREE);
  /** Keys not in the slab (no slab, or a value the slab cannot hold), by row. */
  private readonly keys = new Map<number, string>();
  /** Values not in the slab, by row. */
  private readonly big = new Map<number, string>();
  private readonly freeRows: number[] = [];
  private nextRow = 0;
  private nextStamp = 0;
  private live_ = 0;
  /** Open addressing, linear probing: row + 1, 0 empty, TOMB deleted. */
  private index = new Int32Array(4 * MIN_ROWS);
  private tombs = 0;
  private readonly stamps = (): Int32Array => this.stamp;
  /** Every row, oldest first: expiry and the count and byte bounds take the oldest without a search. */
  private readonly order = new RowQueue(this.stamps);
  private readonly owners = new Map<number, Owner>();
  private bytes = 0;

  /** `slab`: keep keys and values here (an in-process Store); without one the table keeps only the bounds' view. */
  constructor(private readonly slab?: StringSlab) {}

  get size(): number {
    return this.live_;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** Entries held by the queues, stale ones included (tests: what evicting the oldest leaves behind). */
  get queued(): number {
    let n = this.order.count;
    for (const o of this.owners.values()) n += o.queue.count;
    return n;
  }

  /** JavaScript strings the table holds (tests: none per pending request when the slab holds them). */
  get heldStrings(): number {
    return this.keys.size + this.big.size;
  }

  has(key: string): boolean {
    return this.find(key, hashOf(key)) >= 0;
  }

  /** The oldest row, or -1. */
  oldest(): number {
    return this.order.oldest();
  }

  /** The oldest row of one requester, or -1. */
  oldestOf(owner: number): number {
    return this.owners.get(owner)?.queue.oldest() ?? -1;
  }

  ownerBytes(owner: number): number {
    return this.owners.get(owner)?.bytes ?? 0;
  }

  expiry(row: number): number {
    return this.exp[row];
  }

  ownerOf(row: number): number {
    return this.owner_[row];
  }

  bytesOf(row: number): number {
    return this.size_[row];
  }

  /** A row's key (decoded from the slab when it is there). */
  keyOf(row: number): string {
    const k = this.keys.get(row);
    if (k !== undefined) return k;
    return this.slab!.get(this.slot[row]).slice(0, this.keyLen[row]);
  }

  /** The live rows of one requester, oldest first. */
  rowsOf(owner: number): number[] {
    return this.owners.get(owner)?.queue.live() ?? [];
  }

  /**
   * Adds a key (it must not be live: `forget` it first). `value` is kept only when the table has a slab. `h` is
   * `hashOf(key)` when the caller has it already (from its `forget`): the key is hashed once per request.
   */
  add(key: string, expiry: number, bytes: number, owner: number, value?: string, h = hashOf(key)): void {
    const r = this.freeRows.length > 0 ? this.freeRows.pop()! : this.newRow();
    const s = (this.nextStamp = (this.nextStamp + 1) & STAMP_MASK);
    this.exp[r] = expiry;
    this.size_[r] = bytes;
    this.owner_[r] = owner;
    this.stamp[r] = s;
    this.hash_[r] = h;
    this.keyLen[r] = key.length;
    let handle = -1;
    if (this.slab && value !== undefined) {
      const both = key + value;
      if (both.length >= MIN_SLAB_CHARS) handle = this.slab.put(both);
      if (handle < 0) this.big.set(r, value);
    }
    this.slot[r] = handle;
    if (handle < 0) this.keys.set(r, key);
    this.insert(h, r);
    this.live_++;
    this.bytes += bytes;
    this.order.push(r, s);
    this.order.compact(this.live_);
    let o = this.owners.get(owner);
    if (!o) {
      o = { queue: new RowQueue(this.stamps), live: 0, bytes: 0 };
      this.owners.set(owner, o);
    }
    o.queue.push(r, s);
    o.live++;
    o.bytes += bytes;
    o.queue.compact(o.live);
  }

  /**
   * Removes a key and returns its value (with a slab), or null when it is
   * not there or expired at `now` (then it is removed too).
   */
  take(key: string, now: number): string | null {
    const r = this.find(key, hashOf(key));
    if (r < 0) return null;
    let value: string | null = null;
    if (this.exp[r] > now) {
      const handle = this.slot[r];
      if (handle >= 0) value = this.slab!.get(handle).slice(this.keyLen[r]);
      else value = this.big.get(r) ?? null;
    }
    this.drop(r);
    return value;
  }

  /** Removes a key if it is there. `h`: hashOf(key), when the caller has it. */
  forget(key: string, h = hashOf(key)): void {
    const r = this.find(key, h);
    if (r >= 0) this.drop(r);
  }

  /** Removes a live row. */
  drop(r: number): void {
    this.unindex(r);
    const handle = this.slot[r];
    if (handle >= 0) this.slab!.release(handle);
    else {
      this.keys.delete(r);
      this.big.delete(r);
    }
    // Oldest first (expiry, eviction): its queue entries go now, so no queue piles up stale ones until a compaction
    // walks them all (one owner's queue of 300,000 every 100,000 requests at 40k msg/s).
    const s = this.stamp[r];
    this.order.dropIfOldest(r, s);
    this.stamp[r] = FREE;
    const bytes = this.size_[r];
    this.bytes -= bytes;
    this.live_--;
    const owner = this.owner_[r];
    const o = this.owners.get(owner);
    if (o) {
      o.queue.dropIfOldest(r, s);
      o.bytes -= bytes;
      if (--o.live === 0) this.owners.delete(owner);
    }
    this.freeRows.push(r);
  }

  clear(): void {
    this.owners.clear();
    this.keys.clear();
    this.big.clear();
    this.slab?.clear();
    this.freeRows.length = 0;
    this.stamp.fill(FREE);
    this.index.fill(0);
    this.tombs = 0;
    this.nextRow = 0;
    this.live_ = 0;
    this.bytes = 0;
  }

  /** The live row of a key, or -1. */
  private find(key: string, h: number): number {
    const idx = this.index;
    const mask = idx.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = idx[i];
      if (e === 0) return -1;
      if (e > 0 && this.hash_[e - 1] === h && this.keyLen[e - 1] === key.length && this.keyOf(e - 1) === key) return e - 1;
    }
  }

  private insert(h: number, r: number): void {
    // Rebuilt (and grown to 4x the live rows) when used and deleted slots pass half: probes stay short.
    if ((this.live_ + this.tombs + 1) * 2 > this.index.length) this.rebuild(Math.max(this.index.length, (this.live_ + 1) * 4));
    const idx = this.index;
    const mask = idx.length - 1;
    let i = h & mask;
    while (idx[i] > 0) i = (i + 1) & mask;
    if (idx[i] === TOMB) this.tombs--;
    idx[i] = r + 1;
  }

  private unindex(r: number): void {
    const idx = this.index;
    const mask = idx.length - 1;
    for (let i = this.hash_[r] & mask; ; i = (i + 1) & mask) {
      const e = idx[i];
      if (e === r + 1) {
        idx[i] = TOMB;
        this.tombs++;
        return;
      }
      if (e === 0) return;
    }
  }

  private rebuild(atLeast: number): void {
    let cap = 4 * MIN_ROWS;
    while (cap < atLeast) cap *= 2;
    const idx = new Int32Array(cap);
    const mask = cap - 1;
    for (let r = 0; r < this.nextRow; r++) {
      if (this.stamp[r] === FREE) continue;
      let i = this.hash_[r] & mask;
      while (idx[i] !== 0) i = (i + 1) & mask;
      idx[i] = r + 1;
    }
    this.index = idx;
    this.tombs = 0;
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
      this.hash_ = grow(this.hash_, (k) => new Int32Array(k));
      this.slot = grow(this.slot, (k) => new Int32Array(k));
      this.keyLen = grow(this.keyLen, (k) => new Int32Array(k));
      const st = new Int32Array(n).fill(FREE);
      st.set(this.stamp);
      this.stamp = st;
    }
    return r;
  }
}
