/**
 * Consumes: nothing (the kernel's ring buffers).
 * Produces: mcpspy.v1.raw.stdio.<p>, mcpspy.v1.raw.net.<p>, mcpspy.v1.raw.tls.<p>, mcpspy.v1.raw.proc, mcpspy.v1.probe.stats,
 *   mcpspy.v1.notice (io_uring, kernel_copy)
 *
 * Owns the Probe's lifecycle inside Nest and hands its batches to the Bus
 * (and to the capture file with --record). Batches the Bus cannot take are
 * dropped at the source and counted, so the kernel ring never stalls.
 */
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { rawSubject, type RawRoute, Subjects } from '@mcpspy/events';
import { Counters, RUNTIME, StageRuntime, StallWatch } from '@mcpspy/runtime';
import { CaptureWriter } from './capture-file';
import { DEFAULT_TLS_RING_BYTES, Probe } from './probe';

/** Batches allowed in flight to the Bus before new ones are dropped (≈ 64 × 256 KB). */
const MAX_INFLIGHT_BATCHES = 64;
/**
 * Above this the probe stops reading its rings and lets the kernel hold the
 * records: a drain step can still make a few batches, and they must fit.
 */
const PAUSE_DRAIN_AT = MAX_INFLIGHT_BATCHES - 16;

@Injectable()
export class ProbeService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly counters = new Counters();
  private probe?: Probe;
  private capture?: CaptureWriter;
  private inflight = 0;

  constructor(@Inject(RUNTIME) private readonly rt: StageRuntime) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config, logger, bus, metrics } = this.rt;
    if (config.record) this.capture = await CaptureWriter.open(config.record, { force: config.outputForce });
    this.probe = new Probe({
      pids: config.pids,
      comms: config.comms,
      ringbufBytes: config.ringSize,
      tlsRingbufBytes: config.ringSize === undefined ? undefined : Math.min(DEFAULT_TLS_RING_BYTES, config.ringSize),
      excludePids: [process.pid],
      partitions: config.partitions,
      // Embedded, a batch goes to the parser in this process: each poll's records are handed on at its end, not
      // kept for the next poll 10 ms later (a batch started in this poll is younger than the 5-ms interval).
      flushIntervalMs: this.rt.embedded ? 0 : undefined,
      procRoot: config.hostProc,
      logger: logger.child({ stage: 'probe' }),
      onBatch: (kind, partition, batch) => this.onBatch(kind, partition, batch),
      accepting: () => this.inflight < PAUSE_DRAIN_AT,
      onProc: (ev) => {
        this.counters.inc('proc_events');
        this.capture?.write(Subjects.rawProc, Buffer.from(JSON.stringify(ev)));
        void bus.publish(Subjects.rawProc, ev).catch(() => this.counters.inc('publish_errors'));
      },
      onNotice: (n) => {
        // Said once in the log as well, until every output shows notices.
        if (n.count === 1) {
          this.counters.inc(`notices_${n.reason}`);
          logger.warn({ reason: n.reason, process: n.pid, comm: n.comm, stream: n.stream }, n.detail);
        }
        void bus.publish(Subjects.notice, n).catch(() => this.counters.inc('publish_errors'));
      },
      onStats: (s) => {
        void bus.publish(Subjects.probeStats, s).catch(() => this.counters.inc('publish_errors'));
      },
      statsIntervalMs: 1000,
    });
    metrics.addCounters('probe', () => {
      const s = this.probe?.stats();
      const out: Record<string, number> = { ...this.counters.snapshot() };
      if (s) for (const [k, v] of Object.entries(s)) if (typeof v === 'number') out[k] = v;
      if (this.probe) {
        out.pid_full = this.probe.pidsNotFollowed;
        out.reads_folded = this.probe.readsFolded;
        out.lost_swept = this.probe.lostSwept;
      }
      const hs = this.probe?.tlsHandshakes();
      if (hs) {
        out.tls_handshakes_hooked = hs.hooked;
        out.tls_unhooked = hs.unhooked;
      }
      return out;
    });
    // Expected to see traffic = the kernel emitted records since the last batch; stalled = no batch for stallSeconds then.
    const stall = new StallWatch('probe drain', (config.stallSeconds ?? 30) * 1000, () => ({
      work: this.probe?.stats().events ?? 0,
      done: this.counters.get('batches_published') + this.counters.get('batches_backpressured') + this.counters.get('proc_events'),
    }));
    metrics.addHealthCheck('probe', () => (this.probe === undefined ? { ok: false, detail: 'probe not started' } : stall.check()));
    await this.probe.start();
  }

  private onBatch(route: RawRoute, partition: number, batch: Buffer): boolean {
    const subject = rawSubject(route, partition);
    this.capture?.write(subject, batch);
    if (this.inflight >= MAX_INFLIGHT_BATCHES) {
      this.counters.inc('batches_backpressured');
      return false;
    }
    this.inflight++;
    this.counters.inc('batches_published');
    this.rt.bus
      .publish(subject, batch)
      .catch((err: Error) => this.counters.reject(this.rt.logger, 'publish_errors', err.message))
      .finally(() => this.inflight--);
    return true;
  }

  async onModuleDestroy(): Promise<void> {
    const failures: unknown[] = [];
    // Stop first: the probe drains the ring and hands over its last batches.
    await this.probe?.stop().catch((e) => failures.push(e));
    await this.capture?.close().catch((e) => failures.push(e));
    await this.rt.bus.flush().catch((e) => failures.push(e));
    if (failures.length) this.rt.logger.error({ failures: failures.map(String) }, 'failed to stop the probe cleanly');
  }
}
