/**
 * What the fexit backend hooks beside the tracepoints: the eight core
 * syscalls, and not (yet) the newer capture paths, which exist only in
 * bpf/syscalls_io.bpf.c. The gap is named here and in the README, so a
 * syscall added to one object and not the other fails this test until the
 * list below says so: nothing is lost silently.
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
  const onlyTracepoints = ['io_uring_enter', 'preadv2', 'pwritev2', 'recvmmsg', 'sendfile64', 'sendmmsg', 'splice', 'tee', 'vmsplice'];
  assert.deepEqual(enter.filter((x) => !fx.includes(x)), onlyTracepoints.filter((x) => enter.includes(x)).sort(), 'syscalls only the tracepoints hook');
  assert.deepEqual(fx.filter((x) => !enter.includes(x)), [], 'fexit hooks nothing the tracepoints do not');
});
