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

test('auto: the tracepoint object when it loads (it has every capture path), fexit never tried', () => {
  const f = fakeLoader([]);
  const c = loadHookBackend('auto', '/o', f.load, silentLogger());
  assert.equal(c.backend, 'tracepoints');
  assert.equal(c.fallbackReason, undefined);
  attachHooks(c);
  assert.deepEqual(f.log, ['load syscalls_io.bpf.o', 'attach syscalls_io.bpf.o tracepoint/']);
});

test('auto: tracepoint object refused (Linux 6.1) → fexit, with the reason', () => {
  const f = fakeLoader(['tp-load']);
  const c = loadHookBackend('auto', '/o', f.load, silentLogger());
  assert.equal(c.backend, 'fexit');
  assert.match(c.fallbackReason!, /errno 22/);
  assert.deepEqual(f.log, ['load io_fexit.bpf.o', 'attach io_fexit.bpf.o fexit/']);
});

test('auto: both refused → the tracepoint error; a fexit object refused at attach is freed', () => {
  const f = fakeLoader(['tp-load', 'fexit-attach']);
  assert.throws(() => loadHookBackend('auto', '/o', f.load, silentLogger()), /syscalls_io.bpf.o: errno 22/);
  assert.deepEqual(f.log, ['load io_fexit.bpf.o', 'destroy io_fexit.bpf.o']);
});

test('forced: fexit refused is an error; tracepoints never try fexit', () => {
  assert.throws(() => loadHookBackend('fexit', '/o', fakeLoader(['fexit-load']).load, silentLogger()), HookBackendError);
  const fx = fakeLoader([]);
  assert.equal(loadHookBackend('fexit', '/o', fx.load, silentLogger()).backend, 'fexit');
  const f = fakeLoader([]);
  assert.equal(loadHookBackend('tracepoints', '/o', f.load, silentLogger()).backend, 'tracepoints');
  assert.deepEqual(f.log, ['load syscalls_io.bpf.o']);
});
