/**
 * Continuity of the calls feeding one byte stream. Every chunk names its call
 * (`callId`), where it starts in that call (`offset`) and how long the call
 * was (`totalLen`): a missing offset, a call that ended early or a
 * `F_LOST_BEFORE` flag is a hole, and bytes on its two sides must not be glued.
 */
import { RawEvent, RawFlags } from '@mcpspy/events';

export class CallCursor {
  private callId = -1n;
  private next = 0;
  private total = 0;

  /** False when bytes are missing between the previous chunk and this one. */
  follows(ev: RawEvent): boolean {
    let ok = (ev.flags & RawFlags.lostBefore) === 0;
    if (ev.callId === this.callId) {
      if (ev.offset !== this.next) ok = false;
    } else {
      if (this.callId !== -1n && this.next < this.total) ok = false;
      if (ev.offset !== 0) ok = false;
      this.callId = ev.callId;
      this.total = ev.totalLen;
    }
    this.next = ev.offset + ev.data.byteLength;
    return ok;
  }
}
