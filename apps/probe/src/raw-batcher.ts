/**
 * Routes ring-buffer records into per-(kind, partition) batches and hands
 * each full or old batch to the publisher. Records are copied verbatim, in
 * the batch format of libs/events/src/raw-codec.ts: no decoding on the hot
 * path beyond the few header fields that choose the partition.
 */
import {
  BATCH_HEADER_SIZE,
  BatchMeta,
  RawEventLayout as L,
  RawKind,
  type RawRoute,
  partitionOf,
  rawRouteOf,
  streamKeyOf,
  writeBatchHeader,
} from '@mcpspy/events';

// Layout offsets copied out of the libs/events namespace once: each access
// through the CommonJS re-export is a getter call, measurable per record.
const KIND = L.kind;
const FD_TYPE = L.fdType;
const PID = L.pid;
const STREAM_ID = L.streamId;
const LEN = L.len;
const HEADER_SIZE = L.headerSize;
const KIND_TLS = RawKind.tls;
const routeOf = rawRouteOf;
const ROUTE_CODE: Record<RawRoute, number> = { stdio: 1, net: 2, tls: 3 };

const CACHE_SIZE = 256;
const CACHE_MASK = CACHE_SIZE - 1;

function u32At(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Records up to this size are copied word by word; larger ones with a native copy. */
const WORD_COPY_MAX = 1024;

/**
 * One batch under construction, in RawBatchWriter's format. It exists for
 * speed: a record straight out of the ring is copied 4 bytes at a time
 * between two Int32Array views (both 8-aligned), so the drain allocates
 * nothing per record; a subarray per record cost more than the rest of the
 * per-record work together.
 */
export class BatchBuffer {
  private readonly ab: ArrayBuffer;
  private readonly u8: Uint8Array;
  private readonly i32: Int32Array;
  private readonly view: DataView;
  pos = BATCH_HEADER_SIZE;
  count = 0;

  constructor(readonly capacity: number) {
    this.ab = new ArrayBuffer(capacity);
    this.u8 = new Uint8Array(this.ab);
    this.i32 = new Int32Array(this.ab);
    this.view = new DataView(this.ab);
  }

  /** `recLen` bytes at `start` (a multiple of 8) of a ring's data area. */
  appendFromRing(ringU8: Uint8Array, ringI32: Int32Array, start: number, recLen: number): boolean {
    const size = (recLen + 7) & ~7;
    const p = this.pos;
    if (p + size > this.capacity) return false;
    if (size <= WORD_COPY_MAX) {
      const dst = this.i32;
      const d = p >> 2;
      const s = start >> 2;
      const words = size >> 2;
      for (let i = 0; i < words; i++) dst[d + i] = ringI32[s + i];
      // What followed the record in the ring is stale data, not padding.
      for (let i = p + recLen; i < p + size; i++) this.u8[i] = 0;
    } else {
      this.u8.set(ringU8.subarray(start, start + recLen), p);
      for (let i = p + recLen; i < p + size; i++) this.u8[i] = 0;
    }
    this.pos = p + size;
    this.count++;
    return true;
  }

  append(rec: Uint8Array): boolean {
    const size = (rec.byteLength + 7) & ~7;
    const p = this.pos;
    if (p + size > this.capacity) return false;
    this.u8.set(rec, p);
    for (let i = p + rec.byteLength; i < p + size; i++) this.u8[i] = 0;
    this.pos = p + size;
    this.count++;
    return true;
  }

  finish(meta: BatchMeta): Buffer {
    writeBatchHeader(this.view, this.count, meta);
    const out = Buffer.allocUnsafe(this.pos);
    out.set(this.u8.subarray(0, this.pos));
    this.pos = BATCH_HEADER_SIZE;
    this.count = 0;
    return out;
  }
}

/** The subject route a batch goes to (stdio, net, tls). */
export type BatchKind = RawRoute;

export interface RawBatcherOptions {
  partitions: number;
  /** Flush a batch when it holds this many bytes (default 256 KB). */
  batchBytes?: number;
  /** Flush a non-empty batch this old (default 5 ms). */
  flushIntervalMs?: number;
  /** Hard size of one batch; stays under NATS's default 1 MB max payload. */
  capacity?: number;
  producer?: number;
  /** false = the consumer is backed up: the batch is dropped and counted. */
  onBatch(kind: BatchKind, partition: number, batch: Buffer): boolean;
  wallOffsetNs(): bigint;
}

interface Slot {
  kind: BatchKind;
  partition: number;
  writer: BatchBuffer;
  seq: bigint;
  since: number;
}

export class RawBatcher {
  private readonly slots = new Map<number, Slot>();
  private readonly batchBytes: number;
  private readonly flushIntervalMs: number;
  private readonly capacity: number;
  batchesSent = 0;
  batchesDropped = 0;
  /** Records that were not io/tls or were malformed. */
  recordsRejected = 0;
  private readonly cache = new Uint32Array(CACHE_SIZE * 4);
  private readonly cachePartition = new Uint16Array(CACHE_SIZE);
  private readonly cacheValid = new Uint8Array(CACHE_SIZE);

  constructor(private readonly opts: RawBatcherOptions) {
    this.capacity = opts.capacity ?? 1024 * 1024 - 4096;
    this.batchBytes = Math.min(opts.batchBytes ?? 256 * 1024, this.capacity);
    this.flushIntervalMs = opts.flushIntervalMs ?? 5;
  }

  /**
   * Partition of a wire record, from its header fields. The stream key is a
   * string (libs/events), so its hash is memoised per stream in a small
   * direct-mapped cache: at 100k+ records/s, building a BigInt and a string
   * per record was the largest cost of the drain.
   */
  partitionOfRecord(rec: Uint8Array, at = 0): number {
    if (this.opts.partitions <= 1) return 0;
    const kind = rec[at + KIND];
    const fdType = rec[at + FD_TYPE];
    // Only TLS stream ids are per process (streamKeyOf); others ignore the pid.
    const pid = kind === KIND_TLS ? u32At(rec, at + PID) : 0;
    const lo = u32At(rec, at + STREAM_ID);
    const hi = u32At(rec, at + STREAM_ID + 4);
    const tag = (kind << 8) | fdType;
    const i = ((lo ^ Math.imul(hi, 0x9e3779b1) ^ Math.imul(pid, 0x85ebca6b) ^ tag) >>> 0) & CACHE_MASK;
    const c = this.cache;
    if (this.cacheValid[i] && c[i * 4] === tag && c[i * 4 + 1] === pid && c[i * 4 + 2] === lo && c[i * 4 + 3] === hi) {
      return this.cachePartition[i];
    }
    const streamId = (BigInt(hi) << 32n) | BigInt(lo);
    const part = partitionOf(streamKeyOf({ kind, fdType, pid, streamId }), this.opts.partitions);
    c[i * 4] = tag;
    c[i * 4 + 1] = pid;
    c[i * 4 + 2] = lo;
    c[i * 4 + 3] = hi;
    this.cachePartition[i] = part;
    this.cacheValid[i] = 1;
    return part;
  }

  /** Adds one wire record (header + data, possibly followed by ring padding). */
  add(rec: Uint8Array, now = performance.now()): void {
    const slot = this.slotFor(rec, 0, rec.byteLength, now);
    if (!slot) return;
    const wire = rec.subarray(0, HEADER_SIZE + u32At(rec, LEN));
    if (!slot.writer.append(wire)) {
      this.flush(slot);
      slot.since = now;
      if (!slot.writer.append(wire)) {
        this.recordsRejected++;
        return;
      }
    }
    if (slot.writer.pos >= this.batchBytes) this.flush(slot);
  }

  /**
   * Adds the record of `avail` bytes at `start` (a multiple of 8) of a ring
   * data area, given as byte and 32-bit views of the same memory.
   */
  addFromRing(ringU8: Uint8Array, ringI32: Int32Array, start: number, avail: number, now: number): void {
    const slot = this.slotFor(ringU8, start, avail, now);
    if (!slot) return;
    const recLen = HEADER_SIZE + u32At(ringU8, start + LEN);
    if (!slot.writer.appendFromRing(ringU8, ringI32, start, recLen)) {
      this.flush(slot);
      slot.since = now;
      if (!slot.writer.appendFromRing(ringU8, ringI32, start, recLen)) {
        this.recordsRejected++;
        return;
      }
    }
    if (slot.writer.pos >= this.batchBytes) this.flush(slot);
  }

  /** Validates the record's header and finds its batch; undefined = rejected. */
  private slotFor(b: Uint8Array, at: number, avail: number, now: number): Slot | undefined {
    if (avail < HEADER_SIZE) {
      this.recordsRejected++;
      return undefined;
    }
    const kind = routeOf(b[at + KIND], b[at + FD_TYPE]);
    const len = u32At(b, at + LEN);
    if (!kind || HEADER_SIZE + len > avail) {
      this.recordsRejected++;
      return undefined;
    }
    const partition = this.partitionOfRecord(b, at);
    const slotKey = (ROUTE_CODE[kind] << 16) | partition;
    let slot = this.slots.get(slotKey);
    if (!slot) {
      slot = { kind, partition, writer: new BatchBuffer(this.capacity), seq: 0n, since: now };
      this.slots.set(slotKey, slot);
    }
    if (slot.writer.count === 0) slot.since = now;
    return slot;
  }

  /** Flushes batches older than the flush interval. */
  flushDue(now = performance.now()): void {
    for (const slot of this.slots.values()) {
      if (slot.writer.count > 0 && now - slot.since >= this.flushIntervalMs) this.flush(slot);
    }
  }

  flushAll(): void {
    for (const slot of this.slots.values()) if (slot.writer.count > 0) this.flush(slot);
  }

  private flush(slot: Slot): void {
    // The sequence advances even for a dropped batch so consumers see the hole.
    const batch = slot.writer.finish({ wallOffsetNs: this.opts.wallOffsetNs(), seq: slot.seq++, producer: this.opts.producer });
    let ok: boolean;
    try {
      ok = this.opts.onBatch(slot.kind, slot.partition, batch);
    } catch {
      ok = false;
    }
    if (ok) this.batchesSent++;
    else this.batchesDropped++;
  }
}

