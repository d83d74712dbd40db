import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionOf, subjectMatches, isBinarySubject, Subjects, rawSubject, LEGACY_RAW_IO } from './subjects';
import { FdType, RawKind, rawRouteOf } from './raw.events';

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
  for (const route of ['stdio', 'net', 'tls'] as const) assert.equal(isBinarySubject(rawSubject(route, 2)), true);
  assert.equal(isBinarySubject(`${LEGACY_RAW_IO}.0`), true, 'old capture files');
  assert.equal(isBinarySubject(Subjects.mcpMessage), false);
  assert.equal(isBinarySubject(Subjects.rawProc), false);
});

test('each record has one route: stdio for pipes and socketpairs, net for inet sockets, tls for library plaintext', () => {
  assert.equal(rawRouteOf(RawKind.io, FdType.pipe), 'stdio');
  assert.equal(rawRouteOf(RawKind.io, FdType.unix), 'stdio');
  assert.equal(rawRouteOf(RawKind.io, FdType.inet), 'net');
  assert.equal(rawRouteOf(RawKind.tls, FdType.none), 'tls');
  assert.equal(rawRouteOf(RawKind.io, FdType.file), undefined);
  assert.equal(rawSubject('net', 3), 'mcpspy.v1.raw.net.3');
});
