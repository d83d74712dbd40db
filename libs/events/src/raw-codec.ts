/**
 * Binary codec of raw batches: the payload of `mcpspy.v1.raw.io.<p>` and
 * `mcpspy.v1.raw.tls.<p>`, and the record format of capture files.
 *
 * Batch layout (little-endian):
 *   0  u8[4] magic "MSB1"
 *   4  u16   version (1)
 *   6  u16   header size (32)
 *   8  u32   record count
 *   12 u32   producer id (probe instance)
 *   16 i64   wall-clock offset ns (wall - kernel monotonic)
 *   24 u64   batch sequence number
 *   32 ...   records: struct mcpspy_event header + data, each padded to 8 bytes
 *
 * Records are copied verbatim from the kernel ring buffer, so the probe never
 * re-encodes them.
 */
import { RawCodecError } from './errors';
import { RawBatch, RawEvent, RawEventLayout as L, RawKind } from './raw.events';

export const BATCH_MAGIC = 0x3142534d; // "MSB1" read as u32 LE
export const BATCH_VERSION = 1;
export const BATCH_HEADER_SIZE = 32;
/** Hard bound on one record's data, far above any chunk the probe emits. */
export const MAX_RECORD_DATA = 64 * 1024 * 1024;

const textDecoder = new TextDecoder('latin1');

export function align8(n: number): number {
  return (n + 7) & ~7;
}

export interface BatchMeta {
  wallOffsetNs: bigint;
  seq: bigint;
  producer?: number;
}

/** Writes the 32-byte batch header at the start of `view` (shared by every batch builder). */
export function writeBatchHeader(view: DataView, count: number, meta: BatchMeta): void {
  view.setUint32(0, BATCH_MAGIC, true);
  view.setUint16(4, BATCH_VERSION, true);
  view.setUint16(6, BATCH_HEADER_SIZE, true);
  view.setUint32(8, count, true);
  view.setUint32(12, meta.producer ?? 0, true);
  view.setBigInt64(16, meta.wallOffsetNs, true);
  view.setBigUint64(24, meta.seq, true);
}

/** Builds batches. Reuses one buffer; `finish()` returns a copy-free view. */
export class RawBatchWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = BATCH_HEADER_SIZE;
  private count = 0;

  constructor(private readonly capacity: number = 1024 * 1024) {
    this.buf = Buffer.alloc(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get recordCount(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.pos;
  }

  /** Room left for one more record with `dataLen` bytes of data. */
  fits(dataLen: number): boolean {
    return this.pos + align8(L.headerSize + dataLen) <= this.capacity;
  }

  /** Appends a record already in wire form (header + data), as read from the ring buffer. */
  appendWire(record: Uint8Array): boolean {
    const size = align8(record.byteLength);
    if (this.pos + size > this.capacity) return false;
    this.buf.set(record, this.pos);
    if (size > record.byteLength) this.buf.fill(0, this.pos + record.byteLength, this.pos + size);
    this.pos += size;
    this.count++;
    return true;
  }

  /** Appends a record from fields (user-made events, tests, replay tools). */
  append(ev: Omit<RawEvent, 'data'> & { data: Uint8Array }): boolean {
    const size = align8(L.headerSize + ev.data.byteLength);
    if (this.pos + size > this.capacity) return false;
    const p = this.pos;
    const v = this.view;
    this.buf.fill(0, p, p + size);
    v.setUint8(p + L.kind, ev.kind);
    v.setUint8(p + L.direction, ev.direction);
    v.setUint8(p + L.fdType, ev.fdType);
    v.setUint8(p + L.flags, ev.flags);
    v.setUint32(p + L.pid, ev.pid, true);
    v.setUint32(p + L.tid, ev.tid, true);
    v.setInt32(p + L.fd, ev.fd, true);
    v.setBigUint64(p + L.tsNs, ev.tsNs, true);
    v.setBigUint64(p + L.streamId, ev.streamId, true);
    v.setBigUint64(p + L.callId, ev.callId, true);
    v.setBigUint64(p + L.totalLen, BigInt(ev.totalLen), true);
    v.setBigUint64(p + L.offset, BigInt(ev.offset), true);
    v.setUint32(p + L.len, ev.data.byteLength, true);
    v.setUint32(p + L.lostBytes, ev.lostBytes, true);
    this.buf.write(ev.comm.slice(0, L.commLen - 1), p + L.comm, 'latin1');
    this.buf.set(ev.data, p + L.headerSize);
    this.pos += size;
    this.count++;
    return true;
  }

  /** Writes the header and returns a fresh copy of the batch; the writer is reset. */
  finish(meta: BatchMeta): Buffer {
    writeBatchHeader(this.view, this.count, meta);
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = BATCH_HEADER_SIZE;
    this.count = 0;
    return out;
  }
}

/**
 * Decodes a batch. Every length is checked against the buffer before it is
 * used, so a truncated or corrupted batch throws RawCodecError and never reads
 * out of bounds. `data` of each event is a view into `bytes`.
 */
export function decodeRawBatch(bytes: Uint8Array): RawBatch {
  if (bytes.byteLength < BATCH_HEADER_SIZE) {
    throw new RawCodecError(`batch of ${bytes.byteLength} bytes is shorter than its header`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== BATCH_MAGIC) throw new RawCodecError('bad batch magic');
  const version = v.getUint16(4, true);
  if (version !== BATCH_VERSION) throw new RawCodecError(`unsupported batch version ${version}`);
  const headerSize = v.getUint16(6, true);
  if (headerSize < BATCH_HEADER_SIZE || headerSize > bytes.byteLength) {
    throw new RawCodecError(`bad batch header size ${headerSize}`);
  }
  const count = v.getUint32(8, true);
  const producer = v.getUint32(12, true);
  const wallOffsetNs = v.getBigInt64(16, true);
  const seq = v.getBigUint64(24, true);
  // Each record takes at least a header: a count beyond that is corrupt.
  if (count > (bytes.byteLength - headerSize) / L.headerSize) {
    throw new RawCodecError(`record count ${count} does not fit in ${bytes.byteLength} bytes`);
  }
  const events: RawEvent[] = new Array(count);
  let p = headerSize;
  for (let i = 0; i < count; i++) {
    const ev = decodeRecordAt(bytes, v, p, i);
    events[i] = ev;
    p += align8(L.headerSize + ev.data.byteLength);
  }
  return { wallOffsetNs, seq, producer, events };
}

/** Decodes one wire record (header + data) without a batch around it. */
export function decodeRawRecord(record: Uint8Array): RawEvent {
  const v = new DataView(record.buffer, record.byteOffset, record.byteLength);
  return decodeRecordAt(record, v, 0, 0);
}

function decodeRecordAt(bytes: Uint8Array, v: DataView, p: number, index: number): RawEvent {
  if (p + L.headerSize > bytes.byteLength) {
    throw new RawCodecError(`record ${index} header at ${p} runs past the batch end (${bytes.byteLength})`);
  }
  const len = v.getUint32(p + L.len, true);
  // Records are padded to 8 bytes; a batch cut inside the padding is truncated too.
  if (len > MAX_RECORD_DATA || p + align8(L.headerSize + len) > bytes.byteLength) {
    throw new RawCodecError(`record ${index} data length ${len} runs past the batch end`);
  }
  const kind = v.getUint8(p + L.kind);
  if (kind === 0) throw new RawCodecError(`record ${index} has kind 0`);
  let commEnd = p + L.comm;
  const commLimit = p + L.comm + L.commLen;
  while (commEnd < commLimit && bytes[commEnd] !== 0) commEnd++;
  return {
    kind,
    direction: v.getUint8(p + L.direction),
    fdType: v.getUint8(p + L.fdType),
    flags: v.getUint8(p + L.flags),
    pid: v.getUint32(p + L.pid, true),
    tid: v.getUint32(p + L.tid, true),
    fd: v.getInt32(p + L.fd, true),
    tsNs: v.getBigUint64(p + L.tsNs, true),
    streamId: v.getBigUint64(p + L.streamId, true),
    callId: v.getBigUint64(p + L.callId, true),
    // Two 32-bit halves: the same Number as through a BigInt (one rounding either way), without allocating one.
    totalLen: v.getUint32(p + L.totalLen, true) + v.getUint32(p + L.totalLen + 4, true) * 4294967296,
    offset: v.getUint32(p + L.offset, true) + v.getUint32(p + L.offset + 4, true) * 4294967296,
    lostBytes: v.getUint32(p + L.lostBytes, true),
    comm: commAt(bytes, p + L.comm, commEnd),
    data: bytes.subarray(p + L.headerSize, p + L.headerSize + len),
  };
}

// Every record carries its process name; a few names make nearly all records. Direct-mapped by a hash of the bytes.
const COMM_SLOTS = 256;
const commCache: Array<{ bytes: Uint8Array; text: string } | undefined> = new Array(COMM_SLOTS);

function commAt(bytes: Uint8Array, start: number, end: number): string {
  const len = end - start;
  let h = len;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + bytes[i]) | 0;
  const slot = (h ^ (h >>> 8)) & (COMM_SLOTS - 1);
  const c = commCache[slot];
  if (c !== undefined && c.bytes.length === len) {
    let i = 0;
    while (i < len && c.bytes[i] === bytes[start + i]) i++;
    if (i === len) return c.text;
  }
  const text = textDecoder.decode(bytes.subarray(start, end));
  commCache[slot] = { bytes: bytes.slice(start, end), text };
  return text;
}

/** Human name of a kind code, for logs. */
export function rawKindName(kind: number): string {
  for (const [name, code] of Object.entries(RawKind)) if (code === kind) return name;
  return `kind${kind}`;
}

/**
 * Decodes a batch arriving at a stage. A corrupt batch is counted as
 * `invalid_batches` and logged once; the caller gets undefined and goes on.
 */
export function decodeRawBatchOrCount<L>(
  bytes: Uint8Array,
  counters: { reject(logger: L | undefined, name: string, reason: string): void },
  logger?: L,
): RawBatch | undefined {
  try {
    return decodeRawBatch(bytes);
  } catch (err) {
    if (!(err instanceof RawCodecError)) throw err;
    counters.reject(logger, 'invalid_batches', err.message);
    return undefined;
  }
}
