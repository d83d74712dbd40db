/**
 * The process filters (issue 16): --pid follows the listed process's
 * descendants, those created after the probe started and those already
 * running, as strace -f does; --comm matches the process's name (its main
 * thread's), whatever the calling thread is named. Real BPF, real processes.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Direction, FdType, RawKind } from '@mcpspy/events';
import { Captured, FIXTURES, NamedBinaries, bytesOf, run, startProbe, waitFor } from './helpers';

const bins = new NamedBinaries();
let cap: Captured | undefined;
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cap?.stop();
  bins.cleanup();
});

const REQUEST = '{"jsonrpc":"2.0","id":1,"method":"ping"}\n';

/** Starts `sh [-c ...] wrapper.sh <client pair>`; the pair runs once "go" is written. */
function wrapper(extraShell: boolean): { sh: ChildProcess; done: Promise<string> } {
  const node = bins.path('mcpt-tree', process.execPath);
  const args = [join(FIXTURES, 'wrapper.sh'), node, join(FIXTURES, 'spawn-parent.cjs'), node];
  const sh = extraShell ? spawn('/bin/sh', ['-c', '/bin/sh "$@"; true', 'sh', ...args], { stdio: ['pipe', 'ignore', 'pipe'] }) : spawn('/bin/sh', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  children.push(sh);
  let err = '';
  sh.stderr!.on('data', (d) => (err += d));
  const done = new Promise<string>((res, rej) => {
    sh.on('error', rej);
    sh.on('close', (code) => (code === 0 ? res(err) : rej(new Error(`wrapper exited ${code}: ${err}`))));
  });
  return { sh, done };
}

function exchange(c: Captured, stderr: string): { ppid: number; cpid: number; answer: string } {
  const m = /P (\d+) (\d+) (".*")/.exec(stderr);
  assert.ok(m, stderr);
  return { ppid: Number(m[1]), cpid: Number(m[2]), answer: JSON.parse(m[3]) as string };
}

async function expectWholeExchange(c: Captured, ppid: number, cpid: number, answer: string): Promise<void> {
  const side = (pid: number, dir: number) => (e: { pid: number; kind: number; direction: number; fdType: number }) => e.pid === pid && e.kind === RawKind.io && e.direction === dir && e.fdType === FdType.unix;
  await waitFor(() => bytesOf(c.events, side(ppid, Direction.read)).toString().includes(answer), 5000, 'the answer read by the client');
  assert.ok(bytesOf(c.events, side(ppid, Direction.write)).toString().includes(REQUEST), 'client → server, written');
  assert.equal(bytesOf(c.events, side(cpid, Direction.read)).toString(), REQUEST, 'client → server, read');
  assert.equal(bytesOf(c.events, side(cpid, Direction.write)).toString(), answer, 'server → client, written');
  assert.equal(bytesOf(c.events, side(ppid, Direction.read)).toString(), answer, 'server → client, read');
}

describe('--pid follows process trees', () => {
  test('children created after the start: --pid <wrapper shell> captures its grandchildren, and only them', async () => {
    const { sh, done } = wrapper(false);
    cap = await startProbe({ comms: [], pids: [sh.pid!] });
    sh.stdin!.end('go\n');
    // The same pair, not under the wrapper: must not be captured.
    const node = bins.path('mcpt-tree', process.execPath);
    const outside = await run(node, [join(FIXTURES, 'spawn-parent.cjs'), node]);
    const { ppid, cpid, answer } = exchange(cap, await done);
    await expectWholeExchange(cap, ppid, cpid, answer);
    const o = exchange(cap, outside.stderr);
    assert.equal(cap.events.filter((e) => e.pid === o.ppid || e.pid === o.cpid).length, 0, 'a process outside the tree is not captured');
    await cap.stop();
    cap = undefined;
  });

  test('descendants already running at the start are followed, and their new children too', async () => {
    const { sh, done } = wrapper(true);
    // Wait until the inner shell (the one reading "go") exists before the probe starts.
    await waitFor(() => {
      try {
        return readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'latin1').trim() !== '';
      } catch {
        return false;
      }
    }, 5000, 'the inner shell');
    cap = await startProbe({ comms: [], pids: [sh.pid!] });
    sh.stdin!.end('go\n');
    const { ppid, cpid, answer } = exchange(cap, await done);
    await expectWholeExchange(cap, ppid, cpid, answer);
    await cap.stop();
    cap = undefined;
  });
});

/** Bun from the npm platform package, if installed (the TLS work adds it); else from PATH. */
function findBun(): string | undefined {
  const candidates = [resolve(__dirname, '../../../../node_modules/@oven/bun-linux-x64/bin/bun'), ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'bun'))];
  return candidates.find((c) => existsSync(c));
}

describe('--comm matches the process name', () => {
  test('Bun: a fetch sent from its "HTTP Client" thread is captured with --comm bun', async (t) => {
    const bun = findBun();
    if (!bun) return t.skip('no bun binary (npm i -D @oven/bun-linux-x64, or bun on PATH)');
    const server = spawn(bins.path('mcpt-bunsrv', process.execPath), ['-e', `const s = require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => r.end('{"jsonrpc":"2.0","id":1,"result":{}}')); }); s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(server);
    const port = await new Promise<number>((res) => server.stdout!.once('data', (d) => res(Number(String(d).trim()))));
    cap = await startProbe({ comms: ['mcpt-bun'] });
    const res = await run(bins.path('mcpt-bun', bun), ['-e', `await fetch('http://127.0.0.1:${port}/mcp', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' }).then((r) => r.text()); console.error('P', process.pid)`]);
    assert.equal(res.code, 0, res.stderr);
    const pid = Number(/P (\d+)/.exec(res.stderr)![1]);
    const mine = (e: { pid: number; kind: number; fdType: number }) => e.pid === pid && e.kind === RawKind.io && e.fdType === FdType.inet;
    await waitFor(() => bytesOf(cap!.events, mine).toString().includes('"result"'), 5000, 'request and response');
    const evs = cap.events.filter(mine);
    assert.ok(bytesOf(evs, (e) => e.direction === Direction.write).toString().startsWith('POST /mcp HTTP/1.1'));
    assert.ok(evs.every((e) => e.tid !== pid), 'sent and received by a thread other than the main one');
    assert.deepEqual([...new Set(evs.map((e) => e.comm))], ['mcpt-bun']);
    await cap.stop();
    cap = undefined;
    server.kill();
  });

  test('threads named otherwise ("HTTP Client", or renamed to evade) are captured under the process name', async () => {
    cap = await startProbe({ comms: ['mcpt-leader'] });
    const py = bins.path('mcpt-leader', '/usr/bin/python3');
    const res = await run('/bin/sh', ['-c', `"$0" "$1" | cat >/dev/null`, py, join(FIXTURES, 'threads.py')]);
    assert.equal(res.code, 0, res.stderr);
    const pid = Number(/P (\d+)/.exec(res.stderr)![1]);
    const mine = (e: { pid: number; kind: number }) => e.pid === pid && e.kind === RawKind.io;
    await waitFor(() => bytesOf(cap!.events, mine).toString().includes('from-renamed'), 5000, 'both lines');
    const text = bytesOf(cap.events, mine).toString();
    assert.ok(text.includes('"method":"from-http-client"'), text);
    assert.ok(text.includes('"method":"from-renamed"'), text);
    const evs = cap.events.filter(mine);
    assert.ok(evs.every((e) => e.tid !== pid), 'written by the threads, not the main thread');
    assert.deepEqual([...new Set(evs.map((e) => e.comm))], ['mcpt-leader'], 'events carry the process name');
    await cap.stop();
    cap = undefined;
  });
});
