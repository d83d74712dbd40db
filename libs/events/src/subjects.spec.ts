import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionOf, subjectMatches, isBinarySubject, Subjects, rawIoSubject } from './subjects';

test('subject matching follows NATS wildcards', () => {
  assert.equal(subjectMatches('mcpspy.v1.raw.io.*', 'mcpspy.v1.raw.io.3'), true);
  assert.equal(subjectMatches('mcpspy.v1.raw.io.*', 'mcpspy.v1.raw.io'), false);
  assert.equal(subjectMatches('mcpspy.v1.raw.io.*', 'mcpspy.v1.raw.io.3.x'), false);
  assert.equal(subjectMatches('mcpspy.v1.>', 'mcpspy.v1.raw.io.3'), true);
  assert.equal(subjectMatches('mcpspy.v1.>', 'mcpspy.v1'), false);
  assert.equal(subjectMatches(Subjects.mcpMessage, Subjects.mcpMessage), true);
  assert.equal(subjectMatches(Subjects.mcpMessage, Subjects.securityAlert), false);
});

test('partitions are stable and in range', () => {
  assert.equal(partitionOf('pipe:123', 1), 0);
  const p = partitionOf('pipe:123', 8);
  assert.ok(p >= 0 && p < 8);
  assert.equal(partitionOf('pipe:123', 8), p);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(partitionOf(`unix:${i}`, 4));
  assert.equal(seen.size, 4);
});

test('binary subjects are the raw batches', () => {
  assert.equal(isBinarySubject(rawIoSubject(2)), true);
  assert.equal(isBinarySubject(Subjects.mcpMessage), false);
});
