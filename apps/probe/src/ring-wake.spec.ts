/**
 * RingWake on an eventfd standing in for a ring map's fd (both are pollable
 * fds that turn readable when written): each write wakes it once, the wait is
 * armed again after every wake, and stop() returns promptly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSync } from 'node:fs';
import { EFD_CLOEXEC, EFD_NONBLOCK, loadLibc } from './libbpf.ffi';
import { RingWake } from './ring-wake';

const silent = { warn() {}, info() {}, error() {}, debug() {} } as never;

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('each write to the watched fd wakes the handler, at once and again after every wake', async () => {
  const libc = loadLibc();
  const fd = libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  assert.ok(fd >= 0);
  const buf = Buffer.alloc(8);
  let handled = 0;
  const w = RingWake.start(libc, fd, () => {
    // Consume what woke us, as a ring drain does.
    try {
      readSync(fd, buf);
    } catch {
      return 0;
    }
    handled++;
    return 1;
  }, silent);
  assert.ok(w, 'started');
  try {
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    for (let i = 1; i <= 3; i++) {
      const t0 = performance.now();
      libc.write(fd, one, 8);
      await until(() => handled === i, 2000, `wake ${i}`);
      // Far below the wait's 1-s bound: the write itself ended the wait.
      assert.ok(performance.now() - t0 < 500, `wake ${i} took ${(performance.now() - t0).toFixed(1)} ms`);
    }
    // Nothing written: no more wakes that found something.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(handled, 3);
  } finally {
    const t0 = performance.now();
    await w!.stop();
    assert.ok(performance.now() - t0 < 500, 'stop() ends the wait through its eventfd, not the bound');
    libc.close(fd);
  }
});
