/**
 * Consumes: mcpspy.v1.mcp.message, mcpspy.v1.security.alert, mcpspy.v1.notice (durable consumers),
 *           mcpspy.v1.security.verdict, mcpspy.v1.probe.stats, mcpspy.v1.stage.stats.>
 * Produces: nothing on the Bus: JSONL file, console lines, the TUI.
 */
import { Controller, Inject, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  McpMessageEvent,
  NoticeEvent,
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

  @EventPattern(Subjects.notice)
  onNotice(@Payload() n: NoticeEvent, @Ctx() ctx: BusContext): void {
    // A notice is repeated with a higher count, so (reason, stage, pid, stream, count) names one delivery.
    const id = n && typeof n === 'object' ? `notice:${n.reason}:${n.stage}:${n.pid ?? ''}:${n.stream ?? ''}:${n.count}` : undefined;
    if (this.isRepeat(id, ctx)) return;
    this.sink.onNotice(n);
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
