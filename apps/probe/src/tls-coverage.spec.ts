import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NoticeEvent } from '@mcpspy/events';
import { TlsCoverage } from './tls-coverage';
import type { TlsTargets } from './tls-targets';

/** TlsTargets as TlsCoverage sees it: which pids map a hooked library. */
function fakeTargets(hooked: Map<number, string[]>) {
  const scanned: number[] = [];
  const forgotten: number[] = [];
  const t = {
    scanPid: (pid: number) => scanned.push(pid),
    librariesOfPid: (pid: number) => hooked.get(pid) ?? [],
    forgetPid: (pid: number) => {
      forgotten.push(pid);
      hooked.delete(pid);
    },
  };
  return { targets: t as unknown as TlsTargets, scanned, forgotten };
}

const hello = (pid: number, ino: bigint, comm = 'client') => ({ pid, comm, fd: 5, ino, timestamp: '2026-01-01T00:00:00.000Z' });

test('one tls_unhooked notice per (process, connection), none for a process with a hooked library', () => {
  const { targets } = fakeTargets(new Map([[10, ['openssl']]]));
  const notices: NoticeEvent[] = [];
  const c = new TlsCoverage(targets, (n) => notices.push(n));
  c.onHello(hello(10, 1n), 0);
  c.onHello(hello(20, 2n, 'static\u001b[31m'), 0);
  c.onHello(hello(20, 2n), 1);
  c.onHello(hello(20, 3n), 2);
  assert.equal(c.hooked, 1);
  assert.equal(c.unhooked, 2);
  assert.deepEqual(
    notices.map((n) => [n.reason, n.stage, n.pid, n.stream, n.count]),
    [
      ['tls_unhooked', 'probe', 20, 'inet:2', 1],
      ['tls_unhooked', 'probe', 20, 'inet:3', 1],
    ],
  );
  assert.ok(!notices[0].comm!.includes('\u001b'), 'comm from the kernel is shown escaped');
});

test("an exited process's libraries are kept a few seconds (its ClientHello may be read after its exit)", () => {
  const hooked = new Map([[30, ['go']]]);
  const { targets, forgotten } = fakeTargets(hooked);
  const notices: NoticeEvent[] = [];
  const c = new TlsCoverage(targets, (n) => notices.push(n));
  c.onExit(30, 0);
  c.onHello(hello(30, 9n), 100);
  assert.equal(notices.length, 0);
  c.onHello(hello(31, 10n), 10_000); // sweeps pid 30
  assert.deepEqual(forgotten, [30]);
});

test('a busy process is rescanned at most every 2 s', () => {
  const { targets, scanned } = fakeTargets(new Map([[40, ['openssl']]]));
  const c = new TlsCoverage(targets, () => undefined);
  for (let t = 0; t < 3000; t += 100) c.onHello(hello(40, BigInt(t)), t);
  assert.deepEqual(scanned, [40, 40]);
});
