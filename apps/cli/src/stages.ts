/**
 * The composition root: the only place that knows every stage. Apps never
 * import each other; the command puts them together.
 */
import { DynamicModule } from '@nestjs/common';
import { StageName, StageRuntime } from '@mcpspy/runtime';
import type { SinkOutput } from '@mcpspy/sink';

/**
 * Each stage's module, its package loaded on first use: a `mcpspy serve
 * <stage>` process holds only its own stage's code (every stage's packages
 * together cost a process ~12 MB of RSS more than one; bench/README.md).
 */
export const STAGE_MODULES: Record<StageName, (rt: StageRuntime) => Promise<DynamicModule>> = {
  probe: async (rt) => (await import('@mcpspy/probe')).ProbeModule.register(rt),
  'http-session': async (rt) => (await import('@mcpspy/http-session')).HttpSessionModule.register(rt),
  'mcp-parser': async (rt) => (await import('@mcpspy/mcp-parser')).McpParserModule.register(rt),
  security: async (rt) => (await import('@mcpspy/security')).SecurityModule.register(rt),
  sink: async (rt) => (await import('@mcpspy/sink')).SinkModule.register(rt, await sinkOutputs(rt)),
  web: async (rt) => (await import('@mcpspy/web')).WebModule.register(rt),
};

/**
 * The sink's outputs beside JSONL/console/TUI: the per-method/tool Prometheus
 * series (always; served with --metrics-port) and, with --otlp, the
 * OpenTelemetry export (its counters under `stage="otlp"` in /metrics).
 */
export async function sinkOutputs(rt: StageRuntime): Promise<SinkOutput[]> {
  const { McpMetricsOutput, OtlpOutput } = await import('@mcpspy/sink');
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
