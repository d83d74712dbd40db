/**
 * The composition root: the only place that knows every stage. Apps never
 * import each other; the command puts them together.
 */
import { DynamicModule } from '@nestjs/common';
import { StageName, StageRuntime } from '@mcpspy/runtime';
import { ProbeModule } from '@mcpspy/probe';
import { HttpSessionModule } from '@mcpspy/http-session';
import { McpParserModule } from '@mcpspy/mcp-parser';
import { SecurityModule } from '@mcpspy/security';
import { McpMetricsOutput, OtlpOutput, SinkModule, type SinkOutput } from '@mcpspy/sink';
import { WebModule } from '@mcpspy/web';

export const STAGE_MODULES: Record<StageName, (rt: StageRuntime) => DynamicModule> = {
  probe: (rt) => ProbeModule.register(rt),
  'http-session': (rt) => HttpSessionModule.register(rt),
  'mcp-parser': (rt) => McpParserModule.register(rt),
  security: (rt) => SecurityModule.register(rt),
  sink: (rt) => SinkModule.register(rt, sinkOutputs(rt)),
  web: (rt) => WebModule.register(rt),
};

/**
 * The sink's outputs beside JSONL/console/TUI: the per-method/tool Prometheus
 * series (always; served with --metrics-port) and, with --otlp, the
 * OpenTelemetry export (its counters under `stage="otlp"` in /metrics).
 */
export function sinkOutputs(rt: StageRuntime): SinkOutput[] {
  const outputs: SinkOutput[] = [new McpMetricsOutput({ registry: rt.metrics.registry })];
  if (rt.config.otlp) {
    const otlp = new OtlpOutput({ logger: rt.logger.child({ stage: 'sink', output: 'otlp' }), endpoint: rt.config.otlpEndpoint });
    rt.metrics.addCounters('otlp', () => otlp.stats());
    outputs.push(otlp);
  }
  return outputs;
}

/** Pipeline order: producers first. Start in reverse (consumers ready first), stop in this order. */
export const PIPELINE: readonly StageName[] = ['probe', 'http-session', 'mcp-parser', 'security', 'sink', 'web'];
