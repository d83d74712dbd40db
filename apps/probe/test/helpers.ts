/**
 * Test harness for the probe: runs the real BPF programs (tests run as
 * root), collects decoded events, and gives helper programs distinctive
 * process names through symlinks, since the kernel names a process after
 * the file it executed and a comm allow list then keeps other engineers'
 * processes out of the capture.
 */
import { spawn, SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ProcEvent, RawEvent, decodeRawBatch } from '@mcpspy/events';
import { silentLogger } from '@mcpspy/runtime';
import { Probe, ProbeOptions } from '../src';

export const FIXTURES = resolve(__dirname, '../../test/fixtures');
export const BPF_DIR = resolve(__dirname, '../../../../bpf/.output');

export interface Captured {
  probe: Probe;
  events: RawEvent[];
  procs: ProcEvent[];
  batches: { kind: string; partition: number; size: number }[];
  stop(): Promise<void>;
}

export async function startProbe(opts: Partial<ProbeOptions> & { comms: string[] }): Promise<Captured> {
  const events: RawEvent[] = [];
  const procs: ProcEvent[] = [];
  const batches: Captured['batches'] = [];
  const probe = new Probe({
    pids: [],
    excludePids: [],
    partitions: 4,
    logger: silentLogger(),
    bpfObjectDir: BPF_DIR,
    // The capture tests check the bytes of both ends; elided reads have their own test (stdio.test.ts).
    elideReads: false,
    ...opts,
    onBatch(kind, partition, batch) {
      batches.push({ kind, partition, size: batch.length });
      // Copy the data: decoded events are views into the batch.
      for (const ev of decodeRawBatch(batch).events) events.push({ ...ev, data: Buffer.from(ev.data) });
      return true;
    },
    onProc(ev) {
      procs.push(ev);
    },
  });
  await probe.start();
  return { probe, events, procs, batches, stop: () => probe.stop() };
}

/** A directory of symlinks: name → target executable. */
export class NamedBinaries {
  readonly dir = mkdtempSync(join(tmpdir(), 'mcpspy-probe-'));
  path(name: string, target: string): string {
    const p = join(this.dir, name);
    if (!existsSync(p)) symlinkSync(realpathSync(target), p);
    return p;
  }
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a command to completion, bounded in time; resolves stdout and stderr. */
export function run(
  cmd: string,
  args: string[],
  options: SpawnOptions & { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`${cmd} ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr, pid: child.pid ?? -1 });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Concatenates the chunks of each call (by call_id, in offset order). */
export function callsOf(events: RawEvent[]): { first: RawEvent; data: Buffer; complete: boolean }[] {
  const by = new Map<bigint, RawEvent[]>();
  for (const ev of events) {
    const l = by.get(ev.callId);
    if (l) l.push(ev);
    else by.set(ev.callId, [ev]);
  }
  const out = [];
  for (const chunks of by.values()) {
    chunks.sort((a, b) => a.offset - b.offset);
    const data = Buffer.concat(chunks.map((c) => c.data));
    let expect = 0;
    let contiguous = true;
    for (const c of chunks) {
      if (c.offset !== expect) contiguous = false;
      expect = c.offset + c.data.length;
    }
    out.push({ first: chunks[0], data, complete: contiguous && data.length === chunks[0].totalLen });
  }
  return out.sort((a, b) => (a.first.tsNs < b.first.tsNs ? -1 : 1));
}

/** Bytes of one side of a stream, calls in time order. */
export function bytesOf(events: RawEvent[], pred: (ev: RawEvent) => boolean): Buffer {
  return Buffer.concat(callsOf(events.filter(pred)).map((c) => c.data));
}
