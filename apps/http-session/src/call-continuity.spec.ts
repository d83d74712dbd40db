import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawFlags } from '@mcpspy/events';
import { CallContinuity } from './call-continuity';

const ch = (callId: bigint, offset: number, len: number, totalLen: number, flags = 0) => ({
  callId,
  offset,
  totalLen,
  flags,
  lostBytes: 0,
  data: { byteLength: len },
});

describe('CallContinuity', () => {
  test('contiguous chunks and whole calls are not gaps', () => {
    const c = new CallContinuity();
    assert.equal(c.check(ch(1n, 0, 4, 8)), false);
    assert.equal(c.check(ch(1n, 4, 4, 8)), false);
    assert.equal(c.check(ch(2n, 0, 3, 3)), false);
  });

  test('an offset jump, a call cut short, a lost flag and a truncated chunk are gaps', () => {
    const c = new CallContinuity();
    c.check(ch(1n, 0, 4, 12));
    assert.equal(c.check(ch(1n, 8, 4, 12)), true);
    c.check(ch(2n, 0, 4, 12));
    assert.equal(c.check(ch(3n, 0, 4, 4)), true);
    assert.equal(c.check(ch(4n, 0, 4, 4, RawFlags.lostBefore)), true);
    assert.equal(c.check(ch(5n, 0, 4, 4, RawFlags.truncated)), true);
  });

  test('joining mid-call is a gap', () => {
    assert.equal(new CallContinuity().check(ch(1n, 100, 4, 200)), true);
  });
});
