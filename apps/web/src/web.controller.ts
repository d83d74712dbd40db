/**
 * Consumes: mcpspy.v1.mcp.message, mcpspy.v1.security.alert, mcpspy.v1.notice (durable consumers)
 * Produces: nothing on the Bus: the web view (HTTP page and event stream).
 */
import { Controller, Inject, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { McpMessageEvent, NoticeEvent, SecurityAlertEvent, Subjects } from '@mcpspy/events';
import { RUNTIME, StageRuntime } from '@mcpspy/runtime';
import { WebView } from './web-view';

@Controller()
export class WebController implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly view: WebView,
    @Inject(RUNTIME) private readonly rt: StageRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.rt.metrics.addCounters('web', this.view.engine.counters);
    await this.view.start();
  }

  @EventPattern(Subjects.mcpMessage)
  onMessage(@Payload() m: McpMessageEvent): void {
    this.view.engine.onMessage(m);
  }

  @EventPattern(Subjects.securityAlert)
  onAlert(@Payload() a: SecurityAlertEvent): void {
    this.view.engine.onAlert(a);
  }

  @EventPattern(Subjects.notice)
  onNotice(@Payload() n: NoticeEvent): void {
    this.view.engine.onNotice(n);
  }

  async onModuleDestroy(): Promise<void> {
    await this.view.close();
  }
}
