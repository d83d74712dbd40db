/**
 * Parity of the two syscall hook backends (src/hook-backend.ts): the fexit
 * object (bpf/io_fexit.bpf.c) and the tracepoint object
 * (bpf/syscalls_io.bpf.c) are two drivers of one capture logic
 * (bpf/io_common.bpf.h). Shown two ways:
 * - statically, on any machine: every syscall the tracepoints trace (at
 *   sys_exit only) has its fexit program and nothing more, the other hooks
 *   (io_uring) are the same, and the maps are the same (names, types, key
 *   and value sizes), so user space reads both alike;
 * - dynamically, where the kernel loads both (a VM on Debian's 6.12
 *   backports kernel: `npm run test:kernels`; here fexit is refused and
 *   Debian's 6.1 refuses the tracepoint object): two probes run side by side,
 *   one per backend, watch the same workloads (every capture path: write,
 *   writev, pwritev2/preadv2, vmsplice both ways, sendmsg, sendmmsg/recvmmsg,
 *   leading whitespace, HTTP on loopback TCP, splice/tee/sendfile and
 *   io_uring notices), and must produce the same records, byte for byte,
 *   in the same order per process, and the same notices.
 *   MCPSPY_PARITY_BACKENDS=tracepoints,tracepoints checks the harness itself
 *   on a kernel that loads one backend only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NoticeEvent, RawEvent, RawKind } from '@mcpspy/events';
import { BpfObject } from '../src/bpf-object';
import { HookBackend } from '../src/hook-backend';
import { loadLibbpf } from '../src/libbpf.ffi';
import { BPF_DIR, Captured, FIXTURES, NamedBinaries, run, startProbe, waitFor } from './helpers';

function inspect(name: string): { sections: string[]; maps: ReturnType<BpfObject['maps']> } {
  const o = BpfObject.open(loadLibbpf(), join(BPF_DIR, `${name}.bpf.o`));
  try {
    return { sections: o.sections(), maps: o.maps() };
  } finally {
    o.destroy();
  }
}

const built = existsSync(join(BPF_DIR, 'io_fexit.bpf.o')) && existsSync(join(BPF_DIR, 'syscalls_io.bpf.o'));

describe('static parity of the two objects', () => {
  test('fexit hooks exactly the syscalls the tracepoints trace, and the same other hooks', (t) => {
    if (!built) return t.skip('bpf/.output is not built (make -C bpf)');
    const tp = inspect('syscalls_io').sections;
    const fxs = inspect('io_fexit').sections;
    // One program per call on both: sys_exit (arguments from the saved user registers), or fexit.
    assert.deepEqual(tp.filter((s) => s.startsWith('tracepoint/syscalls/sys_enter_')), [], 'no sys_enter programs');
    const enter = tp.flatMap((s) => /^tracepoint\/syscalls\/sys_exit_(\w+)$/.exec(s)?.[1] ?? []).sort();
    const fx = fxs.flatMap((s) => /^fexit\/__(?:x64|arm64)_sys_(\w+)$/.exec(s)?.[1] ?? []).sort();
    // Every path of the issue-18 work is hooked (the list grows, never shrinks silently).
    for (const s of ['read', 'write', 'readv', 'writev', 'preadv2', 'pwritev2', 'recvfrom', 'sendto', 'recvmsg', 'sendmsg', 'recvmmsg', 'sendmmsg', 'vmsplice', 'splice', 'tee', 'sendfile64']) {
      assert.ok(enter.includes(s), `tracepoints hook ${s}`);
    }
    assert.deepEqual(fx, enter, 'the same syscalls on both backends');
    const others = (ss: string[]) => ss.filter((s) => !/^(tracepoint\/syscalls\/|fexit\/)/.test(s)).sort();
    assert.deepEqual(others(fxs), others(tp), 'the same non-syscall hooks (io_uring submissions)');
    assert.ok(others(tp).includes('tracepoint/io_uring/io_uring_submit_req'));
    t.diagnostic(`${fx.length} syscalls on both backends: ${fx.join(' ')}; other hooks: ${others(tp).join(' ')}`);
  });

  test('the same maps, with the same types and sizes (user space reads both alike)', (t) => {
    if (!built) return t.skip('bpf/.output is not built (make -C bpf)');
    const shape = (name: string) =>
      inspect(name)
        .maps.filter((m) => !/\.(rodata|data|bss|kconfig|ksyms)$/.test(m.name) && !m.name.includes('.'))
        .map((m) => `${m.name} type ${m.type} key ${m.keySize} value ${m.valueSize} max ${m.maxEntries}`)
        .sort();
    const tp = shape('syscalls_io');
    assert.deepEqual(shape('io_fexit'), tp);
    for (const m of ['events', 'notes', 'unseen', 'io_calls', 'tracked', 'lost_bytes', 'tls_calls', 'ssl_sock']) {
      assert.ok(tp.some((x) => x.startsWith(`${m} `)), `map ${m}`);
    }
  });
});

// ---------------------------------------------------------------------------
// Dynamic parity: two probes, one per backend, on the same workloads.

const NAMES = ['mcpq-node-w', 'mcpq-node-r', 'mcpq-io', 'mcpq-io-r', 'mcpq-py', 'mcpq-cat'];
const [BACK_A, BACK_B] = (process.env.MCPSPY_PARITY_BACKENDS ?? 'fexit,tracepoints').split(',') as [HookBackend, HookBackend];
const bins = new NamedBinaries();
const caps: Captured[] = [];
const notices: NoticeEvent[][] = [[], []];
let skipReason = '';
let ioCalls = '';

before(async () => {
  if (!built) {
    skipReason = 'bpf/.output is not built (make -C bpf)';
    return;
  }
  try {
    ioCalls = join(bins.dir, 'io-calls');
    execFileSync('cc', ['-O2', '-o', ioCalls, join(FIXTURES, 'io-calls.c')], { stdio: 'pipe' });
  } catch (err) {
    skipReason = `cannot build fixtures/io-calls.c: ${(err as Error).message}`;
    return;
  }
  for (const [i, hooks] of [BACK_A, BACK_B].entries()) {
    try {
      caps.push(await startProbe({ comms: NAMES, hooks, tls: false, onNotice: (n) => notices[i].push(n) }));
    } catch (err) {
      skipReason = `this kernel does not load the ${hooks} backend (${String((err as Error).message).split('\n')[0].slice(0, 200)}): parity needs both (npm run test:kernels boots a kernel where both load)`;
      return;
    }
  }
});
after(async () => {
  for (const c of caps) await c.stop();
  bins.cleanup();
});

/** What a record says, without what differs between two observers of one call (time, call id). */
function norm(e: RawEvent): string {
  return [e.pid, e.tid, e.kind, e.direction, e.fdType, e.fd, e.streamId, e.flags, e.totalLen, e.offset, e.data.length, e.lostBytes, e.comm, Buffer.from(e.data).toString('base64')].join(' ');
}
/** Per process, fd, direction and stream in capture order (batches of different partitions may interleave otherwise). */
const recordsOf = (c: Captured, pids: Set<number>) => {
  const key = (e: RawEvent) => `${e.pid} ${e.fd} ${e.direction} ${e.streamId}`;
  return c.events
    .filter((e) => pids.has(e.pid) && e.kind === RawKind.io)
    .map((e, i) => ({ k: key(e), i, s: norm(e) }))
    .sort((x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : x.i - y.i))
    .map((x) => x.s);
};
/** The highest count each notice reached (the two probes publish on their own timers). */
const noticesOf = (ns: NoticeEvent[], pids: Set<number>) => {
  const m = new Map<string, number>();
  for (const n of ns) {
    if (n.pid === undefined || !pids.has(n.pid)) continue;
    const k = `${n.pid} ${n.reason} ${n.detail} ${n.stream}`;
    m.set(k, Math.max(m.get(k) ?? 0, n.count ?? 0));
  }
  return [...m].map(([k, v]) => `${k} ×${v}`).sort();
};

describe('dynamic parity: the same workloads give the same records on both backends', () => {
  test('every capture path, side by side', async (t) => {
    if (skipReason) return t.skip(skipReason);
    t.diagnostic(`backends ${caps.map((c) => c.probe.hookBackend?.backend).join(' and ')}`);
    const file = join(bins.dir, 'lines.jsonl');
    const lines = [0, 1, 2, 3].map((i) => `{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"echo","arguments":{"text":"${'x'.repeat(i * 40)}"}}}\n`);
    writeFileSync(file, lines.join(''));
    const io = bins.path('mcpq-io', ioCalls);
    const ior = bins.path('mcpq-io-r', ioCalls);
    const cat = bins.path('mcpq-cat', '/bin/cat');
    const node = bins.path('mcpq-node-w', process.execPath);
    const nodeR = bins.path('mcpq-node-r', process.execPath);
    const py = bins.path('mcpq-py', '/usr/bin/python3');
    const pyScript = join(bins.dir, 'http.py');
    writeFileSync(
      pyScript,
      [
        'import os, socket, sys',
        "sys.stderr.write('P %d\\n' % os.getpid())",
        "os.write(1, b' \\t\\n' * 300 + b'{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\\n')",
        'srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)',
        'c = socket.create_connection(srv.getsockname()); s, _ = srv.accept()',
        "body = b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}'",
        "c.sendall(b'POST /mcp HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(body) + body)",
        'got = b""',
        'while not got.endswith(body): got += s.recv(4096)',
        "s.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n{}')",
        'reply = b""',
        "while not reply.endswith(b'{}'): reply += c.recv(4096)",
        "c.sendall(b'\\x16\\x03\\x01\\x00\\x05\\x01\\x00\\x00\\x01\\x00')",
        '',
      ].join('\n'),
    );
    const pids = new Set<number>();
    const pidsOf = (stderr: string) => [...stderr.matchAll(/(?:^|\n)[PWR] (\d+)/g)].map((m) => Number(m[1]));
    const jobs: Array<[string, string[]]> = [
      ['/bin/sh', ['-c', `"$0" "$1" "$2" | "$3" "$4"`, node, join(FIXTURES, 'pipe-writer.cjs'), JSON.stringify(['  \n', ...lines]), nodeR, join(FIXTURES, 'pipe-reader.cjs')]],
      ['/bin/sh', ['-c', `"$0" writev "$1" 3,50,7/1,1,400 | "$2"`, io, file, cat]],
      ['/bin/sh', ['-c', `"$0" pwritev2 "$1" | "$2" preadv2 "$3"`, io, file, ior, String(lines.join('').length)]],
      ['/bin/sh', ['-c', `"$0" vmsplice "$1" | "$2" vmsplice-read "$3"`, io, file, ior, String(lines.join('').length)]],
      [io, ['sendmsg', file]],
      [io, ['mmsg', file]],
      ['/bin/sh', ['-c', `"$0" splice "$1" | "$2" >/dev/null`, io, file, cat]],
      ['/bin/sh', ['-c', `"$0" io_uring "$1" | "$2" >/dev/null`, io, file, cat]],
      ['/bin/sh', ['-c', `"$0" "$1" | "$2" >/dev/null`, py, pyScript, cat]],
    ];
    for (const [cmd, args] of jobs) {
      const res = await run(cmd, args, { timeoutMs: 120_000 });
      assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
      for (const p of pidsOf(res.stderr)) pids.add(p);
    }
    assert.ok(pids.size >= jobs.length, `pids of the workloads: ${[...pids].join(' ')}`);
    // Every process exited before the last one started: once both probes hold as many records as
    // each other and stop growing, the rings are drained.
    let last = -1;
    await waitFor(
      () => {
        const [a, b] = caps.map((c) => recordsOf(c, pids).length);
        const n = a + b + notices[0].length + notices[1].length;
        const settled = a > 0 && a === b && n === last;
        last = n;
        return settled;
      },
      30_000,
      'both probes settled on the same record count',
    );
    const [a, b] = caps.map((c) => recordsOf(c, pids));
    assert.deepEqual(b, a, `${BACK_B} records equal ${BACK_A} records`);
    await waitFor(() => noticesOf(notices[0], pids).length > 0 && noticesOf(notices[0], pids).join() === noticesOf(notices[1], pids).join(), 10_000, 'the same notices on both').catch(() => undefined);
    assert.deepEqual(noticesOf(notices[1], pids), noticesOf(notices[0], pids), 'the same notices (splice, sendfile, tee, io_uring)');
    const reasons = new Set(notices[0].filter((n) => n.pid !== undefined && pids.has(n.pid)).map((n) => n.reason));
    assert.ok(reasons.has('kernel_copy') && reasons.has('io_uring'), `notices seen: ${[...reasons].join(' ')}`);
    const kinds = new Set(caps[0].events.filter((e) => pids.has(e.pid)).map((e) => `${e.fdType}/${e.direction}`));
    t.diagnostic(`parity: ${a.length} records from ${pids.size} processes (fd type/direction: ${[...kinds].sort().join(' ')}), ${noticesOf(notices[0], pids).length} notices, identical on ${BACK_A} and ${BACK_B}`);
  });
});
