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
function fakeLoader(refuse: 'load' | 'attach' | 'none') {
  const log: string[] = [];
  const load = (path: string): BpfObject => {
    const name = path.split('/').pop()!;
    if (refuse === 'load' && name.startsWith('io_fexit')) throw new BpfNotPermittedError(path, 1);
    log.push(`load ${name}`);
    return {
      attachSections(prefix: string) {
        if (refuse === 'attach' && prefix === 'fexit/') throw new Error('attach failed: errno 524');
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

test('auto: fexit when it loads and attaches', () => {
  const f = fakeLoader('none');
  const c = loadHookBackend('auto', '/o', f.load, silentLogger());
  assert.equal(c.backend, 'fexit');
  assert.equal(c.fallbackReason, undefined);
  attachHooks(c);
  assert.deepEqual(f.log, ['load io_fexit.bpf.o', 'attach io_fexit.bpf.o fexit/']);
});

test('auto: refused at load → tracepoints, with the reason', () => {
  const f = fakeLoader('load');
  const c = loadHookBackend('auto', '/o', f.load, silentLogger());
  assert.equal(c.backend, 'tracepoints');
  assert.match(c.fallbackReason!, /^EPERM/);
  attachHooks(c);
  assert.deepEqual(f.log, ['load syscalls_io.bpf.o', 'attach syscalls_io.bpf.o tracepoint/']);
});

test('auto: refused at attach → the fexit object is freed, tracepoints run', () => {
  const f = fakeLoader('attach');
  const c = loadHookBackend('auto', '/o', f.load, silentLogger());
  assert.equal(c.backend, 'tracepoints');
  assert.match(c.fallbackReason!, /errno 524/);
  assert.deepEqual(f.log, ['load io_fexit.bpf.o', 'destroy io_fexit.bpf.o', 'load syscalls_io.bpf.o']);
});

test('forced: fexit refused is an error; tracepoints never try fexit', () => {
  assert.throws(() => loadHookBackend('fexit', '/o', fakeLoader('load').load, silentLogger()), HookBackendError);
  const f = fakeLoader('none');
  assert.equal(loadHookBackend('tracepoints', '/o', f.load, silentLogger()).backend, 'tracepoints');
  assert.deepEqual(f.log, ['load syscalls_io.bpf.o']);
});
