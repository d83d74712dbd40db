import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@mcpspy/runtime';
import type { BpfObject } from './bpf-object';
import { BpfNotPermittedError } from './errors';
import { HookBackendError, attachHooks, loadHookBackend, parseHookPreference } from './hook-backend';

test('MCPSPY_HOOKS values', () => {
  assert.equal(parseHookPreference(undefined), 'auto');
  assert.equal(parseHookPreference(''), 'auto');
  assert.equal(parseHookPreference(' FEXIT '), 'fexit');
  assert.equal(parseHookPreference('fentry'), 'fexit');
  assert.equal(parseHookPreference('tracepoints'), 'tracepoints');
  assert.throws(() => parseHookPreference('kprobes'), /expected auto, fexit or tracepoints/);
});

/** A stand-in for libbpf objects: records what was loaded, attached and destroyed. */
function fakeLoader(refuse: Array<'tp-load' | 'fexit-load' | 'fexit-attach'>) {
  const log: string[] = [];
  const load = (path: string): BpfObject => {
    const name = path.split('/').pop()!;
    if (refuse.includes('fexit-load') && name.startsWith('io_fexit')) throw new BpfNotPermittedError(path, 1);
    if (refuse.includes('tp-load') && name.startsWith('syscalls_io')) throw new Error('failed to load syscalls_io.bpf.o: errno 22');
    log.push(`load ${name}`);
    return {
      attachTracepoints() {
        log.push(`attach ${name} tracepoints`);
        return [];
      },
      sections() {
        return [];
      },
      attachSections(prefix: string) {
        if (refuse.includes('fexit-attach') && prefix === 'fexit/') throw new Error('attach failed: errno 524');
        log.push(`attach ${name} ${prefix}`);
        return 8;
      },
      destroy() {
        log.push(`destroy ${name}`);
      },
    } as unknown as BpfObject;
  };
  return { log, load };
}

test('auto: fexit when it loads and attaches (cheaper), the tracepoint object never tried', () => {
  const f = fakeLoader([]);
  const c = loadHookBackend('auto', '/o', f.load, silentLogger());
  assert.equal(c.backend, 'fexit');
  assert.equal(c.fallbackReason, undefined);
  assert.deepEqual(f.log, ['load io_fexit.bpf.o', 'attach io_fexit.bpf.o fexit/']);
});

test('auto: fexit refused at load (EPERM here) → tracepoints, with the reason; attachHooks attaches them', () => {
  const f = fakeLoader(['fexit-load']);
  const c = loadHookBackend('auto', '/o', f.load, silentLogger());
  assert.equal(c.backend, 'tracepoints');
  assert.match(c.fallbackReason!, /EPERM/);
  assert.deepEqual(attachHooks(c), []);
  assert.deepEqual(f.log, ['load syscalls_io.bpf.o', 'attach syscalls_io.bpf.o tracepoints']);
});

test('auto: fexit refused at attach → its object freed, tracepoints used', () => {
  const f = fakeLoader(['fexit-attach']);
  const c = loadHookBackend('auto', '/o', f.load, silentLogger());
  assert.equal(c.backend, 'tracepoints');
  assert.match(c.fallbackReason!, /errno 524/);
  assert.deepEqual(f.log, ['load io_fexit.bpf.o', 'destroy io_fexit.bpf.o', 'load syscalls_io.bpf.o']);
});

test('auto: both refused → one error naming both reasons', () => {
  const f = fakeLoader(['tp-load', 'fexit-load']);
  assert.throws(() => loadHookBackend('auto', '/o', f.load, silentLogger()), /no hook backend loads: fexit: EPERM.*tracepoints: .*errno 22/);
});

test('forced: fexit refused is an error; tracepoints never try fexit', () => {
  assert.throws(() => loadHookBackend('fexit', '/o', fakeLoader(['fexit-load']).load, silentLogger()), HookBackendError);
  const fx = fakeLoader([]);
  assert.equal(loadHookBackend('fexit', '/o', fx.load, silentLogger()).backend, 'fexit');
  const f = fakeLoader([]);
  assert.equal(loadHookBackend('tracepoints', '/o', f.load, silentLogger()).backend, 'tracepoints');
  assert.deepEqual(f.log, ['load syscalls_io.bpf.o']);
});

test('attachHooks: the io_uring submit tracepoint under either name is enough; both missing are reported', () => {
  const obj = (skipped: string[]) =>
    ({
      attachTracepoints: () => skipped.map((section) => ({ section, errno: 2 })),
      sections: () => ['tracepoint/syscalls/sys_exit_write', 'tracepoint/io_uring/io_uring_submit_req', 'tracepoint/io_uring/io_uring_submit_sqe'],
    }) as unknown as BpfObject;
  assert.deepEqual(attachHooks({ backend: 'tracepoints', object: obj(['tracepoint/io_uring/io_uring_submit_sqe']) }), []);
  assert.deepEqual(attachHooks({ backend: 'fexit', object: obj(['tracepoint/io_uring/io_uring_submit_req']) }), []);
  assert.deepEqual(
    attachHooks({ backend: 'fexit', object: obj(['tracepoint/io_uring/io_uring_submit_req', 'tracepoint/io_uring/io_uring_submit_sqe']) }).map((s) => s.section),
    ['tracepoint/io_uring/io_uring_submit_req', 'tracepoint/io_uring/io_uring_submit_sqe'],
  );
});
