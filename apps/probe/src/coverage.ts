/**
 * What this host lets mcpspy see, for `mcpspy coverage`: which kernel hook
 * types load and attach (each tried alone with an empty program from
 * bpf/coverage.bpf.c), which TLS libraries each running process has and
 * whether mcpspy hooks them, and which processes hold HTTPS connections
 * through no hooked library (their traffic would be invisible: the monitor
 * raises a `tls_unhooked` notice when it sees their handshakes live).
 */
import { constants } from 'node:os';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BpfObject } from './bpf-object';
import { loadLibbpf, loadLibc } from './libbpf.ffi';
import { DEFAULT_OBJECT_DIR, ensureTracefs } from './probe';
import type { TlsLibrary } from './tls-discovery';
import { TlsTargets } from './tls-targets';

export interface HookSupport {
  hook: string;
  /** What mcpspy uses it for. */
  use: string;
  loads: boolean;
  attaches: boolean;
  /** Why not, when it does not (errno name). */
  error?: string;
}

const HOOKS: Array<{ program: string; hook: string; use: string }> = [
  { program: 'cov_tracepoint', hook: 'tracepoint', use: 'syscall capture (pipes, sockets): the fallback backend' },
  { program: 'cov_ringbuf', hook: 'ring buffer', use: 'every record on its way to user space' },
  { program: 'cov_raw_tracepoint', hook: 'raw tracepoint', use: 'not used yet' },
  { program: 'cov_uprobe', hook: 'uprobe', use: 'TLS plaintext (OpenSSL, GnuTLS, Go, BoringSSL, rustls)' },
  { program: 'cov_fexit', hook: 'fentry/fexit', use: 'syscall capture, preferred where it loads (the fexit backend: runs only on the hooked syscalls)' },
  { program: 'cov_kprobe', hook: 'kprobe', use: 'not used' },
  { program: 'cov_lsm', hook: 'BPF LSM', use: 'not used' },
];

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([k, v]) => [v, k]));

function errnoOf(err: unknown): string {
  const m = /errno (\d+)/.exec(err instanceof Error ? err.message : String(err));
  if (!m) return err instanceof Error ? err.message : String(err);
  const n = Number(m[1]);
  return `${ERRNO_NAMES.get(n) ?? 'errno'} (${n})`;
}

/** Tries each hook type alone. Needs root; throws when libbpf or the object file is missing. */
export function probeHookTypes(objectDir = DEFAULT_OBJECT_DIR, libcPath = '/lib/x86_64-linux-gnu/libc.so.6'): HookSupport[] {
  const lib = loadLibbpf();
  // Refusals are the answer here, not errors: libbpf's own lines about them would only repeat the table.
  lib.libbpf_set_print(null);
  try {
    ensureTracefs(loadLibc());
  } catch {
    // reported through the tracepoint row
  }
  const path = join(objectDir, 'coverage.bpf.o');
  const out: HookSupport[] = [];
  for (const h of HOOKS) {
    const row: HookSupport = { hook: h.hook, use: h.use, loads: false, attaches: false };
    const obj = BpfObject.open(lib, path);
    try {
      obj.only(h.program);
      obj.load();
      row.loads = true;
      if (h.program === 'cov_uprobe') obj.attachUprobe(h.program, libcPath, 'getppid', false);
      else obj.attachProgram(h.program);
      row.attaches = true;
    } catch (err) {
      row.error = errnoOf(err);
    } finally {
      obj.destroy();
    }
    out.push(row);
  }
  return out;
}

export interface ProcessTls {
  pid: number;
  comm: string;
  /** TLS libraries mcpspy hooks in this process. */
  hooked: TlsLibrary[];
  /** Open TCP connections to a remote port 443 or 8443 (HTTPS by convention). */
  httpsConnections: number;
}

export interface TlsCoverageReport {
  processes: ProcessTls[];
  /** Files that carry a TLS library mcpspy found but could not hook, with why. */
  problems: Array<{ path: string; library?: string; problem: string }>;
}

/** Socket inodes of TCP connections established to a remote HTTPS port. */
function httpsSocketInodes(procRoot: string): Set<string> {
  const inodes = new Set<string>();
  for (const f of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/net/${f}`, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const remotePort = parseInt(cols[2].split(':')[1] ?? '', 16);
      if (cols[3] === '01' && (remotePort === 443 || remotePort === 8443)) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** Every process's TLS libraries (a dry run of the probe's discovery: nothing is attached). */
export function scanTls(procRoot = '/proc'): TlsCoverageReport {
  const targets = new TlsTargets((t) => t.probes.length, undefined, procRoot);
  targets.scanAll();
  const https = httpsSocketInodes(procRoot);
  const processes: ProcessTls[] = [];
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let comm = '';
    try {
      comm = readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    let httpsConnections = 0;
    if (https.size > 0) {
      try {
        for (const fd of readdirSync(`${procRoot}/${pid}/fd`)) {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/${pid}/fd/${fd}`));
          if (m && https.has(m[1])) httpsConnections++;
        }
      } catch {
        // exited, or not ours to read
      }
    }
    const hooked = targets.librariesOfPid(pid);
    if (hooked.length > 0 || httpsConnections > 0) processes.push({ pid, comm, hooked, httpsConnections });
  }
  return { processes, problems: targets.problems.map((p) => ({ ...p })) };
}
