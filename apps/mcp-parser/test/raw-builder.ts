/**
 * Builds synthetic raw batches the way the probe does: each call becomes
 * records of at most `chunk` bytes sharing a call id, with F_FIRST/F_LAST,
 * encoded with RawBatchWriter and decoded again with decodeRawBatch, so the
 * tests go through the real wire codec.
 */
import {
  decodeRawBatch,
  Direction,
  FdType,
  McpMessageEvent,
  RawBatch,
  RawEvent,
  RawBatchWriter,
  RawFlags,
  RawKind,
} from '@mcpspy/events';
import { MemoryStore, silentLogger, Store } from '@mcpspy/runtime';
import { McpParserEngine, McpParserOptions } from '../src';

/** 2024-01-15T12:34:56.789Z happens at kernel time 1 s. */
export const WALL_OFFSET_NS = 1_705_322_096_789n * 1_000_000n - 1_000_000_000n;
export const T0_ISO = '2024-01-15T12:34:56.789Z';

export interface CallSpec {
  pid: number;
  comm: string;
  dir: 'write' | 'read';
  stream: bigint;
  data: string | Uint8Array;
  fdType?: 'pipe' | 'unix';
  /** Largest record data; the call is cut into records of this size. */
  chunk?: number;
  /** Kernel time of the call in ms after T0. */
  atMs?: number;
  flags?: number;
  lostBytes?: number;
  offset?: number;
}

/** One record as RawBatchWriter.append takes it: a RawEvent. */
export type RecordSpec = RawEvent;

/** Call ids are unique per CPU in the kernel; unique per test process here, across scripts. */
let nextCall = 1n;

export class RawScript {
  readonly records: RecordSpec[] = [];

  call(c: CallSpec): this {
    const data = typeof c.data === 'string' ? Buffer.from(c.data, 'utf8') : c.data;
    const chunk = Math.max(1, c.chunk ?? 64 * 1024);
    const callId = nextCall++;
    const tsNs = 1_000_000_000n + BigInt(Math.round((c.atMs ?? 0) * 1_000_000));
    const base = c.offset ?? 0;
    for (let off = 0; off === 0 || off < data.length; off += chunk) {
      const part = data.subarray(off, Math.min(data.length, off + chunk));
      let flags = c.flags ?? 0;
      if (off === 0) flags |= RawFlags.first;
      if (off + chunk >= data.length) flags |= RawFlags.last;
      if (off > 0) flags &= ~RawFlags.lostBefore;
      this.records.push({
        kind: RawKind.io,
        direction: c.dir === 'write' ? Direction.write : Direction.read,
        fdType: c.fdType === 'unix' ? FdType.unix : FdType.pipe,
        flags,
        pid: c.pid,
        tid: c.pid,
        fd: c.dir === 'write' ? 1 : 0,
        tsNs,
        streamId: c.stream,
        callId,
        totalLen: base + data.length,
        offset: base + off,
        lostBytes: off === 0 ? (c.lostBytes ?? 0) : 0,
        comm: c.comm,
        data: part,
      });
      if (data.length === 0) break;
    }
    return this;
  }

  /** Encodes the records into batches of at most `perBatch` records. */
  batches(perBatch = 64): RawBatch[] {
    return toBatches(this.records, perBatch);
  }
}

export function toBatches(records: RecordSpec[], perBatch = 64): RawBatch[] {
  const out: RawBatch[] = [];
  let seq = 0n;
  for (let i = 0; i < records.length; i += perBatch) {
    const group = records.slice(i, i + perBatch);
    const size = group.reduce((n, r) => n + 96 + r.data.byteLength, 64);
    const w = new RawBatchWriter(size);
    for (const r of group) if (!w.append(r)) throw new Error('record does not fit in the test batch');
    out.push(decodeRawBatch(w.finish({ wallOffsetNs: WALL_OFFSET_NS, seq: seq++ })));
  }
  return out;
}

export interface Harness {
  engine: McpParserEngine;
  out: McpMessageEvent[];
  store: Store;
  feed(batches: RawBatch[]): Promise<void>;
  done(): Promise<McpMessageEvent[]>;
}

export function harness(opts: Partial<McpParserOptions> = {}): Harness {
  const out: McpMessageEvent[] = [];
  const store = opts.store ?? new MemoryStore();
  const engine = new McpParserEngine({
    store,
    logger: silentLogger(),
    instance: 'test',
    emit: (m) => out.push(m),
    readerWaitMs: 30,
    twinWaitMs: 30,
    ...opts,
  });
  return {
    engine,
    out,
    store,
    feed: async (batches) => {
      for (const b of batches) await engine.onRawBatch(b);
    },
    done: async () => {
      await engine.flush();
      await engine.close();
      if (!opts.store) await store.close();
      return out;
    },
  };
}

/** Drops the per-run numbering so results compare by content. */
export function strip(msgs: McpMessageEvent[]): Omit<McpMessageEvent, 'seq' | 'msg_id'>[] {
  return msgs.map(({ seq: _s, msg_id: _m, ...rest }) => rest);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function line(obj: unknown): string {
  return JSON.stringify(obj) + '\n';
}
