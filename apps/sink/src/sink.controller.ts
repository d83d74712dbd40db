/**
 * Consumes: mcpspy.v1.mcp.message, mcpspy.v1.security.alert (durable consumers),
 *           mcpspy.v1.security.verdict, mcpspy.v1.probe.stats, mcpspy.v1.stage.stats.>
 * Produces: nothing on the Bus: JSONL file, console lines, the TUI.
 */
import { Controller, Inject, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  McpMessageEvent,
  ProbeStatsEvent,
  SecurityAlertEvent,
  SecurityVerdictEvent,
  StageStatsEvent,
  Subjects,
} from '@mcpspy/events';
import { BusContext, RUNTIME, StageRuntime } from '@mcpspy/runtime';
import { RedeliveryFilter } from './redelivery-filter';
import { SinkEngine } from './sink-engine';

@Controller()
export class SinkController implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly written = new RedeliveryFilter();

  constructor(
    private readonly sink: SinkEngine,
    @Inject(RUNTIME) private readonly rt: StageRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.rt.metrics.addCounters('sink', this.sink.counters);
    if (!this.rt.embedded && this.rt.config.output) this.written.seedFromFile(this.rt.config.output);
    await this.sink.start();
  }

  @EventPattern(Subjects.mcpMessage)
  onMessage(@Payload() m: McpMessageEvent, @Ctx() ctx: BusContext): void {
    if (this.isRepeat(m.msg_id, ctx)) return;
    this.sink.onMessage(m);
  }

  @EventPattern(Subjects.securityAlert)
  onAlert(@Payload() a: SecurityAlertEvent, @Ctx() ctx: BusContext): void {
    if (this.isRepeat(a.message?.msg_id ? `alert:${a.message.msg_id}:${a.category}` : undefined, ctx)) return;
    this.sink.onAlert(a);
  }

  /** A JetStream redelivery of something this sink already wrote (it died before the ack). */
  private isRepeat(id: string | undefined, ctx: BusContext): boolean {
    // In one process nothing is delivered twice.
    if (!id || this.rt.embedded) return false;
    if (ctx?.isRedelivered?.() && this.written.has(id)) {
      this.sink.counters.inc('redeliveries_skipped');
      return true;
    }
    this.written.add(id);
    return false;
  }

  @EventPattern(Subjects.securityVerdict, { fanout: true })
  onVerdict(@Payload() v: SecurityVerdictEvent): void {
    this.sink.onVerdict(v);
  }

  @EventPattern(Subjects.probeStats, { fanout: true })
  onProbeStats(@Payload() s: ProbeStatsEvent): void {
    this.sink.onProbeStats(s);
  }

  @EventPattern(`${Subjects.stageStats}.>`, { fanout: true })
  onStageStats(@Payload() s: StageStatsEvent): void {
    this.sink.onStageStats(s);
  }

  async onModuleDestroy(): Promise<void> {
    // Writes and fsyncs everything handed over so far.
    await this.sink.close();
  }
}
