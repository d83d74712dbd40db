/**
 * Finds the files whose TLS read/write functions we probe: every libssl.so*
 * and libgnutls.so*, and every executable that carries a TLS library itself
 * (Node links OpenSSL statically, Go programs carry crypto/tls); what to
 * attach in a file is decided by tls-discovery.ts. A uprobe on a file fires in every process that maps it, now
 * or later, so each file is attached once, keyed by (device, inode); paths
 * of processes in other mount namespaces are reached through /proc/<pid>/root.
 */
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import type { Logger } from '@mcpspy/runtime';
import { discoverTls, type TlsLibrary, type UprobeSpec } from './tls-discovery';

export { SSL_FUNCTIONS } from './tls-discovery';

/** Libraries a process has not mapped yet may still be loaded later (Python imports ssl on demand). */
export const DEFAULT_LIBSSL_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/usr/lib', '/lib'];

export interface TlsTarget {
  path: string;
  key: string;
  library: TlsLibrary;
  probes: UprobeSpec[];
}

/** Attaches the uprobes of one file; returns how many were attached. */
export type AttachFn = (target: TlsTarget) => number;

/** A file that carries a TLS library whose functions could not be placed. */
export interface TlsProblem {
  path: string;
  library?: TlsLibrary;
  problem: string;
}

/** Attaching a file is tried this often before it is left alone. */
const MAX_ATTACH_ATTEMPTS = 3;

const LIBSSL_RE = /\/lib(ssl|gnutls)[^/]*\.so[^/]*$/;

export class TlsTargets {
  /** (dev:ino) → attached functions count (0 = checked, nothing to probe). */
  private readonly seen = new Map<string, number>();
  /** (dev:ino) → library, for files with live uprobes. */
  private readonly libraries = new Map<string, TlsLibrary>();
  /**
   * pid → hooked libraries among the files it had mapped when last scanned.
   * Kept a while past exit: a short-lived client's ClientHello is often read
   * from the ring after its exit event (see TlsCoverage).
   */
  private readonly pidLibraries = new Map<number, Set<TlsLibrary>>();
  /** Files that carry TLS we could not hook (each once). */
  readonly problems: TlsProblem[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** (dev:ino) → failed attach attempts. */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly attach: AttachFn,
    private readonly logger?: Logger,
    private readonly procRoot = '/proc',
  ) {}

  /** Files with live uprobes. */
  get attachedCount(): number {
    let n = 0;
    for (const v of this.seen.values()) if (v > 0) n++;
    return n;
  }

  /** Considers one file; cheap when its inode was seen before. */
  consider(path: string): boolean {
    let st;
    try {
      st = statSync(path);
    } catch {
      return false;
    }
    if (!st.isFile()) return false;
    const key = `${st.dev}:${st.ino}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, 0);
    const t0 = performance.now();
    const found = discoverTls(path);
    const t1 = performance.now();
    if (found.problem) {
      this.problems.push({ path, library: found.library, problem: found.problem });
      this.logger?.warn({ path, library: found.library, problem: found.problem }, 'TLS library found but not hooked');
    }
    if (!found.library || found.probes.length === 0) return false;
    try {
      const n = this.attach({ path, key, library: found.library, probes: found.probes });
      this.seen.set(key, n);
      if (n > 0) this.libraries.set(key, found.library);
      const ms = { discoverMs: Math.round((t1 - t0) * 100) / 100, attachMs: Math.round((performance.now() - t1) * 100) / 100 };
      this.logger?.info({ path, library: found.library, probes: n, source: found.source, ...ms }, 'TLS uprobes attached');
      return n > 0;
    } catch (err) {
      // Often the process whose /proc path named the file is gone already:
      // let a later sighting try again, a few times.
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      if (n < MAX_ATTACH_ATTEMPTS) this.seen.delete(key);
      this.logger?.warn({ path, library: found.library, err: (err as Error).message }, 'failed to attach TLS uprobes');
      return false;
    }
  }

  /** The hooked TLS library of the file at `path`, if any. */
  private hookedAt(path: string): TlsLibrary | undefined {
    try {
      const st = statSync(path);
      return this.libraries.get(`${st.dev}:${st.ino}`);
    } catch {
      return undefined;
    }
  }

  private note(pid: number, path: string): void {
    const lib = this.hookedAt(path);
    if (!lib) return;
    let set = this.pidLibraries.get(pid);
    if (!set) this.pidLibraries.set(pid, (set = new Set()));
    set.add(lib);
  }

  /** Hooked TLS libraries the process had mapped when last scanned. */
  librariesOfPid(pid: number): TlsLibrary[] {
    return [...(this.pidLibraries.get(pid) ?? [])];
  }

  /** The process is gone (or replaced its image): drop what was noted about it. */
  forgetPid(pid: number): void {
    this.pidLibraries.delete(pid);
  }

  /** The hooked TLS library of a file (by its dev:ino), if any. */
  libraryOf(key: string): TlsLibrary | undefined {
    return this.libraries.get(key);
  }

  /** Standard library directories and the given executables. */
  scanDefaults(extraBinaries: string[] = []): void {
    for (const dir of DEFAULT_LIBSSL_DIRS) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) if (/^lib(ssl|gnutls)[^/]*\.so/.test(n)) this.consider(`${dir}/${n}`);
    }
    for (const b of extraBinaries) this.consider(b);
  }

  /** Every process's executable and mapped libssl. */
  scanAll(): void {
    let pids: string[];
    try {
      pids = readdirSync(this.procRoot).filter((n) => /^\d+$/.test(n));
    } catch {
      return;
    }
    for (const pid of pids) this.scanPid(Number(pid));
  }

  scanPid(pid: number): void {
    const base = `${this.procRoot}/${pid}`;
    try {
      const exe = `${base}/root${readlinkSync(`${base}/exe`)}`;
      this.consider(exe);
      this.note(pid, exe);
    } catch {
      // kernel threads and processes that just exited have no exe
    }
    let maps: string;
    try {
      maps = readFileSync(`${base}/maps`, 'latin1');
    } catch {
      return;
    }
    const paths = new Set<string>();
    for (const line of maps.split('\n')) {
      const slash = line.indexOf('/');
      if (slash < 0) continue;
      const perms = line.split(' ', 2)[1] ?? '';
      if (!perms.includes('x')) continue;
      const p = line.slice(slash);
      if (LIBSSL_RE.test(p)) paths.add(p);
    }
    for (const p of paths) {
      this.consider(`${base}/root${p}`);
      this.note(pid, `${base}/root${p}`);
    }
  }

  /**
   * A new program image: its executable now, its libraries a little later
   * (the dynamic loader and dlopen run after the exec event).
   */
  onExec(pid: number): void {
    this.forgetPid(pid);
    this.scanPid(pid);
    for (const delay of [200, 2000]) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.scanPid(pid);
      }, delay);
      t.unref();
      this.timers.add(t);
    }
  }

  /**
   * A process is opening a file named like libssl (openat, seen at
   * sys_enter): attach before its code can run. The path is as the process
   * passed it, so it is resolved through that process's root and cwd.
   */
  onLibraryOpen(pid: number, path: string): boolean {
    if (!LIBSSL_RE.test(path.startsWith('/') ? path : `/${path}`)) return false;
    const base = `${this.procRoot}/${pid}`;
    const full = path.startsWith('/') ? `${base}/root${path}` : `${base}/cwd/${path}`;
    const attached = this.consider(full);
    this.note(pid, full);
    return attached;
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
