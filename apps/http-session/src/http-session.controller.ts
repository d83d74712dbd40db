/**
 * Consumes: mcpspy.v1.raw.net.<p> (inet sockets), mcpspy.v1.raw.tls.<p>, mcpspy.v1.raw.proc (exits)
 * Produces: mcpspy.v1.http.message, mcpspy.v1.notice
 */
import { Controller, Inject, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  allPartitions,
  BatchSequenceTracker,
  decodeRawBatchOrCount,
  ProcEvent,
  Subjects,
} from '@mcpspy/events';
import {
  BusContext,
  PublishTracker,
  RUNTIME,
  StageRuntime,
} from '@mcpspy/runtime';
import { HttpSessionEngine } from './http-session.engine';

export const HTTP_PUBLISHER = Symbol('HTTP_PUBLISHER');

@Controller()
export class HttpSessionController implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  private readonly sequence = new BatchSequenceTracker();
  private latestEventMs = 0;

  constructor(
    private readonly engine: HttpSessionEngine,
    @Inject(HTTP_PUBLISHER) private readonly out: PublishTracker,
    @Inject(RUNTIME) private readonly rt: StageRuntime,
  ) {}

  onModuleInit(): void {
    this.rt.metrics.addCounters('http-session', () => ({ ...this.engine.counters.snapshot(), streams: this.engine.streamCount() }));
    // A replay runs on the capture's clock: sweeping with the wall clock would evict every stream.
    this.sweeper = setInterval(() => this.engine.sweep(this.rt.replay ? this.latestEventMs : Date.now()), 5000);
    this.sweeper.unref();
  }

  @EventPattern(allPartitions(Subjects.rawNet), { partitioned: true })
  async onIo(@Payload() bytes: Uint8Array, @Ctx() ctx: BusContext): Promise<void> {
    await this.onRaw(bytes, ctx.getSubject());
  }

  @EventPattern(allPartitions(Subjects.rawTls), { partitioned: true })
  async onTls(@Payload() bytes: Uint8Array, @Ctx() ctx: BusContext): Promise<void> {
    await this.onRaw(bytes, ctx.getSubject());
  }

  private async onRaw(bytes: Uint8Array, subject: string): Promise<void> {
    const batch = decodeRawBatchOrCount(bytes, this.engine.counters, this.rt.logger);
    if (!batch) return;
    if (this.sequence.markGaps(subject, batch) > 0) this.engine.counters.set('batches_missing', this.sequence.missingBatches);
    const last = batch.events[batch.events.length - 1];
    if (last) this.latestEventMs = Number((last.tsNs + batch.wallOffsetNs) / 1_000_000n);
    this.engine.onBatch(batch);
    await this.out.drain();
  }

  // Every instance keeps its own streams, so process events fan out.
  @EventPattern(Subjects.rawProc, { fanout: true })
  onProc(@Payload() ev: ProcEvent): void {
    if (ev?.kind === 'exit' && Number.isInteger(ev.pid)) this.engine.onProcExit(ev.pid);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    this.engine.stop();
    await this.out.drain();
  }
}
