/**
 * The syscall hook backend (src/hook-backend.ts): auto picks fexit where
 * the kernel allows it and falls back to the tracepoints where it refuses
 * (this development kernel: EPERM), says which one runs, and the capture is
 * the same either way: the checks below run against whichever backend was
 * chosen. `npm run test:kernels` runs this file inside a VM of Debian's own
 * kernel, where fexit loads (MCPSPY_EXPECT_HOOKS=fexit makes that a check).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { Direction, FdType, RawFlags, RawKind } from '@mcpspy/events';
import { HookBackendError } from '../src/hook-backend';
import { Captured, FIXTURES, NamedBinaries, bytesOf, run, startProbe, waitFor } from './helpers';

const COMMS = ['mcph-pw', 'mcph-pr', 'mcph-up', 'mcph-uc', 'mcph-open'];
const EXPECT = process.env.MCPSPY_EXPECT_HOOKS;
const bins = new NamedBinaries();
let cap: Captured;

before(async () => {
  cap = await startProbe({ comms: COMMS, hooks: 'auto' });
});
after(async () => {
  await cap?.stop();
  bins.cleanup();
});

describe('hook backend choice', () => {
  test('auto runs fexit where the kernel allows it, else the tracepoints, and says which and why', (t) => {
    const hb = cap.probe.hookBackend;
    assert.ok(hb, 'known after start');
    t.diagnostic(`kernel ${release()}: hooks=${hb.backend}${hb.fallbackReason ? ` (fexit refused: ${hb.fallbackReason})` : ''}`);
    const s = cap.probe.stats();
    assert.equal(s.hook_backend, hb.backend, 'probe stats carry the backend');
    assert.equal(s.hook_fexit, hb.backend === 'fexit' ? 1 : 0);
    if (hb.backend === 'tracepoints') assert.ok(hb.fallbackReason && hb.fallbackReason.length > 0, 'a fallback says why');
    if (hb.backend === 'fexit') assert.equal(hb.fallbackReason, undefined);
    if (EXPECT) assert.equal(hb.backend, EXPECT, `MCPSPY_EXPECT_HOOKS=${EXPECT}`);
  });

  test('forcing fexit where the kernel refuses it fails with an error naming the fallback', async (t) => {
    if (cap.probe.hookBackend?.backend === 'fexit') {
      t.skip('this kernel loads fexit');
      return;
    }
    await assert.rejects(startProbe({ comms: ['mcph-none'], hooks: 'fexit' }), (e: Error) => {
      assert.ok(e instanceof HookBackendError, String(e));
      assert.match(e.message, /fexit hook backend.*MCPSPY_HOOKS=auto/);
      return true;
    });
  });
});

describe('what the probe puts on every syscall', () => {
  // A program on any sys_enter tracepoint makes every syscall of every task run the kernel's sys_enter hook, and
  // any syscall tracepoint at all puts every task on the tracing slow path, which fexit exists to avoid. The probe's
  // own links, as the kernel lists them (bpftool perf: perf-event links of this process).
  test('no sys_enter tracepoint is attached, and with fexit no syscall tracepoint at all', (t) => {
    const links = JSON.parse(execFileSync('bpftool', ['perf', 'show', '-j'], { encoding: 'utf8', maxBuffer: 16 << 20 })) as { pid: number; tracepoint?: string }[];
    const mine = links.filter((l) => l.pid === process.pid && l.tracepoint).map((l) => l.tracepoint!);
    t.diagnostic(`hooks=${cap.probe.hookBackend?.backend}: tracepoints ${mine.join(' ')}`);
    assert.ok(mine.includes('sched_process_exec'), 'the process object is attached (the list is the probe\'s)');
    assert.deepEqual(mine.filter((n) => n.startsWith('sys_enter')), [], 'no sys_enter program');
    if (cap.probe.hookBackend?.backend === 'fexit') assert.deepEqual(mine.filter((n) => n.startsWith('sys_')), [], 'fexit: no syscall tracepoint');
    else assert.ok(mine.includes('sys_exit_openat') && mine.includes('sys_exit_write'), 'tracepoints: the exits, openat among them');
  });
});

describe('the libssl-open report (after the call: fexit on openat, or sys_exit_openat)', () => {
  test('a process that opens a libssl copy no scan has seen gets it probed while it runs', async (t) => {
    const src = ['/usr/lib/x86_64-linux-gnu/libssl.so.3', '/lib/x86_64-linux-gnu/libssl.so.3'].find((f) => existsSync(f));
    if (!src) {
      t.skip('no libssl.so.3 on this system');
      return;
    }
    const lib = join(bins.dir, 'late-lib');
    mkdirSync(lib, { recursive: true });
    const copy = join(lib, 'libssl.so.3');
    copyFileSync(src, copy);
    const before = cap.probe.stats().tls_targets;
    // The shell opens the file (openat) and keeps running, so the probe resolves the path through its /proc entry.
    const sh = spawn(bins.path('mcph-open', '/bin/sh'), ['-c', 'exec 3<"$0"; sleep 20', copy], { stdio: 'ignore' });
    try {
      await waitFor(() => cap.probe.stats().tls_targets > before, 30_000, `the report of ${copy} (hooks=${cap.probe.hookBackend?.backend})`);
    } finally {
      sh.kill('SIGKILL');
    }
    t.diagnostic(`hooks=${cap.probe.hookBackend?.backend}: tls_targets ${before} -> ${cap.probe.stats().tls_targets}`);
  });
});

describe('capture through the chosen backend', () => {
  test('an MCP exchange over a pipe: one record per write, both ends, same stream id, exact bytes', async (t) => {
    t.diagnostic(`hooks=${cap.probe.hookBackend?.backend}`);
    const w = bins.path('mcph-pw', process.execPath);
    const r = bins.path('mcph-pr', process.execPath);
    const lines = [
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}\n',
      '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}\n',
      '\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n',
    ];
    const res = await run('/bin/sh', ['-c', `"$0" "$1" "$2" | "$3" "$4"`, w, join(FIXTURES, 'pipe-writer.cjs'), JSON.stringify(lines), r, join(FIXTURES, 'pipe-reader.cjs')], { timeoutMs: 120_000 });
    assert.equal(res.code, 0, res.stderr);
    const wm = /W (\d+) (\d+)/.exec(res.stderr);
    const rm = /R (\d+) (\d+) (\d+)/.exec(res.stderr);
    assert.ok(wm && rm, res.stderr);
    const [wpid, ino] = [Number(wm[1]), BigInt(wm[2])];
    const rpid = Number(rm[1]);
    const expected = lines.join('');
    await waitFor(() => bytesOf(cap.events, (e) => e.pid === rpid).length >= expected.length, 30_000, 'reader records');
    const writes = cap.events.filter((e) => e.pid === wpid && e.kind === RawKind.io);
    assert.equal(writes.length, lines.length, 'one record per write');
    for (const e of writes) {
      assert.equal(e.comm, 'mcph-pw');
      assert.equal(e.direction, Direction.write);
      assert.equal(e.fdType, FdType.pipe);
      assert.equal(e.fd, 1);
      assert.equal(e.streamId, ino);
      assert.equal(e.flags & (RawFlags.first | RawFlags.last), RawFlags.first | RawFlags.last);
    }
    assert.equal(bytesOf(cap.events, (e) => e.pid === wpid).toString(), expected);
    const reads = cap.events.filter((e) => e.pid === rpid);
    for (const e of reads) {
      assert.equal(e.direction, Direction.read);
      assert.equal(e.fdType, FdType.pipe);
      assert.equal(e.fd, 0);
      assert.equal(e.streamId, ino);
    }
    assert.equal(bytesOf(cap.events, (e) => e.pid === rpid).toString(), expected);
    t.diagnostic(`pipe: ${writes.length} writes, ${reads.length} reads captured`);
  });

  test('an MCP exchange over a unix socketpair (node child stdio): both directions, writer-named stream ids', async (t) => {
    const parent = bins.path('mcph-up', process.execPath);
    const child = bins.path('mcph-uc', process.execPath);
    const res = await run(parent, [join(FIXTURES, 'spawn-parent.cjs'), child], { timeoutMs: 120_000 });
    assert.equal(res.code, 0, res.stderr);
    const m = /P (\d+) (\d+) (".*")/.exec(res.stderr);
    assert.ok(m, res.stderr);
    const [ppid, cpid] = [Number(m[1]), Number(m[2])];
    const answer: string = JSON.parse(m[3]);
    const outIno = BigInt(JSON.parse(answer).result.outIno);
    const req = '{"jsonrpc":"2.0","id":1,"method":"ping"}\n';
    const unix = (pid: number, dir: number) => cap.events.filter((e) => e.pid === pid && e.direction === dir && e.fdType === FdType.unix);
    await waitFor(
      () => bytesOf(unix(ppid, Direction.read), () => true).length >= answer.length && bytesOf(unix(cpid, Direction.read), () => true).length >= req.length,
      30_000,
      'both reads',
    );
    const childWrite = unix(cpid, Direction.write);
    const parentRead = unix(ppid, Direction.read);
    for (const e of [...childWrite, ...parentRead]) assert.equal(e.streamId, outIno, 'child→parent is named by the child stdout inode');
    assert.equal(bytesOf(childWrite, () => true).toString(), answer);
    assert.equal(bytesOf(parentRead, () => true).toString(), answer);
    const pw = unix(ppid, Direction.write).filter((e) => Buffer.from(e.data).toString() === req);
    assert.equal(pw.length, 1, 'the request is written once');
    const childRead = unix(cpid, Direction.read);
    for (const e of childRead) assert.equal(e.streamId, pw[0].streamId, 'parent→child: the reader reports the writer end');
    assert.equal(bytesOf(childRead, () => true).toString(), req);
    t.diagnostic(`unix: request ${req.length} B and response ${answer.length} B captured on both ends`);
  });
});
