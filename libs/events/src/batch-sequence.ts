/**
 * The probe numbers the batches of each subject (and advances the number for
 * a batch it had to drop). A stage that sees a jump knows bytes of some
 * streams are missing: it adds a user-made gap record (kind userGap, stream
 * 0: "any stream") in front of the batch, so no stream glues bytes across
 * the hole. A smaller number means the producer restarted: not a gap.
 */
import { FdType, RawBatch, RawEvent, RawKind } from './raw.events';

export class BatchSequenceTracker {
  private readonly last = new Map<string, bigint>();
  missingBatches = 0;

  /** Returns how many batches are missing before this one on its subject. */
  observe(subject: string, batch: RawBatch): number {
    const key = `${subject}\u0000${batch.producer}`;
    const prev = this.last.get(key);
    this.last.set(key, batch.seq);
    if (prev === undefined || batch.seq <= prev) return 0;
    const missing = Number(batch.seq - prev - 1n);
    this.missingBatches += missing;
    return missing;
  }

  /** observe(), and on a jump puts a gap record at the front of the batch. */
  markGaps(subject: string, batch: RawBatch): number {
    const missing = this.observe(subject, batch);
    if (missing > 0) batch.events.unshift(userGapEvent(batch.events[0]?.tsNs ?? 0n));
    return missing;
  }
}

/** A gap record that concerns every stream (stream id 0). */
export function userGapEvent(tsNs: bigint): RawEvent {
  return {
    kind: RawKind.userGap,
    direction: 0,
    fdType: FdType.other,
    flags: 0,
    pid: 0,
    tid: 0,
    fd: -1,
    tsNs,
    streamId: 0n,
    callId: 0n,
    totalLen: 0,
    offset: 0,
    lostBytes: 0,
    comm: '',
    data: new Uint8Array(0),
  };
}
