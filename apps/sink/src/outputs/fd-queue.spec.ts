import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FdQueue, reopenNonBlocking } from './fd-queue';

/** A FIFO whose reader (returned) reads only when told, and a non-blocking writer fd of it. */
function fifo(): { reader: number; writer: number; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fdq-'));
  const path = join(dir, 'f');
  execFileSync('mkfifo', [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const blocking = openSync(path, constants.O_WRONLY);
  const writer = reopenNonBlocking(blocking)!;
  closeSync(blocking);
  return {
    reader,
    writer,
    done() {
      closeSync(reader);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readAll(fd: number): number {
  const buf = Buffer.alloc(1 << 16);
  let total = 0;
  for (;;) {
    try {
      const n = readSync(fd, buf);
      if (n <= 0) return total;
      total += n;
    } catch {
      return total;
    }
  }
}

const line = (i: number) => Buffer.from(`${JSON.stringify({ i, pad: 'x'.repeat(1000) })}\n`);

test('a reader that stops: writes never block, the stuck output is reported once, lines past the bound are dropped and counted', () => {
  const f = fifo();
  let now = 0;
  const stuck: number[] = [];
  let resumed = 0;
  const q = new FdQueue(f.writer, { maxPendingBytes: 200_000, stuckMs: 5000, now: () => now, onStuck: (i) => stuck.push(i.pendingBytes), onResumed: () => resumed++ });
  try {
    let i = 0;
    for (; i < 300; i++) q.push(line(i), 1); // ~300 KB into a 64 KiB pipe: returns at once
    assert.ok(q.pendingBytes > 0 && q.pendingBytes <= 200_000, `pending ${q.pendingBytes}`);
    assert.ok(q.stats.droppedLines > 0, 'lines past the bound were dropped');
    assert.deepEqual(stuck, [], 'not stuck before stuckMs');
    now = 6000;
    q.drain();
    q.drain();
    assert.equal(stuck.length, 1, 'reported once per episode');
    assert.equal(q.isStuck, true);
    // The reader reads again: the queue moves and the episode ends.
    let read = 0;
    for (let k = 0; k < 50 && q.pendingBytes > 0; k++) {
      read += readAll(f.reader);
      q.drain();
    }
    read += readAll(f.reader);
    assert.equal(q.pendingBytes, 0);
    assert.equal(resumed, 1);
    assert.equal(q.isStuck, false);
    assert.equal(q.stats.linesWritten + q.stats.droppedLines, 300, 'every line written or counted as dropped');
    assert.equal(read, q.stats.bytesWritten);
  } finally {
    q.close(0);
    f.done();
  }
});

test('close() with a reader that never reads gives up after the grace and counts what was left', () => {
  const f = fifo();
  const q = new FdQueue(f.writer, { maxPendingBytes: 1 << 20 });
  try {
    for (let i = 0; i < 200; i++) q.push(line(i), 1);
    const t0 = Date.now();
    q.close(200);
    const took = Date.now() - t0;
    assert.ok(took >= 150 && took < 5000, `close took ${took} ms`);
    assert.equal(q.stats.linesWritten + q.stats.droppedLines, 200);
    assert.ok(q.stats.droppedLines > 0);
  } finally {
    f.done();
  }
});

test('a regular file or a socket is not reopened (written as before)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fdq-'));
  const fd = openSync(join(dir, 'file'), 'w');
  try {
    assert.equal(reopenNonBlocking(fd), undefined);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
