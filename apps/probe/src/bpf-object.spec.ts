/**
 * The guard behind scripts/run-tests.mjs's two lanes: a process told it runs in
 * the isolated lane never hands an object to the kernel. libbpf is replaced by
 * a recording stand-in (no BPF is wanted here at all, that is the point).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfObject } from './bpf-object';
import type { Libbpf } from './libbpf.ffi';

function standIn(calls: string[]): Libbpf {
  return {
    bpf_object__open_file: () => {
      calls.push('open');
      return {} as never;
    },
    bpf_object__load: () => {
      calls.push('load');
      return 0;
    },
  } as unknown as Libbpf;
}

test('in the isolated test lane, load() refuses before libbpf is asked, and names the way out', () => {
  const calls: string[] = [];
  const before = process.env.MCPSPY_TEST_LANE;
  process.env.MCPSPY_TEST_LANE = 'isolated';
  try {
    const obj = BpfObject.open(standIn(calls), __filename);
    assert.throws(() => obj.load(), /isolated lane tried to load BPF; mark its file for the host lane/);
    assert.deepEqual(calls, ['open']);
  } finally {
    if (before === undefined) delete process.env.MCPSPY_TEST_LANE;
    else process.env.MCPSPY_TEST_LANE = before;
  }
});

test('outside the isolated lane, load() goes to libbpf as before', () => {
  const calls: string[] = [];
  const before = process.env.MCPSPY_TEST_LANE;
  delete process.env.MCPSPY_TEST_LANE;
  try {
    BpfObject.open(standIn(calls), __filename).load();
    assert.deepEqual(calls, ['open', 'load']);
  } finally {
    if (before !== undefined) process.env.MCPSPY_TEST_LANE = before;
  }
});
