/**
 * Whether a raw chunk follows the previous chunk of the same byte stream (one
 * direction) with no hole. The probe cuts every call into chunks that name
 * their call (`callId`), where they start in it (`offset`) and how long the
 * call was (`totalLen`): a jump in offset, a call that ended before its total
 * length, a `lostBefore` flag or a `truncated` chunk (its bytes could not be
 * read) is a hole, and the bytes on its two sides must never be glued into
 * one message. Every stage that rebuilds byte streams (http-session for
 * sockets and TLS, mcp-parser for pipes) keeps one of these per direction.
 */
import { RawFlags, type RawEvent } from './raw.events';

export type ChunkPosition = Pick<RawEvent, 'callId' | 'offset' | 'totalLen' | 'flags'> & { data: { byteLength: number } };

export class ChunkContinuity {
  private callId = -1n;
  private next = 0;
  private total = 0;

  /** False when bytes are missing before this chunk or inside it. */
  follows(ev: ChunkPosition): boolean {
    let ok = (ev.flags & (RawFlags.lostBefore | RawFlags.truncated)) === 0;
    if (ev.callId === this.callId) {
      if (ev.offset !== this.next) ok = false;
    } else {
      // A new call: the previous one must have been whole, and this one must start at its beginning.
      if (this.callId !== -1n && this.next < this.total) ok = false;
      if (ev.offset !== 0) ok = false;
      this.callId = ev.callId;
      this.total = ev.totalLen;
    }
    this.next = ev.offset + ev.data.byteLength;
    return ok;
  }
}
