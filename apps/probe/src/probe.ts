/**
 * The probe: loads the BPF objects, keeps them configured, drains their ring
 * buffers on a short timer and publishes raw batches, process events and
 * counters. Consumes: kernel ring buffers. Produces: raw io/tls batches
 * (onBatch), ProcEvent (onProc), ProbeStatsEvent (onStats).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  KernelStat,
  NoticeEvent,
  ProbeStatsEvent,
  ProcEvent,
  RawEventLayout,
  RawKind,
  type RawRoute,
  decodeRawRecord,
  kernelTimeToIso,
} from '@mcpspy/events';
import { CloseError, Logger, turnTrace } from '@mcpspy/runtime';
import { BpfObject } from './bpf-object';
import {
  BpfLoadError,
  BpfObjectsMissingError,
  BtfMissingError,
  NotRootError,
  ProbeError,
  TracefsMountError,
} from './errors';
import { Libbpf, Libc, SIGSET_BYTES, SIG_BLOCK, SIG_SETMASK, lastErrno, loadLibbpf, loadLibc } from './libbpf.ffi';
import { RingWake } from './ring-wake';
import { HookBackend, HookChoice, attachHooks, loadHookBackend, parseHookPreference } from './hook-backend';
import { ProcessTable } from './process-table';
import { RawBatcher } from './raw-batcher';
import { RingbufReader } from './ringbuf-reader';
import { SSL_FUNCTIONS, TlsTarget, TlsTargets } from './tls-targets';
import { TlsCoverage } from './tls-coverage';
import { UnseenNotices } from './unseen-notices';

export interface ProbeOptions {
  /**
   * Only these processes and their descendants (children created after the
   * probe starts are followed from their first call, and the descendants
   * already running at start are found in /proc), as `strace -f` does; with
   * `comms`: either matches. Empty = no pid filter.
   */
  pids: number[];
  /**
   * Only processes with these names (first 15 bytes): the process's name
   * (its main thread's) or the calling thread's. Empty = no comm filter.
   */
  comms: string[];
  /** Never these processes (the probe's own pid is always excluded). */
  excludePids: number[];
  partitions: number;
  /** Default: <repo>/bpf/.output */
  bpfObjectDir?: string;
  /**
   * Reads of a pipe or unix stream whose writer is captured carry no data
   * (RawFlags.elided: the record names the reader; the writer's records have
   * the bytes, which is all mcp-parser takes from such a channel). Default
   * true unless MCPSPY_ELIDE_READS=0; false copies every read (the probe's
   * own capture tests check both ends' bytes).
   */
  elideReads?: boolean;
  /**
   * Elided reads fold: once a reader's elided record went out on a CPU, that
   * reader's next reads of the stream there send none, except a sample of 1
   * in 64 (bpf/io_common.bpf.h, fold_read; counted as `reads_folded`). The
   * reader is still named, once, and again at least every 64 reads. Default
   * false unless MCPSPY_FOLD_READS=1 (a message held for its reader then
   * waits for the reader wait instead of the next read, so under load a
   * request can be written after its response); only matters with
   * `elideReads`.
   */
  foldReads?: boolean;
  /**
   * A process whose calls on one stream the prefilter rejected 256 times (an
   * exec starts over) skips the prefilter's user-memory read on that stream
   * from then on, except on a random 1 in `quietCheck` of its calls
   * (bpf/io_common.bpf.h, quiet streams). A checked call that passes ends the
   * quiet: the stream is captured from that call on and a `quiet_unchecked`
   * notice gives the count of calls (and bytes) that went unchecked before it.
   * Default true (every stream, pipe and unix writes included) unless
   * MCPSPY_QUIET_STREAMS says otherwise: `0` (false) turns it off; `reads`
   * ('reads') never quiets pipe and unix writes (session 8's default: a stdio
   * server's first message is seen however much non-JSON it writes first, at
   * ~110 ns more per non-MCP pipe write); `all` is the same as true.
   */
  quietStreams?: boolean | 'all' | 'reads';
  /**
   * 1 in how many calls of a quiet stream is still checked (a power of two;
   * 0 = none, the quiet is then final). Default 16, or MCPSPY_QUIET_CHECK.
   */
  quietCheck?: number;
  logger: Logger;
  /** false = backpressure: the batch is dropped and counted in batches_dropped. */
  onBatch(route: RawRoute, partition: number, batch: Buffer): boolean;
  /**
   * false = the consumer of batches is backed up: the drain stops and the
   * records wait in the kernel ring (which counts ringbuf_full only if it
   * overflows) instead of being read and then dropped. Asked every
   * DRAIN_STEP_BYTES of a drain.
   */
  accepting?(): boolean;
  onProc?(ev: ProcEvent): void;
  /** What the probe saw but cannot show (tls_unhooked), once per process and connection. */
  onNotice?(n: NoticeEvent): void;
  onStats?(s: ProbeStatsEvent): void;
  /** What the probe saw but cannot show (io_uring, splice-family copies): once per process and kind, counts later. */
  onNotice?(n: NoticeEvent): void;
  statsIntervalMs?: number;
  /** Ring buffer of syscall data, bytes (power of two). Default 64 MB. */
  ringbufBytes?: number;
  /** Ring buffer of TLS data, bytes (power of two). Default 16 MB. */
  tlsRingbufBytes?: number;
  /** Drain period. Default 10 ms, or MCPSPY_POLL_MS (records are submitted without wake-ups; the ring absorbs the interval). */
  pollIntervalMs?: number;
  /**
   * Drain period once the rings have been empty for IDLE_POLLS polls in a row: the first records after a quiet spell
   * wait at most this long, and the poll goes back to pollIntervalMs as soon as it finds one. Default MCPSPY_POLL_IDLE_MS,
   * else 40 ms with the process ring's wake-up and pollIntervalMs (never back off) without it (see DEFAULT_POLL_IDLE_MS).
   */
  pollIdleMs?: number;
  /**
   * Wake on the process ring: exec and libssl-open records are submitted with a wake-up, and a wait on the ring's fd
   * (ring-wake.ts) drains the process ring within a fraction of a millisecond instead of at the next timed drain.
   * Default true unless MCPSPY_PROC_WAKE=0; off, the kernel submits those records without a wake-up.
   */
  processWake?: boolean;
  /**
   * After a wake-up that found records, the next wait starts this many ms later (records of that time are then drained
   * together, at once when the wait starts): a host that execs hundreds of processes a second wakes the reader at most
   * 1000/gap times a second instead of once per exec, and an exec after a quiet spell still wakes it at once. Default
   * 5 (MCPSPY_PROC_WAKE_GAP_MS); 0 = a wait right after each drain.
   */
  processWakeGapMs?: number;
  /** Batch flush thresholds. Defaults 256 KB / 5 ms. */
  batchBytes?: number;
  flushIntervalMs?: number;
  /** Producer id written into batch headers. Default 0. */
  producer?: number;
  /** Attach TLS uprobes. Default true. */
  tls?: boolean;
  /** Where the host's /proc is (a container mounts it elsewhere, e.g. /host/proc). Default /proc. */
  procRoot?: string;
  /** Syscall hooks: fexit, tracepoints, or auto (fexit, else tracepoints). Default MCPSPY_HOOKS or auto. */
  hooks?: 'auto' | HookBackend;
}

/** Default size of the syscall capture ring (`--ring-size`): one write up to this size is captured whole. */
export const DEFAULT_RING_BYTES = 64 * 1024 * 1024;
/** Default size of the TLS capture ring; `--ring-size` below it sets both. */
export const DEFAULT_TLS_RING_BYTES = 16 * 1024 * 1024;
export const DEFAULT_OBJECT_DIR = resolve(__dirname, '../../../../bpf/.output');
const OBJECTS = ['syscalls_io', 'tls_uprobes', 'process'] as const;
const TRACEFS = '/sys/kernel/tracing';
const EAGAIN = 11;
const LOAD_ATTEMPTS = 5;
/** Maps of bpf/mcpspy.bpf.h (MCPSPY_TLS_MAPS) that tie an SSL* to its socket. */
const SHARED_TLS_MAPS = ['tls_calls', 'ssl_sock', 'tls_last_read', 'tls_pending_write'];
/** One pid allow list for every object: the process object adds followed children to it. */
const SHARED_FILTER_MAPS = ['pid_allow'];
/** Ring of the syscall object's first sightings (KIND_UNSEEN); its max_entries. */
const NOTES_RING_BYTES = 64 * 1024;
const FILTER_PIDS = 1;
const FILTER_COMMS = 2;
/** MCPSPY_OPT_ELIDE_READS of bpf/mcpspy.bpf.h (settings.options). */
const OPT_ELIDE_READS = 1;
/** MCPSPY_OPT_QUIET_STREAMS of bpf/mcpspy.bpf.h. */
const OPT_QUIET_STREAMS = 2;
/** MCPSPY_OPT_QUIET_LOCAL_WRITES of bpf/mcpspy.bpf.h. */
const OPT_QUIET_LOCAL_WRITES = 4;
/** MCPSPY_OPT_QUIET_CHECK of bpf/mcpspy.bpf.h (the mask follows the options word). */
const OPT_QUIET_CHECK = 8;
/** Default of ProbeOptions.quietCheck. */
const QUIET_CHECK_DEFAULT = 16;
/** MCPSPY_OPT_PROC_WAKE of bpf/mcpspy.bpf.h: exec and libssl-open records wake the reader. */
const OPT_PROC_WAKE = 16;
/** MCPSPY_OPT_FOLD_READS of bpf/mcpspy.bpf.h: elided reads of a reader already named send no record (a sample still does). */
const OPT_FOLD_READS = 32;
/** Slots of the kernel's stats map in use (the map has KERNEL_STAT_SLOTS). */
const KERNEL_STATS_USED = Math.max(...Object.values(KernelStat)) + 1;
/** Default of ProbeOptions.processWakeGapMs. */
const PROC_WAKE_GAP_MS = 5;
/** MCPSPY_MAX_COMMS of bpf/mcpspy.bpf.h: names held inline in the settings value. */
const MAX_COMMS = 32;
/** MCPSPY_TURN_TRACE set: each drain is timed and its records' kernel times read (libs/runtime turn-trace.ts). */
const TRACE = turnTrace.enabled;
const TS_NS = RawEventLayout.tsNs;
/** Upper bound of ring bytes handled per tick, so one tick never blocks long. */
const MAX_DRAIN_BYTES_PER_TICK = 32 * 1024 * 1024;
/** A drain asks accepting() this often; a step makes at most a few batches. */
const DRAIN_STEP_BYTES = 1024 * 1024;
/**
 * The drain period while records flow, and once the rings have been empty for IDLE_POLLS polls (schedulePoll). The
 * back-off is safe for TLS because the process ring wakes the reader (RingWake): a libssl a process opens after a
 * quiet spell reaches the TLS scanner at once, not at the next (40-ms) drain. Without the wake-up
 * (MCPSPY_PROC_WAKE=0, or epoll unavailable) the back-off is off unless MCPSPY_POLL_IDLE_MS sets it.
 */
const DEFAULT_POLL_MS = 10;
const DEFAULT_POLL_IDLE_MS = 40;
/** 50 empty polls at 10 ms: half a second without a record. */
const IDLE_POLLS = 50;

/** A positive number of ms from the environment, else the default. */
function envMs(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

/** CAP_BPF (39), CAP_PERFMON (38) and CAP_SYS_ADMIN (21) in the effective set. */
function hasBpfCapabilities(): boolean {
  try {
    const m = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'latin1'));
    if (!m) return false;
    const eff = BigInt(`0x${m[1]}`);
    const has = (bit: number) => ((eff >> BigInt(bit)) & 1n) === 1n;
    return has(21) || (has(39) && has(38));
  } catch {
    return false;
  }
}

/**
 * Throws a ProbeSetupError whose message says what to run. What counts is
 * the capabilities, not the uid: root without them (a container, a
 * capability-dropped shell) cannot load BPF either.
 */
export function checkProbePrerequisites(bpfObjectDir = DEFAULT_OBJECT_DIR): void {
  if (!hasBpfCapabilities()) throw new NotRootError();
  if (!existsSync('/sys/kernel/btf/vmlinux')) throw new BtfMissingError();
  loadLibbpf();
  for (const o of OBJECTS) {
    const p = join(bpfObjectDir, `${o}.bpf.o`);
    if (!existsSync(p)) throw new BpfObjectsMissingError(p);
  }
}

/** Tracepoints attach through tracefs, which a fresh machine may not have mounted. */
export function ensureTracefs(libc: Libc): void {
  if (existsSync(`${TRACEFS}/events`)) return;
  if (libc.mount('nodev', TRACEFS, 'tracefs', 0, null) !== 0) throw new TracefsMountError(lastErrno());
}

function wallOffsetNow(): bigint {
  const wallNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return wallNs - process.hrtime.bigint();
}

/**
 * A ring record with its padding to 8 bytes, as decodeRawRecord wants it (a record's data length is checked against
 * the padded length). The ring keeps records 8-aligned, and a record that wraps is copied into a scratch buffer of a
 * power-of-two size, so the padded view stays inside the buffer either way.
 */
function paddedRecord(data: Uint8Array, start: number, len: number): Uint8Array {
  return data.subarray(start, start + ((len + 7) & ~7));
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** struct unseen_key of bpf/syscalls_io.bpf.c. */
function unseenKey(pid: number, what: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(pid >>> 0, 0);
  b.writeUInt32LE(what >>> 0, 4);
  return b;
}

function commKey(comm: string): Buffer {
  const b = Buffer.alloc(16);
  b.write(comm.slice(0, 15), 0, 'latin1');
  return b;
}

/**
 * The settings words of ProbeOptions.quietStreams / quietCheck (or their
 * environment variables): MCPSPY_OPT_QUIET_* bits and the check mask.
 */
export function quietSettings(
  quietStreams: ProbeOptions['quietStreams'],
  quietCheck: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { options: number; mask: number } {
  const e = env.MCPSPY_QUIET_STREAMS;
  const q = quietStreams ?? (e === '0' ? false : e === 'reads' ? 'reads' : true);
  if (q === false) return { options: 0, mask: 0 };
  const every = quietCheck ?? (env.MCPSPY_QUIET_CHECK !== undefined && env.MCPSPY_QUIET_CHECK !== '' ? Number(env.MCPSPY_QUIET_CHECK) : QUIET_CHECK_DEFAULT);
  if (!Number.isInteger(every) || every < 0 || (every & (every - 1)) !== 0 || every > 2 ** 31) {
    throw new ProbeError(`failed to configure quiet streams: the check rate must be 0 or a power of two, got ${String(every)}`);
  }
  const options = OPT_QUIET_STREAMS | (q === 'reads' ? 0 : OPT_QUIET_LOCAL_WRITES) | (every > 0 ? OPT_QUIET_CHECK : 0);
  return { options, mask: every > 0 ? every - 1 : 0 };
}

export class Probe {
  readonly processes = new ProcessTable();
  private lib?: Libbpf;
  private libc?: Libc;
  private readonly objects = new Map<(typeof OBJECTS)[number], BpfObject>();
  private readonly readers: RingbufReader[] = [];
  private procReader?: RingbufReader;
  private notesReader?: RingbufReader;
  private unseen?: UnseenNotices;
  private batcher: RawBatcher;
  private tlsTargets?: TlsTargets;
  private tlsCoverage?: TlsCoverage;
  private pollTimer?: NodeJS.Timeout;
  private procWake?: RingWake;
  /** Polls in a row that found no record (schedulePoll backs off after IDLE_POLLS). */
  private emptyPolls = 0;
  private pollPeriod = 0;
  private statsTimer?: NodeJS.Timeout;
  private wallOffsetNs = wallOffsetNow();
  private ncpu = 1;
  private started = false;
  private readonly logger: Logger;
  private hooks?: HookChoice;
  /** Kernel counters survive stop() so a final stats() still reports them. */
  private lastKernel = new Array<number>(16).fill(0);
  private pidFullLogged = 0;

  constructor(private readonly opts: ProbeOptions) {
    this.logger = opts.logger;
    this.batcher = new RawBatcher({
      partitions: Math.max(1, opts.partitions),
      batchBytes: opts.batchBytes,
      flushIntervalMs: opts.flushIntervalMs,
      producer: opts.producer,
      onBatch: opts.onBatch,
      wallOffsetNs: () => this.wallOffsetNs,
    });
  }

  /** Bytes of each object's ring: the syscall ring bounds the largest single write captured whole, the TLS ring the largest TLS record run. */
  get ringSizes(): { syscalls_io: number; tls_uprobes: number; process: number } {
    return {
      syscalls_io: this.opts.ringbufBytes ?? DEFAULT_RING_BYTES,
      tls_uprobes: this.opts.tlsRingbufBytes ?? DEFAULT_TLS_RING_BYTES,
      process: 2 * 1024 * 1024,
    };
  }

  async start(): Promise<void> {
    if (this.started) return;
    const dir = this.opts.bpfObjectDir ?? DEFAULT_OBJECT_DIR;
    checkProbePrerequisites(dir);
    this.lib = loadLibbpf();
    this.libc = loadLibc();
    ensureTracefs(this.libc);
    this.ncpu = this.lib.libbpf_num_possible_cpus();
    try {
      const ringSizes = this.ringSizes;
      // TLS first: the syscall object shares its SSL-to-socket maps, and
      // every later object its pid allow list.
      for (const name of ['tls_uprobes', 'syscalls_io', 'process'] as const) {
        const prepare = (obj: BpfObject) => {
          obj.setMaxEntries('events', ringSizes[name]);
          if (name !== 'tls_uprobes') {
            const tls = this.objects.get('tls_uprobes')!;
            for (const m of SHARED_FILTER_MAPS) obj.reuseMap(m, tls.mapFd(m));
          }
          if (name === 'syscalls_io') {
            const tls = this.objects.get('tls_uprobes')!;
            for (const m of SHARED_TLS_MAPS) obj.reuseMap(m, tls.mapFd(m));
          }
          if (name === 'process') {
            // The libssl-open report: fexit on openat with the fexit backend (then no syscall tracepoint is attached
            // at all), sys_exit_openat with the tracepoints (bpf/process.bpf.c).
            const fexit = this.hooks!.backend === 'fexit';
            obj.setAutoload('fx_openat', fexit);
            obj.setAutoload('handle_openat', !fexit);
          }
        };
        let o: BpfObject;
        if (name === 'syscalls_io') {
          // The syscall data comes from fexit or tracepoint programs (hook-backend.ts).
          const pref = this.opts.hooks ?? parseHookPreference(process.env.MCPSPY_HOOKS);
          // libbpf prints a refused load to stderr ("permission error ... try raising ulimit -l"): misleading
          // when the fallback follows; the reason is logged with the fallback instead.
          this.hooks = loadHookBackend(pref, dir, (path) => this.openAndLoad(path, prepare), this.logger, (f) => this.quietly(f));
          o = this.hooks.object;
        } else {
          o = this.openAndLoad(join(dir, `${name}.bpf.o`), prepare);
        }
        this.objects.set(name, o);
        this.configure(o);
        const r = new RingbufReader(this.libc, o.mapFd('events'), ringSizes[name], name);
        if (name === 'process') this.procReader = r;
        else this.readers.push(r);
      }
      const io = this.objects.get('syscalls_io')!;
      // Bytes that no hook reads (splice family, io_uring): counted by either backend.
      this.notesReader = new RingbufReader(this.libc, io.mapFd('notes'), NOTES_RING_BYTES, 'notes');
      this.unseen = new UnseenNotices({
        publish: (n) => this.opts.onNotice?.(n),
        read: (pid, what) => this.readUnseen(pid, what),
        forget: (pid, what) => io.deleteElem('unseen', unseenKey(pid, what)),
      });
      // Process events first, so execs after this point reach the TLS scanner
      // and children of listed pids are followed before the walk below.
      this.objects.get('process')!.attachTracepoints();
      this.objects.get('process')!.attachSections('fexit/');
      this.followExistingDescendants();
      // fexit programs were attached when chosen (hook-backend.ts); tracepoints are attached here, optional ones skipped.
      // Quietly: a kernel names the io_uring submit event one of two ways, and libbpf would print the other's absence.
      for (const s of attachHooks(this.hooks!, (f) => this.quietly(f))) {
        this.logger.warn({ tracepoint: s.section, errno: s.errno }, 'optional tracepoint not attached (this kernel lacks it): that I/O is not counted');
      }
      this.started = true;
      if (this.processWakeOn()) {
        this.procWake = RingWake.start(this.libc, this.objects.get('process')!.mapFd('events'), () => this.onProcessWake(), this.logger, 'process', this.processWakeGapMs());
      }
      this.pollPeriods();
      this.schedulePoll();
      const statsMs = this.opts.statsIntervalMs ?? 1000;
      this.statsTimer = setInterval(() => {
        this.wallOffsetNs = wallOffsetNow();
        const s = this.stats();
        this.opts.onStats?.(s);
        this.unseen?.tick();
        if (this.pidsNotFollowed > this.pidFullLogged) {
          this.pidFullLogged = this.pidsNotFollowed;
          this.logger.warn({ pid_full: this.pidFullLogged }, 'children of --pid processes not followed: the allow list (16384 pids) is full');
        }
      }, statsMs);
      this.statsTimer.unref();
      if (this.opts.tls !== false) {
        const tlsObj = this.objects.get('tls_uprobes')!;
        this.tlsTargets = new TlsTargets((t) => this.attachTls(tlsObj, t), this.logger, this.opts.procRoot ?? '/proc');
        this.tlsCoverage = new TlsCoverage(this.tlsTargets, (n) => this.opts.onNotice?.(n), this.logger);
        this.tlsTargets.scanDefaults([process.execPath]);
        this.tlsTargets.scanAll();
      }
      this.logger.info(
        {
          objects: dir,
          hooks: this.hooks!.backend,
          hooksFallback: this.hooks!.fallbackReason,
          tlsTargets: this.tlsTargets?.attachedCount ?? 0,
          pids: this.opts.pids,
          comms: this.opts.comms,
          ringBytes: this.ringSizes.syscalls_io,
          tlsRingBytes: this.ringSizes.tls_uprobes,
        },
        'probe started',
      );
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  /**
   * The verifier gives up with EAGAIN when a signal is pending for the
   * loading thread (Node's SIGCHLD after a child exits, a profiler's
   * SIGPROF). Signals are blocked around the load, and as a second line a
   * libbpf object cannot be loaded twice, so an EAGAIN is retried from open.
   */
  /** Runs f with libbpf's own messages off (its errors still reach us as errno). */
  private quietly<T>(f: () => T): T {
    const old = this.lib!.libbpf_set_print(null);
    try {
      return f();
    } finally {
      this.lib!.libbpf_set_print(old);
    }
  }

  private openAndLoad(path: string, prepare: (o: BpfObject) => void): BpfObject {
    for (let attempt = 1; ; attempt++) {
      const o = BpfObject.open(this.lib!, path);
      // Signals stay pending (not delivered) while blocked, so the verifier
      // does not see them; they are handled as soon as the mask is restored.
      const old = Buffer.alloc(SIGSET_BYTES);
      const blocked = this.libc!.pthread_sigmask(SIG_BLOCK, Buffer.alloc(SIGSET_BYTES, 0xff), old) === 0;
      try {
        prepare(o);
        o.load();
        return o;
      } catch (err) {
        o.destroy();
        if (!(err instanceof BpfLoadError) || err.errno !== EAGAIN || attempt >= LOAD_ATTEMPTS) throw err;
        this.logger.warn({ path, attempt }, 'BPF load interrupted by a signal (EAGAIN), retrying');
      } finally {
        if (blocked) this.libc!.pthread_sigmask(SIG_SETMASK, old, null);
      }
    }
  }

  /** All of a file's uprobes or none: a half-hooked library would show one direction only. */
  private attachTls(o: BpfObject, t: TlsTarget): number {
    const links = [];
    try {
      for (const p of t.probes) links.push(o.attachUprobe(p.program, t.path, p.at, p.retprobe, p.cookie));
    } catch (err) {
      for (const l of links) o.detach(l);
      throw err;
    }
    return links.length;
  }

  private configure(o: BpfObject): void {
    const size = o.maps().find((m) => m.name === 'settings')?.valueSize ?? 0;
    o.updateElem('settings', u32(0), this.settingsValue(size));
    const one = Buffer.from([1]);
    for (const p of this.opts.pids) o.updateElem('pid_allow', u32(p), one);
    for (const p of this.opts.excludePids) o.updateElem('pid_exclude', u32(p), one);
  }

  /** struct mcpspy_settings of bpf/mcpspy.bpf.h. */
  private settingsValue(size: number): Buffer {
    const comms = [...new Set(this.opts.comms.map((c) => c.slice(0, 15)))];
    if (comms.length > MAX_COMMS) throw new ProbeError(`failed to configure comm filter: ${comms.length} names, at most ${MAX_COMMS}`);
    const mode = (this.opts.pids.length ? FILTER_PIDS : 0) | (comms.length ? FILTER_COMMS : 0);
    // An object built before the options field (bench --before) has the shorter value.
    // Later fields were added at the end: options and the quiet check mask, then the wake-up gap.
    const base = 16 + 16 * MAX_COMMS;
    const v = Buffer.alloc(size >= base + 16 ? base + 16 : size > base ? base + 8 : base);
    if (v.length > 16 + 16 * MAX_COMMS) {
      const elide = (this.opts.elideReads ?? process.env.MCPSPY_ELIDE_READS !== '0') ? OPT_ELIDE_READS : 0;
      const fold = (this.opts.foldReads ?? process.env.MCPSPY_FOLD_READS === '1') ? OPT_FOLD_READS : 0;
      const { options, mask } = quietSettings(this.opts.quietStreams, this.opts.quietCheck);
      v.writeUInt32LE(elide | fold | options | (this.processWakeOn() ? OPT_PROC_WAKE : 0), 16 + 16 * MAX_COMMS);
      v.writeUInt32LE(mask, 16 + 16 * MAX_COMMS + 4);
      if (v.length >= base + 16) v.writeBigUInt64LE(BigInt(Math.round(this.processWakeGapMs() * 1e6)), base + 8);
    }
    v.writeUInt32LE(process.pid, 0);
    v.writeUInt32LE(mode, 4);
    v.writeUInt32LE(comms.length, 8);
    v.writeUInt32LE(this.opts.excludePids.length, 12);
    comms.forEach((c, i) => commKey(c).copy(v, 16 + 16 * i));
    return v;
  }

  /**
   * Children created from now on are followed in the kernel (task_newtask);
   * those a listed process already has are found here, walking /proc once.
   * A process created during the walk is caught by one or the other.
   */
  private followExistingDescendants(): void {
    if (!this.opts.pids.length) return;
    const root = this.opts.procRoot ?? '/proc';
    const children = new Map<number, number[]>();
    let names: string[];
    try {
      names = readdirSync(root);
    } catch (err) {
      this.logger.warn({ err, root }, 'failed to list processes: running descendants of --pid are not followed');
      return;
    }
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`${root}/${name}/stat`, 'latin1');
      } catch {
        continue; // exited meanwhile
      }
      // The name in parentheses may hold spaces and parentheses: fields follow the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const l = children.get(ppid);
      if (l) l.push(Number(name));
      else children.set(ppid, [Number(name)]);
    }
    const seen = new Set(this.opts.pids);
    const queue = [...this.opts.pids];
    const tls = this.objects.get('tls_uprobes')!;
    const followed = Buffer.from([2]);
    while (queue.length) {
      for (const c of children.get(queue.shift()!) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        queue.push(c);
        tls.updateElem('pid_allow', u32(c), followed);
      }
    }
    if (seen.size > this.opts.pids.length) this.logger.info({ descendants: seen.size - this.opts.pids.length }, 'following running descendants of --pid');
  }

  private readUnseen(pid: number, what: number): { calls: number; bytes: number } | undefined {
    const io = this.objects.get('syscalls_io');
    if (!io?.isLoaded) return undefined;
    // LRU hash: one value per key (not per CPU).
    const v = Buffer.alloc(16);
    if (!io.lookupElem(io.mapFd('unseen'), unseenKey(pid, what), v)) return undefined;
    return { calls: Number(v.readBigUInt64LE(0)), bytes: Number(v.readBigUInt64LE(8)) };
  }

  private readonly onNoteAt = (data: Uint8Array, _w: Int32Array, start: number, len: number): void => this.onNoteRecord(paddedRecord(data, start, len));
  private readonly onProcAt = (data: Uint8Array, _w: Int32Array, start: number, len: number): void => this.onProcRecord(paddedRecord(data, start, len));
  /** A libssl open, or an exec of a process the filters may select, was drained (onProcessWake reads it). */
  private selectedProcEvent = false;
  /** Records of the notes and process rings the codec refused (logged once). */
  private undecodable = 0;

  private decodeEventRecord(rec: Uint8Array, ring: string): ReturnType<typeof decodeRawRecord> | undefined {
    try {
      return decodeRawRecord(rec);
    } catch (err) {
      if (this.undecodable++ === 0) this.logger.warn({ err, ring, bytes: rec.length }, 'failed to decode a ring record (counted, logged once)');
      return undefined;
    }
  }

  private onNoteRecord(rec: Uint8Array): void {
    const ev = this.decodeEventRecord(rec, 'notes');
    if (!ev) return;
    if (ev.kind !== RawKind.unseen || ev.data.length < 8) return;
    const d = Buffer.from(ev.data);
    this.unseen?.onSighting({
      pid: ev.pid,
      comm: this.processes.get(ev.pid)?.comm ?? ev.comm,
      what: d.readUInt32LE(0),
      detail: d.readUInt32LE(4),
      fdType: ev.fdType,
      streamId: ev.streamId,
      bytes: Number(ev.totalLen),
      timestamp: kernelTimeToIso(ev.tsNs, this.wallOffsetNs),
    });
  }

  private drainNow = 0;
  /** MCPSPY_TURN_TRACE: the drain being timed (turn-trace.ts). */
  private traceLate = 0;
  private tracePending = 0;
  private traceRecords = 0;
  private traceOldest = -1;

  private traceStart(_t0: number, lateMs: number): void {
    this.traceLate = lateMs;
    this.tracePending = 0;
    for (const r of this.readers) this.tracePending += r.pending();
    this.traceRecords = 0;
    this.traceOldest = -1;
  }

  private traceEnd(t0: number): void {
    turnTrace.drain(t0, this.traceLate, performance.now() - t0, this.traceRecords, this.tracePending, this.traceOldest);
  }

  /** Bound once: the drain calls it per record. */
  private readonly onRingRecord = (data: Uint8Array, words: Int32Array, start: number, len: number): void => {
    if (TRACE) {
      this.traceRecords++;
      const w = (start + TS_NS) >> 2;
      const ts = turnTrace.kernelMs(words[w], words[w + 1]);
      if (this.traceOldest < 0 || ts < this.traceOldest) this.traceOldest = ts;
    }
    if (data[start] === RawKind.tlsHello) this.onTlsHello(paddedRecord(data, start, len));
    else this.batcher.addFromRing(data, words, start, len, this.drainNow);
  };

  private onTlsHello(rec: Uint8Array): void {
    if (!this.tlsCoverage) return;
    try {
      const ev = decodeRawRecord(rec);
      this.tlsCoverage.onHello({
        pid: ev.pid,
        comm: ev.comm,
        fd: ev.fd,
        ino: ev.streamId,
        timestamp: kernelTimeToIso(ev.tsNs, this.wallOffsetNs),
      });
    } catch (err) {
      this.logger.warn({ err }, 'failed to check TLS coverage of a handshake');
    }
  }

  /**
   * The next drain: pollIntervalMs after the last while records flow, pollIdleMs once IDLE_POLLS polls in a row found
   * nothing (with 40 ms an idle monitor wakes 25 times a second instead of 100). A ring that was left unread (the bus was full,
   * or the per-tick budget ran out) counts as flowing.
   */
  private schedulePoll(spentMs = 0): void {
    this.pollPeriod = this.emptyPolls >= IDLE_POLLS ? this.pollIdleMs : this.pollActiveMs;
    const wait = Math.max(0, this.pollPeriod - spentMs);
    // Counted from the start of the last drain, as the interval timer before did: a long drain does not stretch it.
    if (TRACE) this.pollDue = performance.now() + wait;
    this.pollTimer = setTimeout(this.onPollTimer, wait);
  }

  /** When the pending drain was due (performance.now()), for the trace's lateness. */
  private pollDue = 0;
  /** The active and idle drain periods (ms), read once at start (pollPeriods): not per turn. */
  private pollActiveMs = DEFAULT_POLL_MS;
  private pollIdleMs = DEFAULT_POLL_MS;

  /**
   * The drain periods from the options and the environment. A caller that sets pollIntervalMs alone (the capture
   * tests) keeps that period throughout; the idle default needs the process ring's wake-up (set before this runs).
   */
  private pollPeriods(): void {
    const active = this.opts.pollIntervalMs ?? envMs('MCPSPY_POLL_MS', DEFAULT_POLL_MS);
    const idleDefault =
      this.opts.pollIntervalMs !== undefined ? active : envMs('MCPSPY_POLL_IDLE_MS', this.procWake ? DEFAULT_POLL_IDLE_MS : active);
    this.pollActiveMs = active;
    this.pollIdleMs = Math.max(active, this.opts.pollIdleMs ?? idleDefault);
  }

  /** Bound once: the drain timer's callback (no closure per turn). */
  private readonly onPollTimer = (): void => {
    if (!this.started) return;
    const t0 = performance.now();
    if (TRACE) this.traceStart(t0, t0 - this.pollDue);
    const found = this.poll();
    if (TRACE) this.traceEnd(t0);
    this.emptyPolls = found ? 0 : this.emptyPolls + 1;
    if (this.started) this.schedulePoll(performance.now() - t0);
  };

  /** The period of the next drain (ms): the active one while records flow, the idle one after a quiet spell. */
  get pollPeriodMs(): number {
    return this.pollPeriod;
  }

  private processWakeOn(): boolean {
    return this.opts.processWake ?? process.env.MCPSPY_PROC_WAKE !== '0';
  }

  /** The kernel's minimum time between forced wake-ups and the waiter's pause after one: the same value, so a record the kernel did not wake for is found by the next wait. */
  private processWakeGapMs(): number {
    const env = process.env.MCPSPY_PROC_WAKE_GAP_MS;
    const g = this.opts.processWakeGapMs ?? (env !== undefined && env !== '' ? Number(env) : PROC_WAKE_GAP_MS);
    return Number.isFinite(g) && g > 0 ? Math.min(g, 1000) : 0;
  }

  /** Process ring wake-ups (exec or libssl open reported) that ran a drain of the process ring. */
  get processWakes(): number {
    return this.procWake?.wakes ?? 0;
  }

  /**
   * The notes and the process ring, in poll()'s order: sightings before exits (an exit's final count must find its
   * sighting). Returns [notes, process] record counts.
   */
  private drainProcessEvents(): [number, number] {
    const notes = this.notesReader ? this.notesReader.drainAt(this.onNoteAt, NOTES_RING_BYTES) : 0;
    const procs = this.procReader ? this.procReader.drainAt(this.onProcAt, MAX_DRAIN_BYTES_PER_TICK) : 0;
    return [notes, procs];
  }

  /**
   * The process ring woke the reader (an exec or a libssl open): its records now, so the TLS scanner attaches before
   * the process runs on. A monitor backed off to the idle period drains at the active one again when the event is
   * of a process the filters select (traffic often follows its exec); the host's other execs leave it idle.
   */
  private onProcessWake(): number {
    if (!this.started) return 0;
    let procs = 0;
    this.selectedProcEvent = false;
    try {
      procs = this.drainProcessEvents()[1];
    } catch (err) {
      this.logger.error({ err }, 'failed to drain the process ring');
      return 0;
    }
    if (this.selectedProcEvent && this.emptyPolls >= IDLE_POLLS && this.started) {
      this.emptyPolls = 0;
      if (this.pollTimer) clearTimeout(this.pollTimer);
      this.schedulePoll();
    }
    return procs;
  }

  /** Drains every ring once; true when the capture rings (data, notes) held records or some were left unread. */
  private poll(): boolean {
    let found = false;
    try {
      // Process events come from the whole host (execs and exits of every process): they do not keep the period short.
      if (this.drainProcessEvents()[0] > 0) found = true;
      this.drainNow = performance.now();
      for (const r of this.readers) {
        if (r.pending() > 0) found = true;
        for (let budget = MAX_DRAIN_BYTES_PER_TICK; budget > 0 && r.pending() > 0; budget -= DRAIN_STEP_BYTES) {
          if (this.opts.accepting?.() === false) break;
          r.drainAt(this.onRingRecord, DRAIN_STEP_BYTES);
        }
      }
      this.batcher.flushDue(performance.now());
    } catch (err) {
      // Nothing in a drain should throw; if it does, say so once per message and keep draining.
      this.logger.error({ err }, 'failed to drain ring buffers');
      found = true;
    }
    return found;
  }

  private onProcRecord(rec: Uint8Array): void {
    const ev = this.decodeEventRecord(rec, 'process');
    if (!ev) return;
    const timestamp = kernelTimeToIso(ev.tsNs, this.wallOffsetNs);
    let pe: ProcEvent;
    if (ev.kind === RawKind.exec) {
      pe = {
        kind: 'exec',
        pid: ev.pid,
        ppid: Number(ev.streamId),
        comm: ev.comm,
        filename: Buffer.from(ev.data).toString('utf8'),
        timestamp,
      };
      this.tlsTargets?.onExec(ev.pid);
      if (!this.selectedProcEvent) this.selectedProcEvent = this.maySelect(ev.pid, Number(ev.streamId), ev.comm);
    } else if (ev.kind === RawKind.libsslOpen) {
      // Filtered in the kernel: only selected processes report these.
      this.selectedProcEvent = true;
      this.tlsTargets?.onLibraryOpen(ev.pid, Buffer.from(ev.data).toString('utf8'));
      return;
    } else if (ev.kind === RawKind.exit) {
      pe = { kind: 'exit', pid: ev.pid, ppid: Number(ev.streamId), comm: ev.comm, timestamp };
      // Its sightings were drained before this exit (notes come first in poll()).
      this.unseen?.onExit(ev.pid);
      this.tlsCoverage?.onExit(ev.pid);
    } else {
      return;
    }
    this.processes.apply(pe);
    try {
      this.opts.onProc?.(pe);
    } catch (err) {
      this.logger.warn({ err }, 'onProc handler threw');
    }
  }

  /** Whether the filters select this new program (by name, or as a listed pid or its child). */
  private maySelect(pid: number, ppid: number, comm: string): boolean {
    const { comms, pids } = this.opts;
    if (!comms.length && !pids.length) return true;
    if (comms.some((c) => c.slice(0, 15) === comm)) return true;
    // Deeper descendants are followed in the kernel, unseen here: their first records wait for the idle period.
    return pids.includes(pid) || pids.includes(ppid);
  }

  private readKernelStats(): number[] {
    const sums = new Array<number>(16).fill(0);
    if (!this.lib) return sums;
    const value = Buffer.alloc(8 * this.ncpu);
    for (const o of this.objects.values()) {
      if (!o.isLoaded) continue;
      const fd = o.mapFd('stats');
      for (let i = 0; i < KERNEL_STATS_USED; i++) {
        if (!o.lookupElem(fd, u32(i), value)) continue;
        let s = 0n;
        for (let c = 0; c < this.ncpu; c++) s += value.readBigUInt64LE(c * 8);
        sums[i] += Number(s);
      }
    }
    return sums;
  }

  /** Children of --pid processes not followed because the allow list was full (kernel stat slot pidFull). */
  get pidsNotFollowed(): number {
    return this.lastKernel[KernelStat.pidFull] ?? 0;
  }

  /** Elided reads that sent no record: their reader was named already (kernel stat slot readsFolded). */
  get readsFolded(): number {
    return this.lastKernel[KernelStat.readsFolded] ?? 0;
  }

  /** Streams whose pending lost bytes were dropped when their process exited (kernel stat slot lostSwept). */
  get lostSwept(): number {
    return this.lastKernel[KernelStat.lostSwept] ?? 0;
  }

  stats(): ProbeStatsEvent {
    if (this.started) this.lastKernel = this.readKernelStats();
    const k = this.lastKernel;
    return {
      timestamp: new Date().toISOString(),
      events: k[KernelStat.events],
      bytes: k[KernelStat.bytes],
      ringbuf_full: k[KernelStat.ringbufFull],
      read_faults: k[KernelStat.readFaults],
      gaps: k[KernelStat.gaps],
      lost_bytes: k[KernelStat.lostBytes],
      filtered: k[KernelStat.filtered],
      batches_dropped: this.batcher.batchesDropped,
      tls_targets: this.tlsTargets?.attachedCount ?? 0,
      ...(this.hooks ? { hook_backend: this.hooks.backend, hook_fexit: this.hooks.backend === 'fexit' ? 1 : 0 } : {}),
    };
  }

  /** ClientHellos on connections a hook covers / does not cover (tls_unhooked notices). */
  tlsHandshakes(): { hooked: number; unhooked: number } {
    return { hooked: this.tlsCoverage?.hooked ?? 0, unhooked: this.tlsCoverage?.unhooked ?? 0 };
  }

  /** Which syscall hooks run (after start), and why fexit was not used. */
  get hookBackend(): { backend: HookBackend; fallbackReason?: string } | undefined {
    return this.hooks && { backend: this.hooks.backend, fallbackReason: this.hooks.fallbackReason };
  }

  async stop(): Promise<void> {
    const failures: unknown[] = [];
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.pollTimer = this.statsTimer = undefined;
    this.tlsTargets?.stop();
    // Before the rings are unmapped: the waker's thread must have returned.
    const wake = this.procWake;
    this.procWake = undefined;
    await wake?.stop().catch((err: unknown) => failures.push(err));
    if (this.started) {
      // Hand over what the rings still hold before the objects (and their memory) go.
      try {
        this.lastKernel = this.readKernelStats();
        this.poll();
        this.batcher.flushAll();
      } catch (err) {
        failures.push(err);
      }
    }
    this.started = false;
    for (const r of [...this.readers, ...(this.procReader ? [this.procReader] : []), ...(this.notesReader ? [this.notesReader] : [])]) {
      try {
        r.close();
      } catch (err) {
        failures.push(err);
      }
    }
    this.readers.length = 0;
    this.procReader = undefined;
    this.notesReader = undefined;
    const destroyed = await Promise.allSettled([...this.objects.values()].map((o) => o.destroyAsync()));
    for (const d of destroyed) if (d.status === 'rejected') failures.push(d.reason);
    this.objects.clear();
    this.hooks = undefined;
    if (failures.length) throw new CloseError('probe', failures);
  }
}

export { ProbeError };
