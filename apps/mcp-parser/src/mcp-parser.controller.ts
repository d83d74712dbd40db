/**
 * Consumes: mcpspy.v1.raw.stdio.<p> (pipes and unix sockets), mcpspy.v1.http.message, mcpspy.v1.raw.proc
 * Produces: mcpspy.v1.mcp.message, mcpspy.v1.notice (protocol violations, state evicted by a memory budget)
 */
import { Controller, Inject, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  allPartitions,
  BatchSequenceTracker,
  decodeRawBatchOrCount,
  HttpMessageEvent,
  ProcEvent,
  Subjects,
} from '@mcpspy/events';
import {
  BusContext,
  PublishTracker,
  publishStageStats,
  RUNTIME,
  StageRuntime,
} from '@mcpspy/runtime';
import { McpParserEngine } from './mcp-parser.engine';

export const MCP_PUBLISHER = Symbol('MCP_PUBLISHER');

@Controller()
export class McpParserController implements OnModuleInit, OnModuleDestroy {
  private stopStats?: () => void;
  private readonly sequence = new BatchSequenceTracker();

  constructor(
    private readonly engine: McpParserEngine,
    @Inject(MCP_PUBLISHER) private readonly out: PublishTracker,
    @Inject(RUNTIME) private readonly rt: StageRuntime,
  ) {}

  onModuleInit(): void {
    const snapshot = () => ({
      ...this.engine.counters.snapshot(),
      buffered_bytes: this.engine.bufferedBytes,
      streams: this.engine.streamCount,
      answers_holding: this.engine.answersHeld,
      answers_holding_bytes: this.engine.answersHeldBytes,
    });
    this.rt.metrics.addCounters('mcp-parser', snapshot);
    this.stopStats = publishStageStats(this.rt, 'mcp-parser', snapshot);
  }

  @EventPattern(allPartitions(Subjects.rawStdio), { partitioned: true })
  async onIo(@Payload() bytes: Uint8Array, @Ctx() ctx: BusContext): Promise<void> {
    const batch = decodeRawBatchOrCount(bytes, this.engine.counters, this.rt.logger);
    if (!batch) return;
    if (this.sequence.markGaps(ctx.getSubject(), batch) > 0) this.engine.counters.set('batches_missing', this.sequence.missingBatches);
    await this.engine.onRawBatch(batch);
    await this.out.drain();
  }

  @EventPattern(Subjects.httpMessage)
  async onHttp(@Payload() ev: HttpMessageEvent): Promise<void> {
    await this.engine.onHttpMessage(ev);
    await this.out.drain();
  }

  // Every instance keeps its own process table, so process events fan out.
  @EventPattern(Subjects.rawProc, { fanout: true })
  onProc(@Payload() ev: ProcEvent): void {
    this.engine.onProc(ev);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopStats?.();
    // Messages held for their reader or twin are written out, not lost.
    await this.engine.flush();
    await this.out.drain();
    await this.engine.close();
  }
}
