/**
 * Consumes: mcpspy.v1.mcp.message (durable consumer, queue group "security")
 * Produces: mcpspy.v1.security.alert, and mcpspy.v1.security.verdict with --security-async=false
 */
import { Controller, Inject, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { McpMessageEvent, Subjects } from '@mcpspy/events';
import { PublishTracker, publishStageStats, RUNTIME, StageRuntime } from '@mcpspy/runtime';
import { SecurityEngine } from './engine';
import { ModelBacklog } from './model-backlog';
import { TurnGate } from './turn-gate';

export const SECURITY_PUBLISHER = Symbol('SECURITY_PUBLISHER');

@Controller()
export class SecurityController implements OnModuleInit, OnModuleDestroy {
  private stopStats?: () => void;
  /** Async mode with a model: the model's half of each analysis runs here, off the stream. */
  private backlog?: ModelBacklog;
  /** Embedded with asynchronous verdicts: one yield per turn, so the sink writes a poll's lines before it is judged. */
  private readonly gate = new TurnGate();

  constructor(
    private readonly engine: SecurityEngine,
    @Inject(SECURITY_PUBLISHER) private readonly out: PublishTracker,
    @Inject(RUNTIME) private readonly rt: StageRuntime,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.engine.init();
    if (this.rt.config.securityAsync && this.engine.hasModelDetectors) {
      this.backlog = new ModelBacklog({
        counters: this.engine.counters,
        logger: this.rt.logger,
        onAlerts: (alerts) => {
          for (const a of alerts) this.out.emit(Subjects.securityAlert, a);
        },
      });
    }
    this.rt.metrics.addCounters('security', this.engine.counters);
    this.stopStats = publishStageStats(this.rt, 'security', () => this.engine.counters.snapshot());
  }

  // The events of a NATS batch are judged at once: their texts reach the offline worker in one post (bus.ts, `concurrent`).
  @EventPattern(Subjects.mcpMessage, { concurrent: true })
  async onMessage(@Payload() msg: McpMessageEvent): Promise<void> {
    // Embedded, the in-process bus hands this stage one message at a time (it ignores `concurrent`), and a verdict
    // served from the verdict cache resolves in microtasks: without a yield, the whole poll's messages were judged
    // before the turn could reach the sink's JSONL flush (a setImmediate), and p50 write → line doubled with the
    // cache on (bench/README.md, session 7). Once per turn, not per message (turn-gate.ts): the serial queue keeps
    // the order. Verdicts are asynchronous: the lines never wait for them.
    if (this.rt.embedded && this.rt.config.securityAsync) {
      const wait = this.gate.pass();
      if (wait) await wait;
    }
    if (this.backlog) {
      // Async verdicts: offline alerts now, the model's own later; the stream never waits for a model.
      const { alerts, followUp } = await this.engine.analyzeStaged(msg);
      for (const a of alerts) this.out.emit(Subjects.securityAlert, a);
      if (followUp) this.backlog.submit(followUp);
      await this.out.drain();
      return;
    }
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
    // A replay waits for every model verdict; a live monitor stopping drops what still waits (counted).
    await this.backlog?.close({ drain: this.rt.replay });
    await this.out.drain();
    await this.engine.close();
  }
}
