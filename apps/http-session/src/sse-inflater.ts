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
import * as zlib from 'node:zlib';
import { Gunzip, Inflate, Unzlib } from 'fflate';

type Sink = (chunk: Uint8Array) => void;
let brotliOk: boolean | undefined;

export class SseInflater {
  private impl?: Gunzip | Unzlib | Inflate | BrotliPieces;
  /** First byte of a deflate stream, kept until the second one tells the wrapping. */
  private pending?: Uint8Array;

  constructor(
    private readonly encoding: 'gzip' | 'deflate' | 'br',
    private readonly ondata: Sink,
  ) {
    if (encoding === 'gzip') this.impl = new Gunzip((chunk) => ondata(chunk));
    if (encoding === 'br') this.impl = new BrotliPieces(ondata);
  }

  /** Whether `br` event streams can be decoded as they arrive on this Node (see BrotliPieces). */
  static brotliAvailable(): boolean {
    return (brotliOk ??= BrotliPieces.available());
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

/**
 * Brotli decompressed piece by piece, synchronously, with Node's own decoder.
 * zlib offers Brotli only as an asynchronous stream (events would come out
 * after later messages) or as one-shot functions, so this drives the
 * stream's native handle the way zlib's own synchronous path does
 * (`handle.writeSync` and the `_writeState` pair, Node 12 to 22), without
 * the final close. A decoding error destroys the handle: checked after
 * every call, since writing to a closed handle aborts the process.
 */
class BrotliPieces {
  private readonly dec: zlib.BrotliDecompress & { _handle?: BrotliHandle | null; _writeState?: Uint32Array };
  private error?: Error;
  private readonly out = Buffer.allocUnsafe(64 * 1024);

  constructor(private readonly ondata: Sink) {
    this.dec = zlib.createBrotliDecompress();
    this.dec.on('error', (e: Error) => {
      this.error = e;
    });
  }

  static available(): boolean {
    try {
      const d = zlib.createBrotliDecompress() as unknown as { _handle?: { writeSync?: unknown }; _writeState?: unknown; close(): void };
      const ok = typeof d._handle?.writeSync === 'function' && d._writeState instanceof Uint32Array;
      d.close();
      return ok;
    } catch {
      return false;
    }
  }

  push(data: Uint8Array, final = false): void {
    let off = 0;
    let avail = data.length;
    for (;;) {
      const handle = this.dec._handle;
      const state = this.dec._writeState;
      if (!handle || !state || this.dec.destroyed) throw this.error ?? new Error('brotli stream does not decompress');
      handle.writeSync(zlib.constants.BROTLI_OPERATION_PROCESS, data, off, avail, this.out, 0, this.out.length);
      if (this.error || this.dec.destroyed || !this.dec._handle) throw this.error ?? new Error('brotli stream does not decompress');
      const outLeft = state[0];
      const inLeft = state[1];
      const have = this.out.length - outLeft;
      if (have > 0) this.ondata(Buffer.from(this.out.subarray(0, have)));
      off += avail - inLeft;
      avail = inLeft;
      // A full output buffer may hide more output: go round again.
      if (outLeft !== 0) break;
    }
    if (final) this.dec.close();
  }
}

interface BrotliHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}
