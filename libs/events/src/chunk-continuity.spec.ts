import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkContinuity } from './chunk-continuity';
import { RawFlags } from './raw.events';

const chunk = (callId: bigint, offset: number, len: number, totalLen: number, flags = 0) => ({ callId, offset, totalLen, flags, data: { byteLength: len } });

test('whole calls cut into chunks follow each other', () => {
  const c = new ChunkContinuity();
  assert.equal(c.follows(chunk(1n, 0, 10, 25)), true);
  assert.equal(c.follows(chunk(1n, 10, 10, 25)), true);
  assert.equal(c.follows(chunk(1n, 20, 5, 25)), true);
  assert.equal(c.follows(chunk(2n, 0, 3, 3)), true);
});

test('every kind of hole is seen', () => {
  const skipped = new ChunkContinuity();
  skipped.follows(chunk(1n, 0, 10, 30));
  assert.equal(skipped.follows(chunk(1n, 20, 10, 30)), false, 'a chunk skipped inside a call');
  const cutShort = new ChunkContinuity();
  cutShort.follows(chunk(1n, 0, 10, 30));
  assert.equal(cutShort.follows(chunk(2n, 0, 5, 5)), false, 'the previous call ended early');
  assert.equal(new ChunkContinuity().follows(chunk(3n, 8, 5, 20)), false, 'a call seen from its middle');
  assert.equal(new ChunkContinuity().follows(chunk(4n, 0, 5, 5, RawFlags.lostBefore)), false, 'the kernel lost records before');
  assert.equal(new ChunkContinuity().follows(chunk(5n, 0, 5, 5, RawFlags.truncated)), false, 'bytes that could not be read');
});
