/**
 * Capture files: what `--record FILE` writes and `mcpspy replay FILE` reads.
 * Format (all integers little-endian), documented in apps/probe/README.md:
 *
 *   file header, 16 bytes: "MCPSPYCP" | u16 version (1) | u16 header size (16) | u32 reserved (0)
 *   entries, back to back, each:
 *     u32 marker 0x3145434d ("MCE1") | u16 subject length | u16 reserved (0)
 *     u32 payload length | u32 CRC-32 (IEEE) of subject bytes then payload
 *     subject (UTF-8) | payload (a raw batch or a JSON message, as on the Bus)
 *
 * A file cut short while being written (crash, full disk) ends with a partial
 * entry: the reader stops there and reports it. Anything else that does not
 * fit the format is corruption and throws CaptureFormatError.
 */
import { createReadStream, createWriteStream, WriteStream } from 'node:fs';
import { type Logger, openOutputFile } from '@mcpspy/runtime';
import { CaptureFormatError, CaptureWriteError } from './errors';

export const CAPTURE_MAGIC = 'MCPSPYCP';
export const CAPTURE_VERSION = 1;
const FILE_HEADER_SIZE = 16;
const ENTRY_MARKER = 0x3145434d;
const ENTRY_HEADER_SIZE = 16;
const MAX_SUBJECT = 1024;
const MAX_PAYLOAD = 256 * 1024 * 1024;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3), continuing from `crc` (pass the previous result). */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export class CaptureWriter {
  private error?: Error;
  private closed = false;
  entries = 0;
  bytes = 0;

  private constructor(
    readonly path: string,
    private readonly out: WriteStream,
  ) {
    out.on('error', (err) => {
      this.error ??= err;
    });
  }

  /**
   * Creates the file 0600 (raw traffic holds tokens) without following a
   * symlink or taking another user's file, FIFO or device unless `force`
   * (see openOutputFile). Throws CaptureWriteError.
   */
  static async open(path: string, options: { force?: boolean } = {}): Promise<CaptureWriter> {
    let fd: number;
    try {
      fd = openOutputFile(path, { force: options.force, what: 'capture file' }).fd;
    } catch (err) {
      throw new CaptureWriteError(path, { cause: err });
    }
    const out = createWriteStream('', { fd, highWaterMark: 1024 * 1024 });
    const w = new CaptureWriter(path, out);
    const header = Buffer.alloc(FILE_HEADER_SIZE);
    header.write(CAPTURE_MAGIC, 0, 'latin1');
    header.writeUInt16LE(CAPTURE_VERSION, 8);
    header.writeUInt16LE(FILE_HEADER_SIZE, 10);
    out.write(header);
    w.bytes = FILE_HEADER_SIZE;
    return w;
  }

  /** Queues one entry; the payload is copied, so the caller may reuse it. */
  write(subject: string, payload: Uint8Array): void {
    if (this.closed) throw new CaptureWriteError(this.path, { cause: new Error('writer is closed') });
    if (this.error) throw new CaptureWriteError(this.path, { cause: this.error });
    const subj = Buffer.from(subject, 'utf8');
    if (subj.length > MAX_SUBJECT || payload.byteLength > MAX_PAYLOAD) {
      throw new CaptureWriteError(this.path, { cause: new Error(`entry too large (subject ${subj.length}, payload ${payload.byteLength})`) });
    }
    const entry = Buffer.allocUnsafe(ENTRY_HEADER_SIZE + subj.length + payload.byteLength);
    entry.writeUInt32LE(ENTRY_MARKER, 0);
    entry.writeUInt16LE(subj.length, 4);
    entry.writeUInt16LE(0, 6);
    entry.writeUInt32LE(payload.byteLength, 8);
    entry.writeUInt32LE(crc32(payload, crc32(subj)), 12);
    subj.copy(entry, ENTRY_HEADER_SIZE);
    entry.set(payload, ENTRY_HEADER_SIZE + subj.length);
    this.out.write(entry);
    this.entries++;
    this.bytes += entry.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.out.end(resolve));
    if (this.error) throw new CaptureWriteError(this.path, { cause: this.error });
  }
}

export interface CaptureEntry {
  subject: string;
  payload: Buffer;
}

export interface ReadCaptureOptions {
  /** Told when the file ends inside an entry (the entries before it were read). */
  onTruncated?(info: { path: string; offset: number; entriesRead: number; missingBytes: number }): void;
  logger?: Logger;
}

/**
 * Reads entries in order. Throws CaptureFormatError on corruption; a
 * truncated last entry ends the iteration and is reported, not thrown.
 */
export async function* readCapture(path: string, options: ReadCaptureOptions = {}): AsyncIterable<CaptureEntry> {
  let buf: Buffer = Buffer.alloc(0);
  let fileOffset = 0; // file offset of buf[0]
  let headerDone = false;
  let entries = 0;
  let stream;
  try {
    stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      stream!.once('open', () => resolve());
      stream!.once('error', reject);
    });
  } catch (err) {
    throw new CaptureFormatError(path, 'cannot open file', { cause: err });
  }
  const fail = (offset: number, detail: string) => new CaptureFormatError(path, `${detail} at offset ${offset}`);

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let p = 0;
    if (!headerDone) {
      if (buf.length < FILE_HEADER_SIZE) continue;
      if (buf.toString('latin1', 0, 8) !== CAPTURE_MAGIC) throw new CaptureFormatError(path, 'not a capture file (bad magic)');
      const version = buf.readUInt16LE(8);
      if (version !== CAPTURE_VERSION) throw new CaptureFormatError(path, `unsupported version ${version}`);
      const hs = buf.readUInt16LE(10);
      if (hs < FILE_HEADER_SIZE) throw new CaptureFormatError(path, `bad header size ${hs}`);
      if (buf.length < hs) continue;
      p = hs;
      headerDone = true;
    }
    while (buf.length - p >= ENTRY_HEADER_SIZE) {
      const at = fileOffset + p;
      if (buf.readUInt32LE(p) !== ENTRY_MARKER) throw fail(at, 'bad entry marker');
      const sl = buf.readUInt16LE(p + 4);
      const pl = buf.readUInt32LE(p + 8);
      if (sl === 0 || sl > MAX_SUBJECT) throw fail(at, `bad subject length ${sl}`);
      if (pl > MAX_PAYLOAD) throw fail(at, `bad payload length ${pl}`);
      const end = p + ENTRY_HEADER_SIZE + sl + pl;
      if (end > buf.length) break;
      const subj = buf.subarray(p + ENTRY_HEADER_SIZE, p + ENTRY_HEADER_SIZE + sl);
      const payload = buf.subarray(p + ENTRY_HEADER_SIZE + sl, end);
      if (crc32(payload, crc32(subj)) !== buf.readUInt32LE(p + 12)) throw fail(at, 'checksum mismatch');
      entries++;
      // Copy out: `buf` is reused for the next chunk.
      yield { subject: subj.toString('utf8'), payload: Buffer.from(payload) };
      p = end;
    }
    buf = buf.subarray(p);
    fileOffset += p;
  }
  if (!headerDone) throw new CaptureFormatError(path, `file of ${buf.length} bytes is shorter than the capture header`);
  if (buf.length > 0) {
    let missing = ENTRY_HEADER_SIZE - buf.length;
    if (buf.length >= ENTRY_HEADER_SIZE) {
      if (buf.readUInt32LE(0) !== ENTRY_MARKER) throw fail(fileOffset, 'bad entry marker');
      missing = ENTRY_HEADER_SIZE + buf.readUInt16LE(4) + buf.readUInt32LE(8) - buf.length;
    }
    const info = { path, offset: fileOffset, entriesRead: entries, missingBytes: missing };
    options.logger?.warn(info, 'capture file ends inside an entry (truncated); entries before it were read');
    options.onTruncated?.(info);
  }
}
