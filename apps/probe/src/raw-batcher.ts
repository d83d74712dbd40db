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

  constructor(private readonly opts: RawBatcherOptions) {
    this.capacity = opts.capacity ?? 1024 * 1024 - 4096;
    this.batchBytes = Math.min(opts.batchBytes ?? 256 * 1024, this.capacity);
    this.flushIntervalMs = opts.flushIntervalMs ?? 5;
  }

  /** Partition of a wire record, from its header fields. */
  partitionOfRecord(rec: Uint8Array): number {
    if (this.opts.partitions <= 1) return 0;
    const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    return partitionOf(
      streamKeyOf({
        kind: rec[L.kind],
        fdType: rec[L.fdType],
        pid: v.getUint32(L.pid, true),
        streamId: v.getBigUint64(L.streamId, true),
      }),
      this.opts.partitions,
    );
  }

  /** Adds one wire record (header + data, possibly followed by ring padding). */
  add(rec: Uint8Array, now = performance.now()): void {
    if (rec.byteLength < L.headerSize) {
      this.recordsRejected++;
      return;
    }
    const kindCode = rec[L.kind];
    const kind: BatchKind | undefined = kindCode === RawKind.io ? 'io' : kindCode === RawKind.tls ? 'tls' : undefined;
    const len = rec[L.len] | (rec[L.len + 1] << 8) | (rec[L.len + 2] << 16) | (rec[L.len + 3] << 24);
    if (!kind || len < 0 || L.headerSize + len > rec.byteLength) {
      this.recordsRejected++;
      return;
    }
    const wire = rec.subarray(0, L.headerSize + len);
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

