import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchSequenceTracker } from './batch-sequence';
import { RawBatch, RawKind } from './raw.events';

const batch = (seq: bigint, producer = 0): RawBatch => ({ wallOffsetNs: 0n, seq, producer, events: [] });

test('a jump in a subject\'s batch numbers is a gap; a restart is not', () => {
  const t = new BatchSequenceTracker();
  assert.equal(t.observe('raw.io.0', batch(0n)), 0);
  assert.equal(t.observe('raw.io.0', batch(1n)), 0);
  assert.equal(t.observe('raw.io.1', batch(7n)), 0, 'first sight of another subject');
  assert.equal(t.observe('raw.io.0', batch(4n)), 2);
  assert.equal(t.observe('raw.io.0', batch(0n)), 0, 'the probe restarted');
  assert.equal(t.observe('raw.io.0', batch(1n, 2)), 0, 'another producer has its own numbers');
  assert.equal(t.missingBatches, 2);
});

test('markGaps puts one "any stream" gap record in front of the batch', () => {
  const t = new BatchSequenceTracker();
  t.markGaps('s', batch(0n));
  const b = batch(3n);
  assert.equal(t.markGaps('s', b), 2);
  assert.equal(b.events.length, 1);
  assert.equal(b.events[0].kind, RawKind.userGap);
  assert.equal(b.events[0].streamId, 0n);
});
