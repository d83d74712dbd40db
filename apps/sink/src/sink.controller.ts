/**
 * Consumes: mcpspy.v1.mcp.message, mcpspy.v1.security.alert (durable consumers),
 *           mcpspy.v1.security.verdict, mcpspy.v1.probe.stats, mcpspy.v1.stage.stats.>
 * Produces: nothing on the Bus: JSONL file, console lines, the TUI.
 */
import { Controller, Inject, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  McpMessageEvent,
  ProbeStatsEvent,
  RUNTIME,
  SecurityAlertEvent,
  SecurityVerdictEvent,
  StageRuntime,
  StageStatsEvent,
  Subjects,
} from '@mcpspy/events';
import { SinkEngine } from './sink-engine';

@Controller()
export class SinkController implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly sink: SinkEngine,
    @Inject(RUNTIME) private readonly rt: StageRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.rt.metrics.addCounters('sink', this.sink.counters);
    await this.sink.start();
  }

  @EventPattern(Subjects.mcpMessage)
  onMessage(@Payload() m: McpMessageEvent): void {
    this.sink.onMessage(m);
  }

  @EventPattern(Subjects.securityAlert)
  onAlert(@Payload() a: SecurityAlertEvent): void {
    this.sink.onAlert(a);
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
