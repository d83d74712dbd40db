/**
 * The two hook backends must hook the same syscalls, or the fexit backend
 * silently captures less than the tracepoints. When a syscall is added to
 * bpf/syscalls_io.bpf.c (sys_enter_X + sys_exit_X), add fexit/__x64_sys_X to
 * bpf/io_fexit.bpf.c, with its arguments mapped by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BpfObject } from '../src/bpf-object';
import { loadLibbpf } from '../src/libbpf.ffi';
import { BPF_DIR } from './helpers';

function sectionsOf(name: string): string[] {
  const o = BpfObject.open(loadLibbpf(), join(BPF_DIR, `${name}.bpf.o`));
  try {
    return o.sections();
  } finally {
    o.destroy();
  }
}

test('io_fexit hooks exactly the syscalls syscalls_io traces', (t) => {
  if (!existsSync(join(BPF_DIR, 'io_fexit.bpf.o'))) {
    t.skip('bpf/.output/io_fexit.bpf.o is not built (make -C bpf)');
    return;
  }
  const tp = sectionsOf('syscalls_io');
  const enter = tp.flatMap((s) => /^tracepoint\/syscalls\/sys_enter_(\w+)$/.exec(s)?.[1] ?? []).sort();
  const exit = tp.flatMap((s) => /^tracepoint\/syscalls\/sys_exit_(\w+)$/.exec(s)?.[1] ?? []).sort();
  assert.deepEqual(enter, exit, 'every traced syscall has enter and exit');
  const fx = sectionsOf('io_fexit').flatMap((s) => /^fexit\/__(?:x64|arm64)_sys_(\w+)$/.exec(s)?.[1] ?? []).sort();
  assert.ok(enter.length >= 8, `${enter.length} syscalls traced`);
  assert.deepEqual(fx, enter);
});
