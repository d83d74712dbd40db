/**
 * Routes ring-buffer records into per-(kind, partition) batches and hands
 * each full or old batch to the publisher. Records are copied verbatim
 * (RawBatchWriter.appendWire): no decoding on the hot path beyond the few
 * header fields that choose the partition.
 */
import {
  RawBatchWriter,
  RawEventLayout as L,
  RawKind,
  partitionOf,
  streamKeyOf,
} from '@mcpspy/events';

// Layout offsets copied out of the libs/events namespace once: each access
// through the CommonJS re-export is a getter call, measurable per record.
const KIND = L.kind;
const FD_TYPE = L.fdType;
const PID = L.pid;
const STREAM_ID = L.streamId;
const LEN = L.len;
const HEADER_SIZE = L.headerSize;
const KIND_IO = RawKind.io;
const KIND_TLS = RawKind.tls;

const CACHE_SIZE = 256;
const CACHE_MASK = CACHE_SIZE - 1;

function u32At(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

export type BatchKind = 'io' | 'tls';

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
  writer: RawBatchWriter;
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
  partitionOfRecord(rec: Uint8Array): number {
    if (this.opts.partitions <= 1) return 0;
    const kind = rec[KIND];
    const fdType = rec[FD_TYPE];
    // Only TLS stream ids are per process (streamKeyOf); others ignore the pid.
    const pid = kind === KIND_TLS ? u32At(rec, PID) : 0;
    const lo = u32At(rec, STREAM_ID);
    const hi = u32At(rec, STREAM_ID + 4);
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
    if (rec.byteLength < HEADER_SIZE) {
      this.recordsRejected++;
      return;
    }
    const kindCode = rec[KIND];
    const kind: BatchKind | undefined = kindCode === KIND_IO ? 'io' : kindCode === KIND_TLS ? 'tls' : undefined;
    const len = u32At(rec, LEN);
    if (!kind || HEADER_SIZE + len > rec.byteLength) {
      this.recordsRejected++;
      return;
    }
    const wire = HEADER_SIZE + len === rec.byteLength ? rec : rec.subarray(0, HEADER_SIZE + len);
    const partition = this.partitionOfRecord(rec);
    const slotKey = (kindCode << 16) | partition;
    let slot = this.slots.get(slotKey);
    if (!slot) {
      slot = { kind, partition, writer: new RawBatchWriter(this.capacity), seq: 0n, since: now };
      this.slots.set(slotKey, slot);
    }
    if (slot.writer.recordCount === 0) slot.since = now;
    if (!slot.writer.appendWire(wire)) {
      this.flush(slot);
      slot.since = now;
      if (!slot.writer.appendWire(wire)) {
        this.recordsRejected++;
        return;
      }
    }
    if (slot.writer.byteLength >= this.batchBytes) this.flush(slot);
  }

  /** Flushes batches older than the flush interval. */
  flushDue(now = performance.now()): void {
    for (const slot of this.slots.values()) {
      if (slot.writer.recordCount > 0 && now - slot.since >= this.flushIntervalMs) this.flush(slot);
    }
  }

  flushAll(): void {
    for (const slot of this.slots.values()) if (slot.writer.recordCount > 0) this.flush(slot);
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

