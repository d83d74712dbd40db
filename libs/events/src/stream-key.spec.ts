import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FdType, RawKind, streamKeyOf } from './raw.events';

test('streamKeyOf: the same key as printed afresh, whatever came before (the last key is reused)', () => {
  const fresh = (ev: { kind: number; fdType: number; pid: number; streamId: bigint }): string =>
    ev.kind === RawKind.tls
      ? `tls:${ev.pid}:${ev.streamId.toString(16)}`
      : ev.fdType === FdType.pipe
        ? `pipe:${ev.streamId}`
        : ev.fdType === FdType.unix
          ? `unix:${ev.streamId}`
          : ev.fdType === FdType.inet
            ? `inet:${ev.streamId}`
            : `fd${ev.fdType}:${ev.streamId}`;
  const events = [
    { kind: RawKind.io, fdType: FdType.pipe, pid: 1, streamId: 42n },
    { kind: RawKind.io, fdType: FdType.pipe, pid: 2, streamId: 42n },
    { kind: RawKind.io, fdType: FdType.unix, pid: 2, streamId: 42n },
    { kind: RawKind.tls, fdType: FdType.unix, pid: 2, streamId: 42n },
    { kind: RawKind.tls, fdType: FdType.unix, pid: 3, streamId: 42n },
    { kind: RawKind.io, fdType: FdType.inet, pid: 3, streamId: 42n },
    { kind: RawKind.io, fdType: 9, pid: 3, streamId: 42n },
    { kind: RawKind.io, fdType: FdType.pipe, pid: 3, streamId: 2n ** 64n - 1n },
    { kind: RawKind.io, fdType: FdType.pipe, pid: 3, streamId: 0n },
    { kind: RawKind.io, fdType: FdType.pipe, pid: 4, streamId: 0n },
  ];
  for (let round = 0; round < 2; round++) for (const ev of events) assert.equal(streamKeyOf(ev), fresh(ev), JSON.stringify({ ...ev, streamId: String(ev.streamId) }));
});
