/**
 * Reads a BPF ring buffer by walking its shared memory, as the kernel lays it
 * out (see kernel/bpf/ringbuf.c): a consumer page the reader writes, a
 * producer page and the data area that the reader only reads.
 *
 * The kernel offers the data area twice back to back, so that a record
 * running past the end stays contiguous; libbpf maps both copies. Here it is
 * mapped once: the pages are the same, but a process's RSS counts every
 * mapping of a page, so the double map showed a 64 MB ring as 128 MB. The
 * rare record that wraps is copied into a scratch buffer instead.
 *
 * libbpf's ring_buffer__poll with a JS callback costs ~1 µs per record; this
 * walk costs a few tens of nanoseconds, which is what makes 100k+ events/s
 * cheap on Node's main thread.
 */
import { Handle, Libc, MAP_FAILED, MAP_SHARED, PROT_READ, PROT_WRITE, lastErrno, nativeView } from './libbpf.ffi';
import { ProbeError } from './errors';

const BUSY_BIT = 0x80000000;
const DISCARD_BIT = 0x40000000;
const LEN_MASK = 0x3fffffff;
const RECORD_HEADER = 8;

export class RingbufReader {
  private readonly consumerPtr: Handle;
  private readonly dataPtr: Handle;
  private readonly consumerPos: BigUint64Array;
  private readonly producerPos: BigUint64Array;
  private readonly data: Uint8Array;
  /** The data area as 32-bit words (records start 8-aligned). */
  private readonly words: Int32Array;
  private readonly mask: number;
  private readonly pageSize: number;
  private closed = false;
  /** Where a record that wraps around the end of the data area is made contiguous. */
  private scratch = new ArrayBuffer(0);
  private scratchU8 = new Uint8Array(0);
  private scratchI32 = new Int32Array(0);

  /** `size` is the map's max_entries (a power of two, multiple of the page size). */
  constructor(
    private readonly libc: Libc,
    mapFd: number,
    readonly size: number,
    readonly name = 'ringbuf',
  ) {
    this.pageSize = libc.getpagesize();
    this.mask = size - 1;
    const c = libc.mmap(null, this.pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0);
    if (c === MAP_FAILED || c === 0n) throw new ProbeError(`failed to map ${name} consumer page: errno ${lastErrno()}`);
    const d = libc.mmap(null, this.pageSize + size, PROT_READ, MAP_SHARED, mapFd, this.pageSize);
    if (d === MAP_FAILED || d === 0n) {
      const e = lastErrno();
      libc.munmap(c, this.pageSize);
      throw new ProbeError(`failed to map ${name} data pages: errno ${e}`);
    }
    this.consumerPtr = c;
    this.dataPtr = d;
    this.consumerPos = new BigUint64Array(nativeView(c, 8));
    const ro = nativeView(d, this.pageSize + size);
    this.producerPos = new BigUint64Array(ro, 0, 1);
    this.data = new Uint8Array(ro, this.pageSize, size);
    this.words = new Int32Array(ro, this.pageSize, size / 4);
  }

  /**
   * The body of a record that runs past the end of the data area, copied
   * into the scratch buffer (at offset 0). Headers never wrap: records are
   * 8-aligned and the area's size is a multiple of 8.
   */
  private unwrap(start: number, len: number): void {
    if (this.scratch.byteLength < len) {
      let cap = 4096;
      while (cap < len) cap *= 2;
      this.scratch = new ArrayBuffer(cap);
      this.scratchU8 = new Uint8Array(this.scratch);
      this.scratchI32 = new Int32Array(this.scratch);
    }
    const head = this.size - start;
    this.scratchU8.set(this.data.subarray(start, this.size), 0);
    this.scratchU8.set(this.data.subarray(0, len - head), head);
  }

  /** Bytes written by the kernel and not consumed yet. */
  pending(): number {
    return Number(Atomics.load(this.producerPos, 0) - Atomics.load(this.consumerPos, 0));
  }

  /**
   * Hands every committed record to `onRecord` (a view into the ring: copy
   * it before returning) and releases them to the kernel in one store.
   * Stops at a record still being written, or after `maxBytes` of ring.
   */
  drain(onRecord: (record: Uint8Array) => void, maxBytes = Number.MAX_SAFE_INTEGER): number {
    return this.drainAt((data, _words, start, len) => onRecord(data.subarray(start, start + len)), maxBytes);
  }

  /**
   * As drain, but hands each record as a position in the data area (byte and
   * word views, byte offset, length) instead of a view object per record.
   */
  drainAt(
    onRecord: (data: Uint8Array, words: Int32Array, start: number, len: number) => void,
    maxBytes = Number.MAX_SAFE_INTEGER,
  ): number {
    if (this.closed) return 0;
    let cons = Number(Atomics.load(this.consumerPos, 0));
    const prod = Number(Atomics.load(this.producerPos, 0));
    const limit = Math.min(prod, cons + maxBytes);
    const data = this.data;
    const words = this.words;
    const mask = this.mask;
    let n = 0;
    while (cons < limit) {
      const at = cons & mask;
      const hdr = words[at >> 2] >>> 0;
      if (hdr & BUSY_BIT) break;
      const len = hdr & LEN_MASK;
      if (!(hdr & DISCARD_BIT)) {
        const start = (at + RECORD_HEADER) & mask;
        if (start + len <= this.size) onRecord(data, words, start, len);
        else {
          this.unwrap(start, len);
          onRecord(this.scratchU8, this.scratchI32, 0, len);
        }
        n++;
      }
      cons += (len + RECORD_HEADER + 7) & ~7;
    }
    Atomics.store(this.consumerPos, 0, BigInt(cons));
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.libc.munmap(this.dataPtr, this.pageSize + this.size);
    this.libc.munmap(this.consumerPtr, this.pageSize);
  }
}
