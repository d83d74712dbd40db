/**
 * Consumes: mcpspy.v1.mcp.message (durable consumer, queue group "security")
 * Produces: mcpspy.v1.security.alert, and mcpspy.v1.security.verdict with --security-async=false
 */
import { Controller, Inject, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { McpMessageEvent, PublishTracker, publishStageStats, RUNTIME, StageRuntime, Subjects } from '@mcpspy/events';
import { SecurityEngine } from './engine';

export const SECURITY_PUBLISHER = Symbol('SECURITY_PUBLISHER');

@Controller()
export class SecurityController implements OnModuleInit, OnModuleDestroy {
  private stopStats?: () => void;

  constructor(
    private readonly engine: SecurityEngine,
    @Inject(SECURITY_PUBLISHER) private readonly out: PublishTracker,
    @Inject(RUNTIME) private readonly rt: StageRuntime,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.engine.init();
    this.rt.metrics.addCounters('security', this.engine.counters);
    this.stopStats = publishStageStats(this.rt, 'security', () => this.engine.counters.snapshot());
  }

  @EventPattern(Subjects.mcpMessage)
  async onMessage(@Payload() msg: McpMessageEvent): Promise<void> {
    const alerts = await this.engine.analyze(msg);
    for (const a of alerts) this.out.emit(Subjects.securityAlert, a);
    // In sync mode the sink holds each message until its verdict arrives.
    if (!this.rt.config.securityAsync && msg.msg_id) {
      this.out.emit(Subjects.securityVerdict, { msg_id: msg.msg_id, alerts: alerts.length, timestamp: new Date().toISOString() });
    }
    await this.out.drain();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopStats?.();
    await this.out.drain();
    await this.engine.close();
  }
}
