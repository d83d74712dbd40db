/**
 * Decompresses a gzip or deflate event stream as it arrives, one pushed
 * piece at a time, so each event can be decoded when the server flushes it
 * (compression middleware flushes after every event). Node's zlib has no
 * synchronous streaming API; fflate's Gunzip, Unzlib and Inflate have.
 *
 * The decompressor is picked here rather than by fflate's Decompress, which
 * loses a first piece shorter than three bytes (fflate 0.8.3: the bytes it
 * buffers for detection are dropped when the next piece arrives). HTTP's
 * "deflate" is meant to be zlib-wrapped, but some servers send raw deflate:
 * the first two bytes tell which.
 */
import { Gunzip, Inflate, Unzlib } from 'fflate';

type Sink = (chunk: Uint8Array) => void;

export class SseInflater {
  private impl?: Gunzip | Unzlib | Inflate;
  /** First byte of a deflate stream, kept until the second one tells the wrapping. */
  private pending?: Uint8Array;

  constructor(
    private readonly encoding: 'gzip' | 'deflate',
    private readonly ondata: Sink,
  ) {
    if (encoding === 'gzip') this.impl = new Gunzip((chunk) => ondata(chunk));
  }

  /** Throws when the bytes are not valid compressed data. */
  push(data: Uint8Array, final = false): void {
    if (!this.impl) {
      const bytes = this.pending ? concat(this.pending, data) : data;
      if (bytes.length < 2 && !final) {
        this.pending = bytes.slice();
        return;
      }
      this.pending = undefined;
      this.impl = isZlibHeader(bytes) ? new Unzlib((chunk) => this.ondata(chunk)) : new Inflate((chunk) => this.ondata(chunk));
      this.impl.push(bytes, final);
      return;
    }
    this.impl.push(data, final);
  }
}

/** RFC 1950: compression method 8, window ≤ 32 KB, header checksum a multiple of 31. */
function isZlibHeader(b: Uint8Array): boolean {
  return b.length >= 2 && (b[0]! & 0x0f) === 8 && b[0]! >> 4 <= 7 && ((b[0]! << 8) | b[1]!) % 31 === 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
