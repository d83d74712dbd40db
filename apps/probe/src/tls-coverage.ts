/**
 * Never silent about TLS: the kernel reports every ClientHello a monitored
 * process sends on an inet socket (MCPSPY_KIND_TLS_HELLO); this decides
 * whether a hooked TLS library can give that connection's plaintext, and
 * when none can, raises one `tls_unhooked` notice per (process, connection)
 * and counts it.
 *
 * "Hooked" means: a file the process has mapped (its executable, a libssl
 * or libgnutls) carries uprobes of ours, as TlsTargets noted when it
 * scanned the process (at start, at exec, at a library open). A process
 * that loads a hooked library but does its TLS through another, unhooked
 * one is not caught by this rule (README, Limits).
 */
import { NoticeEvent, visibleText } from '@mcpspy/events';
import { type Logger } from '@mcpspy/runtime';
import type { TlsTargets } from './tls-targets';

export interface TlsHello {
  pid: number;
  comm: string;
  fd: number;
  /** Socket inode. */
  ino: bigint;
  timestamp: string;
}

/** Connections remembered for the once-per-connection rule before the set starts over. */
const MAX_REMEMBERED = 16384;
/**
 * How long what we know of an exited process is kept: the process ring is
 * drained before the data ring, so a short-lived client's exit is often
 * handled before its ClientHello.
 */
const EXIT_GRACE_MS = 5_000;
/** A busy TLS client makes many connections: its mappings are read again at most this often. */
const RESCAN_MS = 2_000;

export class TlsCoverage {
  /** ClientHellos seen on connections a hook covers / does not cover. */
  hooked = 0;
  unhooked = 0;
  private readonly reported = new Set<string>();
  private readonly exited = new Map<number, number>();
  /** pid → when its files were last rescanned for a ClientHello (at most every RESCAN_MS). */
  private readonly rescanned = new Map<number, number>();

  constructor(
    private readonly targets: TlsTargets,
    private readonly onNotice: (n: NoticeEvent) => void,
    private readonly logger?: Logger,
  ) {}

  /** The process ended: forget it a little later. */
  onExit(pid: number, nowMs = Date.now()): void {
    this.exited.set(pid, nowMs);
  }

  private sweep(nowMs: number): void {
    for (const [pid, at] of this.exited) {
      if (nowMs - at < EXIT_GRACE_MS) break; // insertion order = exit order
      this.exited.delete(pid);
      this.rescanned.delete(pid);
      this.targets.forgetPid(pid);
    }
  }

  onHello(h: TlsHello, nowMs = Date.now()): void {
    this.sweep(nowMs);
    // A process that just exec'd may not be scanned yet: scanning is cheap for files seen before.
    const last = this.rescanned.get(h.pid);
    if (!this.exited.has(h.pid) && (last === undefined || nowMs - last >= RESCAN_MS)) {
      if (this.rescanned.size >= MAX_REMEMBERED) this.rescanned.clear();
      this.rescanned.set(h.pid, nowMs);
      this.targets.scanPid(h.pid);
    }
    if (this.targets.librariesOfPid(h.pid).length > 0) {
      this.hooked++;
      return;
    }
    const key = `${h.pid}:${h.ino}`;
    if (this.reported.has(key)) return;
    if (this.reported.size >= MAX_REMEMBERED) this.reported.clear();
    this.reported.add(key);
    this.unhooked++;
    const comm = visibleText(h.comm);
    const notice: NoticeEvent = {
      timestamp: h.timestamp,
      reason: 'tls_unhooked',
      stage: 'probe',
      pid: h.pid,
      comm,
      stream: `inet:${h.ino}`,
      detail: `pid ${h.pid} (${comm}) started a TLS handshake on socket fd ${h.fd}, but no TLS library it has loaded is hooked: the plaintext of this connection cannot be shown`,
      count: 1,
    };
    this.logger?.warn({ traced_pid: h.pid, comm, fd: h.fd, socket: String(h.ino) }, 'TLS handshake on a connection no hooked library gives plaintext for (tls_unhooked)');
    try {
      this.onNotice(notice);
    } catch (err) {
      this.logger?.warn({ err }, 'notice handler threw');
    }
  }
}
