/**
 * Wakes the probe when a BPF ring buffer's producer asks for it, instead of
 * waiting for the next timed drain.
 *
 * A ring map's fd is pollable: the kernel marks it readable while the ring
 * holds unconsumed data, and wakes its waiters when a record is submitted with
 * a wake-up (`BPF_RB_FORCE_WAKEUP`, or the adaptive default on an empty ring;
 * `BPF_RB_NO_WAKEUP` records never wake). An `epoll_wait` on the ring's fd and
 * on an eventfd (to stop) blocks on one libuv worker thread (koffi's async
 * call); when it returns, `onWake` runs on the main thread and the wait is
 * armed again. The wait is level-triggered: records that arrive between the
 * return and the next wait make that wait return at once. With a gap, the
 * next wait after a wake-up that found records starts `gapMs` later, so a
 * burst of execs is drained in a few wake-ups rather than one per exec.
 *
 * The blocked wait holds one of libuv's worker threads for the probe's
 * lifetime (bin/mcpspy.js raises the pool from 4 to 5 threads when
 * UV_THREADPOOL_SIZE is not set, so fs and crypto keep their four).
 */
import type { Logger } from '@mcpspy/runtime';
import { EFD_CLOEXEC, EFD_NONBLOCK, EPOLLIN, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_EVENT_BYTES, Libc, lastErrno } from './libbpf.ffi';

/** Wake-ups in a row that found nothing before the next wait is delayed (a record still being written). */
const EMPTY_WAKES_BEFORE_PAUSE = 3;
const PAUSE_MS = 1;
/** Failed waits (EINTR and the like) in a row before the waker gives up; the timed drain goes on. */
const MAX_FAILED_WAITS = 100;
const STOP_TAG = 1n;
/**
 * The wait's bound. At process exit libuv joins its worker threads (uv_library_shutdown), so a wait without a bound
 * would hang an exit that did not stop the probe; the 'exit' listener ends the wait at once, and this bound covers
 * any exit path that skips it. A timed-out wait re-arms (an idle probe: one spare wake a second).
 */
const WAIT_BOUND_MS = 1000;

export class RingWake {
  private stopping = false;
  private loop?: Promise<void>;
  private readonly events = Buffer.alloc(EPOLL_EVENT_BYTES * 2);
  /** Wake-ups that ran onWake. */
  wakes = 0;

  private constructor(
    private readonly libc: Libc,
    private readonly epfd: number,
    private readonly stopFd: number,
    /** Drains the ring; returns how many records it found. */
    private readonly onWake: () => number,
    private readonly logger: Logger,
    private readonly name: string,
    /** After a wake-up that found records, the next wait starts this much later (coalesces bursts). */
    private readonly gapMs: number,
  ) {}

  /** A started waker on `ringFd`, or undefined (logged) when epoll is not available: the timed drain still runs. */
  static start(libc: Libc, ringFd: number, onWake: () => number, logger: Logger, name = 'process', gapMs = 0): RingWake | undefined {
    const epfd = libc.epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
      logger.warn({ ring: name, errno: lastErrno() }, 'ring wake-up not available (epoll_create1 failed): drained on the timer only');
      return undefined;
    }
    const stopFd = libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    const ev = Buffer.alloc(EPOLL_EVENT_BYTES);
    const add = (fd: number, tag: bigint) => {
      ev.writeUInt32LE(EPOLLIN, 0);
      ev.writeBigUInt64LE(tag, 4);
      return libc.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, ev) === 0;
    };
    if (stopFd < 0 || !add(stopFd, STOP_TAG) || !add(ringFd, 0n)) {
      logger.warn({ ring: name, errno: lastErrno() }, 'ring wake-up not available (epoll_ctl failed): drained on the timer only');
      if (stopFd >= 0) libc.close(stopFd);
      libc.close(epfd);
      return undefined;
    }
    const w = new RingWake(libc, epfd, stopFd, onWake, logger, name, gapMs > 0 && Number.isFinite(gapMs) ? gapMs : 0);
    process.once('exit', w.onExit);
    w.loop = w.run();
    return w;
  }

  private async run(): Promise<void> {
    let failed = 0;
    let empty = 0;
    try {
      while (!this.stopping) {
        const n = await this.libc.epoll_wait_async(this.epfd, this.events, 2, WAIT_BOUND_MS);
        if (this.stopping) break;
        if (n === 0) continue;
        if (n < 0) {
          if (++failed >= MAX_FAILED_WAITS) {
            this.logger.warn({ ring: this.name }, 'ring wake-up stopped (epoll_wait keeps failing): drained on the timer only');
            break;
          }
          continue;
        }
        failed = 0;
        this.wakes++;
        let found = 0;
        try {
          found = this.onWake();
        } catch (err) {
          this.logger.warn({ err, ring: this.name }, 'ring wake-up handler threw');
        }
        // A record reserved but not committed yet keeps the fd readable: wait a little instead of spinning on it.
        empty = found > 0 ? 0 : empty + 1;
        if (empty >= EMPTY_WAKES_BEFORE_PAUSE) await new Promise((r) => setTimeout(r, PAUSE_MS));
        else if (found > 0 && this.gapMs > 0) await new Promise((r) => setTimeout(r, this.gapMs));
      }
    } catch (err) {
      this.logger.warn({ err, ring: this.name }, 'ring wake-up stopped: drained on the timer only');
    }
  }

  /** The process exits without stop(): end the wait so libuv's shutdown does not wait for the bound. */
  private readonly onExit = (): void => {
    this.stopping = true;
    this.signalStop();
  };

  private signalStop(): void {
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    this.libc.write(this.stopFd, one, 8);
  }

  /** Ends the wait (through the eventfd) and closes the fds once the worker thread has returned. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    process.removeListener('exit', this.onExit);
    this.signalStop();
    await this.loop;
    this.libc.close(this.stopFd);
    this.libc.close(this.epfd);
  }
}
