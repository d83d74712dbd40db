/**
 * StringSlab: string values kept as UTF-8 bytes in fixed-size slots of large
 * Buffers, outside V8's heap, for the in-process MemoryStore.
 *
 * Why: a pending request lives for seconds to minutes, so its value string is
 * promoted to V8's old generation (copied twice by the scavenger on the way),
 * and when it is taken or evicted it stays there as garbage until the next
 * full collection. At 10k requests/s with 100,000 pending that garbage grew
 * the monitor's RSS from ~290 MB to 350–480 MB over 20–30 s. A slot is freed
 * the moment its entry goes and is reused by the next value of its size, so
 * the bytes of long-lived values never reach the collector.
 *
 * Slots come in size classes 32 bytes apart up to 1 KB, then about 1.25×
 * apart up to 4 KB (a 2-byte length heads each slot); values larger than the
 * largest class stay JS strings.
 * Chunks of 64 KB are taken from the system as a class needs them and kept
 * (the slab holds its peak, as V8's heap does): with the pending bound of
 * 100,000 requests that is at most ~100,000 slots.
 */

/** Slot sizes: every 32 bytes up to 1 KB (at most 31 bytes unused per value), then about 1.25× apart. */
const CLASSES: readonly number[] = [...Array.from({ length: 31 }, (_, i) => 64 + 32 * i), 1280, 1536, 2048, 2560, 3072, 4096];
const CHUNK_BYTES = 64 * 1024;
/** Slot index bits of a handle: 64 KB / 64 B = 1024 slots at most per chunk. */
const SLOT_BITS = 10;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const HEADER = 2;
/** Room left past a value's units in put's ASCII pass: the longest UTF-8 character. */
const ASCII_SLACK = 4;
/** The largest value (in UTF-8 bytes) a slot holds. */
export const SLAB_MAX_BYTES = CLASSES[CLASSES.length - 1] - HEADER;

/** Class index for a byte length (header included), by a lookup per 32 bytes. */
const CLASS_OF: Uint8Array = (() => {
  const t = new Uint8Array(CLASSES[CLASSES.length - 1] / 32 + 1);
  let c = 0;
  for (let i = 0; i < t.length; i++) {
    while (CLASSES[c] < i * 32) c++;
    t[i] = c;
  }
  return t;
})();

/** String.prototype.isWellFormed (Node 20; not in the ES2022 lib types). */
interface WellFormed {
  isWellFormed(): boolean;
}

export class StringSlab {
  /** Every chunk, by the number a handle carries; `chunkClass` gives its slot size. */
  private readonly chunks: Buffer[] = [];
  private readonly chunkSize: number[] = [];
  /** Per class: free handles (a stack), and the handles never used yet at the end of the newest chunk. */
  private readonly free: number[][] = CLASSES.map(() => []);
  private readonly fresh: number[] = CLASSES.map(() => -1);
  private readonly freshEnd: number[] = CLASSES.map(() => -1);
  private used = 0;

  /** Slots in use. */
  get size(): number {
    return this.used;
  }

  /** Bytes of the chunks taken from the system. */
  get reservedBytes(): number {
    return this.chunks.length * CHUNK_BYTES;
  }

  /**
   * Copies the string into a slot and returns the slot's handle (a small
   * integer), or -1 when it is larger than the largest slot or holds a lone
   * surrogate (keep the string).
   */
  put(s: string): number {
    const len = s.length;
    if (len > SLAB_MAX_BYTES) return -1;
    if (len <= SLAB_MAX_BYTES - ASCII_SLACK) {
      // One pass for plain ASCII (nearly every value): encode into a slot with room for 4 more bytes than
      // units. A cut-off write stops short of a character of at most 4 bytes, so it writes more bytes than
      // units; a whole write writes as many bytes as units only when every unit is ASCII (no lone
      // surrogate either). Otherwise the slot goes back and the checks below run.
      const c = CLASS_OF[(len + HEADER + ASCII_SLACK + 31) >>> 5];
      const h = this.take(c);
      const buf = this.chunks[h >>> SLOT_BITS];
      const at = (h & SLOT_MASK) * CLASSES[c];
      if (buf.write(s, at + HEADER, CLASSES[c] - HEADER, 'utf8') === len) {
        buf[at] = len & 0xff;
        buf[at + 1] = len >>> 8;
        this.used++;
        return h;
      }
      this.free[c].push(h);
    }
    // A lone surrogate would come back as U+FFFD from UTF-8: such a string stays a JS string, unchanged.
    if (!(s as unknown as WellFormed).isWellFormed()) return -1;
    const bytes = Buffer.byteLength(s, 'utf8');
    if (bytes > SLAB_MAX_BYTES) return -1;
    const c = CLASS_OF[(bytes + HEADER + 31) >>> 5];
    const h = this.take(c);
    const buf = this.chunks[h >>> SLOT_BITS];
    const at = (h & SLOT_MASK) * CLASSES[c];
    buf[at] = bytes & 0xff;
    buf[at + 1] = bytes >>> 8;
    buf.write(s, at + HEADER, bytes, 'utf8');
    this.used++;
    return h;
  }

  /** The string a handle holds. */
  get(h: number): string {
    const buf = this.chunks[h >>> SLOT_BITS];
    const at = (h & SLOT_MASK) * this.chunkSize[h >>> SLOT_BITS];
    const bytes = buf[at] | (buf[at + 1] << 8);
    return buf.toString('utf8', at + HEADER, at + HEADER + bytes);
  }

  /** Gives the slot back; the handle must not be used again. */
  release(h: number): void {
    const size = this.chunkSize[h >>> SLOT_BITS];
    this.free[CLASS_OF[size >>> 5]].push(h);
    this.used--;
  }

  /** Drops every slot and gives the chunks back. */
  clear(): void {
    this.chunks.length = 0;
    this.chunkSize.length = 0;
    for (let c = 0; c < CLASSES.length; c++) {
      this.free[c].length = 0;
      this.fresh[c] = -1;
      this.freshEnd[c] = -1;
    }
    this.used = 0;
  }

  private take(c: number): number {
    const free = this.free[c];
    if (free.length > 0) return free.pop()!;
    if (this.fresh[c] < 0 || this.fresh[c] === this.freshEnd[c]) {
      const n = this.chunks.length;
      // allocUnsafeSlow: a chunk of its own, whose pages the kernel maps only as slots are written.
      this.chunks.push(Buffer.allocUnsafeSlow(CHUNK_BYTES));
      this.chunkSize.push(CLASSES[c]);
      this.fresh[c] = n << SLOT_BITS;
      this.freshEnd[c] = (n << SLOT_BITS) + Math.floor(CHUNK_BYTES / CLASSES[c]);
    }
    return this.fresh[c]++;
  }
}
