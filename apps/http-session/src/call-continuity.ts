/**
 * Tells whether a chunk follows the previous one of the same direction
 * without a hole. The probe splits each call into chunks at growing offsets
 * (events.h); a lost record shows as a flag, a jump in offset, or a call
 * that stopped before its total length.
 */
import { RawFlags } from '@mcpspy/events';

export interface ChunkPosition {
  callId: bigint;
  offset: number;
  totalLen: number;
  flags: number;
  lostBytes: number;
  data: { byteLength: number };
}

export class CallContinuity {
  private callId = -1n;
  private next = 0;
  private total = 0;
  private started = false;

  /** Returns true when bytes are missing before this chunk (or in it). */
  check(ev: ChunkPosition): boolean {
    let gap = (ev.flags & RawFlags.lostBefore) !== 0;
    if (ev.offset === 0) {
      if (this.started && this.next < this.total) gap = true;
    } else if (!this.started || this.callId !== ev.callId || this.next !== ev.offset) {
      gap = true;
    }
    this.started = true;
    this.callId = ev.callId;
    this.next = ev.offset + ev.data.byteLength;
    this.total = ev.totalLen;
    if ((ev.flags & RawFlags.truncated) !== 0) gap = true;
    return gap;
  }
}
