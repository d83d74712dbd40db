import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, crc32, readCapture, type CaptureEntry } from './capture-file';
import { CaptureFormatError } from './errors';

const dir = mkdtempSync(join(tmpdir(), 'mcpspy-capture-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

async function collect(path: string, onTruncated?: (i: { missingBytes: number; entriesRead: number }) => void): Promise<CaptureEntry[]> {
  const out: CaptureEntry[] = [];
  for await (const e of readCapture(path, { onTruncated })) out.push(e);
  return out;
}

async function sample(name: string): Promise<{ path: string; entries: { subject: string; payload: Buffer }[] }> {
  const path = join(dir, name);
  const entries = [
    { subject: 'mcpspy.v1.raw.io.0', payload: Buffer.from('first batch') },
    { subject: 'mcpspy.v1.raw.proc', payload: Buffer.from(JSON.stringify({ kind: 'exec', pid: 1 })) },
    // Bigger than the reader's 1 MB read size, so an entry spans chunks.
    { subject: 'mcpspy.v1.raw.tls.3', payload: Buffer.alloc(1_500_000, 7) },
    { subject: 'mcpspy.v1.raw.io.1', payload: Buffer.alloc(0) },
  ];
  const w = await CaptureWriter.open(path);
  for (const e of entries) w.write(e.subject, e.payload);
  await w.close();
  return { path, entries };
}

describe('capture file', () => {
  test('crc32 matches the IEEE check value', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });

  test('round trip keeps subjects, payloads and order', async () => {
    const { path, entries } = await sample('ok.cap');
    const got = await collect(path);
    assert.deepEqual(
      got.map((e) => [e.subject, e.payload.toString('hex')]),
      entries.map((e) => [e.subject, e.payload.toString('hex')]),
    );
    assert.equal(readFileSync(path).subarray(0, 8).toString(), 'MCPSPYCP');
  });

  test('a damaged payload is rejected with a typed error', async () => {
    const { path } = await sample('corrupt.cap');
    const b = readFileSync(path);
    b[16 + 16 + 'mcpspy.v1.raw.io.0'.length + 3] ^= 0xff; // inside the first payload
    writeFileSync(path, b);
    await assert.rejects(collect(path), (err: unknown) => err instanceof CaptureFormatError && /checksum mismatch at offset 16/.test(err.message));
  });

  test('a file that is not a capture is rejected', async () => {
    const path = join(dir, 'not.cap');
    writeFileSync(path, 'this is a text file, not a capture at all');
    await assert.rejects(collect(path), (err: unknown) => err instanceof CaptureFormatError && /bad magic/.test(err.message));
    const marker = join(dir, 'marker.cap');
    const { path: good } = await sample('marker-src.cap');
    const b = readFileSync(good);
    b[16] = 0; // first entry's marker
    writeFileSync(marker, b);
    await assert.rejects(collect(marker), /bad entry marker/);
  });

  test('a truncated tail is reported and the entries before it are read', async () => {
    const { path, entries } = await sample('cut.cap');
    truncateSync(path, statSync(path).size - 30 - 16 - 'mcpspy.v1.raw.io.1'.length); // into the big entry
    const reports: { missingBytes: number; entriesRead: number }[] = [];
    const got = await collect(path, (i) => reports.push(i));
    assert.equal(got.length, 2);
    assert.deepEqual(got.map((e) => e.subject), entries.slice(0, 2).map((e) => e.subject));
    assert.equal(reports.length, 1);
    assert.equal(reports[0].entriesRead, 2);
    assert.equal(reports[0].missingBytes, 30);
  });

  test('writing after close fails', async () => {
    const w = await CaptureWriter.open(join(dir, 'closed.cap'));
    await w.close();
    assert.throws(() => w.write('x', Buffer.alloc(1)), /failed to write capture/);
  });

  test('a 240 MB entry is read in linear time (joining 1 MB chunks took ~2 min for 255 MB)', async (t) => {
    const path = join(dir, 'huge.cap');
    const size = 240 * 1024 * 1024;
    const subject = Buffer.from('mcpspy.v1.raw.stdio.0');
    const chunk = Buffer.alloc(4 * 1024 * 1024, 0x61);
    let crc = crc32(subject);
    for (let off = 0; off < size; off += chunk.length) crc = crc32(chunk, crc);
    const fd = openSync(path, 'w');
    try {
      const head = Buffer.alloc(16 + 16);
      head.write('MCPSPYCP', 0, 'latin1');
      head.writeUInt16LE(1, 8);
      head.writeUInt16LE(16, 10);
      head.writeUInt32LE(0x3145434d, 16);
      head.writeUInt16LE(subject.length, 20);
      head.writeUInt32LE(size, 24);
      head.writeUInt32LE(crc, 28);
      writeSync(fd, head);
      writeSync(fd, subject);
      for (let off = 0; off < size; off += chunk.length) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    const t0 = Date.now();
    let got = 0;
    let bytes = 0;
    for await (const e of readCapture(path)) {
      got++;
      bytes += e.payload.length;
    }
    const ms = Date.now() - t0;
    rmSync(path);
    t.diagnostic(`read a ${size} byte entry in ${ms} ms`);
    assert.equal(got, 1);
    assert.equal(bytes, size);
    // Linear reading takes well under a second here; the quadratic join took about 100 s.
    assert.ok(ms < 30_000, `took ${ms} ms`);
  });
});

// `--record` runs as root, often into /tmp: what another user plants there must not receive raw traffic.
describe('capture file against planted files (as root)', { skip: process.geteuid?.() !== 0 ? 'needs root (chown to uid 65534)' : false }, () => {
  const fs = require('node:fs') as typeof import('node:fs');

  test('a new capture file is created 0600 whatever the umask', async () => {
    const old = process.umask(0);
    try {
      const path = join(dir, 'mode.cap');
      const w = await CaptureWriter.open(path);
      await w.close();
      assert.equal(statSync(path).mode & 0o777, 0o600);
    } finally {
      process.umask(old);
    }
  });

  test('a symlink at the path is refused and its target untouched', async () => {
    const target = join(dir, 'victim');
    writeFileSync(target, 'precious\n', { mode: 0o644 });
    const path = join(dir, 'link.cap');
    fs.symlinkSync(target, path);
    await assert.rejects(CaptureWriter.open(path), /failed to write capture .*link\.cap: it is a symlink/);
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
  });

  test("another user's pre-created file is refused, unless forced (then it keeps its owner)", async () => {
    const path = join(dir, 'theirs.cap');
    writeFileSync(path, 'theirs\n', { mode: 0o644 });
    fs.chownSync(path, 65534, 65534);
    await assert.rejects(CaptureWriter.open(path), /belongs to uid 65534/);
    assert.equal(readFileSync(path, 'utf8'), 'theirs\n');
    const w = await CaptureWriter.open(path, { force: true });
    await w.close();
    assert.equal(statSync(path).uid, 65534);
  });
});
